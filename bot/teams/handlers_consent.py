"""The consent request's Ja / Nej in Teams: record the clicking member's answer with the version
of the text they saw; the card turns into what was recorded.

    Action.Execute CONSENT_YES / CONSENT_NO -> consent_clicked (bot.teams.cards_consent)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.core.access import AccessDenied, require
from bot.core.consent import answer_consent_request
from bot.core.i18n import t
from bot.privacy.redact import PrivacyError
from bot.teams import cards_consent, cards_privacy
from bot.teams.sdk import ActivityContext, App, api

if TYPE_CHECKING:
    from bot.teams.handlers import TeamsHandlers

logger = logging.getLogger(__name__)


async def consent_clicked(
    h: TeamsHandlers, ctx: ActivityContext[api.AdaptiveCardInvokeActivity]
) -> Any:
    """Ja or Nej on the consent request: recorded for whoever clicked, then shown in place."""
    member = h.member(ctx.activity)
    lang = h.language(member)
    data = ctx.activity.value.action.data
    data = data if isinstance(data, Mapping) else {}
    consent = data.get("action") == cards_consent.CONSENT_YES
    if member is None:
        reply = t("teams_edge.not_member", lang)
        return api.AdaptiveCardActionCardResponse(
            value=cards_privacy.build_notice_card(reply, lang)
        )
    try:
        require(h.services.network, member.id, "consent")
        key = await asyncio.to_thread(
            answer_consent_request,
            h.services,
            member.id,
            consent,
            data.get(cards_consent.VERSION_KEY),
        )
    except AccessDenied as exc:
        card = cards_privacy.build_notice_card(h.explain(exc, lang), lang)
    except (PrivacyError, ValueError):
        # An erased member, or a card whose version is not one flipbot writes.
        logger.warning("a consent card action from %s could not be used", member.id)
        command = t(cards_consent.COMMAND_KEY, lang)
        card = cards_privacy.build_notice_card(t("consent.bad_answer", lang, command=command), lang)
    else:
        card = cards_consent.build_consent_answered_card(lang, key)
    return api.AdaptiveCardActionCardResponse(value=card)


def register(app: App, handlers: TeamsHandlers) -> None:
    for verb in (cards_consent.CONSENT_YES, cards_consent.CONSENT_NO):
        app.on_card_action_execute(verb)(partial(consent_clicked, handlers))
