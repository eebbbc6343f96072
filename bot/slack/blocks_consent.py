"""Block Kit for the consent request: the text and its Ja / Nej buttons. Pure functions."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock

from bot.core.i18n import t

# The buttons carry the consent text's version (bot/core/consent.py) as their value; whose
# consent it is comes from the clicking user, never from the button.
CONSENT_YES = "consent_yes"
CONSENT_NO = "consent_no"
CONSENT_BLOCK = "consent_request"
CONSENT_HOME_BLOCK = "consent_home"
COMMAND_KEY = "consent.command_slack"


def build_consent_request(language: str, text_version: str) -> tuple[str, list[dict]]:
    """The consent request DM: (fallback text, blocks) with Ja / Nej."""
    text = t("consent.request", language, command=t(COMMAND_KEY, language)).strip()
    buttons = ActionsBlock(
        block_id=CONSENT_BLOCK,
        elements=[
            ButtonElement(
                text=t("consent.yes", language),
                action_id=CONSENT_YES,
                value=text_version,
                style="primary",
            ),
            ButtonElement(text=t("consent.no", language), action_id=CONSENT_NO, value=text_version),
        ],
    )
    return text, [SectionBlock(text=text).to_dict(), buttons.to_dict()]


def build_consent_answered(language: str, key: str) -> tuple[str, list[dict]]:
    """The request replaced by the member's answer (key: consent.answered_yes / _no)."""
    text = t(key, language, command=t(COMMAND_KEY, language))
    return text, [SectionBlock(text=text).to_dict()]


def build_consent_home(language: str, state: str, text_version: str) -> list:
    """The App Home section: the member's choice (state: yes, no or none) and a button to
    change it (the same action ids as the request, so one handler records both)."""
    status = SectionBlock(
        text=f"*{t('consent.home_title', language)}*\n{t(f'consent.home_{state}', language)}"
    )
    if state == "yes":
        button = ButtonElement(
            text=t("consent.home_say_no", language), action_id=CONSENT_NO, value=text_version
        )
    else:
        button = ButtonElement(
            text=t("consent.home_say_yes", language),
            action_id=CONSENT_YES,
            value=text_version,
            style="primary",
        )
    return [status, ActionsBlock(block_id=CONSENT_HOME_BLOCK, elements=[button])]
