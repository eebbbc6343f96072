"""Buttons: answer / edit (open the modal), skip, snooze on a prompt; remind, close, start on App Home."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App

from bot.core import facilitation
from bot.core.access import AccessDenied, require
from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.core.models import DeliveryStatus
from bot.core.rounds import RoundError
from bot.core.services import Services
from bot.slack import blocks
from bot.slack.handlers import home
from bot.slack.handlers.commands import start_modal
from bot.slack.handlers.common import (
    after_ack,
    explain,
    language,
    member_of,
    messenger,
    safe_ephemeral,
)

logger = logging.getLogger(__name__)


def _clicked(services: Services, body: dict) -> tuple[str, int | None, str | None, str | None]:
    """(user, round id from the button value, channel, message ts) of a button click."""
    action = body["actions"][0]
    value = action.get("value") or ""
    container = body.get("container") or {}
    return (
        member_of(services, body["user"]["id"]),
        int(value) if value.isdigit() else None,
        container.get("channel_id"),
        container.get("message_ts"),
    )


def open_answer_modal(services: Services, body: dict) -> None:
    """Open the answer modal, filled with the stored answer when there is one (editing).
    Runs after the acknowledgement: Slack's trigger_id stays valid for three seconds."""
    user, round_id, channel, ts = _clicked(services, body)
    lang = language(services, user)
    try:
        require(services.network, user, "answer")
        round = services.rounds.get_round(round_id)  # type: ignore[arg-type]
        if services.store.delivery(round.id, user) is None:
            raise RoundError("not_in_round", round_id=round.id)
    except (AccessDenied, RoundError) as exc:
        safe_ephemeral(services, channel, user, explain(exc, lang))
        return
    prompt = services.rounds.prompt_of(round)
    response = services.store.response(round.id, user)
    view = blocks.build_answer_modal(
        prompt,
        lang,
        blocks.ModalContext(round.id, channel, ts),
        response=response,
        in_channel=round.channel is not None,
    )
    messenger(services).client.views_open(trigger_id=body["trigger_id"], view=view)


def _show_state(services: Services, user: str, round_id: int, state: str) -> None:
    round = services.rounds.get_round(round_id)
    delivery = services.store.delivery(round_id, user)
    member = services.network.member(user)
    if delivery is None or member is None or delivery.ref is None:
        return
    if round.channel:
        text = t(f"slack.state.{state}", language(services, user))
        safe_ephemeral(services, delivery.ref.conversation, user, text)
        return

    try:
        messenger(services).update_prompt(
            member,
            round,
            services.rounds.prompt_of(round),
            delivery.ref,
            state,
        )
    except DeliveryFailed:
        logger.warning("could not show %s on round %s's prompt", state, round_id)


def skip_or_snooze(services: Services, body: dict, what: str) -> None:
    user, round_id, channel, _ = _clicked(services, body)
    lang = language(services, user)
    try:
        require(services.network, user, "answer")
        if round_id is None:
            raise RoundError("round_not_found", round_id="?")
        if what == "skip":
            before = services.store.delivery(round_id, user)
            services.rounds.skip(round_id, user)
            if before is not None and before.status == DeliveryStatus.SKIPPED:
                return  # a second click: the message already says so
            state = "skipped"
        else:
            services.rounds.snooze(round_id, user)
            state = "snoozed"
    except (AccessDenied, RoundError) as exc:
        after_ack(safe_ephemeral, services, channel, user, explain(exc, lang))
        return
    after_ack(_show_state, services, user, round_id, state)


def facilitator_button(services: Services, body: dict, what: str) -> None:
    user, round_id, channel, _ = _clicked(services, body)
    lang = language(services, user)
    try:
        if what == "remind":
            round = facilitation.check_open_round(services, user, round_id, "remind")
            work = facilitation.remind_now
        else:
            round = facilitation.check_open_round(services, user, round_id, "close_round")
            work = facilitation.close_now
    except (AccessDenied, RoundError) as exc:
        after_ack(messenger(services).post_text, user, explain(exc, lang))
        return

    def then_refresh():
        work(services, round.id, user)
        home.publish_home(services, user)

    after_ack(then_refresh)


def start_button(services: Services, body: dict) -> None:
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    try:
        require(services.network, user, "start_round")
    except AccessDenied as exc:
        after_ack(messenger(services).post_text, user, explain(exc, lang))
        return
    view = start_modal(services, lang)
    messenger(services).client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App, services: Services) -> None:
    @app.action(blocks.ANSWER)
    def answer_button_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(open_answer_modal, services, body)

    @app.action(blocks.EDIT)
    def edit_button_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(open_answer_modal, services, body)

    @app.action(blocks.SKIP)
    def skip_button_clicked(ack: Ack, body: dict) -> None:
        skip_or_snooze(services, body, "skip")
        ack()

    @app.action(blocks.SNOOZE)
    def snooze_button_clicked(ack: Ack, body: dict) -> None:
        skip_or_snooze(services, body, "snooze")
        ack()

    @app.action(blocks.HOME_REMIND)
    def home_remind_clicked(ack: Ack, body: dict) -> None:
        ack()
        facilitator_button(services, body, "remind")

    @app.action(blocks.HOME_CLOSE)
    def home_close_clicked(ack: Ack, body: dict) -> None:
        ack()
        facilitator_button(services, body, "close")

    @app.action(blocks.HOME_START)
    def home_start_clicked(ack: Ack, body: dict) -> None:
        ack()
        start_button(services, body)
