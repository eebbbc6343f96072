"""Kollegial sparring in Teams, the same flow as Slack's through dialogs and cards:

    `sparring` typed in the 1:1 chat     -> do_sparring: a card whose button opens the form
    task/fetch SHARE_DIALOG              -> share_dialog_opened (brokers only)
    task/submit SHARE_SUBMIT             -> share_submitted: the form again with what is wrong,
                                            or the owner's check of the redacted case
    task/submit CONFIRM_SUBMIT / REVISE_SUBMIT -> confirm_submitted / revise_submitted
    Action.Execute APPROVE               -> approve_clicked (the draft card shows who sent it)
    task/fetch, task/submit REJECT_*     -> reject_dialog_opened / reject_submitted
    task/fetch, task/submit EDIT_*       -> edit_dialog_opened / edit_submitted
    Action.Execute THANK                 -> thank_clicked (in the owner's chat)
    Action.Execute LIBRARY_CONSENT / LIBRARY_ADD -> library_clicked (under a closed case's digest)

Thin: parse with cards_sparring.parse_sparring, call SparringService off the loop, answer with a
card. Ids are in bot.teams.cards_sparring."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.core.access import AccessDenied, require
from bot.core.answering import RoundError
from bot.core.command import Command
from bot.core.i18n import t
from bot.core.network import Member
from bot.core.sparring import CaseText, SparringService
from bot.core.sparring_library import library_consent, to_library
from bot.core.sparring_words import attribution
from bot.teams import cards_sparring as ui
from bot.teams import responses
from bot.teams.actions import MalformedAction
from bot.teams.background import later
from bot.teams.sdk import App, api

if TYPE_CHECKING:
    from bot.teams.handlers import TeamsHandlers

logger = logging.getLogger(__name__)


def _sparring(h: TeamsHandlers) -> SparringService:
    assert h.services.sparring is not None, "build_services wires the sparring service"
    return h.services.sparring


def _municipalities(h: TeamsHandlers) -> list[tuple[str, str]]:
    return [(m.id, m.name) for m in h.services.network.municipalities]


def _own(h: TeamsHandlers, member: Member) -> str:
    found = h.services.network.municipality(member.municipality)
    return found.name if found else member.municipality


def do_sparring(h: TeamsHandlers, member: Member, command: Command, lang: str) -> Any:
    require(h.services.network, member.id, "share_case")
    return ui.build_share_card(lang)


def _form(h: TeamsHandlers, member: Member, lang: str, form=None, **kw) -> Any:
    card = ui.build_share_form(lang, _municipalities(h), _own(h, member), form, **kw)
    return responses.dialog(ui.form_title(lang, facilitator=kw.get("facilitator", False)), card)


async def _invoke(h: TeamsHandlers, ctx, work, *, dialog: bool = True) -> Any:
    """Find the member, parse the card's data, run work(member, form, lang) off the loop, and
    word a refusal; `dialog` says whether the answer goes in a dialog or replaces a card."""
    member = h.member(ctx.activity)
    lang = h.language(member)
    say = responses.dialog_message if dialog else responses.message
    try:
        data = ctx.activity.value.data if dialog else ctx.activity.value.action.data
        form = ui.parse_sparring(data)
        if member is None:
            return say(t("teams_edge.not_member", lang))
        return await asyncio.to_thread(work, member, form, lang)
    except MalformedAction:
        return say(t("slack.error.generic", lang))
    except (AccessDenied, RoundError) as exc:
        return say(h.explain(exc, lang))


async def share_dialog_opened(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        require(h.services.network, member.id, "share_case")
        return _form(h, member, lang)

    return await _invoke(h, ctx, work)


async def share_submitted(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        sparring = _sparring(h)
        text = CaseText(form.title, form.situation, form.questions)
        options = {
            "audience": form.audience,
            "show_name": form.show_name,
            "share_digest": form.share_digest,
        }
        try:
            if form.case_id is None:
                preview = sparring.share(member.id, text, **options)
            else:
                preview = sparring.revise(form.case_id, member.id, text, **options)
        except RoundError as exc:
            if exc.key in ("sparring_not_found", "sparring_not_yours", "sparring_already_sent"):
                raise
            return _form(h, member, lang, form, case_id=form.case_id, problem=h.explain(exc, lang))
        names = {m.id: m.name for m in h.services.network.municipalities}
        card = ui.build_preview(
            preview.case,
            preview.removed,
            attribution(h.services.network, member.id, preview.case.show_name, lang),
            names,
            lang,
        )
        return responses.dialog(t("sparring.preview.title", lang), card)

    return await _invoke(h, ctx, work)


async def revise_submitted(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        case = _sparring(h).owned_draft(form.case_id or 0, member.id)
        filled = ui.SparringForm(
            ui.SHARE_SUBMIT,
            case.id,
            case.title,
            case.situation,
            list(case.questions),
            case.audience,
            case.show_name,
            case.share_digest,
        )
        return _form(h, member, lang, filled, case_id=case.id)

    return await _invoke(h, ctx, work)


async def confirm_submitted(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        case = _sparring(h).owned_draft(form.case_id or 0, member.id)
        later(_sparring(h).confirm, case.id, member.id)
        return responses.dialog_message(t("sparring.confirm.sent", lang))

    return await _invoke(h, ctx, work)


async def approve_clicked(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        case = _sparring(h).approve(form.case_id or 0, member.id)
        names = {m.id: m.name for m in h.services.network.municipalities}
        note = t("sparring.draft.approved", lang, name=member.name)
        who = attribution(h.services.network, case.owner_id, case.show_name, lang)
        card = ui.build_draft_card(case, who, names, lang, note)
        return api.AdaptiveCardActionCardResponse(value=card)

    return await _invoke(h, ctx, work, dialog=False)


async def reject_dialog_opened(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        case = _sparring(h).reviewable(form.case_id or 0, member.id)
        return responses.dialog(
            t("sparring.reject.title", lang), ui.build_reject_form(case.id, lang)
        )

    return await _invoke(h, ctx, work)


async def reject_submitted(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        try:
            _sparring(h).reject(form.case_id or 0, member.id, form.reason)
        except RoundError as exc:
            if not exc.key.startswith("sparring_reason"):
                raise
            card = ui.build_reject_form(form.case_id or 0, lang, h.explain(exc, lang))
            return responses.dialog(t("sparring.reject.title", lang), card)
        return responses.dialog_message(t("sparring.draft.rejected", lang, name=member.name))

    return await _invoke(h, ctx, work)


async def edit_dialog_opened(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        case = _sparring(h).reviewable(form.case_id or 0, member.id)
        filled = ui.SparringForm(
            ui.EDIT_SUBMIT,
            case.id,
            case.title,
            case.situation,
            list(case.questions),
            case.audience,
            deadline_days=case.deadline_days,
        )
        return _form(h, member, lang, filled, case_id=case.id, facilitator=True)

    return await _invoke(h, ctx, work)


async def edit_submitted(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        try:
            _sparring(h).edit(
                form.case_id or 0,
                member.id,
                CaseText(form.title, form.situation, form.questions),
                audience=form.audience,
                deadline_days=form.deadline_days,
            )
        except RoundError as exc:
            if exc.key in ("sparring_not_found", "sparring_decided"):
                raise
            problem = h.explain(exc, lang)
            return _form(
                h, member, lang, form, case_id=form.case_id, problem=problem, facilitator=True
            )
        return responses.dialog_message(t("sparring.draft.edited", lang, name=member.name))

    return await _invoke(h, ctx, work)


async def thank_clicked(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        thanked = _sparring(h).thank(form.case_id or 0, member.id, form.answerer)
        return responses.message(
            t("sparring.thank_sent" if thanked else "sparring.thank_again", lang)
        )

    return await _invoke(h, ctx, work, dialog=False)


async def library_clicked(h: TeamsHandlers, ctx) -> Any:
    def work(member: Member, form: ui.SparringForm, lang: str) -> Any:
        if form.verb == ui.LIBRARY_CONSENT:
            library_consent(_sparring(h), form.case_id or 0, member.id)
            return responses.message(t("sparring.library.owner_ok", lang))
        folder = h.services.settings.flipbot_prompts
        prompt_id = to_library(_sparring(h), form.case_id or 0, member.id, folder)
        return responses.message(t("sparring.library.added", lang, prompt_id=prompt_id))

    return await _invoke(h, ctx, work, dialog=False)


def register(app: App, h: TeamsHandlers) -> None:
    """Attach the sparring callbacks (the map is in the module docstring)."""
    app.on_dialog_open(ui.SHARE_DIALOG)(partial(share_dialog_opened, h))
    app.on_dialog_open(ui.REJECT_DIALOG)(partial(reject_dialog_opened, h))
    app.on_dialog_open(ui.EDIT_DIALOG)(partial(edit_dialog_opened, h))
    app.on_dialog_submit(ui.SHARE_SUBMIT)(partial(share_submitted, h))
    app.on_dialog_submit(ui.REVISE_SUBMIT)(partial(revise_submitted, h))
    app.on_dialog_submit(ui.CONFIRM_SUBMIT)(partial(confirm_submitted, h))
    app.on_dialog_submit(ui.REJECT_SUBMIT)(partial(reject_submitted, h))
    app.on_dialog_submit(ui.EDIT_SUBMIT)(partial(edit_submitted, h))
    app.on_card_action_execute(ui.APPROVE)(partial(approve_clicked, h))
    app.on_card_action_execute(ui.THANK)(partial(thank_clicked, h))
    app.on_card_action_execute(ui.LIBRARY_CONSENT)(partial(library_clicked, h))
    app.on_card_action_execute(ui.LIBRARY_ADD)(partial(library_clicked, h))
