"""User-facing text: one catalogue per language (da default, en, nb).

A language's catalogue is every YAML file in bot/locales/<language>/ (one file per area of the bot,
so the Slack texts, digest texts and privacy texts can grow apart); a key defined twice is an error.

Counted words follow the language's plural rules (CLDR, through Babel): a placeholder with a
format spec of plural forms picks one by the number it is given, so one entry serves every count:

    digest.theme_meta: "{answers} svar fra {places} {places:one=kommune|other=kommuner}"

Dates and times for people to read come from format_date/format_datetime, on Babel, in the
reader's language and the network's time zone, with each language's pattern in its catalogue.
"""

from __future__ import annotations

import re
import string
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path

import yaml
from babel import Locale
from babel.dates import format_datetime as babel_format_datetime

LANGUAGES = ("da", "en", "nb")
DEFAULT_LANGUAGE = "da"
_DIR = Path(__file__).parents[1] / "locales"
# "one=kommune|other=kommuner": the CLDR categories a language may use, each with its words.
_PLURAL_SPEC = re.compile(r"^(?:(?:zero|one|two|few|many|other)=[^|=]*\|?)+$")


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


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def plural_forms(spec: str) -> dict[str, str]:
    """'one=kommune|other=kommuner' -> {'one': 'kommune', 'other': 'kommuner'}."""
    return dict(part.split("=", 1) for part in spec.split("|") if part)


def plural_category(count: object, language: str) -> str:
    """The CLDR plural category ('one', 'other', …) of a count in a language."""
    return _locale(language).plural_form(abs(int(count)))


class _Formatter(string.Formatter):
    """str.format, plus plural forms chosen by the language's rules for `{n:one=…|other=…}`."""

    def __init__(self, language: str):
        self.language = language

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec and _PLURAL_SPEC.match(format_spec):
            forms = plural_forms(format_spec)
            category = plural_category(value, self.language)
            return forms.get(category, forms["other"])
        return super().format_field(value, format_spec)


def t(key: str, language: str | None = None, **params: object) -> str:
    """The text for key in a language (falling back to Danish), with {params} filled in."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    text = catalogue(language).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise KeyError(f"no text for {key!r} in the catalogues")
    return _Formatter(language).format(text, **params) if params else text


def theme_name(theme: str, language: str | None = None) -> str:
    return t(f"theme.{theme}", language)


def _format(moment: datetime, pattern_key: str, language: str | None, tz: tzinfo) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: all times in flipbot carry a timezone")
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return babel_format_datetime(
        moment.astimezone(tz), t(pattern_key, language), tzinfo=tz, locale=_locale(language)
    )


def format_datetime(moment: datetime, language: str | None, tz: tzinfo) -> str:
    """A day and time to read, e.g. 'tirsdag den 1. december kl. 16.00' (network time zone)."""
    return _format(moment, "format.datetime", language, tz)


def format_date(moment: datetime, language: str | None, tz: tzinfo) -> str:
    """A date to read, e.g. 'tirsdag den 1. december 2026' (network time zone)."""
    return _format(moment, "format.date", language, tz)


def format_short_date(moment: datetime, language: str | None, tz: tzinfo) -> str:
    """A short date for lists, e.g. '1. dec. 2026' (network time zone)."""
    return _format(moment, "format.short_date", language, tz)


def format_short_datetime(moment: datetime, language: str | None, tz: tzinfo) -> str:
    """A short date and time for lists and files, e.g. '1. dec. 2026 kl. 16.00'."""
    return _format(moment, "format.short_datetime", language, tz)
