"""The /flip commands typed in Teams beyond a round's own (bot.teams.handlers has those):

    digest [round]    -> do_digest: the round's stored digest (or an unsaved draft of a closed
                         round without one), as a card and its full text, in the member's 1:1 chat
    reopen round      -> do_reopen (facilitators): open again, the prompts get their buttons back
    prompts [theme]   -> do_prompts: the library by theme
    slet-mig          -> do_erase_self: a question card; its verbs ERASE_CONFIRM / ERASE_CANCEL
                         land in erase_clicked, which erases whoever clicked (never whoever the
                         card names) and deletes the bot's posts of their answers

Each do_* has TeamsHandlers' command signature (handlers, member, command, language).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.core import facilitation
from bot.core.access import AccessDenied, require
from bot.core.command import Command
from bot.core.i18n import format_datetime, t
from bot.core.messenger import DeliveryFailed, PlatformMessengers
from bot.core.models import MessageRef
from bot.core.network import Member
from bot.core.services import Services
from bot.digest.model import Digest
from bot.digest.service import APPROVED, REJECTED
from bot.privacy.erasure import erase_member
from bot.privacy.redact import PrivacyError
from bot.store.privacy import answer_posts
from bot.teams import actions, cards_overview, cards_privacy
from bot.teams.background import later
from bot.teams.sdk import ActivityContext, MessageActivityInput, api

if TYPE_CHECKING:
    from bot.teams.handlers import TeamsHandlers
    from bot.teams.messenger import TeamsMessenger

logger = logging.getLogger(__name__)

REOPEN_FOR = timedelta(days=3)  # as in Slack's /flip reopen


def teams_messenger(services: Services) -> TeamsMessenger:
    """The Teams side of the process's messengers (a network may mix Slack and Teams)."""
    found = services.rounds.messenger
    if isinstance(found, PlatformMessengers):
        return found.on("teams")  # type: ignore[return-value]
    return found  # type: ignore[return-value]


# -- digest -----------------------------------------------------------------------------------


def do_digest(h: TeamsHandlers, member: Member, command: Command, lang: str) -> Any:
    """Check now; the digest (which may need building) follows after the answer."""
    services = h.services
    round, latest = services.digests.asked_for(command.args.get("round_id"), member.id)  # type: ignore[union-attr]
    if latest is None and round.is_open:
        # No digest before the round closes: how it is going so far, and when the digest comes.
        names = {m.id: m.name for m in services.network.municipalities}
        summary = cards_overview.build_round_summary_card(
            round,
            services.rounds.prompt_of(round),
            services.rounds.participation(round.id),
            names,
            lang,
        )
        said = t("digest.command.open", lang, round_id=round.id)
        return MessageActivityInput(text=said).add_card(summary)
    later(show_digest, h, member, round.id, latest)
    key = "digest.command.here" if latest is not None else "digest.command.building"
    return t(key, lang, round_id=round.id)


def digest_note(services: Services, digest: Digest) -> str:
    """What became of a stored digest, in its language: shared, not shared, or a draft."""
    record = services.store.digest(digest.id) if digest.id is not None else None
    if record is None or record.status not in (APPROVED, REJECTED):
        return t("digest.status.draft", digest.language)
    key = "digest.review.approved" if record.status == APPROVED else "digest.review.rejected"
    decider = services.network.member(record.decided_by or "")
    when = record.decided_at or services.rounds.clock()
    return t(
        key,
        digest.language,
        name=decider.name if decider else (record.decided_by or "flipbot"),
        when=format_datetime(when, digest.language, services.network.tz),
    )


def show_digest(h: TeamsHandlers, member: Member, round_id: int, digest: Digest | None) -> None:
    services = h.services
    lang = h.language(member)
    teams = teams_messenger(services)
    try:
        if digest is None:
            digest = services.digests.build(round_id)  # type: ignore[union-attr]
            note = t("digest.command.unsaved", lang)
        else:
            note = digest_note(services, digest)
        teams.send_digest_to(member, digest, note)
    except Exception:
        logger.exception("showing the digest of round %s in Teams failed", round_id)
        try:
            teams.send_notice(member, t("digest.command.failed", lang))
        except DeliveryFailed:
            logger.warning("could not tell %s that the digest failed", member.id)


# -- reopen, prompts ----------------------------------------------------------------------------


def do_reopen(h: TeamsHandlers, member: Member, command: Command, lang: str) -> Any:
    services = h.services
    require(services.network, member.id, "reopen_round")
    closes_at = services.rounds.clock() + command.args.get("closes", REOPEN_FOR)
    round = services.rounds.reopen_round(command.args["round_id"], closes_at, member.id)
    later(facilitation.reopen_prompts, services, round.id)
    closes = format_datetime(round.closes_at, lang, services.network.tz)
    return t("slack.reopen.ok", lang, round_id=round.id, closes=closes)


def do_prompts(h: TeamsHandlers, member: Member, command: Command, lang: str) -> Any:
    services = h.services
    require(services.network, member.id, "list_prompts")
    theme = command.args.get("theme")
    prompts = services.library.by_theme(theme) if theme else services.library.all()
    return cards_privacy.build_prompt_list_card(prompts, lang)


# -- slet-mig -----------------------------------------------------------------------------------


def do_erase_self(h: TeamsHandlers, member: Member, command: Command, lang: str) -> Any:
    """Ask first: the card's buttons erase the member who clicks."""
    require(h.services.network, member.id, "erase_self")
    if h.services.store.member(member.id) is None:
        return t("privacy.already_erased", lang)
    return cards_privacy.build_erase_confirm_card(lang)


def erase(services: Services, member: Member, lang: str) -> tuple[str, list[MessageRef]]:
    """Erase the member (only the database); returns the reply and the bot's posts of their
    answers, to delete after answering Teams."""
    try:
        require(services.network, member.id, "erase_self")
        if services.store.member(member.id) is None:
            return t("privacy.already_erased", lang), []  # a second click, or an admin did it
        posts = answer_posts(services.store, member.id)
        result = erase_member(services, member.id, by=member.id)
    except PrivacyError:
        # Two clicks at once: the other one erased them between the check and here.
        return t("privacy.already_erased", lang), []
    reply = (
        t("privacy.erased", lang, responses=result.responses)
        + "\n\n"
        + t("privacy.erase_no_more_prompts", lang)
    )
    return reply, posts


def delete_posts(services: Services, posts: list[MessageRef]) -> None:
    """Delete the bot's posts that showed an erased member's answers; one failure does not stop
    the rest (the erasure itself is done and audited)."""
    for post in posts:
        try:
            services.rounds.messenger.delete_message(post)
        except DeliveryFailed:
            logger.exception("could not delete an erased member's answer post")


async def erase_clicked(
    h: TeamsHandlers, ctx: ActivityContext[api.AdaptiveCardInvokeActivity]
) -> Any:
    """Yes or no on the `slet-mig` card: the card turns into what happened."""
    member = h.member(ctx.activity)
    lang = h.language(member)
    try:
        action = actions.parse_action(ctx.activity.value.action.data)
        if member is None:
            reply = t("teams_edge.not_member", lang)
        elif action.verb == actions.ERASE_CANCEL:
            require(h.services.network, member.id, "erase_self")
            reply = t("privacy.erase_cancelled", lang)
        else:
            reply, posts = await asyncio.to_thread(erase, h.services, member, lang)
            if posts:
                later(delete_posts, h.services, posts)
    except actions.MalformedAction:
        reply = t("slack.error.generic", lang)
    except AccessDenied as exc:
        reply = h.explain(exc, lang)
    card = cards_privacy.build_notice_card(reply, lang)
    return api.AdaptiveCardActionCardResponse(value=card)
