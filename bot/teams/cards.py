"""Adaptive Cards for what a member reads in Teams: the prompt, the answer dialog, the reminder,
help and the welcome on install. Built with microsoft_teams.cards; pure functions (no client, no
store). Home, summaries and digests are in cards_overview.py and cards_digest.py.

Every builder returns an `AdaptiveCard` (the SDK sends it as it is: in an activity attachment, an
`AdaptiveCardActionCardResponse` or a dialog's `TaskModuleContinueResponse`); `card_dict` gives
its JSON form. Text from people (prompts, answers) goes into plain TextBlocks: no mention entity
is ever built, so `<at>…</at>` in an answer stays text and pings nobody.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    ExecuteAction,
    Fact,
    FactSet,
    SubmitAction,
    SubmitActionData,
    TaskFetchSubmitActionData,
    TextBlock,
    TextInput,
    ToggleInput,
)

from bot.core.answering import MAX_ANSWER_CHARS
from bot.core.i18n import format_date, format_datetime, t, theme_name
from bot.core.models import Prompt, Round
from bot.teams import actions

# Action.Execute needs 1.4; Teams renders up to 1.5 on desktop, web and mobile.
VERSION = "1.5"
PROMPT_STATES = ("open", "answered", "skipped", "snoozed", "closed")
# The /flip commands a help card lists, by who uses them (the grammar is bot.core.command's).
HELP_GROUPS = {
    "brokers": ("hjem", "sparring", "pause", "resume", "samtykke", "slet-mig", "help"),
    "facilitators": ("start", "status", "remind", "close", "digest"),
    "researchers": ("export",),
}


def card_dict(card: AdaptiveCard) -> dict:
    """The card as the JSON Teams receives (camelCase keys, no empty fields)."""
    return card.model_dump(by_alias=True, exclude_none=True)


def new_card(
    body: list[CardElement], language: str, *, fallback: str | None = None
) -> AdaptiveCard:
    card = AdaptiveCard(body=body, lang=language, version=VERSION)
    return card.with_fallback_text(fallback) if fallback else card


def text(value: str, **style) -> TextBlock:
    """A wrapped TextBlock; people's text goes in only this way, never as a mention."""
    return TextBlock(text=value, wrap=True, **style)


def heading(value: str) -> TextBlock:
    return text(value, size="Medium", weight="Bolder")


def subtle(value: str) -> TextBlock:
    return text(value, is_subtle=True, size="Small")


def local_time(moment: datetime, language: str, tz: tzinfo) -> str:
    """A day and time to read, by Babel, in the member's language and the network's time zone."""
    return format_datetime(moment, language, tz)


def local_date(moment: datetime, language: str, tz: tzinfo) -> str:
    """A date to read, by Babel, in the member's language and the network's time zone."""
    return format_date(moment, language, tz)


def deadline_line(round: Round, language: str, tz: tzinfo) -> str:
    return t("slack.prompt.deadline", language, date=local_time(round.closes_at, language, tz))


def open_dialog(
    dialog_id: str, round_id: int, title: str, *, primary: bool = False
) -> SubmitAction:
    """An Action.Submit that makes Teams send task/fetch: the dialog id and round in its data."""
    data = SubmitActionData(**actions.dialog_data(dialog_id, round_id)).with_msteams(
        TaskFetchSubmitActionData(type="task/fetch").model_dump(exclude_none=True)
    )
    action = SubmitAction(title=title).with_data(data)
    return action.with_style("positive") if primary else action


def execute(
    verb: str,
    title: str,
    *,
    round_id: int | None = None,
    digest_id: int | None = None,
    style: str | None = None,
) -> ExecuteAction:
    """An Action.Execute whose verb is also its data's `action` (what the SDK routes on)."""
    data = actions.execute_data(verb, round_id=round_id, digest_id=digest_id)
    action = ExecuteAction(title=title, verb=verb, data=data)
    return action.with_style(style) if style else action


def prompt_actions(round_id: int, language: str, state: str) -> list:
    """The buttons a prompt has in a state (as in Slack: answered only edits; open also skips
    and snoozes; skipped and snoozed can still answer; closed has none)."""
    if state == "closed":
        return []
    if state == "answered":
        return [open_dialog(actions.EDIT_DIALOG, round_id, t("slack.button.edit", language))]
    buttons: list = [
        open_dialog(
            actions.ANSWER_DIALOG, round_id, t("slack.button.answer", language), primary=True
        )
    ]
    if state == "open":
        buttons.append(
            execute(actions.PROMPT_SKIP, t("slack.button.skip", language), round_id=round_id)
        )
        buttons.append(
            execute(actions.PROMPT_SNOOZE, t("slack.button.snooze", language), round_id=round_id)
        )
    return buttons


def build_prompt_card(
    prompt: Prompt, round: Round, language: str, state: str, tz: tzinfo
) -> AdaptiveCard:
    """The prompt: theme, title, body, questions, deadline and the buttons for its state (open,
    answered, skipped, snoozed, closed)."""
    if state not in PROMPT_STATES:
        raise ValueError(f"unknown prompt state {state!r}")
    words = prompt.text(language)
    body: list[CardElement] = [subtle(theme_name(prompt.theme, language))]
    if prompt.asked_from:  # a sparring case: who asks, as they chose to be shown
        key = "sparring.asked.by_name" if prompt.asked_by else "sparring.asked.by_municipality"
        body.append(subtle(t(key, language, name=prompt.asked_by, municipality=prompt.asked_from)))
    body += [
        text(words.title, size="Large", weight="Bolder"),
        text(words.body),
        text(t("teams.prompt.questions", language), weight="Bolder"),
        *(text(f"• {question.label}") for question in words.questions),
        subtle(deadline_line(round, language, tz)),
    ]
    if state != "open":
        color = "Good" if state == "answered" else "Default"
        body.append(text(t(f"slack.state.{state}", language), color=color, weight="Bolder"))
    buttons = prompt_actions(round.id, language, state)
    if buttons:
        body.append(ActionSet(actions=buttons))
    return new_card(
        body, language, fallback=t("slack.prompt.fallback", language, title=words.title)
    )


def answer_dialog_title(language: str) -> str:
    """The dialog's title (the task/fetch response carries it, not the card)."""
    return t("slack.modal.title", language)


def build_answer_dialog(
    prompt: Prompt,
    round_id: int,
    language: str,
    *,
    answers: dict[str, str] | None = None,
    quotable: bool = False,
    in_channel: bool = False,
    private: bool = False,
    problem: str | None = None,
    message_id: str | None = None,
) -> AdaptiveCard:
    """One multi-line input per question (id = question id, prefilled from `answers`), the
    'may be quoted' toggle (channel rounds add 'only for facilitators') and Send. With `problem`
    (text already in the member's language) it is shown above the inputs."""
    words = prompt.text(language)
    clash = {q.id for q in words.questions} & actions.RESERVED_KEYS
    if clash:
        raise ValueError(f"question ids {sorted(clash)} collide with the dialog's own data")
    answers = answers or {}
    body: list[CardElement] = []
    if problem:
        body.append(text(t("teams.dialog.problem", language, problem=problem), color="Attention"))
    body.append(heading(words.title))
    for question in words.questions:
        body.append(
            TextInput(
                id=question.id,
                label=question.label,
                placeholder=question.hint,
                is_multiline=True,
                max_length=MAX_ANSWER_CHARS,
                value=answers.get(question.id) or None,
            )
        )
    body.append(toggle(actions.QUOTABLE_INPUT, t("slack.modal.quotable", language), quotable))
    if prompt.kind == "sparring":  # the answerer chooses how the case's owner sees them
        body.append(
            toggle(actions.SHOW_NAME_INPUT, t("sparring.answer_form.show_name", language), False)
        )
    if in_channel:
        body.append(toggle(actions.PRIVATE_INPUT, t("slack.modal.private", language), private))
    card = new_card(body, language)
    submit = SubmitAction(title=t("slack.modal.submit", language), style="positive")
    card.actions = [submit.with_data(SubmitActionData(**actions.submit_data(round_id, message_id)))]
    return card


def rebuild_answer_dialog(
    prompt: Prompt,
    submitted: actions.CardAction,
    language: str,
    problem: str,
    *,
    in_channel: bool = False,
) -> AdaptiveCard:
    """The answer dialog again after a server-side problem: what the member typed, kept, and
    the problem shown (for a TaskModuleContinueResponse)."""
    if submitted.verb != actions.ANSWER_SUBMIT or submitted.round_id is None:
        raise ValueError("only a submitted answer dialog can be shown again")
    return build_answer_dialog(
        prompt,
        submitted.round_id,
        language,
        answers=submitted.answers,
        quotable=submitted.quotable,
        in_channel=in_channel,
        private=submitted.private,
        problem=problem,
        message_id=submitted.message_id,
    )


def toggle(input_id: str, title: str, on: bool) -> ToggleInput:
    return ToggleInput(
        id=input_id,
        title=title,
        wrap=True,
        value=actions.TOGGLE_ON if on else actions.TOGGLE_OFF,
        value_on=actions.TOGGLE_ON,
        value_off=actions.TOGGLE_OFF,
    )


def build_reminder_card(prompt: Prompt, round: Round, language: str, tz: tzinfo) -> AdaptiveCard:
    """The one reminder before a round closes, with the button that opens the answer dialog."""
    title = prompt.text(language).title
    reminder = t(
        "slack.reminder",
        language,
        title=title,
        deadline=local_time(round.closes_at, language, tz),
    )
    body: list[CardElement] = [
        subtle(t("teams.reminder.title", language)),
        text(reminder),
        ActionSet(actions=prompt_actions(round.id, language, "snoozed")),
    ]
    return new_card(body, language, fallback=reminder)


def command_facts(language: str, commands: tuple[str, ...]) -> FactSet:
    return FactSet(
        facts=[
            Fact(
                title=t(f"teams.usage.{name}", language), value=t(f"teams.command.{name}", language)
            )
            for name in commands
        ]
    )


def build_help_card(language: str, *, problem: str | None = None) -> AdaptiveCard:
    """What a member can write to the bot, grouped by who uses it; with `problem` (already
    worded) first, when the bot did not understand what was written."""
    body: list[CardElement] = []
    if problem:
        body.append(text(t("slack.help.problem", language, detail=problem), color="Attention"))
    body += [
        heading(t("teams.help.title", language)),
        text(t("teams.help.answer", language)),
        text(t("teams.help.how", language)),
    ]
    for group, commands in HELP_GROUPS.items():
        body.append(text(t(f"teams.help.{group}", language), weight="Bolder"))
        body.append(command_facts(language, commands))
    return new_card(body, language, fallback=t("teams.help.title", language))


def build_welcome_card(language: str) -> AdaptiveCard:
    """The first message after the app is installed for a member."""
    body: list[CardElement] = [
        heading(t("teams.welcome.title", language)),
        text(t("teams.welcome.body", language)),
        text(t("teams.help.answer", language)),
        subtle(t("teams.welcome.privacy", language)),
    ]
    return new_card(body, language, fallback=t("teams.welcome.title", language))
