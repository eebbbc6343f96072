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
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import t, theme_name
from bot.models import Prompt, Response, Round
from bot.rounds import MAX_ANSWER_CHARS, Participation
from bot.text import escape_mrkdwn

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
    """A deadline Slack shows in each reader's own time zone, with a fallback in the network's."""
    local = moment.astimezone(tz)
    shown = t("slack.prompt.deadline_format", language).format(
        date_long_pretty="{date_long_pretty}", time="{time}"
    )
    return f"<!date^{int(moment.timestamp())}^{shown}|{local:%Y-%m-%d %H:%M}>"


def _buttons(round_id: int, language: str, state: str) -> list[ButtonElement]:
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


def _long_text(text: str) -> list[SectionBlock]:
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
    blocks += _long_text(f"*{escape_mrkdwn(text.title)}*\n{escape_mrkdwn(text.body)}")
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
            ActionsBlock(block_id=f"round_{round.id}", elements=_buttons(round.id, language, state))
        )
    return t("slack.prompt.fallback", language, title=text.title), blocks


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
    blocks: list[Block] = _long_text(f"*{escape_mrkdwn(text.title)}*")
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
    initial = [quotable] if (response.quotable if response else True) else []
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


def _percent(answered: int, delivered: int) -> int:
    return round(100 * answered / delivered) if delivered else 0


def participation_lines(participation: Participation, names: dict[str, str], language: str) -> str:
    return "\n".join(
        t(
            "slack.status.line",
            language,
            municipality=names.get(c.municipality, c.municipality),
            answered=c.answered,
            skipped=c.skipped,
            waiting=c.waiting,
            paused=c.paused,
            failed=c.failed,
        )
        for c in participation.municipalities
    )


def build_round_summary(
    round: Round, prompt: Prompt, participation: Participation, names: dict[str, str], language: str
) -> tuple[str, list[Block]]:
    """The participation summary posted to the digest channel when a round closes."""
    key = "slack.summary.title_open" if round.is_open else "slack.summary.title"
    title = t(key, language, round_id=round.id, title=prompt.text(language).title)
    lines = [
        t(
            "slack.summary.line",
            language,
            municipality=names.get(c.municipality, c.municipality),
            answered=c.answered,
            delivered=c.delivered,
            rate=_percent(c.answered, c.delivered),
            skipped=c.skipped,
            paused=c.paused,
            failed=c.failed,
        )
        for c in participation.municipalities
    ]
    total = participation.total
    lines.append(
        t(
            "slack.summary.total",
            language,
            answered=total.answered,
            delivered=total.delivered,
            rate=_percent(total.answered, total.delivered),
        )
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{escape_mrkdwn(title)}*"))]
    blocks += _long_text("\n".join(lines))
    return title, blocks


def build_status(
    rounds: list[tuple[Round, Prompt, Participation, list[str]]],
    names: dict[str, str],
    language: str,
    tz: tzinfo,
) -> str:
    """/flip status: each open round with its participation per municipality and failed DMs."""
    if not rounds:
        return t("slack.status.none", language)
    parts = []
    for round, prompt, participation, failed in rounds:
        head = t(
            "slack.status.round",
            language,
            round_id=round.id,
            title=escape_mrkdwn(prompt.text(language).title),
            theme=theme_name(round.theme, language),
            closes=deadline_text(round.closes_at, language, tz),
        )
        body = participation_lines(participation, names, language)
        part = f"{head}\n{body}"
        if failed:
            part += "\n" + t("slack.status.failed", language, members=", ".join(failed))
        parts.append(part)
    return split_text("\n\n".join(parts))[0]


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


def build_prompt_list(prompts: list[Prompt], language: str) -> str:
    """/flip prompts: the library grouped by theme."""
    if not prompts:
        return t("slack.prompts.none", language)
    lines: list[str] = []
    theme = None
    for prompt in prompts:
        if prompt.theme != theme:
            theme = prompt.theme
            lines.append(t("slack.prompts.header", language, theme=theme_name(theme, language)))
        lines.append(
            t(
                "slack.prompts.line",
                language,
                prompt_id=prompt.id,
                title=escape_mrkdwn(prompt.text(language).title),
                kind=t(f"slack.kind.{prompt.kind}", language),
            )
        )
    return "\n".join(lines)


def build_start_modal(
    prompts: list[Prompt], municipalities: list[tuple[str, str]], language: str
) -> View:
    """/flip start alone: a prompt picker grouped by theme, the audience and a deadline date."""
    groups: dict[str, list[Option]] = {}
    for prompt in prompts:
        label = f"{prompt.id}: {prompt.text(language).title}"[:75]
        groups.setdefault(prompt.theme, []).append(Option(value=prompt.id, label=label))
    option_groups = [
        OptionGroup(label=theme_name(theme, language), options=options[:100])
        for theme, options in groups.items()
    ]
    blocks: list[Block] = [
        InputBlock(
            block_id=START_PROMPT,
            label=t("slack.start.prompt_label", language),
            element=StaticSelectElement(action_id=START_PROMPT, option_groups=option_groups),
        ),
        InputBlock(
            block_id=START_AUDIENCE,
            label=t("slack.start.audience_label", language),
            optional=True,
            element=StaticMultiSelectElement(
                action_id=START_AUDIENCE,
                options=[Option(value=mid, label=name) for mid, name in municipalities],
            ),
        ),
        InputBlock(
            block_id=START_CLOSES,
            label=t("slack.start.closes_label", language),
            element=DatePickerElement(action_id=START_CLOSES),
        ),
    ]
    return View(
        type="modal",
        callback_id=START_MODAL,
        title=t("slack.start.modal_title", language),
        submit=t("slack.start.modal_submit", language),
        close=t("slack.modal.cancel", language),
        blocks=blocks,
    )


@dataclass(frozen=True)
class HomeRound:
    """One open round as App Home shows it to a facilitator."""

    round: Round
    prompt: Prompt
    participation: Participation


def build_home(
    *,
    language: str,
    tz: tzinfo,
    open_prompts: list[tuple[Round, Prompt, str]],
    journal: list[tuple[Round, Prompt, Response]],
    paused_until: datetime | None,
    facilitator_rounds: list[HomeRound] | None,
    names: dict[str, str],
) -> View:
    """App Home: a broker's open prompts with buttons and their own answers by theme (a
    reflection journal); facilitators also see open rounds with remind/close and a start button."""
    blocks: list[Block] = []
    if facilitator_rounds is not None:
        blocks.append(HeaderBlock(text=t("slack.home.facilitator_title", language)))
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=t("slack.button.start", language),
                        action_id=HOME_START,
                        style="primary",
                    )
                ]
            )
        )
        if not facilitator_rounds:
            blocks.append(
                SectionBlock(text=MarkdownTextObject(text=t("slack.status.none", language)))
            )
        for item in facilitator_rounds[:8]:
            lines = "\n".join(
                t(
                    "slack.home.rate_line",
                    language,
                    municipality=names.get(c.municipality, c.municipality),
                    answered=c.answered,
                    delivered=c.delivered,
                    rate=_percent(c.answered, c.delivered),
                )
                for c in item.participation.municipalities
            )
            text = t(
                "slack.home.round_line",
                language,
                round_id=item.round.id,
                title=escape_mrkdwn(item.prompt.text(language).title),
                closes=deadline_text(item.round.closes_at, language, tz),
                lines=lines,
            )
            blocks += _long_text(text)
            value = str(item.round.id)
            blocks.append(
                ActionsBlock(
                    elements=[
                        ButtonElement(
                            text=t("slack.button.remind", language),
                            action_id=HOME_REMIND,
                            value=value,
                        ),
                        ButtonElement(
                            text=t("slack.button.close", language),
                            action_id=HOME_CLOSE,
                            value=value,
                            style="danger",
                        ),
                    ]
                )
            )
        blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=t("slack.home.open_title", language)))
    if paused_until is not None:
        until = f"{paused_until.astimezone(tz):%Y-%m-%d}"
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=t("slack.home.paused", language, until=until))]
            )
        )
    if not open_prompts:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=t("slack.home.open_none", language)))
        )
    for round, prompt, state in open_prompts[:8]:
        text = prompt.text(language)
        deadline = t(
            "slack.prompt.deadline", language, date=deadline_text(round.closes_at, language, tz)
        )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape_mrkdwn(text.title)}* ({theme_name(prompt.theme, language)})\n{deadline}"
                )
            )
        )
        blocks.append(ActionsBlock(elements=_buttons(round.id, language, state)))
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=t("slack.home.journal_title", language)))
    if not journal:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=t("slack.home.journal_none", language)))
        )
    room = MAX_BLOCKS - len(blocks)
    theme = None
    used = 0
    for _round, prompt, response in sorted(journal, key=lambda j: (j[1].theme, -j[0].id)):
        if room - used < 3:
            break
        if prompt.theme != theme:
            theme = prompt.theme
            blocks.append(HeaderBlock(text=theme_name(theme, language)))
            used += 1
        body = escape_mrkdwn(response.text)[:2500]
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape_mrkdwn(prompt.text(language).title)}* ({response.updated_at:%Y-%m-%d})\n{body}"
                )
            )
        )
        used += 1
    return View(type="home", blocks=blocks[:MAX_BLOCKS])
