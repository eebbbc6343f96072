"""The answers a Teams invoke handler returns: a text instead of the clicked card, a dialog
card (shown, or shown again), or a text that closes the dialog."""

from __future__ import annotations

from typing import Any

from bot.teams.sdk import api


def message(text: str) -> Any:
    return api.AdaptiveCardActionMessageResponse(value=text)


def dialog(title: str, card: Any) -> Any:
    attachment = api.card_attachment(api.AdaptiveCardAttachment(content=card))
    return api.TaskModuleResponse(
        task=api.TaskModuleContinueResponse(
            value=api.CardTaskModuleTaskInfo(title=title, card=attachment)
        )
    )


def dialog_message(text: str) -> Any:
    return api.TaskModuleResponse(task=api.TaskModuleMessageResponse(value=text))
