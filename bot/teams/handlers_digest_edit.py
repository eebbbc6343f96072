"""'Ret overskrifter' in Teams: the draft card's button opens a dialog, its submit calls the same
DigestService.edit as Slack's modal.

    task/fetch DIGEST_EDIT_DIALOG   -> edit_dialog_opened: the dialog, for a draft only
    task/submit DIGEST_EDIT_SUBMIT  -> edit_dialog_submitted: labels that cannot be used bring the
                                       dialog back with the typed text and what is wrong; else
                                       the edited draft goes to every facilitator (the service)
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.core.access import AccessDenied, require
from bot.core.answering import RoundError
from bot.core.i18n import t
from bot.digest.edit import MAX_LABEL, label_problem
from bot.digest.model import Digest
from bot.digest.service import DRAFT, changed
from bot.teams import actions, cards_digest_edit, responses
from bot.teams.sdk import ActivityContext, api

if TYPE_CHECKING:
    from bot.teams.handlers import TeamsHandlers

logger = logging.getLogger(__name__)


def _draft(h: TeamsHandlers, member_id: str, digest_id: int) -> Digest:
    require(h.services.network, member_id, "review_digest")
    digest = h.services.digests.load(digest_id)  # type: ignore[union-attr]
    if digest.status != DRAFT:
        raise RoundError("digest_decided", status=digest.status)
    return digest


async def edit_dialog_opened(
    h: TeamsHandlers, ctx: ActivityContext[api.TaskFetchInvokeActivity]
) -> Any:
    member = h.member(ctx.activity)
    lang = h.language(member)
    try:
        action = actions.parse_action(ctx.activity.value.data)
        if member is None:
            return responses.dialog_message(t("teams_edge.not_member", lang))
        digest = await asyncio.to_thread(_draft, h, member.id, action.digest_id)
    except actions.MalformedAction:
        return responses.dialog_message(t("slack.error.generic", lang))
    except (AccessDenied, RoundError) as exc:
        return responses.dialog_message(h.explain(exc, lang))
    card = cards_digest_edit.build_digest_edit_dialog(digest)
    return responses.dialog(cards_digest_edit.edit_dialog_title(digest.language), card)


async def edit_dialog_submitted(
    h: TeamsHandlers, ctx: ActivityContext[api.TaskSubmitInvokeActivity]
) -> Any:
    member = h.member(ctx.activity)
    lang = h.language(member)
    try:
        action = actions.parse_action(ctx.activity.value.data)
    except actions.MalformedAction:
        return responses.dialog_message(t("slack.error.generic", lang))
    if member is None:
        return responses.dialog_message(t("teams_edge.not_member", lang))

    def save() -> Any:
        digest = _draft(h, member.id, action.digest_id)  # type: ignore[arg-type]
        people = [m.name for m in h.services.network.members]
        problems = []
        for index, label in sorted(action.labels.items()):
            problem = label_problem(label, people)
            if problem is not None:
                exc = RoundError(problem, theme=index + 1, limit=MAX_LABEL)
                problems.append(h.explain(exc, lang))
        left_out = cards_digest_edit.left_out_keys(digest, action.left_out)
        if not problems:
            try:
                edited = h.services.digests.edit(  # type: ignore[union-attr]
                    digest.id, member.id, action.labels, left_out
                )
            except RoundError as exc:
                if exc.key == "digest_decided":
                    raise
                problems = [h.explain(exc, lang)]
            else:
                key = (
                    "digest_review.unchanged"
                    if not changed(digest, edited)
                    else "teams_edge.digest_edited"
                )
                return responses.dialog_message(t(key, lang))
        # The dialog again, with what was typed and what is wrong.
        card = cards_digest_edit.build_digest_edit_dialog(
            digest, labels=action.labels, left_out=action.left_out, problems=problems
        )
        return responses.dialog(cards_digest_edit.edit_dialog_title(digest.language), card)

    try:
        return await asyncio.to_thread(save)
    except (AccessDenied, RoundError) as exc:
        return responses.dialog_message(h.explain(exc, lang))
    except Exception:
        logger.exception("digest %s: the Teams edit failed", action.digest_id)
        return responses.dialog_message(t("digest_review.failed", lang))
