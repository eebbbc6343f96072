"""Adaptive Cards for `slet-mig` and `prompts` in Teams: the question before an erasure (with
Action.Execute verbs that act on whoever clicks), a plain outcome card that replaces it, and the
prompt library grouped by theme. Pure functions, like bot.teams.cards."""

from __future__ import annotations

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement

from bot.core.i18n import t, theme_name
from bot.core.models import Prompt
from bot.teams import actions
from bot.teams.cards import execute, heading, new_card, text


def build_erase_confirm_card(language: str) -> AdaptiveCard:
    """Ask before erasing: yes (destructive) or no."""
    question = t("privacy.erase_confirm", language)
    buttons = [
        execute(
            actions.ERASE_CONFIRM, t("privacy.erase_confirm_yes", language), style="destructive"
        ),
        execute(actions.ERASE_CANCEL, t("privacy.erase_confirm_no", language)),
    ]
    return new_card([text(question), ActionSet(actions=buttons)], language, fallback=question)


def build_notice_card(message: str, language: str) -> AdaptiveCard:
    """A card with only text: what replaces a question once it is answered (no buttons left)."""
    return new_card([text(message)], language, fallback=message)


def build_prompt_list_card(prompts: list[Prompt], language: str) -> AdaptiveCard:
    """`prompts`: the library grouped by theme, each with the id `start` takes."""
    if not prompts:
        return build_notice_card(t("slack.prompts.none", language), language)
    body: list[CardElement] = []
    theme = None
    for prompt in prompts:
        if prompt.theme != theme:
            theme = prompt.theme
            body.append(heading(theme_name(theme, language)))
        line = t(
            "teams_edge.prompt_line",
            language,
            prompt_id=prompt.id,
            title=prompt.text(language).title,
            kind=t(f"slack.kind.{prompt.kind}", language),
        )
        body.append(text(line))
    return new_card(body, language, fallback=t("teams_edge.prompts_title", language))
