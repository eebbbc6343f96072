"""Adaptive Cards for what people look at beside the prompt: the home card (a broker's open
prompts and own answers; a facilitator's open rounds with remind and close) and the round
summary posted to a channel. Pure functions, like bot.teams.cards."""

from __future__ import annotations

from datetime import datetime, tzinfo

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement, Container, Fact, FactSet

from bot.core.home import HomeRound
from bot.core.i18n import format_short_date, t, theme_name
from bot.core.models import Prompt, Response, Round
from bot.core.participation import Participation, figures, percent
from bot.teams import actions
from bot.teams.cards import (
    deadline_line,
    execute,
    heading,
    local_date,
    local_time,
    new_card,
    prompt_actions,
    subtle,
    text,
)

# Teams refuses a message over about 28 KB: a home card shows this much and says how much more.
MAX_HOME_ROUNDS = 8
MAX_HOME_PROMPTS = 8
MAX_JOURNAL = 10
MAX_JOURNAL_CHARS = 1000


def build_round_summary_card(
    round: Round, prompt: Prompt, participation: Participation, names: dict[str, str], language: str
) -> AdaptiveCard:
    """Participation per municipality and in all, posted to the round's channel when it closes
    (or shown while it is open)."""
    key = "slack.summary.title_open" if round.is_open else "slack.summary.title"
    title = t(key, language, round_id=round.id, title=prompt.text(language).title)
    total = participation.total
    body: list[CardElement] = [
        heading(title),
        *(
            text(t("slack.summary.line", language, **figures(c, names)))
            for c in participation.municipalities
        ),
        text(
            t(
                "teams.summary.total",
                language,
                answered=total.answered,
                delivered=total.delivered,
                rate=percent(total.answered, total.delivered),
            ),
            weight="Bolder",
        ),
    ]
    return new_card(body, language, fallback=title)


def _facilitator_part(
    rounds: list[HomeRound], names: dict[str, str], language: str, tz: tzinfo
) -> list[CardElement]:
    part: list[CardElement] = [heading(t("slack.home.facilitator_title", language))]
    if not rounds:
        part.append(text(t("slack.status.none", language)))
    for item in rounds[:MAX_HOME_ROUNDS]:
        round_id = item.round.id
        facts = [
            Fact(
                title=names.get(c.municipality, c.municipality),
                value=t("teams.home.fact", language, **figures(c, {})),
            )
            for c in item.participation.municipalities
        ]
        items: list[CardElement] = [
            text(
                t(
                    "teams.home.round_title",
                    language,
                    round_id=round_id,
                    title=item.prompt.text(language).title,
                ),
                weight="Bolder",
            ),
            subtle(
                t(
                    "teams.home.round_closes",
                    language,
                    closes=local_time(item.round.closes_at, language, tz),
                )
            ),
        ]
        if facts:
            items.append(FactSet(facts=facts))
        items.append(
            ActionSet(
                actions=[
                    execute(
                        actions.ROUND_REMIND, t("slack.button.remind", language), round_id=round_id
                    ),
                    execute(
                        actions.ROUND_CLOSE,
                        t("slack.button.close", language),
                        round_id=round_id,
                        style="destructive",
                    ),
                ]
            )
        )
        part.append(Container(items=items, separator=True))
    if len(rounds) > MAX_HOME_ROUNDS:
        part.append(subtle(t("teams.home.more", language, count=len(rounds) - MAX_HOME_ROUNDS)))
    return part


def build_home_card(
    *,
    language: str,
    tz: tzinfo,
    open_prompts: list[tuple[Round, Prompt, str]],
    journal: list[tuple[Round, Prompt, Response]],
    paused_until: datetime | None,
    facilitator_rounds: list[HomeRound] | None,
    names: dict[str, str],
) -> AdaptiveCard:
    """Teams has no App Home: this card (sent on `hjem`) shows a broker's open prompts with their
    buttons and their own answers, newest first; facilitators (facilitator_rounds not None) also
    see open rounds with remind and close."""
    body: list[CardElement] = []
    if facilitator_rounds is not None:
        body += _facilitator_part(facilitator_rounds, names, language, tz)
    body.append(heading(t("slack.home.open_title", language)))
    if paused_until is not None:
        body.append(
            subtle(t("slack.home.paused", language, until=local_date(paused_until, language, tz)))
        )
    if not open_prompts:
        body.append(text(t("slack.home.open_none", language)))
    for round, prompt, state in open_prompts[:MAX_HOME_PROMPTS]:
        items: list[CardElement] = [
            text(prompt.text(language).title, weight="Bolder"),
            subtle(f"{theme_name(prompt.theme, language)} · {deadline_line(round, language, tz)}"),
            ActionSet(actions=prompt_actions(round.id, language, state)),
        ]
        body.append(Container(items=items, separator=True))
    if len(open_prompts) > MAX_HOME_PROMPTS:
        extra = len(open_prompts) - MAX_HOME_PROMPTS
        body.append(subtle(t("teams.home.more", language, count=extra)))
    body.append(heading(t("slack.home.journal_title", language)))
    if not journal:
        body.append(text(t("slack.home.journal_none", language)))
    newest = sorted(journal, key=lambda entry: entry[2].updated_at, reverse=True)
    for _round, prompt, response in newest[:MAX_JOURNAL]:
        answer = response.text
        if len(answer) > MAX_JOURNAL_CHARS:
            answer = answer[: MAX_JOURNAL_CHARS - 1] + "…"
        items = [
            text(prompt.text(language).title, weight="Bolder"),
            subtle(
                f"{theme_name(prompt.theme, language)} · "
                f"{format_short_date(response.updated_at, language, tz)}"
            ),
            text(answer),
        ]
        body.append(Container(items=items, separator=True))
    if len(journal) > MAX_JOURNAL:
        body.append(subtle(t("teams.home.more", language, count=len(journal) - MAX_JOURNAL)))
    return new_card(body, language, fallback=t("slack.home.open_title", language))
