"""The `/flip slet-mig` buttons: erase the member who clicked (never whoever the button names),
once, and replace the question with what happened."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond

from bot.core.access import AccessDenied, require
from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.core.models import MessageRef
from bot.core.services import Services
from bot.privacy.erasure import erase_member
from bot.privacy.redact import PrivacyError
from bot.slack import blocks_privacy
from bot.slack.handlers.common import after_ack, explain, language, member_of, messenger
from bot.store.privacy import answer_posts

logger = logging.getLogger(__name__)


def erase_clicked(services: Services, body: dict) -> tuple[str, list[MessageRef]]:
    """Erase the clicking member (before the acknowledgement: only the database). Returns the
    reply and the bot's own posts of their answers, to delete after the acknowledgement."""
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    try:
        require(services.network, user, "erase_self")
        if services.store.member(user) is None:
            return t("privacy.already_erased", lang), []  # a second click, or an admin did it
        posts = answer_posts(services.store, user)
        result = erase_member(services, user, by=user)
    except AccessDenied as exc:
        return explain(exc, lang), []
    except PrivacyError:
        # Two clicks at once: the other one erased them between the check and here.
        return t("privacy.already_erased", lang), []
    reply = (
        t("privacy.erased", lang, responses=result.responses)
        + "\n"
        + t("privacy.erase_no_more_prompts", lang)
    )
    return reply, posts


def delete_posts(services: Services, posts: list[MessageRef]) -> None:
    """Delete the bot's thread posts that showed an erased member's answers; one failure does
    not stop the rest (the erasure itself is done and audited)."""
    for post in posts:
        try:
            messenger(services).delete_message(post)
        except DeliveryFailed:
            logger.exception("could not delete an erased member's answer post")


def cancel_clicked(services: Services, body: dict) -> str:
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    try:
        require(services.network, user, "erase_self")
    except AccessDenied as exc:
        return explain(exc, lang)
    return t("privacy.erase_cancelled", lang)


def tell(services: Services, body: dict, respond: Respond, text: str) -> None:
    """Replace the ephemeral question with the outcome; without a response_url, a DM."""
    if body.get("response_url"):
        respond(text=text, replace_original=True, response_type="ephemeral")
    else:
        messenger(services).post_text(body["user"]["id"], text)


def register(app: App, services: Services) -> None:
    @app.action(blocks_privacy.ERASE_CONFIRM)
    def erase_confirmed(ack: Ack, body: dict, respond: Respond) -> None:
        reply, posts = erase_clicked(services, body)
        ack()
        after_ack(delete_posts, services, posts)
        after_ack(tell, services, body, respond, reply)

    @app.action(blocks_privacy.ERASE_CANCEL)
    def erase_cancelled(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        after_ack(tell, services, body, respond, cancel_clicked(services, body))
