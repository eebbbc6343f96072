"""Modal submissions: an answer (stored before the acknowledgement) and the start-a-round form."""

from __future__ import annotations

import logging
from datetime import date, datetime

from slack_bolt import Ack, App

from bot.core import facilitation
from bot.core.access import AccessDenied, require
from bot.core.answering import AnswerResult, FlagsFound, RoundError
from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.core.services import Services
from bot.privacy.redact import redaction_notice
from bot.slack import blocks, blocks_sparring
from bot.slack.guard import BadPayload
from bot.slack.handlers import flags
from bot.slack.handlers.commands import start_reply
from bot.slack.handlers.common import (
    after_ack,
    after_ack_bulk,
    explain,
    language,
    member_of,
    messenger,
    safe_ephemeral,
)
from bot.store.privacy import record_answer_post

logger = logging.getLogger(__name__)


def submit_answer(services: Services, body: dict, view: dict) -> dict | None:
    """Store the answer; return Slack's `errors` response (shown in the modal) when it is not valid,
    or the flag question (`update`) when it seems to name a citizen."""
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    try:
        context = blocks.ModalContext.load(view.get("private_metadata", ""))
        answers, quotable, private = blocks.read_answer_modal(view["state"]["values"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # Slack sends back what flipbot put in the modal: anything else did not come from us.
        raise BadPayload(f"answer modal: {type(exc).__name__}") from None
    first = blocks.question_block_id(next(iter(answers), "q1"))
    try:
        require(services.network, user, "answer")
        if services.sparring is not None:  # how a sparring case's owner sees this answerer
            services.sparring.set_show_name(
                context.round_id, user, blocks_sparring.show_name_ticked(view["state"]["values"])
            )
        result = services.rounds.record_answer(
            context.round_id, user, answers, quotable=quotable, source="modal", ask_first=True
        )
    except FlagsFound as found:
        # A likely name or health word: nothing stored yet, the modal asks Fjern / Behold.
        return flags.flag_view(found.pending, lang, private)
    except (AccessDenied, RoundError) as exc:
        question = getattr(exc, "params", {}).get("question")
        block = blocks.question_block_id(question) if question in answers else first
        return {"response_action": "errors", "errors": {block: explain(exc, lang)}}
    if result.outcome != "unchanged":
        after_ack(show_answer, services, result, private)
    return None


def show_answer(services: Services, result: AnswerResult, private: bool) -> None:
    """The prompt turns 'answered'; in a channel round the answer also goes in the thread (unless
    the member asked to keep it for facilitators and researchers) and the thanks is ephemeral."""
    try:
        services.rounds.confirm_answer(result)
    except DeliveryFailed as exc:
        # The answer is stored; only the DM still shows the old buttons.
        logger.warning("answer stored, but the prompt could not be updated: %s", exc.error)
    round = result.round
    member_id = result.response.member_id
    lang = language(services, member_id)
    # What was taken out before storing; the modal is gone, so the member is told in chat.
    notice = redaction_notice(result.redacted, lang)
    delivery = services.store.delivery(round.id, member_id)
    if not round.channel:
        if notice:
            channel = delivery.ref.conversation if delivery and delivery.ref else member_id
            messenger(services).post_text(channel, notice)
        return
    member = services.network.member(member_id)
    if delivery is None or delivery.ref is None or member is None:
        return
    channel = delivery.ref.conversation or round.channel
    if not private and result.outcome == "created":
        # The stored text: already redacted, so the thread never shows what was removed.
        post = messenger(services).post_channel_answer(
            channel, delivery.ref.message, member, result.response.text
        )
        # Remembered so that erasing the member can delete the post (bot.slack.handlers.privacy).
        record_answer_post(services.store, round.id, member_id, post)
    thanks = t("slack.thread.saved", lang)
    safe_ephemeral(services, channel, member_id, f"{thanks} {notice}" if notice else thanks)


def submit_start(services: Services, body: dict, view: dict) -> dict | None:
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    values = view.get("state", {}).get("values")
    if not isinstance(values, dict):
        raise BadPayload("start modal without values")
    prompt_id = (
        (values.get(blocks.START_PROMPT, {}).get(blocks.START_PROMPT) or {}).get("selected_option")
        or {}
    ).get("value")
    audience = [
        o["value"]
        for o in (values.get(blocks.START_AUDIENCE, {}).get(blocks.START_AUDIENCE) or {}).get(
            "selected_options"
        )
        or []
    ] or "all"
    picked = (values.get(blocks.START_CLOSES, {}).get(blocks.START_CLOSES) or {}).get(
        "selected_date"
    )
    network = services.network
    try:
        require(network, user, "start_round")
        prompt = services.library.get(prompt_id or "")
        if prompt is None:
            raise RoundError("prompt_not_found", prompt_id=prompt_id)
        try:
            closes_at = (
                datetime.combine(
                    date.fromisoformat(picked), network.working_hours.end, tzinfo=network.tz
                )
                if picked
                else None
            )
        except (TypeError, ValueError):
            raise BadPayload("start modal: not a date") from None
        if closes_at is None or closes_at <= services.rounds.clock():
            return {
                "response_action": "errors",
                "errors": {blocks.START_CLOSES: t("slack.start.closes_error", lang)},
            }
        round = services.rounds.start_round(prompt, audience, closes_at, user, deliver=False)
    except (AccessDenied, RoundError) as exc:
        return {"response_action": "errors", "errors": {blocks.START_PROMPT: explain(exc, lang)}}
    after_ack_bulk(facilitation.fan_out, services, round.id, user)
    after_ack(messenger(services).post_text, user, start_reply(services, round, prompt, lang))
    return None


def register(app: App, services: Services) -> None:
    @app.view(blocks.ANSWER_MODAL)
    def answer_modal_submitted(ack: Ack, body: dict, view: dict) -> None:
        errors = submit_answer(services, body, view)
        ack(**errors) if errors else ack()

    @app.view(blocks.START_MODAL)
    def start_modal_submitted(ack: Ack, body: dict, view: dict) -> None:
        errors = submit_start(services, body, view)
        ack(**errors) if errors else ack()
