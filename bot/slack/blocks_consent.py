"""Block Kit for the consent request: the text and its Ja / Nej buttons. Pure functions."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock

from bot.core.i18n import t

# The buttons carry the consent text's version (bot/core/consent.py) as their value; whose
# consent it is comes from the clicking user, never from the button.
CONSENT_YES = "consent_yes"
CONSENT_NO = "consent_no"
CONSENT_BLOCK = "consent_request"
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
