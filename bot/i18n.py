"""User-facing text: one catalogue per language (da default, en, nb) in bot/locales/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES = ("da", "en", "nb")
DEFAULT_LANGUAGE = "da"
_DIR = Path(__file__).parent / "locales"


@cache
def catalogue(language: str) -> dict[str, str]:
    """The flat key -> text map of one language."""
    with open(_DIR / f"{language}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def t(key: str, language: str | None = None, **params: object) -> str:
    """The text for key in a language (falling back to Danish), with {params} filled in."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    text = catalogue(language).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise KeyError(f"no text for {key!r} in the catalogues")
    return text.format(**params) if params else text


def theme_name(theme: str, language: str | None = None) -> str:
    return t(f"theme.{theme}", language)
