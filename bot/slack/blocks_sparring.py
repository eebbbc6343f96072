"""Block Kit for kollegial sparring: the share form, the owner's check of the redacted text, the
facilitators' draft with its three decisions, the reject and edit forms, and an answer in the
owner's thread with its thank-you button. Pure functions; ids shared with the handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.core.i18n import t
from bot.core.models import SparringCase
from bot.core.sparring import MAX_QUESTION, MAX_QUESTIONS, MAX_REASON, MAX_SITUATION, MAX_TITLE
from bot.core.sparring_words import audience_words, removed_words
from bot.core.text import escape_mrkdwn
from bot.slack.blocks import CHOICES_BLOCK, SHOW_NAME, long_text

# Views.
SHARE_MODAL = "sparring_share"
CONFIRM_MODAL = "sparring_confirm"
REJECT_MODAL = "sparring_reject"
EDIT_MODAL = "sparring_edit"
# Buttons (value: the case id; THANK: "<case id>:<answerer id>").
HOME_SHARE = "sparring_home_share"
PREVIEW_EDIT = "sparring_preview_edit"
APPROVE = "sparring_approve"
EDIT = "sparring_edit_draft"
REJECT = "sparring_reject_draft"
THANK = "sparring_thank"
LIBRARY_CONSENT = "sparring_library_consent"  # the owner, under their digest
LIBRARY_ADD = "sparring_library_add"  # a facilitator, under their copy of the digest
# Inputs (block id = action id).
TITLE = "sparring_title"
SITUATION = "sparring_situation"
AUDIENCE = "sparring_audience"
MUNICIPALITIES = "sparring_municipalities"
OPTIONS = "sparring_options"
SHOW = "sparring_show"
REASON = "sparring_reason"
DEADLINE = "sparring_deadline"
SHARE_DIGEST = "share_digest"
AUDIENCES = ("others", "all", "chosen")


def question_block(number: int) -> str:
    return f"sparring_q{number}"


@dataclass(frozen=True)
class CaseForm:
    """What the share (or edit) form holds."""

    title: str = ""
    situation: str = ""
    questions: list[str] = field(default_factory=list)
    audience: str | list[str] = "others"
    show_name: bool = False
    share_digest: bool = True
    deadline_days: int | None = None


@dataclass(frozen=True)
class FormContext:
    """private_metadata of the forms: the case (None before it exists) and the draft message."""

    case_id: int | None = None
    channel: str | None = None
    ts: str | None = None

    def dump(self) -> str:
        return json.dumps({"case_id": self.case_id, "channel": self.channel, "ts": self.ts})

    @classmethod
    def load(cls, text: str) -> FormContext:
        data = json.loads(text or "{}")
        case_id = data.get("case_id")
        return cls(
            int(case_id) if case_id is not None else None, data.get("channel"), data.get("ts")
        )


def form_of(case: SparringCase) -> CaseForm:
    return CaseForm(
        case.title,
        case.situation,
        list(case.questions),
        case.audience,
        case.show_name,
        case.share_digest,
        case.deadline_days,
    )


def _text_input(block_id: str, label: str, limit: int, value: str, **kw) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=kw.pop("optional", False),
        hint=kw.pop("hint", None),
        element=PlainTextInputElement(
            action_id=block_id, max_length=limit, initial_value=value or None, **kw
        ),
    )


def build_share_modal(
    language: str,
    municipalities: list[tuple[str, str]],
    own_municipality: str,
    form: CaseForm | None = None,
    context: FormContext | None = None,
    *,
    facilitator: bool = False,
) -> View:
    """The share form (the owner's; `facilitator` makes it the reviewer's edit form, with the
    deadline and without the owner's own choices)."""
    form = form or CaseForm()
    lang = language
    blocks: list[Block] = []
    if not facilitator:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t("sparring.form.intro", lang))))
    blocks.append(_text_input(TITLE, t("sparring.form.case_title", lang), MAX_TITLE, form.title))
    blocks.append(
        _text_input(
            SITUATION,
            t("sparring.form.situation", lang),
            MAX_SITUATION,
            form.situation,
            multiline=True,
            hint=t("sparring.form.situation_hint", lang),
        )
    )
    for number in range(1, MAX_QUESTIONS + 1):
        key = "sparring.form.question" if number == 1 else "sparring.form.question_optional"
        value = form.questions[number - 1] if len(form.questions) >= number else ""
        blocks.append(
            _text_input(
                question_block(number),
                t(key, lang, number=number),
                MAX_QUESTION,
                value,
                optional=number > 1,
                hint=t("sparring.form.question_hint", lang) if number == 1 else None,
            )
        )
    chosen = form.audience if isinstance(form.audience, list) else []
    audience = "chosen" if chosen else form.audience
    options = [Option(value=a, label=t(f"sparring.form.audience_{a}", lang)) for a in AUDIENCES]
    blocks.append(
        InputBlock(
            block_id=AUDIENCE,
            label=t("sparring.form.audience", lang),
            element=RadioButtonsElement(
                action_id=AUDIENCE,
                options=options,
                initial_option=options[AUDIENCES.index(audience)],
            ),
        )
    )
    places = [Option(value=m_id, label=name) for m_id, name in municipalities]
    blocks.append(
        InputBlock(
            block_id=MUNICIPALITIES,
            label=t("sparring.form.municipalities", lang),
            optional=True,
            element=StaticMultiSelectElement(
                action_id=MUNICIPALITIES,
                options=places,
                initial_options=[p for p in places if p.value in chosen] or None,
            ),
        )
    )
    if facilitator:
        blocks.append(
            _text_input(
                DEADLINE,
                t("sparring.edit.deadline", lang),
                2,
                str(form.deadline_days or ""),
            )
        )
    else:
        name = Option(value="name", label=t("sparring.form.show_name", lang))
        place = Option(
            value="municipality",
            label=t("sparring.form.show_municipality", lang, municipality=own_municipality),
        )
        blocks.append(
            InputBlock(
                block_id=SHOW,
                label=t("sparring.form.show", lang),
                element=RadioButtonsElement(
                    action_id=SHOW,
                    options=[place, name],
                    initial_option=name if form.show_name else place,
                ),
            )
        )
        share = Option(value=SHARE_DIGEST, label=t("sparring.form.share_digest", lang))
        blocks.append(
            InputBlock(
                block_id=OPTIONS,
                label=" ",
                optional=True,
                element=CheckboxesElement(
                    action_id=OPTIONS,
                    options=[share],
                    initial_options=[share] if form.share_digest else None,
                ),
            )
        )
    return View(
        type="modal",
        callback_id=EDIT_MODAL if facilitator else SHARE_MODAL,
        title=t("sparring.edit.title" if facilitator else "sparring.form.title", lang),
        submit=t("sparring.edit.save" if facilitator else "sparring.form.next", lang),
        close=t("sparring.form.cancel", lang),
        private_metadata=(context or FormContext()).dump(),
        blocks=blocks,
    )


def _value(values: dict, block_id: str) -> dict:
    return (values.get(block_id) or {}).get(block_id) or {}


def read_share_modal(values: dict) -> CaseForm:
    """The form's inputs (not yet checked: the core checks and words what is wrong)."""
    questions = [
        _value(values, question_block(n)).get("value") or "" for n in range(1, MAX_QUESTIONS + 1)
    ]
    picked = (_value(values, AUDIENCE).get("selected_option") or {}).get("value") or "others"
    chosen = [o["value"] for o in _value(values, MUNICIPALITIES).get("selected_options") or []]
    audience: str | list[str] = chosen if picked == "chosen" else picked
    if picked not in AUDIENCES:
        audience = "others"
    show = (_value(values, SHOW).get("selected_option") or {}).get("value")
    ticked = {o["value"] for o in _value(values, OPTIONS).get("selected_options") or []}
    deadline = (_value(values, DEADLINE).get("value") or "").strip()
    return CaseForm(
        title=_value(values, TITLE).get("value") or "",
        situation=_value(values, SITUATION).get("value") or "",
        questions=questions,
        audience=audience,
        show_name=show == "name",
        share_digest=SHARE_DIGEST in ticked,
        deadline_days=int(deadline) if deadline.isdigit() else (-1 if deadline else None),
    )


def error_block(key: str) -> str:
    """The form block a core error belongs to."""
    if "title" in key:
        return TITLE
    if "situation" in key:
        return SITUATION
    if "question" in key:
        return question_block(1)
    if "audience" in key or "municipality" in key:
        return MUNICIPALITIES
    if "deadline" in key:
        return DEADLINE
    return TITLE


def case_blocks(case: SparringCase, language: str) -> list[Block]:
    """The case as colleagues will read it: title, situation, questions."""
    questions = "\n".join(f"• {escape_mrkdwn(q)}" for q in case.questions)
    return [
        *long_text(f"*{escape_mrkdwn(case.title)}*\n{escape_mrkdwn(case.situation)}"),
        SectionBlock(text=MarkdownTextObject(text=questions or " ")),
    ]


def build_preview_modal(
    case: SparringCase,
    removed: dict[str, int],
    shown_as: str,
    names: dict[str, str],
    language: str,
) -> View:
    """The owner's check: the redacted text, what was removed, then *Send* (submit) or *Ret*."""
    lang = language
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=t("sparring.preview.intro", lang))),
        *case_blocks(case, lang),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=removed_words(removed, lang)),
                MarkdownTextObject(
                    text=t(
                        "sparring.preview.audience",
                        lang,
                        audience=audience_words(case, names, lang),
                    )
                ),
                MarkdownTextObject(
                    text=t("sparring.preview.shown_as", lang, who=escape_mrkdwn(shown_as))
                ),
            ]
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=t("sparring.preview.edit", lang),
                    action_id=PREVIEW_EDIT,
                    value=str(case.id),
                )
            ]
        ),
    ]
    return View(
        type="modal",
        callback_id=CONFIRM_MODAL,
        title=t("sparring.preview.title", lang),
        submit=t("sparring.preview.send", lang),
        close=t("sparring.form.cancel", lang),
        private_metadata=FormContext(case.id).dump(),
        blocks=blocks,
    )


def build_draft_message(
    case: SparringCase,
    who: str,
    names: dict[str, str],
    language: str,
    note: str | None = None,
) -> tuple[str, list[Block]]:
    """The facilitators' draft: the case, who asks (`who`, as the owner chose) and to whom, and
    the three decisions (or, once decided, `note` in their place)."""
    lang = language
    meta = t(
        "sparring.draft.meta",
        lang,
        who=escape_mrkdwn(who),
        audience=audience_words(case, names, lang),
        days=case.deadline_days,
    )
    header = t("sparring.draft.header", lang)
    blocks: list[Block] = [
        HeaderBlock(text=header),
        *case_blocks(case, lang),
        ContextBlock(elements=[MarkdownTextObject(text=meta)]),
    ]
    if note:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=escape_mrkdwn(note))))
    else:
        value = str(case.id)
        blocks.append(
            ActionsBlock(
                block_id=f"sparring_{case.id}",
                elements=[
                    ButtonElement(
                        text=t("sparring.draft.approve", lang),
                        action_id=APPROVE,
                        value=value,
                        style="primary",
                    ),
                    ButtonElement(text=t("sparring.draft.edit", lang), action_id=EDIT, value=value),
                    ButtonElement(
                        text=t("sparring.draft.reject", lang),
                        action_id=REJECT,
                        value=value,
                        style="danger",
                    ),
                ],
            )
        )
    return f"{header}: {case.title}", blocks


def build_reject_modal(context: FormContext, language: str) -> View:
    return View(
        type="modal",
        callback_id=REJECT_MODAL,
        title=t("sparring.reject.title", language),
        submit=t("sparring.reject.submit", language),
        close=t("sparring.form.cancel", language),
        private_metadata=context.dump(),
        blocks=[
            _text_input(
                REASON, t("sparring.reject.reason", language), MAX_REASON, "", multiline=True
            )
        ],
    )


def read_reason(values: dict) -> str:
    return _value(values, REASON).get("value") or ""


def build_owner_answer(
    case_id: int, attribution: str, text: str, answerer_id: str, language: str
) -> tuple[str, list[Block]]:
    """One answer in the owner's thread, with *Tak*."""
    header = t("sparring.answer.header", language, who=escape_mrkdwn(attribution))
    return f"{header} {text}"[:300], [
        *long_text(f"{header}\n{escape_mrkdwn(text)}"),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=t("sparring.thank_button", language),
                    action_id=THANK,
                    value=f"{case_id}:{answerer_id}",
                )
            ]
        ),
    ]


def show_name_ticked(values: dict) -> bool:
    """Whether a submitted answer modal has 'show my name' ticked."""
    ticked = _value(values, CHOICES_BLOCK)
    return any(o.get("value") == SHOW_NAME for o in ticked.get("selected_options") or [])


def build_home_blocks(home, language: str, names: dict[str, str], *, can_share: bool) -> list:
    """Kollegial sparring on App Home (home: bot.core.home.SparringHome): *Del et dilemma* for
    brokers, their own cases with their answers, and the facilitators' two lists."""
    lang = language
    blocks: list[Block] = []
    if can_share:
        blocks.append(
            ActionsBlock(
                elements=[ButtonElement(text=t("sparring.home.share", lang), action_id=HOME_SHARE)]
            )
        )
    if home.mine:
        lines = [t("sparring.home.mine", lang)]
        for case, answers in home.mine[-5:]:
            status = t(f"sparring.status.{case.status.value}", lang)
            title = escape_mrkdwn(case.title)
            lines.append(
                "• "
                + t("sparring.home.case_line", lang, title=title, status=status, answers=answers)
            )
        blocks += long_text("\n".join(lines))
    if home.waiting is not None and home.running is not None:
        lines = []
        if home.waiting:
            lines.append(t("sparring.home.review_header", lang))
            for case in home.waiting[:8]:
                status = t(f"sparring.status.{case.status.value}", lang)
                place = names.get(case.municipality, case.municipality)
                lines.append(f"• {escape_mrkdwn(case.title)} ({place}, {status})")
        if home.running:
            lines.append(t("sparring.home.running_header", lang))
            for case, answers in home.running[:8]:
                place = names.get(case.municipality, case.municipality)
                title = escape_mrkdwn(case.title)
                line = t(
                    "sparring.home.running_line",
                    lang,
                    title=title,
                    municipality=place,
                    answers=answers,
                )
                lines.append(f"• {line}")
        if lines:
            blocks += long_text("\n".join(lines))
    return blocks


def build_library_button(case_id: int, language: str, *, owner: bool) -> list[Block]:
    """Under a closed case's digest: the owner's yes, or a facilitator's button, to make the
    case an anonymised dilemma in the library."""
    action, key = (
        (LIBRARY_CONSENT, "sparring.library.owner_yes")
        if owner
        else (LIBRARY_ADD, "sparring.library.add")
    )
    return [
        ActionsBlock(
            elements=[ButtonElement(text=t(key, language), action_id=action, value=str(case_id))]
        )
    ]
