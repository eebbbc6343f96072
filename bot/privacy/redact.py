"""Redaction of personal data in answers before they are stored: CPR numbers, phone numbers,
e-mail addresses and street addresses become [CPR], [TLF], [EMAIL] and [ADRESSE].

Brokers write about meetings with citizens, so the safe error is to remove a little too much;
but dates, case numbers, amounts and years are left alone (tests/test_privacy_redact.py lists the
shapes). The result says how many of each kind were removed, never what they were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.core.i18n import t

PLACEHOLDERS = {"cpr": "[CPR]", "email": "[EMAIL]", "phone": "[TLF]", "address": "[ADRESSE]"}
KINDS = tuple(PLACEHOLDERS)  # also the order the broker is told about them

# -- CPR ------------------------------------------------------------------------------------
# DDMMYY-XXXX, DDMMYYXXXX or DDMMYY XXXX. Modulus 11 is not checked: CPR numbers issued since
# 2007 need not satisfy it. A valid calendar date is what tells a CPR number from other digits.
_CPR = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?\d{4}(?!\d)")


def _valid_cpr_date(day: str, month: str, year: str) -> bool:
    # The century hides in the serial number; 29 February counts when either century allows it.
    for century in (1900, 2000):
        try:
            date(century + int(year), int(month), int(day))
            return True
        except ValueError:
            continue
    return False


# -- e-mail ---------------------------------------------------------------------------------
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")

# -- phone ----------------------------------------------------------------------------------
# Danish subscriber numbers have 8 digits starting with 2-9, written as 22334455, 22 33 44 55,
# 2233 4455 or 22-33-44-55 / 22.33.44.55, optionally after +45, 0045 or (+45).
# With a country code the number may follow a word directly (tlf+4522334455); without, it must
# stand on its own, not inside a longer number or code.
_PREFIX = r"(?:(?<![\d+])(?:\(\+45\)|\+\s?45|0045)[\s.-]?|(?<![\w+])(?<!\d[.,/-]))"
_NUMBER = (
    r"(?:[2-9]\d{7}"
    r"|[2-9]\d(?: \d{2}){3}"
    r"|[2-9]\d{3} \d{4}"
    r"|[2-9]\d-\d{2}-\d{2}-\d{2}"
    r"|[2-9]\d\.\d{2}\.\d{2}\.\d{2})"
)
_PHONE = re.compile(rf"{_PREFIX}{_NUMBER}(?!\d)(?![.,/-]\d)")
# "2024 2025" is two school years, not a phone number.
_YEARS = re.compile(r"20\d\d 20\d\d")
# Eight digits after these words are a company, case or account number, not a phone.
_NOT_PHONE_BEFORE = re.compile(
    r"\b(?:(?:cvr|ean)[\s.-]*(?:nr|nummer)?"
    r"|(?:se|p|j|reg|kunde|ordre|sags?|faktura|konto|journal)[\s.-]*(?:nr|nummer)|jnr)"
    r"[\s.:-]*$",
    re.IGNORECASE,
)

# -- street address -------------------------------------------------------------------------
# Endings that make a street name even after a one-letter start (Åvej) ...
_STRONG = "vej|gade|allé|alle|stræde|vænge|vænget|boulevard|passage|promenade"
# ... and endings that are ordinary words on their own (Have, Bakke, Toft are also surnames).
_WEAK = (
    "plads|pladsen|torv|torvet|parken|haven|bakken|toften|vangen|stien|engen|lunden|"
    "højen|brynet|kæret|marken|skoven|gyde|kvarter|løkke|toft|bakke|have|park|vang"
)
_LONE_ENDINGS = "Vej|Gade|Allé|Alle|Stræde|Vænge|Boulevard|Plads|Torv|Have|Park|Passage|Kaj"
_MODIFIER = (
    r"(?:(?:Gammel|Gl\.|Gamle|Ny|Nye|Nørre|Ndr\.|Søndre|Sdr\.|Vestre|Østre|Store|Lille|"
    r"Sankt|Skt\.|Sct\.|Dr\.|Kong|Kongens|Prins|H\.\s?C\.)\s+){0,3}"
)
_NAME_WORD = r"[A-ZÆØÅ][\wæøåéü'.-]*"
_STREET = (
    rf"(?:{_MODIFIER}(?:[A-ZÆØÅ][\wæøåéü'-]*(?:{_STRONG})|[A-ZÆØÅ][\wæøåéü'-]+(?:{_WEAK})"
    rf"|[a-zæøå][\wæøåéü'-]+(?:vej|gade|allé|stræde|vænge|boulevard))"  # vestergade (typed lowercase)
    rf"|{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}\s+(?:{_LONE_ENDINGS})"  # H.C. Andersens Boulevard
    r"|Torvet|Vænget)"  # a town's own square or close, named by its ending alone
)
# "12", "12B", "12 B", "nr. 12", "12-14"
_HOUSE = r"(?:nr\.?\s*)?\d{1,4}(?:-\d{1,4})?(?:[A-Za-z](?![\wæøå])|\s[A-Z](?![\wæøå]))?"
_FLOOR = (
    r"(?:,?\s*(?:(?:\d{1,2}|st|kl)\.?\s*(?:th|tv|mf|sal)\.?|st\.|kl\.)"
    r"(?![\wæøå]))?"
)
# "8600 Silkeborg", "1050 København K"
_POSTCODE = r"(?:,?\s*\d{4}\s+[A-ZÆØÅ][\wæøå-]+(?:\s[A-ZÆØ](?![\wæøå]))?)?"
# A house number followed by one of these words is a count, not an address ("praktikplads 3 dage").
_UNIT = (
    r"(?!\s*(?:%|procent|kr|dage?|dagen|uger?|ugen|måneder|måned|år|timer?|gange?|min|minutter|"
    r"personer|borgere|mennesker|stk|pladser|ud af)(?![\wæøå]))"
)
_ADDRESS = re.compile(
    rf"(?<![\wæøåÆØÅ]){_STREET}\s+{_HOUSE}(?!\d){_UNIT}{_FLOOR}{_POSTCODE}(?![\wæøå])"
)


_DIGIT = re.compile(r"\d")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Redaction:
    """Redacted text and how many of each kind were removed (never the removed values)."""

    text: str
    removed: dict[str, int] = field(default_factory=dict)


def _sub_cpr(text: str, counts: dict[str, int]) -> str:
    def replace(match: re.Match) -> str:
        if not _valid_cpr_date(*match.groups()):
            return match.group(0)
        counts["cpr"] = counts.get("cpr", 0) + 1
        return PLACEHOLDERS["cpr"]

    return _CPR.sub(replace, text)


def _sub_phone(text: str, counts: dict[str, int]) -> str:
    def replace(match: re.Match) -> str:
        before = match.string[max(0, match.start() - 20) : match.start()]
        plain = not match.group(0).startswith(("+", "0", "("))
        if plain and (_NOT_PHONE_BEFORE.search(before) or _YEARS.fullmatch(match.group(0))):
            return match.group(0)
        counts["phone"] = counts.get("phone", 0) + 1
        return PLACEHOLDERS["phone"]

    return _PHONE.sub(replace, text)


def _sub_simple(pattern: re.Pattern, kind: str, text: str, counts: dict[str, int]) -> str:
    new, n = pattern.subn(PLACEHOLDERS[kind], text)
    if n:
        counts[kind] = counts.get(kind, 0) + n
    return new


def redact(text: str) -> Redaction:
    """Replace CPR numbers, e-mail addresses, phone numbers and street addresses by placeholders
    (and make the text storable: no lone surrogates)."""
    counts: dict[str, int] = {}
    if _SURROGATE.search(text):
        # Slack's JSON can carry a lone surrogate (\ud800) that SQLite cannot store as UTF-8:
        # join valid pairs, replace the rest with U+FFFD.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    # Every kind but e-mail needs a digit and e-mail needs an @: most answers skip the patterns.
    if "@" not in text and not _DIGIT.search(text):
        return Redaction(text)
    # A replacement can, rarely, join two fragments into something that matches again; repeat
    # until nothing changes so that redacting twice gives the same text as redacting once.
    for _ in range(10):
        before = text
        text = _sub_cpr(text, counts)
        if "@" in text:
            text = _sub_simple(_EMAIL, "email", text, counts)
        text = _sub_phone(text, counts)
        text = _sub_simple(_ADDRESS, "address", text, counts)
        if text == before:
            break
    return Redaction(text, {kind: counts[kind] for kind in KINDS if counts.get(kind)})


def redact_answers(answers: Mapping[str, str]) -> tuple[dict[str, str], dict[str, int]]:
    """Redact every answer of a response; return the answers and the summed counts per kind."""
    cleaned: dict[str, str] = {}
    total: dict[str, int] = {}
    for question_id, text in answers.items():
        result = redact(text)
        cleaned[question_id] = result.text
        total = merge_counts(total, result.removed)
    return cleaned, total


def merge_counts(*counts: Mapping[str, int]) -> dict[str, int]:
    """Add up removal counts per kind."""
    merged: dict[str, int] = {}
    for part in counts:
        for kind, n in part.items():
            merged[kind] = merged.get(kind, 0) + n
    return {kind: merged[kind] for kind in KINDS if merged.get(kind)}


def redaction_notice(removed: Mapping[str, int], language: str | None = None) -> str | None:
    """The sentence telling a broker what was removed from their answer, or None if nothing was."""
    items = []
    for kind in KINDS:
        n = removed.get(kind, 0)
        if n == 1:
            items.append(t(f"privacy.removed.{kind}.one", language))
        elif n > 1:
            items.append(t(f"privacy.removed.{kind}.many", language, count=n))
    if not items:
        return None
    if len(items) == 1:
        listed = items[0]
    else:
        listed = t("privacy.list_and", language, head=", ".join(items[:-1]), last=items[-1])
    return t("privacy.removed_from_answer", language, items=listed)


class PrivacyError(Exception):
    """A consent or erasure request cannot be done; `key` names the catalogue text."""

    def __init__(self, key: str, **params: object):
        self.key = key
        self.params = params
        super().__init__(f"{key} {params}" if params else key)
