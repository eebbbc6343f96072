"""User-facing text: one catalogue per language (da default, en, nb).

A language's catalogue is every YAML file in bot/locales/<language>/ (one file per area of the bot,
so the Slack texts, digest texts and privacy texts can grow apart); a key defined twice is an error.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES = ("da", "en", "nb")
DEFAULT_LANGUAGE = "da"
_DIR = Path(__file__).parents[1] / "locales"


@cache
def catalogue(language: str) -> dict[str, str]:
    """The flat key -> text map of one language."""
    merged: dict[str, str] = {}
    for path in sorted((_DIR / language).glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            part = yaml.safe_load(handle) or {}
        clash = merged.keys() & part.keys()
        if clash:
            raise ValueError(f"{path}: keys already defined in another file: {sorted(clash)}")
        merged.update(part)
    return merged


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
