"""Block Kit for the question asked before an answer that seems to name a citizen is stored:
"Fjern" (primary, the default) or "Behold". Pure functions; the ids are shared with
bot.slack.handlers.flags."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from bot.core.answering import PendingAnswer
from bot.core.i18n import t
from bot.core.text import escape_mrkdwn
from bot.privacy.flag import flag_question

FLAG_MODAL = "flag_modal"
FLAG_DONE_MODAL = "flag_done_modal"
FLAG_BLOCK = "flag_choice"
# The value of both buttons is the pending answer's id; the core checks it is the clicker's.
FLAG_REMOVE = "flag_remove"
FLAG_KEEP = "flag_keep"


def question_text(pending: PendingAnswer, language: str) -> str:
    """The question, with the member's own words escaped for mrkdwn."""
    return escape_mrkdwn(flag_question(pending.flagged, pending.kinds, language))


def choice_blocks(pending: PendingAnswer, language: str) -> list:
    return [
        SectionBlock(text=question_text(pending, language)),
        ContextBlock(elements=[MarkdownTextObject(text=t("flag.explain", language))]),
        ActionsBlock(
            block_id=FLAG_BLOCK,
            elements=[
                ButtonElement(
                    text=t("flag.remove", language),
                    action_id=FLAG_REMOVE,
                    value=pending.id,
                    style="primary",
                ),
                ButtonElement(text=t("flag.keep", language), action_id=FLAG_KEEP, value=pending.id),
            ],
        ),
    ]


def build_flag_modal(pending: PendingAnswer, language: str, *, private: bool = False) -> View:
    """What the answer modal turns into (response_action update) when its answer is flagged."""
    return View(
        type="modal",
        callback_id=FLAG_MODAL,
        title=t("flag.title", language),
        close=t("flag.close", language),
        private_metadata=json.dumps({"pending": pending.id, "private": private}),
        blocks=choice_blocks(pending, language),
    )


def read_flag_modal(private_metadata: str) -> tuple[str, bool]:
    """(pending id, private) from the flag modal's metadata."""
    data = json.loads(private_metadata or "{}")
    return str(data["pending"]), bool(data.get("private"))


def build_flag_done_modal(text: str, language: str) -> View:
    """The modal after the choice: what was stored, and a close button."""
    return View(
        type="modal",
        callback_id=FLAG_DONE_MODAL,
        title=t("flag.title", language),
        close=t("flag.close", language),
        blocks=[SectionBlock(text=text)],
    )


def build_flag_message(pending: PendingAnswer, language: str) -> dict:
    """The same question as a message (thread replies): text and blocks."""
    return {
        "text": question_text(pending, language),
        "blocks": [block.to_dict() for block in choice_blocks(pending, language)],
    }
