"""Teams: the question before an answer that seems to name a citizen is stored (issue 15). The
answer dialog's submit returns the Fjern / Behold card (TaskModuleContinueResponse), a quoted
reply gets it in the chat; the card's Action.Execute verbs land in flag_chosen, which stores the
answer as chosen and turns the card into what happened."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.core.access import AccessDenied, require
from bot.core.answering import PendingAnswer, RoundError
from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.core.network import Member
from bot.privacy.redact import redaction_notice
from bot.teams import cards_flags, cards_privacy
from bot.teams.responses import dialog
from bot.teams.sdk import ActivityContext, api

if TYPE_CHECKING:
    from bot.teams.handlers import TeamsHandlers

logger = logging.getLogger(__name__)


def flag_dialog(pending: PendingAnswer, lang: str) -> Any:
    """The dialog's answer to a flagged submit: the question card in place of the form."""
    return dialog(t("flag.title", lang), cards_flags.build_flag_card(pending, lang))


def flag_card(pending: PendingAnswer, lang: str) -> Any:
    """The question card for a quoted reply in the 1:1 chat."""
    return cards_flags.build_flag_card(pending, lang)


def choose(h: TeamsHandlers, member: Member, pending_id: str, remove: bool, lang: str) -> str:
    """Store the waiting answer as chosen; what to tell the member."""
    try:
        require(h.services.network, member.id, "answer")
        result = h.services.rounds.resolve_pending(pending_id, member.id, remove=remove)
    except (AccessDenied, RoundError) as exc:
        return h.explain(exc, lang)
    try:
        h.services.rounds.confirm_answer(result)
    except DeliveryFailed as exc:
        # Stored; only the prompt card still shows its old buttons.
        logger.warning("answer stored, but the prompt could not be updated: %s", exc.error)
    said = t("flag.removed" if remove else "flag.kept", lang)
    notice = redaction_notice(result.redacted, lang)
    return f"{said} {notice}" if notice else said


async def flag_chosen(
    h: TeamsHandlers, ctx: ActivityContext[api.AdaptiveCardInvokeActivity]
) -> Any:
    """Fjern or Behold on the question card: the card turns into what happened."""
    member = h.member(ctx.activity)
    lang = h.language(member)
    action = ctx.activity.value.action
    pending_id = cards_flags.read_pending_id(action.data)
    if member is None:
        reply = t("teams_edge.not_member", lang)
    elif pending_id is None or action.verb not in cards_flags.FLAG_VERBS:
        reply = t("slack.error.generic", lang)
    else:
        remove = action.verb == cards_flags.FLAG_REMOVE
        reply = await asyncio.to_thread(choose, h, member, pending_id, remove, lang)
    card = cards_privacy.build_notice_card(reply, lang)
    return api.AdaptiveCardActionCardResponse(value=card)
