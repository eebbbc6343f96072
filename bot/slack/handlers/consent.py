"""The consent request's Ja / Nej buttons: record the clicking member's answer with the version
of the text they saw, then replace the request with what was recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import Ack, App

from bot.core.access import AccessDenied, require
from bot.core.consent import answer_consent_request
from bot.core.i18n import t
from bot.core.services import Services
from bot.privacy.redact import PrivacyError
from bot.slack import blocks_consent
from bot.slack.errors import slack_ref
from bot.slack.handlers.common import after_ack, explain, language, member_of, messenger
from bot.slack.handlers.home import publish_home

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    member_id: str
    key: str | None = None  # the confirmation (consent.answered_yes / _no) when recorded
    refusal: str = ""  # else what the member is told instead


def consent_clicked(services: Services, body: dict, consent: bool) -> Outcome:
    """Record the clicking member's answer (before the acknowledgement: only the database)."""
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    version = (body.get("actions") or [{}])[0].get("value")
    try:
        require(services.network, user, "consent")
        return Outcome(user, key=answer_consent_request(services, user, consent, version))
    except AccessDenied as exc:
        return Outcome(user, refusal=explain(exc, lang))
    except (PrivacyError, ValueError):
        # An erased member, or a button whose version is not one flipbot writes.
        logger.warning("a consent button from %s could not be used", user)
        command = t(blocks_consent.COMMAND_KEY, lang)
        return Outcome(user, refusal=t("consent.bad_answer", lang, command=command))


def show_answer(services: Services, body: dict, outcome: Outcome) -> None:
    """Replace the request with the recorded answer (a refusal goes to the member's DM)."""
    lang = language(services, outcome.member_id)
    container = body.get("container") or {}
    if container.get("type") == "view" and outcome.key is not None:
        publish_home(services, outcome.member_id)  # clicked on App Home: show the new choice
        return
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if outcome.key is None or not (channel and ts):
        text = outcome.refusal or t(outcome.key or "", lang)
        messenger(services).post_text(body["user"]["id"], text)
        return
    text, message = blocks_consent.build_consent_answered(lang, outcome.key)
    messenger(services).update_message(slack_ref(channel, ts), text, message)


def register(app: App, services: Services) -> None:
    @app.action(blocks_consent.CONSENT_YES)
    def consent_yes_clicked(ack: Ack, body: dict) -> None:
        outcome = consent_clicked(services, body, True)
        ack()
        after_ack(show_answer, services, body, outcome)

    @app.action(blocks_consent.CONSENT_NO)
    def consent_no_clicked(ack: Ack, body: dict) -> None:
        outcome = consent_clicked(services, body, False)
        ack()
        after_ack(show_answer, services, body, outcome)
