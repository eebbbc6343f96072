"""The consent request as an Adaptive Card: the text and Ja / Nej as Action.Execute verbs that
carry the consent text's version back. Pure functions, like bot.teams.cards."""

from __future__ import annotations

from microsoft_teams.cards import ActionSet, AdaptiveCard, ExecuteAction

from bot.core.i18n import t
from bot.teams.actions import ACTION_KEY
from bot.teams.cards import new_card, text

# Whose consent a click records comes from the clicking user, never from the card.
CONSENT_YES = "flip.consent.yes"
CONSENT_NO = "flip.consent.no"
VERSION_KEY = "text_version"
COMMAND_KEY = "consent.command_teams"


def _button(verb: str, title: str, text_version: str, style: str | None = None) -> ExecuteAction:
    action = ExecuteAction(
        title=title, verb=verb, data={ACTION_KEY: verb, VERSION_KEY: text_version}
    )
    return action.with_style(style) if style else action


def build_consent_request_card(language: str, text_version: str) -> AdaptiveCard:
    """The consent request with Ja (positive) and Nej."""
    request = t("consent.request", language, command=t(COMMAND_KEY, language)).strip()
    buttons = [
        _button(CONSENT_YES, t("consent.yes", language), text_version, style="positive"),
        _button(CONSENT_NO, t("consent.no", language), text_version),
    ]
    return new_card([text(request), ActionSet(actions=buttons)], language, fallback=request)


def build_consent_answered_card(language: str, key: str) -> AdaptiveCard:
    """What replaces the request once answered (key: consent.answered_yes / _no): no buttons."""
    message = t(key, language, command=t(COMMAND_KEY, language))
    return new_card([text(message)], language, fallback=message)


def consent_home_elements(language: str, state: str, text_version: str) -> list:
    """For the home card: the member's choice (state: yes, no or none) and a button to change
    it (the request's verbs, so one handler records both)."""
    status = text(
        f"**{t('consent.home_title', language)}**\n\n{t(f'consent.home_{state}', language)}"
    )
    if state == "yes":
        button = _button(CONSENT_NO, t("consent.home_say_no", language), text_version)
    else:
        button = _button(
            CONSENT_YES, t("consent.home_say_yes", language), text_version, style="positive"
        )
    return [status, ActionSet(actions=[button])]
