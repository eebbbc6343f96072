"""Block Kit for the privacy surfaces: the "erase my answers?" confirmation. Pure functions."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock

from bot.core.i18n import t

# Buttons under the `/flip slet-mig` confirmation. Their value is not trusted: the handler
# always erases the member who clicked.
ERASE_CONFIRM = "privacy_erase_confirm"
ERASE_CANCEL = "privacy_erase_cancel"
ERASE_BLOCK = "privacy_erase"


def build_erase_confirmation(language: str) -> dict:
    """The ephemeral question with a red "yes, erase" and a "no" button (text + blocks)."""
    question = t("privacy.erase_confirm", language)
    buttons = ActionsBlock(
        block_id=ERASE_BLOCK,
        elements=[
            ButtonElement(
                text=t("privacy.erase_confirm_yes", language),
                action_id=ERASE_CONFIRM,
                value="erase",
                style="danger",
            ),
            ButtonElement(
                text=t("privacy.erase_confirm_no", language),
                action_id=ERASE_CANCEL,
                value="cancel",
            ),
        ],
    )
    return {
        "text": question,
        "blocks": [SectionBlock(text=question).to_dict(), buttons.to_dict()],
    }
