"""Block Kit for what facilitators and members look at beside the prompt itself: the round
summary, /flip status, the prompt list, the start-a-round modal and App Home."""

from __future__ import annotations

from datetime import datetime, tzinfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.home import HomeRound
from bot.core.i18n import format_date, format_short_date, t, theme_name
from bot.core.models import Prompt, Response, Round
from bot.core.participation import Participation, figures, percent
from bot.core.text import escape_mrkdwn
from bot.slack.blocks import (
    HOME_CLOSE,
    HOME_REMIND,
    HOME_START,
    MAX_BLOCKS,
    START_AUDIENCE,
    START_CLOSES,
    START_MODAL,
    START_PROMPT,
    deadline_text,
    long_text,
    prompt_buttons,
)


def participation_lines(participation: Participation, names: dict[str, str], language: str) -> str:
    return "\n".join(
        t("slack.status.line", language, **figures(c, names)) for c in participation.municipalities
    )


def build_round_summary(
    round: Round, prompt: Prompt, participation: Participation, names: dict[str, str], language: str
) -> tuple[str, list[Block]]:
    """The participation summary posted to the digest channel when a round closes."""
    key = "slack.summary.title_open" if round.is_open else "slack.summary.title"
    title = t(key, language, round_id=round.id, title=prompt.text(language).title)
    lines = [
        t("slack.summary.line", language, **figures(c, names)) for c in participation.municipalities
    ]
    total = participation.total
    lines.append(
        t(
            "slack.summary.total",
            language,
            answered=total.answered,
            delivered=total.delivered,
            rate=percent(total.answered, total.delivered),
        )
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{escape_mrkdwn(title)}*"))]
    blocks += long_text("\n".join(lines))
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
    return "\n\n".join(parts)


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
                t("slack.home.rate_line", language, **figures(c, names))
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
            blocks += long_text(text)
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
        until = format_date(paused_until, language, tz)
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
        blocks.append(ActionsBlock(elements=prompt_buttons(round.id, language, state)))
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
                    text=f"*{escape_mrkdwn(prompt.text(language).title)}* ({format_short_date(response.updated_at, language, tz)})\n{body}"
                )
            )
        )
        used += 1
    return View(type="home", blocks=blocks[:MAX_BLOCKS])
