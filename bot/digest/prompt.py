"""The prompt a digest opens with: what the brokers were asked, as they read it."""

from __future__ import annotations

from functools import cache

from bot.core.models import Prompt
from bot.digest.model import PromptShown


def prompt_shown(prompt: Prompt, language: str) -> tuple[PromptShown, list[str]]:
    """The prompt's title, body and question labels in a language, and its question ids in order."""
    text = prompt.text(language)
    shown = PromptShown(
        title=text.title, body=text.body.strip(), questions=[q.label for q in text.questions]
    )
    return shown, [q.id for q in text.questions]


@cache
def _library():
    from bot.prompts import load_library

    return load_library()


def library_prompt(prompt_id: str, language: str) -> tuple[PromptShown, list[str]] | None:
    """The built-in library's prompt of that id (None when it has none): for callers that pass
    only the prompt's id."""
    prompt = _library().get(prompt_id)
    return None if prompt is None else prompt_shown(prompt, language)
