"""Adaptive Cards for kollegial sparring in Teams: the card that opens the share dialog, the share
form (also the facilitators' edit form), the owner's check of the redacted case, the
facilitators' draft, the reject form, and an answer in the owner's chat with *Tak*. Pure
functions, like bot.teams.cards; the verbs and dialog ids below are the only place they are
written, and `parse_sparring` is the only reader of what such a card sends back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    Choice,
    ChoiceSetInput,
    ExecuteAction,
    SubmitAction,
    SubmitActionData,
    TaskFetchSubmitActionData,
    TextInput,
)

from bot.core.i18n import t
from bot.core.models import SparringCase
from bot.core.sparring import MAX_QUESTION, MAX_QUESTIONS, MAX_REASON, MAX_SITUATION, MAX_TITLE
from bot.core.sparring_words import audience_words, removed_words
from bot.teams.actions import TOGGLE_ON, MalformedAction
from bot.teams.cards import heading, new_card, subtle, text, toggle

# Dialogs opened with task/fetch (data: dialog_id, case_id when there is one).
SHARE_DIALOG = "flip.sparring.share"
REJECT_DIALOG = "flip.sparring.reject"
EDIT_DIALOG = "flip.sparring.edit"
# Dialog submits (data: action, case_id, then the inputs).
SHARE_SUBMIT = "flip.sparring.share.submit"
CONFIRM_SUBMIT = "flip.sparring.confirm"  # *Send* in the owner's check
REVISE_SUBMIT = "flip.sparring.revise"  # *Ret* in the owner's check: the form again
REJECT_SUBMIT = "flip.sparring.reject.submit"
EDIT_SUBMIT = "flip.sparring.edit.submit"
# Action.Execute verbs (data: action, case_id; THANK also answerer).
APPROVE = "flip.sparring.approve"
THANK = "flip.sparring.thank"
LIBRARY_CONSENT = "flip.sparring.library.consent"  # the owner, under their digest
LIBRARY_ADD = "flip.sparring.library.add"  # a facilitator, under their copy

DIALOGS = frozenset({SHARE_DIALOG, REJECT_DIALOG, EDIT_DIALOG})
SUBMITS = frozenset({SHARE_SUBMIT, CONFIRM_SUBMIT, REVISE_SUBMIT, REJECT_SUBMIT, EDIT_SUBMIT})
EXECUTES = frozenset({APPROVE, THANK, LIBRARY_CONSENT, LIBRARY_ADD})

CASE_KEY = "case_id"
ANSWERER_KEY = "answerer"
TITLE = "title"
SITUATION = "situation"
AUDIENCE = "audience"
MUNICIPALITIES = "municipalities"
SHOW = "show"
SHARE_DIGEST = "share_digest"
DEADLINE = "deadline"
REASON = "reason"
AUDIENCES = ("others", "all", "chosen")
MAX_INPUT = 20_000


def question_input(number: int) -> str:
    return f"q{number}"


@dataclass(frozen=True)
class SparringForm:
    """What a sparring dialog sent back."""

    verb: str
    case_id: int | None = None
    title: str = ""
    situation: str = ""
    questions: list[str] = field(default_factory=list)
    audience: str | list[str] = "others"
    show_name: bool = False
    share_digest: bool = True
    deadline_days: int | None = None
    reason: str = ""
    answerer: str = ""


def _text(data: Mapping, key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_INPUT:
        raise MalformedAction(f"input {key!r} must be text")
    return value


def parse_sparring(data: object) -> SparringForm:
    """Read a sparring card's data back; MalformedAction on anything we did not build."""
    if not isinstance(data, Mapping):
        raise MalformedAction("card data must be an object")
    verb = data.get("action", data.get("dialog_id"))
    if verb not in DIALOGS | SUBMITS | EXECUTES:
        raise MalformedAction(f"unknown sparring action {verb!r}")
    raw = data.get(CASE_KEY)
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        raw = int(raw)
    if raw is not None and (not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0):
        raise MalformedAction(f"case_id must be a positive integer, not {raw!r}")
    if raw is None and verb not in (SHARE_DIALOG, SHARE_SUBMIT):
        raise MalformedAction(f"{verb} needs a case_id")
    picked = _text(data, AUDIENCE) or "others"
    if picked not in AUDIENCES:
        raise MalformedAction(f"unknown audience {picked!r}")
    chosen = [m for m in _text(data, MUNICIPALITIES).split(",") if m]
    deadline = _text(data, DEADLINE).strip()
    return SparringForm(
        verb=verb,  # type: ignore[arg-type]
        case_id=raw,
        title=_text(data, TITLE),
        situation=_text(data, SITUATION),
        questions=[_text(data, question_input(n)) for n in range(1, MAX_QUESTIONS + 1)],
        audience=chosen if picked == "chosen" else picked,
        show_name=_text(data, SHOW) == "name",
        share_digest=_text(data, SHARE_DIGEST) == TOGGLE_ON,
        deadline_days=int(deadline) if deadline.isdigit() else (-1 if deadline else None),
        reason=_text(data, REASON),
        answerer=_text(data, ANSWERER_KEY),
    )


def _dialog_button(dialog_id: str, title: str, case_id: int | None = None) -> SubmitAction:
    data = {"dialog_id": dialog_id} | ({CASE_KEY: case_id} if case_id else {})
    submit = SubmitActionData(**data).with_msteams(
        TaskFetchSubmitActionData(type="task/fetch").model_dump(exclude_none=True)
    )
    return SubmitAction(title=title).with_data(submit)


def _submit(verb: str, title: str, case_id: int | None, *, style: str | None = None):
    data = {"action": verb} | ({CASE_KEY: case_id} if case_id else {})
    action = SubmitAction(title=title).with_data(SubmitActionData(**data))
    return action.with_style(style) if style else action


def _execute(verb: str, title: str, data: dict, *, style: str | None = None) -> ExecuteAction:
    action = ExecuteAction(title=title, verb=verb, data={"action": verb, **data})
    return action.with_style(style) if style else action


def build_share_card(language: str) -> AdaptiveCard:
    """What `sparring` answers in the chat: the intro and the button that opens the form."""
    body: list[CardElement] = [
        heading(t("sparring.form.title", language)),
        text(t("sparring.form.intro", language)),
        ActionSet(actions=[_dialog_button(SHARE_DIALOG, t("sparring.home.share", language))]),
    ]
    return new_card(body, language)


def form_title(language: str, *, facilitator: bool = False) -> str:
    return t("sparring.edit.title" if facilitator else "sparring.form.title", language)


def build_share_form(
    language: str,
    municipalities: list[tuple[str, str]],
    own_municipality: str,
    form: SparringForm | None = None,
    *,
    case_id: int | None = None,
    problem: str | None = None,
    facilitator: bool = False,
) -> AdaptiveCard:
    """The share form (or, with `facilitator`, the reviewer's edit form with the deadline)."""
    lang = language
    form = form or SparringForm(SHARE_SUBMIT)
    body: list[CardElement] = []
    if problem:
        body.append(text(t("teams.dialog.problem", lang, problem=problem), color="Attention"))
    if not facilitator:
        body.append(text(t("sparring.form.intro", lang)))
    body.append(
        TextInput(
            id=TITLE,
            label=t("sparring.form.case_title", lang),
            max_length=MAX_TITLE,
            value=form.title or None,
        )
    )
    body.append(
        TextInput(
            id=SITUATION,
            label=t("sparring.form.situation", lang),
            placeholder=t("sparring.form.situation_hint", lang),
            is_multiline=True,
            max_length=MAX_SITUATION,
            value=form.situation or None,
        )
    )
    for number in range(1, MAX_QUESTIONS + 1):
        key = "sparring.form.question" if number == 1 else "sparring.form.question_optional"
        value = form.questions[number - 1] if len(form.questions) >= number else ""
        body.append(
            TextInput(
                id=question_input(number),
                label=t(key, lang, number=number),
                max_length=MAX_QUESTION,
                value=value or None,
            )
        )
    chosen = form.audience if isinstance(form.audience, list) else []
    body.append(
        ChoiceSetInput(
            id=AUDIENCE,
            label=t("sparring.form.audience", lang),
            style="expanded",
            value="chosen" if chosen else str(form.audience),
            choices=[
                Choice(title=t(f"sparring.form.audience_{a}", lang), value=a) for a in AUDIENCES
            ],
        )
    )
    body.append(
        ChoiceSetInput(
            id=MUNICIPALITIES,
            label=t("sparring.form.municipalities", lang),
            is_multi_select=True,
            value=",".join(chosen) or None,
            choices=[Choice(title=name, value=m_id) for m_id, name in municipalities],
        )
    )
    if facilitator:
        body.append(
            TextInput(
                id=DEADLINE,
                label=t("sparring.edit.deadline", lang),
                max_length=2,
                value=str(form.deadline_days) if form.deadline_days else None,
            )
        )
        verb, submit = EDIT_SUBMIT, t("sparring.edit.save", lang)
    else:
        body.append(
            ChoiceSetInput(
                id=SHOW,
                label=t("sparring.form.show", lang),
                style="expanded",
                value="name" if form.show_name else "municipality",
                choices=[
                    Choice(
                        title=t(
                            "sparring.form.show_municipality", lang, municipality=own_municipality
                        ),
                        value="municipality",
                    ),
                    Choice(title=t("sparring.form.show_name", lang), value="name"),
                ],
            )
        )
        body.append(toggle(SHARE_DIGEST, t("sparring.form.share_digest", lang), form.share_digest))
        verb, submit = SHARE_SUBMIT, t("sparring.form.next", lang)
    card = new_card(body, lang)
    card.actions = [_submit(verb, submit, case_id, style="positive")]
    return card


def _case_body(case: SparringCase) -> list[CardElement]:
    return [
        heading(case.title),
        text(case.situation),
        *(text(f"• {question}") for question in case.questions),
    ]


def build_preview(
    case: SparringCase,
    removed: dict[str, int],
    shown_as: str,
    names: dict[str, str],
    language: str,
) -> AdaptiveCard:
    """The owner's check: the redacted case, what was taken out, then *Send* or *Ret*."""
    lang = language
    body: list[CardElement] = [
        text(t("sparring.preview.intro", lang), weight="Bolder"),
        *_case_body(case),
        subtle(removed_words(removed, lang)),
        subtle(t("sparring.preview.audience", lang, audience=audience_words(case, names, lang))),
        subtle(t("sparring.preview.shown_as", lang, who=shown_as)),
    ]
    card = new_card(body, lang)
    card.actions = [
        _submit(CONFIRM_SUBMIT, t("sparring.preview.send", lang), case.id, style="positive"),
        _submit(REVISE_SUBMIT, t("sparring.preview.edit", lang), case.id),
    ]
    return card


def build_draft_card(
    case: SparringCase,
    who: str,
    names: dict[str, str],
    language: str,
    note: str | None = None,
) -> AdaptiveCard:
    """The facilitators' draft with *Send til sparring*, *Ret* and *Afvis* (or, decided, `note`);
    `who` is the owner as they chose to be shown."""
    lang = language
    meta = t(
        "sparring.draft.meta",
        lang,
        who=who,
        audience=audience_words(case, names, lang),
        days=case.deadline_days,
    )
    body: list[CardElement] = [
        subtle(t("sparring.draft.header", lang)),
        *_case_body(case),
        subtle(meta),
    ]
    if note:
        body.append(text(note, weight="Bolder"))
    else:
        body.append(
            ActionSet(
                actions=[
                    _execute(
                        APPROVE,
                        t("sparring.draft.approve", lang),
                        {CASE_KEY: case.id},
                        style="positive",
                    ),
                    _dialog_button(EDIT_DIALOG, t("sparring.draft.edit", lang), case.id),
                    _dialog_button(REJECT_DIALOG, t("sparring.draft.reject", lang), case.id),
                ]
            )
        )
    return new_card(body, lang, fallback=f"{t('sparring.draft.header', lang)}: {case.title}")


def build_reject_form(case_id: int, language: str, problem: str | None = None) -> AdaptiveCard:
    body: list[CardElement] = []
    if problem:
        body.append(text(t("teams.dialog.problem", language, problem=problem), color="Attention"))
    body.append(
        TextInput(
            id=REASON,
            label=t("sparring.reject.reason", language),
            is_multiline=True,
            max_length=MAX_REASON,
        )
    )
    card = new_card(body, language)
    card.actions = [
        _submit(REJECT_SUBMIT, t("sparring.reject.submit", language), case_id, style="destructive")
    ]
    return card


def build_owner_answer(
    case_id: int, attribution: str, answer: str, answerer_id: str, language: str
) -> AdaptiveCard:
    """One answer to the owner, shown as the answerer chose, with *Tak*."""
    body: list[CardElement] = [
        text(t("sparring.answer.header", language, who=attribution)),
        text(answer),
        ActionSet(
            actions=[
                _execute(
                    THANK,
                    t("sparring.thank_button", language),
                    {CASE_KEY: case_id, ANSWERER_KEY: answerer_id},
                )
            ]
        ),
    ]
    return new_card(body, language, fallback=attribution)


def build_library_card(case_id: int, language: str, *, owner: bool) -> AdaptiveCard:
    """Under a closed case's digest: the owner's yes, or a facilitator's button, to make the
    case an anonymised dilemma in the library."""
    verb, key = (
        (LIBRARY_CONSENT, "sparring.library.owner_yes")
        if owner
        else (LIBRARY_ADD, "sparring.library.add")
    )
    body: list[CardElement] = [
        ActionSet(actions=[_execute(verb, t(key, language), {CASE_KEY: case_id})])
    ]
    return new_card(body, language)


def home_section(home, lines: list[str], language: str, *, can_share: bool) -> list[CardElement]:
    """Kollegial sparring on the home card (home: bot.core.home.SparringHome; lines: the
    facilitators' lists from bot.core.home.sparring_lines): the share button and own cases."""
    body: list[CardElement] = []
    if can_share:
        body.append(
            ActionSet(actions=[_dialog_button(SHARE_DIALOG, t("sparring.home.share", language))])
        )
    if home.mine:
        body.append(text(t("sparring.home.mine", language)))
        for case, answers in home.mine[-5:]:
            status = t(f"sparring.status.{case.status.value}", language)
            line = t(
                "sparring.home.case_line",
                language,
                title=case.title,
                status=status,
                answers=answers,
            )
            body.append(text(f"• {line}"))
    body += [text(line) for line in lines]
    return body
