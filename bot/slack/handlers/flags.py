"""The question before an answer that seems to name a citizen is stored (issue 15): the answer
modal turns into it (response_action update), a thread reply gets it as a message in the thread
(ephemeral in a channel round); Fjern / Behold store the answer (bot.core.answering)."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond

from bot.core.access import AccessDenied, require
from bot.core.answering import AnswerResult, PendingAnswer, RoundError
from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.core.services import Services
from bot.privacy.redact import redaction_notice
from bot.slack import blocks_flags
from bot.slack.guard import BadPayload
from bot.slack.handlers.common import after_ack, explain, language, member_of, messenger

logger = logging.getLogger(__name__)


def flag_view(pending: PendingAnswer, lang: str, private: bool) -> dict:
    """The acknowledgement of an answer modal whose answer waits: the modal shows the question."""
    view = blocks_flags.build_flag_modal(pending, lang, private=private)
    return {"response_action": "update", "view": view.to_dict()}


def ask_in_thread(
    services: Services,
    pending: PendingAnswer,
    channel: str,
    thread_ts: str,
    user: str,
    in_channel: bool,
) -> None:
    """Ask in the prompt's thread: visibly in a DM, only to the member in a shared channel."""
    lang = language(services, user)
    message = blocks_flags.build_flag_message(pending, lang)
    slack = messenger(services)
    if in_channel:
        slack.post_ephemeral(
            channel, user, message["text"], blocks_flags.choice_blocks(pending, lang)
        )
    else:
        slack.client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)


def choose(services: Services, body: dict, remove: bool) -> tuple[AnswerResult | None, str]:
    """Store the waiting answer as the member chose; (the result, what to tell them)."""
    try:
        user = member_of(services, body["user"]["id"])
        pending_id = str(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError) as exc:
        raise BadPayload(f"flag choice: {type(exc).__name__}") from None
    lang = language(services, user)
    try:
        require(services.network, user, "answer")
        result = services.rounds.resolve_pending(pending_id, user, remove=remove)
    except (AccessDenied, RoundError) as exc:
        return None, explain(exc, lang)
    return result, t("flag.removed" if remove else "flag.kept", lang)


def chosen(services: Services, body: dict, respond: Respond, remove: bool) -> None:
    """After the acknowledgement: store, then replace the question with what happened."""
    from bot.slack.handlers.views import show_answer

    result, text = choose(services, body, remove)
    lang = language(services, member_of(services, body["user"]["id"]))
    view = body.get("view")
    if view:
        _, private = blocks_flags.read_flag_modal(view.get("private_metadata", ""))
        done = blocks_flags.build_flag_done_modal(text, lang)
        messenger(services).client.views_update(view_id=view["id"], view=done)
        if result is not None:
            show_answer(services, result, private)
        return
    if result is not None:
        notice = redaction_notice(result.redacted, lang)
        if notice:
            text = f"{text} {notice}"
        if remove:
            # Their own Slack message still holds the name; only they can delete it.
            text = f"{text} {t('privacy.delete_own_message', lang)}"
    if body.get("response_url"):
        respond(text=text, replace_original=True)
    if result is not None:
        try:
            services.rounds.confirm_answer(result)
        except DeliveryFailed as exc:
            logger.warning("answer stored, but the prompt could not be updated: %s", exc.error)


def register(app: App, services: Services) -> None:
    @app.action(blocks_flags.FLAG_REMOVE)
    def flag_remove_clicked(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        after_ack(chosen, services, body, respond, True)

    @app.action(blocks_flags.FLAG_KEEP)
    def flag_keep_clicked(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        after_ack(chosen, services, body, respond, False)
