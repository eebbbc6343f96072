"""Kollegial sparring in Slack: `/flip sparring` and *Del et dilemma* open the share form; its
submission shows the redacted case (*Send* / *Ret*); the facilitators' draft buttons decide;
the owner's *Tak* thanks an answerer. Thin: parse, call SparringService, render with
bot.slack.blocks_sparring. Checks that need only the database run before the acknowledgement
(so a modal can show what is wrong); everything that sends runs after it."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App

from bot.core.access import AccessDenied, require
from bot.core.command import Command
from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.core.rounds import RoundError
from bot.core.services import Services
from bot.core.sparring import CaseText, SparringService
from bot.core.sparring_library import library_consent, to_library
from bot.core.sparring_words import attribution
from bot.slack import blocks_sparring as ui
from bot.slack.errors import slack_ref
from bot.slack.guard import BadPayload
from bot.slack.handlers.common import (
    after_ack,
    explain,
    language,
    member_of,
    messenger,
    safe_ephemeral,
)

logger = logging.getLogger(__name__)


def _sparring(services: Services) -> SparringService:
    assert services.sparring is not None, "build_services wires the sparring service"
    return services.sparring


def _names(services: Services) -> dict[str, str]:
    return {m.id: m.name for m in services.network.municipalities}


def share_form(services: Services, user: str, form=None, context=None):
    """The share form in the member's language, their municipality named in the choices."""
    member = services.network.member(user)
    own = services.network.municipality(member.municipality) if member else None
    municipalities = [(m.id, m.name) for m in services.network.municipalities]
    return ui.build_share_modal(
        language(services, user), municipalities, own.name if own else "", form, context
    )


def open_share_form(services: Services, user: str, trigger_id: str | None) -> str | None:
    """Check the role now, open the form after the acknowledgement; the refusal otherwise."""
    lang = language(services, user)
    try:
        require(services.network, user, "share_case")
    except AccessDenied as exc:
        return explain(exc, lang)
    if trigger_id:
        after_ack(
            messenger(services).client.views_open,
            trigger_id=trigger_id,
            view=share_form(services, user),
        )
    return None


def do_sparring(req, command: Command) -> str | None:
    """`/flip sparring` (`dilemma`, `del`): the share form."""
    return open_share_form(req.services, req.user, req.trigger_id)


def submit_share(services: Services, body: dict, view: dict) -> dict:
    """Store (redacted) and answer with the preview, or with the errors in the form."""
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    try:
        context = ui.FormContext.load(view.get("private_metadata", ""))
        form = ui.read_share_modal(view["state"]["values"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadPayload(f"sparring form: {type(exc).__name__}") from None
    text = CaseText(form.title, form.situation, form.questions)
    sparring = _sparring(services)
    try:
        if context.case_id is None:
            preview = sparring.share(
                user,
                text,
                audience=form.audience,
                show_name=form.show_name,
                share_digest=form.share_digest,
            )
        else:
            preview = sparring.revise(
                context.case_id,
                user,
                text,
                audience=form.audience,
                show_name=form.show_name,
                share_digest=form.share_digest,
            )
    except AccessDenied as exc:
        return {"response_action": "errors", "errors": {ui.TITLE: explain(exc, lang)}}
    except RoundError as exc:
        return {
            "response_action": "errors",
            "errors": {ui.error_block(exc.key): explain(exc, lang)},
        }
    preview_view = ui.build_preview_modal(
        preview.case,
        preview.removed,
        attribution(services.network, user, preview.case.show_name, lang),
        _names(services),
        lang,
    )
    return {"response_action": "update", "view": preview_view.to_dict()}


def submit_confirm(services: Services, body: dict, view: dict) -> dict | None:
    """*Send*: the quick checks now (so the modal can say what is wrong), the sending after."""
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    try:
        context = ui.FormContext.load(view.get("private_metadata", ""))
    except (ValueError, TypeError) as exc:
        raise BadPayload(f"sparring confirm: {type(exc).__name__}") from None
    try:
        case = _sparring(services).owned_draft(context.case_id or 0, user)
    except RoundError as exc:
        return {
            "response_action": "update",
            "view": _notice_view(explain(exc, lang), lang),
        }
    after_ack(_confirm, services, case.id, user)
    return None


def _confirm(services: Services, case_id: int, user: str) -> None:
    try:
        _sparring(services).confirm(case_id, user)
    except RoundError as exc:
        _tell(services, user, explain(exc, language(services, user)))


def _notice_view(text: str, lang: str) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": t("sparring.form.title", lang)},
        "close": {"type": "plain_text", "text": t("sparring.form.cancel", lang)},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def _tell(services: Services, user: str, text: str) -> None:
    try:
        messenger(services).post_text(user, text)
    except DeliveryFailed as exc:
        logger.warning("could not tell %s: %s", user, exc.error)


def preview_edit_clicked(services: Services, body: dict) -> None:
    """*Ret* in the preview: the form again, filled with the (redacted) draft."""
    user = member_of(services, body["user"]["id"])
    value = body["actions"][0].get("value") or ""
    view = body.get("view") or {}
    try:
        case = _sparring(services).owned_draft(int(value) if value.isdigit() else 0, user)
    except RoundError as exc:
        _tell(services, user, explain(exc, language(services, user)))
        return
    form = share_form(services, user, ui.form_of(case), ui.FormContext(case.id))
    messenger(services).client.views_update(view_id=view.get("id"), view=form)


# -- the facilitators' draft ----------------------------------------------------------------


def _clicked(services: Services, body: dict) -> tuple[str, int, ui.FormContext]:
    value = body["actions"][0].get("value") or ""
    container = body.get("container") or {}
    context = ui.FormContext(
        int(value) if value.isdigit() else 0,
        container.get("channel_id"),
        container.get("message_ts"),
    )
    return member_of(services, body["user"]["id"]), context.case_id or 0, context


def show_decision(services: Services, context: ui.FormContext, key: str, by: str) -> None:
    """The clicked draft shows who decided (no buttons), or the edited case with its buttons."""
    if not (context.channel and context.ts and context.case_id):
        return
    sparring = _sparring(services)
    case = sparring.get(context.case_id)
    lang = language(services, by)
    name = services.network.member(by).name if services.network.member(by) else by
    note = None if key == "sparring.draft.edited" else t(key, lang, name=name)
    who = attribution(services.network, case.owner_id, case.show_name, lang)
    text, message = ui.build_draft_message(case, who, _names(services), lang, note)
    try:
        messenger(services).update_message(slack_ref(context.channel, context.ts), text, message)
    except DeliveryFailed:
        logger.warning("could not show the decision on sparring draft %s", case.id)


def approve_clicked(services: Services, body: dict) -> None:
    user, case_id, context = _clicked(services, body)
    try:
        _sparring(services).approve(case_id, user)
    except (AccessDenied, RoundError) as exc:
        safe_ephemeral(services, context.channel, user, explain(exc, language(services, user)))
        return
    show_decision(services, context, "sparring.draft.approved", user)


def reject_clicked(services: Services, body: dict) -> None:
    user, case_id, context = _clicked(services, body)
    lang = language(services, user)
    try:
        _sparring(services).reviewable(case_id, user)
    except (AccessDenied, RoundError) as exc:
        safe_ephemeral(services, context.channel, user, explain(exc, lang))
        return
    view = ui.build_reject_modal(context, lang)
    messenger(services).client.views_open(trigger_id=body["trigger_id"], view=view)


def edit_clicked(services: Services, body: dict) -> None:
    user, case_id, context = _clicked(services, body)
    lang = language(services, user)
    try:
        _sparring(services).reviewable(case_id, user)
    except (AccessDenied, RoundError) as exc:
        safe_ephemeral(services, context.channel, user, explain(exc, lang))
        return
    case = _sparring(services).get(case_id)
    view = ui.build_share_modal(
        lang,
        [(m.id, m.name) for m in services.network.municipalities],
        "",
        ui.form_of(case),
        context,
        facilitator=True,
    )
    messenger(services).client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_reject(services: Services, body: dict, view: dict) -> dict | None:
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    try:
        context = ui.FormContext.load(view.get("private_metadata", ""))
        reason = ui.read_reason(view["state"]["values"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadPayload(f"sparring reject: {type(exc).__name__}") from None
    if not reason.strip():
        error = explain(RoundError("sparring_reason_missing"), lang)
        return {"response_action": "errors", "errors": {ui.REASON: error}}
    after_ack(_reject, services, context, user, reason)
    return None


def _reject(services: Services, context: ui.FormContext, user: str, reason: str) -> None:
    try:
        _sparring(services).reject(context.case_id or 0, user, reason)
    except (AccessDenied, RoundError) as exc:
        _tell(services, user, explain(exc, language(services, user)))
        return
    show_decision(services, context, "sparring.draft.rejected", user)


def submit_edit(services: Services, body: dict, view: dict) -> dict | None:
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    try:
        context = ui.FormContext.load(view.get("private_metadata", ""))
        form = ui.read_share_modal(view["state"]["values"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadPayload(f"sparring edit: {type(exc).__name__}") from None
    try:
        _sparring(services).edit(
            context.case_id or 0,
            user,
            CaseText(form.title, form.situation, form.questions),
            audience=form.audience,
            deadline_days=form.deadline_days,
        )
    except (AccessDenied, RoundError) as exc:
        key = getattr(exc, "key", "")
        return {"response_action": "errors", "errors": {ui.error_block(key): explain(exc, lang)}}
    after_ack(show_decision, services, context, "sparring.draft.edited", user)
    return None


# -- the owner's thread ---------------------------------------------------------------------


def thank_clicked(services: Services, body: dict) -> None:
    user = member_of(services, body["user"]["id"])
    value = body["actions"][0].get("value") or ""
    container = body.get("container") or {}
    case_id, _, answerer = value.partition(":")
    lang = language(services, user)
    try:
        thanked = _sparring(services).thank(
            int(case_id) if case_id.isdigit() else 0, user, answerer
        )
    except RoundError as exc:
        safe_ephemeral(services, container.get("channel_id"), user, explain(exc, lang))
        return
    key = "sparring.thank_sent" if thanked else "sparring.thank_again"
    safe_ephemeral(services, container.get("channel_id"), user, t(key, lang))


def library_clicked(services: Services, body: dict, owner: bool) -> None:
    """The owner's yes, or a facilitator's click, turning a closed case into a library dilemma."""
    user = member_of(services, body["user"]["id"])
    value = body["actions"][0].get("value") or ""
    channel = (body.get("container") or {}).get("channel_id")
    lang = language(services, user)
    case_id = int(value) if value.isdigit() else 0
    try:
        if owner:
            library_consent(_sparring(services), case_id, user)
            text = t("sparring.library.owner_ok", lang)
        else:
            folder = services.settings.flipbot_prompts
            prompt_id = to_library(_sparring(services), case_id, user, folder)
            text = t("sparring.library.added", lang, prompt_id=prompt_id)
    except (AccessDenied, RoundError) as exc:
        text = explain(exc, lang)
    safe_ephemeral(services, channel, user, text)


def register(app: App, services: Services) -> None:
    @app.action(ui.HOME_SHARE)
    def share_button_clicked(ack: Ack, body: dict) -> None:
        ack()
        user = member_of(services, body["user"]["id"])
        refusal = open_share_form(services, user, body.get("trigger_id"))
        if refusal:
            after_ack(_tell, services, user, refusal)

    @app.view(ui.SHARE_MODAL)
    def share_form_submitted(ack: Ack, body: dict, view: dict) -> None:
        ack(**submit_share(services, body, view))

    @app.view(ui.CONFIRM_MODAL)
    def share_confirmed(ack: Ack, body: dict, view: dict) -> None:
        reply = submit_confirm(services, body, view)
        ack(**reply) if reply else ack()

    @app.action(ui.PREVIEW_EDIT)
    def share_edit_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(preview_edit_clicked, services, body)

    @app.action(ui.APPROVE)
    def draft_approve_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(approve_clicked, services, body)

    @app.action(ui.REJECT)
    def draft_reject_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(reject_clicked, services, body)

    @app.action(ui.EDIT)
    def draft_edit_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(edit_clicked, services, body)

    @app.view(ui.REJECT_MODAL)
    def reject_submitted(ack: Ack, body: dict, view: dict) -> None:
        reply = submit_reject(services, body, view)
        ack(**reply) if reply else ack()

    @app.view(ui.EDIT_MODAL)
    def edit_submitted(ack: Ack, body: dict, view: dict) -> None:
        reply = submit_edit(services, body, view)
        ack(**reply) if reply else ack()

    @app.action(ui.LIBRARY_CONSENT)
    def library_consent_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(library_clicked, services, body, True)

    @app.action(ui.LIBRARY_ADD)
    def library_add_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(library_clicked, services, body, False)

    @app.action(ui.THANK)
    def answer_thank_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(thank_clicked, services, body)
