"""Block Kit for every flipbot message and view, built with slack_sdk.models so Slack's limits are
checked when a message is built. Pure functions: no client, no store.

The action_id and callback_id constants are the only place those strings are written; the handlers
import them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo

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
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.answering import MAX_ANSWER_CHARS
from bot.core.i18n import format_datetime, t, theme_name
from bot.core.models import Prompt, Response, Round
from bot.core.text import escape_mrkdwn

# Buttons on a prompt message (value: the round id).
ANSWER = "prompt_answer"
EDIT = "prompt_edit"
SKIP = "prompt_skip"
SNOOZE = "prompt_snooze"
# Facilitator buttons on App Home (value: the round id).
HOME_REMIND = "home_remind"
HOME_CLOSE = "home_close"
HOME_START = "home_start"
# Modals.
ANSWER_MODAL = "answer_modal"
START_MODAL = "start_modal"
# Block and action ids inside the modals.
ANSWER_INPUT = "answer"
CHOICES_BLOCK = "choices"
QUOTABLE = "quotable"
PRIVATE = "private"
SHOW_NAME = "show_name"  # a sparring case's answer: show my name to the case's owner
START_PROMPT = "start_prompt"
START_AUDIENCE = "start_audience"
START_CLOSES = "start_closes"

# Slack caps a message at 50 blocks and, in practice, its summed text near 13k characters.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MESSAGE_TEXT_BUDGET = 12000

PROMPT_STATES = ("open", "answered", "skipped", "snoozed", "closed")


def question_block_id(question_id: str) -> str:
    return f"q_{question_id}"


def deadline_text(moment: datetime, language: str, tz: tzinfo) -> str:
    """A deadline in the member's language and the network's time zone, written out by Babel.

    Not Slack's <!date^…> token: Slack renders that in the viewer's interface language, and
    Slack has no Danish or Norwegian interface.
    """
    return format_datetime(moment, language, tz)


def prompt_buttons(round_id: int, language: str, state: str) -> list[ButtonElement]:
    value = str(round_id)
    if state == "answered":
        return [ButtonElement(text=t("slack.button.edit", language), action_id=EDIT, value=value)]
    buttons = [
        ButtonElement(
            text=t("slack.button.answer", language),
            action_id=ANSWER,
            value=value,
            style="primary",
        )
    ]
    if state == "open":
        buttons.append(
            ButtonElement(text=t("slack.button.skip", language), action_id=SKIP, value=value)
        )
        buttons.append(
            ButtonElement(text=t("slack.button.snooze", language), action_id=SNOOZE, value=value)
        )
    return buttons


def long_text(text: str) -> list[SectionBlock]:
    """Split text over several sections so none passes Slack's 3,000 characters."""
    sections = []
    while text:
        piece = text[:MAX_SECTION_TEXT]
        if len(text) > MAX_SECTION_TEXT:
            cut = piece.rfind("\n")
            piece = piece[:cut] if cut > MAX_SECTION_TEXT // 2 else piece
        sections.append(SectionBlock(text=MarkdownTextObject(text=piece)))
        text = text[len(piece) :].lstrip("\n")
    return sections


def build_prompt_message(
    prompt: Prompt, round: Round, language: str, state: str, tz: tzinfo
) -> tuple[str, list[Block]]:
    """The prompt as a message: theme, title, body, questions, deadline and the buttons for
    its state (open, answered, skipped, snoozed, closed). Returns (fallback text, blocks)."""
    if state not in PROMPT_STATES:
        raise ValueError(f"unknown prompt state {state!r}")
    text = prompt.text(language)
    blocks: list[Block] = [HeaderBlock(text=theme_name(prompt.theme, language))]
    if prompt.asked_from:  # a sparring case: who asks, as they chose to be shown
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=asked_text(prompt, language))])
        )
    blocks += long_text(f"*{escape_mrkdwn(text.title)}*\n{escape_mrkdwn(text.body)}")
    questions = "\n".join(f"• {escape_mrkdwn(q.label)}" for q in text.questions)
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=f"{t('slack.prompt.questions', language)}\n{questions}")
        )
    )
    deadline = t(
        "slack.prompt.deadline", language, date=deadline_text(round.closes_at, language, tz)
    )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=deadline)]))
    if state != "open":
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=t(f"slack.state.{state}", language)))
        )
    if state != "closed":
        blocks.append(
            ActionsBlock(
                block_id=f"round_{round.id}", elements=prompt_buttons(round.id, language, state)
            )
        )
    # The notification names what it is: a dilemma or a reflection question.
    return t(f"slack.prompt.fallback.{prompt.kind}", language, title=text.title), blocks


def asked_text(prompt: Prompt, language: str) -> str:
    """'En kollega fra Herning Kommune beder om kollegial sparring' (or their name)."""
    if prompt.asked_by:
        return escape_mrkdwn(
            t(
                "sparring.asked.by_name",
                language,
                name=prompt.asked_by,
                municipality=prompt.asked_from,
            )
        )
    return escape_mrkdwn(
        t("sparring.asked.by_municipality", language, municipality=prompt.asked_from)
    )


@dataclass(frozen=True)
class ModalContext:
    """What an answer modal carries in private_metadata: the round and the message it came from."""

    round_id: int
    channel: str | None = None
    ts: str | None = None

    def dump(self) -> str:
        return json.dumps({"round_id": self.round_id, "channel": self.channel, "ts": self.ts})

    @classmethod
    def load(cls, text: str) -> ModalContext:
        data = json.loads(text or "{}")
        return cls(int(data["round_id"]), data.get("channel"), data.get("ts"))


def build_answer_modal(
    prompt: Prompt,
    language: str,
    context: ModalContext,
    *,
    response: Response | None = None,
    in_channel: bool = False,
    private: bool = False,
) -> View:
    """One multi-line input per question (filled with a stored answer when editing) and the
    'may be quoted' tick box (ticked by default); channel rounds add 'only for facilitators'."""
    text = prompt.text(language)
    answers = response.answers if response else {}
    blocks: list[Block] = long_text(f"*{escape_mrkdwn(text.title)}*")
    for question in text.questions:
        blocks.append(
            InputBlock(
                block_id=question_block_id(question.id),
                label=question.label,
                hint=question.hint,
                optional=True,
                element=PlainTextInputElement(
                    action_id=ANSWER_INPUT,
                    multiline=True,
                    max_length=MAX_ANSWER_CHARS,
                    initial_value=answers.get(question.id) or None,
                ),
            )
        )
    quotable = Option(value=QUOTABLE, label=t("slack.modal.quotable", language))
    options = [quotable]
    # Never pre-ticked (a pre-ticked box is not consent): only the member's own earlier choice.
    initial = [quotable] if (response.quotable if response else False) else []
    if prompt.kind == "sparring":  # the answerer chooses how the case's owner sees them
        show = Option(value=SHOW_NAME, label=t("sparring.answer_form.show_name", language))
        options.append(show)
    if in_channel:
        only = Option(value=PRIVATE, label=t("slack.modal.private", language))
        options.append(only)
        if private:
            initial.append(only)
    blocks.append(
        InputBlock(
            block_id=CHOICES_BLOCK,
            label=t("slack.modal.choices", language),
            optional=True,
            element=CheckboxesElement(
                action_id=CHOICES_BLOCK, options=options, initial_options=initial or None
            ),
        )
    )
    return View(
        type="modal",
        callback_id=ANSWER_MODAL,
        title=t("slack.modal.title", language),
        submit=t("slack.modal.submit", language),
        close=t("slack.modal.cancel", language),
        private_metadata=context.dump(),
        blocks=blocks,
    )


def read_answer_modal(state_values: dict) -> tuple[dict[str, str], bool, bool]:
    """(answers by question id, quotable, private) from a submitted answer modal's state."""
    answers = {}
    for block_id, actions in state_values.items():
        if block_id.startswith("q_"):
            answers[block_id[2:]] = (actions.get(ANSWER_INPUT) or {}).get("value") or ""
    ticked = {
        option["value"]
        for option in (state_values.get(CHOICES_BLOCK, {}).get(CHOICES_BLOCK) or {}).get(
            "selected_options"
        )
        or []
    }
    return answers, QUOTABLE in ticked, PRIVATE in ticked


def build_reminder(prompt: Prompt, round: Round, language: str, tz: tzinfo) -> str:
    title = escape_mrkdwn(prompt.text(language).title)
    return t(
        "slack.reminder",
        language,
        title=title,
        deadline=deadline_text(round.closes_at, language, tz),
    )


def split_text(text: str, budget: int = MESSAGE_TEXT_BUDGET) -> list[str]:
    """Cut a long text at line ends into pieces that each fit one Slack message."""
    pieces, current = [], ""
    for line in text.split("\n"):
        if current and len(current) + len(line) + 1 > budget:
            pieces.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:budget]
    if current:
        pieces.append(current)
    return pieces or [""]
