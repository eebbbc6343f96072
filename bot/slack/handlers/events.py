"""Events: a reply in a prompt's thread is (or adds to) the member's answer; other DMs get help.
Slack delivers an event again when it missed our acknowledgement: dedupe on event_id."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltResponse

from bot.core.access import AccessDenied, require
from bot.core.answering import AnswerResult, FlagsFound, RoundError
from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.core.models import Delivery
from bot.core.services import Services
from bot.privacy.redact import redaction_notice
from bot.slack.handlers import flags
from bot.slack.handlers.common import (
    after_ack,
    explain,
    language,
    member_of,
    messenger,
    safe_ephemeral,
)

logger = logging.getLogger(__name__)

# Message subtypes that are a person writing; edits, joins and bot posts are not answers.
PERSON_SUBTYPES = {None, "file_share", "thread_broadcast"}


def register_dedupe(app: App, services: Services) -> None:
    @app.middleware
    def drop_repeated_events(body: dict, next) -> BoltResponse | None:
        # Keyed on event_id, not on X-Slack-Retry-Num: the first delivery to arrive may be a retry.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not services.store.first_sight_of_event("slack", event_id):
            return BoltResponse(status=200, body="")
        return next()


def thread_reply(services: Services, event: dict) -> None:
    """Store a thread reply as the member's answer (before the acknowledgement); confirm after."""
    user, channel = member_of(services, event.get("user") or ""), event.get("channel")
    thread_ts, text = event.get("thread_ts"), event.get("text") or ""
    delivery = services.store.delivery_by_message("slack", channel or "", thread_ts or "")
    if delivery is None:
        if event.get("channel_type") == "im":
            after_ack(
                messenger(services).post_text,
                channel,
                t("slack.dm.help", language(services, user)),
                thread_ts,
            )
        return
    _answer_from_thread(
        services,
        delivery,
        user,
        thread_ts,
        lambda round_id: services.rounds.add_to_answer(
            round_id, user, text, source="thread", ask_first=True
        ),
        ("slack.thread.added", "slack.thread.saved"),
    )


def reply_edited(services: Services, event: dict) -> None:
    """A member edited a reply in a prompt's thread: their stored answer follows the edit."""
    message, before = event.get("message") or {}, event.get("previous_message") or {}
    user, thread_ts = member_of(services, message.get("user") or ""), message.get("thread_ts")
    # Slack also says "changed" when the bot updates a prompt or a thread gets a new reply.
    if (
        message.get("bot_id")
        or not message.get("user")
        or not thread_ts
        or thread_ts == message.get("ts")
    ):
        return
    old, new = before.get("text") or "", message.get("text") or ""
    delivery = services.store.delivery_by_message("slack", event.get("channel") or "", thread_ts)
    if delivery is None or old == new:
        return
    _answer_from_thread(
        services,
        delivery,
        user,
        thread_ts,
        lambda round_id: services.rounds.edit_reply(round_id, user, old, new),
        ("slack.thread.edited", "slack.thread.edited"),
    )


def _answer_from_thread(
    services: Services,
    delivery: Delivery,
    user: str,
    thread_ts: str,
    change: Callable[[int], AnswerResult],
    said: tuple[str, str],
) -> None:
    """Make the change to the member's answer before the acknowledgement, then confirm it in
    the thread with said[0] (they had an answer) or said[1] (this is their first)."""
    round = services.rounds.get_round(delivery.round_id)
    channel = (delivery.ref.conversation if delivery.ref else None) or round.channel
    in_channel = round.channel is not None
    # In a DM round the thread belongs to one member; in a channel round anyone in the round may
    # reply (colleagues who are not in it are just talking, and get no answer from the bot).
    if not in_channel and delivery.member_id != user:
        return
    lang = language(services, user)
    try:
        require(services.network, user, "answer")
        had = services.store.response(round.id, user) is not None
        result = change(round.id)
    except FlagsFound as found:
        after_ack(
            flags.ask_in_thread, services, found.pending, channel, thread_ts, user, in_channel
        )
        return
    except RoundError as exc:
        if in_channel and exc.key == "not_in_round":
            return
        reply = t("slack.thread.closed", lang) if exc.key == "round_closed" else explain(exc, lang)
        after_ack(tell, services, channel, thread_ts, user, reply, in_channel)
        return
    except AccessDenied:
        return
    notice = redaction_notice(result.redacted, lang)
    if result.outcome == "unchanged" and not notice:
        return
    how = t(said[0] if had else said[1], lang)
    if notice:
        # Their own Slack message still holds what was removed; only they can delete it.
        how = f"{how} {notice} {t('privacy.delete_own_message', lang)}"
    after_ack(confirm_reply, services, result, channel, thread_ts, how, in_channel)


def tell(services: Services, channel: str, thread_ts: str, user: str, text: str, ephemeral: bool):
    """Answer in the thread: visibly in a DM, only to the member in a shared channel."""
    if ephemeral:
        safe_ephemeral(services, channel, user, text)
    else:
        messenger(services).post_text(channel, text, thread_ts)


def confirm_reply(
    services: Services,
    result: AnswerResult,
    channel: str,
    thread_ts: str,
    text: str,
    in_channel: bool,
) -> None:
    tell(services, channel, thread_ts, result.response.member_id, text, in_channel)
    try:
        services.rounds.confirm_answer(result)
    except DeliveryFailed as exc:
        logger.warning("answer stored, but the prompt could not be updated: %s", exc.error)


def register(app: App, services: Services) -> None:
    @app.event("message")
    def message_received(event: dict) -> None:
        if event.get("subtype") == "message_changed":
            reply_edited(services, event)
            return
        if event.get("bot_id") or event.get("subtype") not in PERSON_SUBTYPES:
            return
        if not event.get("user"):
            return
        if event.get("thread_ts") and event.get("thread_ts") != event.get("ts"):
            thread_reply(services, event)
        elif event.get("channel_type") == "im":
            lang = language(services, member_of(services, event["user"]))
            after_ack(messenger(services).post_text, event["channel"], t("slack.dm.help", lang))
