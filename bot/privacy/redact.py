"""Redaction of personal data in answers before they are stored: CPR numbers (and Norwegian
fødselsnumre), phone numbers, e-mail addresses, street addresses, case numbers and ICD-10
diagnosis codes become [CPR], [TLF], [EMAIL], [ADRESSE], [SAGSNR] and [DIAGNOSE].

Brokers write about meetings with citizens, so the safe error is to remove a little too much;
but dates, case numbers, amounts and years are left alone (tests/test_privacy_redact.py lists the
shapes, tests/data/redaction_labelled.yaml holds the labelled sentences the redactor is measured on).
The result says how many of each kind were removed, never what they were.

The patterns run on a copy of the text in which Unicode spaces, dashes and digits are folded to
ASCII one character for one (so "150387\u20114411" and "22\u00a033\u00a044\u00a055" are seen as
typed on a keyboard); what is replaced is cut from the original text at the same positions, so
everything that is not personal data is stored exactly as the broker wrote it.

Decisions:
- CPR: a valid date (in either century, the safe side for 29 February) and ten digits as
  DDMMYY-XXXX, DDMMYYXXXX or DD.MM.YY-XXXX / DD MM YY XXXX, with spaces or any dash between date
  and serial. Modulus 11 is not required, since CPR numbers issued since 2007 need not satisfy it;
  it is used where it helps: after a label that names another number ("sagsnr.", "lønnr.",
  "journalnummer", "P-nummer") a number that fails it is that other number and is kept, one that
  passes is most likely a CPR number used as a case number, and is removed.
- Norwegian fødselsnumre: 11 digits, DDMMYY and five more (D-numbers add 4 to the first digit),
  both modulus-11 check digits valid; counted as "cpr".
- Case numbers: the number after a label that names one ("sagsnr.", "sagsnummer", "j.nr.",
  "journalnr.", "journalnummer", "sags-id"), in any shape ("2024-012345", "27.12.04-P20-1-24");
  the label stays. A bare "sag 2026-1234" is kept (a year and a serial, or an ordinal: too
  ambiguous without the label). A labelled number that passes the CPR check is removed as a CPR.
- Diagnosis codes (ICD-10, and the Danish SKS form with a leading D): a code with a decimal
  ("F32.1", "DF32.1"), the SKS form ("DF321"), or a bare chapter-F code ("F20", psychiatric, the
  most sensitive chapter). A bare code of another chapter ("E45", "G20", "B12" are also roads,
  summits and vitamins) only after a word that says it is a diagnosis ("diagnose", "ICD").
  Names, diagnosis words and age + place cannot be removed safely by pattern: bot.privacy.flag
  finds them and the broker decides.
- Phones: Danish 8-digit numbers in the groupings people type, after +45/0045 or not, and foreign
  numbers with a country code (+46 70 123 45 67, 0049 …). Eight digits after a label that names
  another number ("Lønnummer 22334455", "CVR", "kundenr.") or before an amount ("kr.") are kept.
- Street addresses: a street name (by its ending, also in the definite form: Strandvejen,
  Hovedgaden; or a preposition and a definite noun: Ved Stranden, Bag Haverne) and a house number,
  with floor, postcode and town when they follow. A house number is a whole number: "Fremtidsvej
  2.0" goes on with a decimal point and is a version, not an address.
- E-mails: also spelt out as (at), [at], {at}, snabel-a, " @ ", or "name.surname at domain.tld"
  (the bare word "at" only when the name has a dot in it: "at" is a common Danish word).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.core.i18n import t

PLACEHOLDERS = {
    "cpr": "[CPR]",
    "email": "[EMAIL]",
    "phone": "[TLF]",
    "address": "[ADRESSE]",
    "sagsnummer": "[SAGSNR]",
    "diagnosekode": "[DIAGNOSE]",
}
KINDS = tuple(PLACEHOLDERS)  # also the order the broker is told about them


# -- normalisation --------------------------------------------------------------------------
def _fold(char: str) -> str:
    """One character as the patterns see it: every space separator (no-break, narrow, thin …) a
    space, every dash (en, figure, no-break hyphen …) and the minus sign a hyphen, every decimal
    digit an ASCII digit; other characters by their NFKC form when that is one character."""
    category = unicodedata.category(char)
    if category == "Zs":
        return " "
    if category == "Pd" or char == "\N{MINUS SIGN}":
        return "-"
    if category == "Nd":
        return str(unicodedata.digit(char))
    folded = unicodedata.normalize("NFKC", char)
    # Superscripts and fractions fold to digits: keep them, they are not typed as numbers.
    return folded if len(folded) == 1 and not folded.isdigit() else char


class _FoldTable(dict):
    """str.translate's table, filled in as characters are met."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def normalise(text: str) -> str:
    """The text with Unicode spaces, dashes and digits folded to ASCII, character for character
    (the result has the same length, so positions in it are positions in text)."""
    if text.isascii():
        return text
    return text.translate(_FOLD_TABLE)


# -- labels before a number -----------------------------------------------------------------
# The word right before a number, as in "sagsnr. ", "Lønnummer ", "cpr-nr.: ", "tlf. ".
_LABEL = re.compile(r"([^\W\d_]+(?:[.-][^\W\d_]+)*)[.:]*\s*(?:(?:er|var)\s+)?[.:]?\s*$")
# Numbers that are named by a short word alone, not by "...nr"/"...nummer".
# Not "p" or "se": a bare letter or a common word ("se 0101001234") says nothing about the number.
_OTHER_NUMBER_WORDS = {"cvr", "ean", "jnr", "gln", "id", "ref", "iban", "reg", "konto"}
_PHONE_WORDS = ("tlf", "telefon", "mobil", "sms", "direkte", "fastnet", "hoved", "vagt", "kontakt")
_CPR_WORDS = ("cpr", "person", "pers")


def _label_before(text: str, start: int) -> str | None:
    """The label word (lower case, without dots and hyphens) right before position start, if any."""
    match = _LABEL.search(text, max(0, start - 40), start)
    if match is None:
        return None
    return re.sub(r"[.-]", "", match.group(1).lower())


def _names_a_number(label: str | None) -> str | None:
    """What a label says the number after it is called ("sags" for "sagsnr"), or None if the label
    does not name a number. A bare "nr"/"nummer" names a number but not which: that is ""."""
    if label is None:
        return None
    if label in _OTHER_NUMBER_WORDS:
        return label
    for ending in ("nummer", "numre", "nr", "id"):
        if label.endswith(ending):
            return label.removesuffix(ending)
    return None


# -- CPR ------------------------------------------------------------------------------------
_CPR = re.compile(
    r"(?<![\d+])"
    r"(\d{2})([. -]?)(\d{2})\2(\d{2})"  # the date, its parts apart the same way or not at all
    r"(?: ?- ?| )?"  # between date and serial
    r"(\d{4})(?!\d)"
)
_MOD11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def _valid_cpr_date(day: str, month: str, year: str) -> bool:
    # The century hides in the serial number; 29 February counts when either century allows it.
    for century in (1900, 2000):
        try:
            date(century + int(year), int(month), int(day))
            return True
        except ValueError:
            continue
    return False


def _modulus_11(digits: str) -> bool:
    return sum(int(d) * w for d, w in zip(digits, _MOD11_WEIGHTS, strict=True)) % 11 == 0


def _is_cpr(text: str, match: re.Match) -> bool:
    day, apart, month, year, serial = match.groups()
    if not _valid_cpr_date(day, month, year):
        return False
    if apart and (
        re.search(r"\d[ .-]$", text[max(0, match.start() - 2) : match.start()])
        or re.match(r"[ .-]\d", text[match.end() : match.end() + 2])
    ):
        return False  # "15 03 87 4411" inside a longer run of digit groups is some other number
    named = _names_a_number(_label_before(text, match.start()))
    if named and not named.startswith(_CPR_WORDS):
        # "sagsnr. 2301251234": another number, unless it passes the CPR check digit.
        return _modulus_11(day + month + year + serial)
    return True


# -- Norwegian fødselsnummer ----------------------------------------------------------------
_FNR = re.compile(r"(?<![\d+])(\d{6})[ -]?(\d{5})(?![\d])")
_FNR_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _fnr_check(digits: str, weights: tuple[int, ...]) -> int | None:
    rest = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest == 11 else None if rest == 10 else rest


def _is_fodselsnummer(text: str, match: re.Match) -> bool:
    digits = match.group(1) + match.group(2)
    day = int(digits[:2])
    if day > 40:  # a D-number: 4 added to the first digit of the day
        day -= 40
    if not _valid_cpr_date(f"{day:02d}", digits[2:4], digits[4:6]):
        return False
    first = _fnr_check(digits[:9], _FNR_WEIGHTS_1)
    second = _fnr_check(digits[:10], _FNR_WEIGHTS_2)
    return first == int(digits[9]) and second == int(digits[10])


# -- case numbers ---------------------------------------------------------------------------
# The label stays, the number after it goes: "sagsnr. 2024-012345", "j.nr. 27.12.04-P20-1-24".
_CASE_LABEL = r"(?i:\b(?:sags?[-. ]?(?:nr|nummer(?:et)?|numre|id)|j\.?\s?nr|journal[-. ]?(?:nr|nummer(?:et)?|numre)))"
_CASE = re.compile(rf"{_CASE_LABEL}\.?(?: ?: ?| )?(?:(?:er|var) )?")
_CASE_VALUE = re.compile(r"(?=[A-Za-z]{0,4}\d)[A-Za-z0-9](?:[A-Za-z0-9./-]{0,38}[A-Za-z0-9])?")


def _case_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for label in _CASE.finditer(text):
        value = _CASE_VALUE.match(text, label.end())
        if value is None or text[value.start() : value.start() + 1] == "[":
            continue
        if spans and value.start() < spans[-1][1]:
            continue
        spans.append(value.span())
    return spans


# -- diagnosis codes (ICD-10) ---------------------------------------------------------------
_CODE_END = r"(?![\w.,-]?\d)(?![\wæøåÆØÅ])"
_DIAGNOSIS_CODE = re.compile(
    r"(?<![\wæøåÆØÅ.-])(?:"
    rf"D?[A-TV-Z]\d{{2}}\.\d{{1,2}}{_CODE_END}"  # F32.1, DF32.1
    rf"|D[A-TV-Z]\d{{3,4}}{_CODE_END}"  # DF321: the SKS form
    rf"|(?:D?F|(?P<other>D?[A-EG-TV-Z]))\d{{2}}{_CODE_END}"  # F20, DF20; E45 only after "diagnose"
    r")"
)
_DIAGNOSIS_CONTEXT = re.compile(
    r"(?i)(?:diagnos\w*|icd(?:-?10)?|dx)[\s:.,(]*(?:[\w.]+[\s,]+){0,3}$"
)


def _is_diagnosis_code(text: str, match: re.Match) -> bool:
    if match.group("other") is None:
        return True
    return _DIAGNOSIS_CONTEXT.search(text, max(0, match.start() - 60), match.start()) is not None


# -- e-mail ---------------------------------------------------------------------------------
# Found from the at sign outwards (the name scanned back by hand, the domain matched forward), so
# a long run of name characters costs one pass, not one pass per starting point.
_AT_SIGN = re.compile(
    r"\s{1,3}@\s{1,3}|@|\s{0,3}[(\[{<]\s{0,3}(?:at|snabel-?a)\s{0,3}[)\]}>]\s{0,3}"
    r"|\s{1,3}snabel-?a\s{1,3}|\s{1,3}at\s{1,3}",
    re.IGNORECASE,
)
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_TOP_LEVEL = re.compile(r"\.[^\W\d_]{2,}")
_MAYBE_EMAIL = re.compile(r"@|\bat\b|snabel-?a", re.IGNORECASE)
_LOCAL_CHARS = frozenset("+.'-_")


def _email_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for at in _AT_SIGN.finditer(text):
        domain = _DOMAIN.match(text, at.end())  # first: "at arbejde" stops here, cheaply
        if domain is None:
            continue
        start = at.start()
        floor = spans[-1][1] if spans else 0
        while start > floor and (text[start - 1].isalnum() or text[start - 1] in _LOCAL_CHARS):
            start -= 1
        name = text[start : at.start()]
        if not name:
            continue
        if at.group(0) != "@":
            # Spelt out: the domain must end in a top-level domain of letters, and the bare word
            # "at" only counts after a name with a dot or underscore inside ("mira.hansen at").
            tail = domain.group(0)[domain.group(0).rfind(".") :]
            if not _TOP_LEVEL.fullmatch(tail):
                continue
            if at.group(0).strip().lower() == "at" and not re.search(r"\w[._]\w", name):
                continue
        spans.append((start, domain.end()))
    return spans


# -- phone ----------------------------------------------------------------------------------
# Danish subscriber numbers have 8 digits starting with 2-9, written as 22334455, 22 33 44 55,
# 2233 4455, 22 334 455, 2233-4455 or 22-33-44-55 / 22.33.44.55, optionally after +45, 0045 or
# (+45). With a country code the number may follow a word directly (tlf+4522334455); without, it
# must stand on its own, not inside a longer number or code.
_PREFIX = r"(?:(?<![\d+])(?:\(\+45\)|\+\s?45|0045)[\s.-]?|(?<![\w+])(?<!\d[.,/ -]))"
_NUMBER = (
    r"(?:[2-9]\d{7}"
    r"|[2-9]\d(?: \d{2}){3}"
    r"|[2-9]\d{3}[ -]\d{4}"
    r"|[2-9]\d \d{3} \d{3}"
    r"|[2-9]\d-\d{2}-\d{2}-\d{2}"
    r"|[2-9]\d\.\d{2}\.\d{2}\.\d{2})"
)
# A number before these is an amount, not a phone number ("22 334 455 kr.").
_AMOUNT = r"(?!\s*(?i:kr|kroner|dkk|mio|mia|euro|eur|%|procent)(?![\wæøå]))"
_PHONE = re.compile(rf"{_PREFIX}{_NUMBER}(?!\d)(?![.,/-]\d){_AMOUNT}")
# Foreign numbers: a country code after + or 00, then 6 to 12 digits in groups.
_FOREIGN_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?: ?\(0\))?(?:[ .-]?\d{1,4}){2,6}(?!\d)(?![.,/-]\d)"
)
# "2024 2025" and "2024-2026" are school years, and "2026-1234" is a case number of a year.
_YEARS = re.compile(r"(?:19|20)\d\d(?: (?:19|20)\d\d|-\d{4})")


def _is_phone(text: str, match: re.Match) -> bool:
    if match.group(0).startswith(("+", "0", "(")):
        return True
    if _YEARS.fullmatch(match.group(0)):
        return False
    named = _names_a_number(_label_before(text, match.start()))
    # "Lønnummer 22334455" is a payroll number; "nummer"/"tlf.nr." name a phone.
    return not named or any(word in named for word in _PHONE_WORDS)


def _is_foreign_phone(text: str, match: re.Match) -> bool:
    digits = re.sub(r"\D", "", match.group(0).removeprefix("00"))
    return 8 <= len(digits) <= 15


# -- street address -------------------------------------------------------------------------
# Endings that make a street name even after a one-letter start (Åvej), also in the definite
# form (Strandvejen, Hovedgaden) ...
_STRONG = (
    "vej|vejen|gade|gaden|allé|alléen|alle|stræde|strædet|vænge|vænget|boulevard|passage|promenade"
)
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
# Streets named by a preposition and a noun in the definite form: Ved Stranden, Bag Haverne.
_PREPOSITION = r"(?:Ved|Over|Under|Bag|Bagved|Langs|Mellem|Neden|Oven|Inden|Uden)"
_NAME_WORD = r"[A-ZÆØÅ][\wæøåéü'.-]*"
_STREET = (
    rf"(?:{_MODIFIER}(?:[A-ZÆØÅ][\wæøåéü'-]*(?:{_STRONG})|[A-ZÆØÅ][\wæøåéü'-]+(?:{_WEAK})"
    rf"|[a-zæøå][\wæøåéü'-]+(?:vej|gade|allé|stræde|vænge|boulevard))"  # vestergade (typed lowercase)
    rf"|{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}\s+(?:{_LONE_ENDINGS})"  # H.C. Andersens Boulevard
    rf"|{_PREPOSITION}\s+[A-ZÆØÅ][\wæøåéü]*(?:en|et|ne)"
    r"|Torvet|Vænget)"  # a town's own square or close, named by its ending alone
)
# "12", "12B", "12 B", "nr. 12", "12-14"; a house number is a whole number, so one that goes on
# with a decimal point or comma and a digit is a version or an amount ("Fremtidsvej 2.0").
_HOUSE = (
    r"(?:nr\.?\s*)?\d{1,4}(?:-\d{1,4})?(?:[A-Za-z](?![\wæøå])|\s[A-Z](?![\wæøå]))?"
    r"(?![.,]\d)"
)
_FLOOR = (
    r"(?:,?\s*(?:(?:\d{1,2}|st|kl)\.?\s*(?:th|tv|mf|sal)\.?|st\.|kl\.)"
    r"(?![\wæøå]))?"
)
# "8600 Silkeborg", "1050 København K"
_POSTCODE = r"(?:,?\s*\d{4}\s+[A-ZÆØÅ][\wæøå-]+(?:\s[A-ZÆØ](?![\wæøå]))?)?"
_MONTHS = "jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec"
# A house number followed by one of these words is a count, not an address ("praktikplads 3
# dage"), and one followed by a month is a date ("Ved Mødet 3. juni").
_UNIT = (
    r"(?!\s*(?:%|procent|kr|dage?|dagen|uger?|ugen|måneder|måned|år|timer?|gange?|min|minutter|"
    r"personer|borgere|mennesker|stk|pladser|ud af|km|meter)(?![\wæøå]))"
    rf"(?!\.\s*(?:{_MONTHS}))"
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


def _always(text: str, match: re.Match) -> bool:
    return True


def _matches(
    pattern: re.Pattern, accept: Callable[[str, re.Match], bool] = _always
) -> Callable[[str], list[tuple[int, int]]]:
    """A finder of the spans of pattern's matches that accept agrees to."""
    return lambda text: [m.span() for m in pattern.finditer(text) if accept(text, m)]


def _substitute(
    text: str,
    folded: str,
    find: Callable[[str], list[tuple[int, int]]],
    kind: str,
    counts: dict[str, int],
) -> tuple[str, str]:
    """Replace the spans find finds in folded by kind's placeholder, at the same positions in text
    and in folded; return both."""
    spans = find(folded)
    if not spans:
        return text, folded
    counts[kind] = counts.get(kind, 0) + len(spans)
    placeholder = PLACEHOLDERS[kind]
    out_text: list[str] = []
    out_folded: list[str] = []
    position = 0
    for start, end in spans:
        out_text += [text[position:start], placeholder]
        out_folded += [folded[position:start], placeholder]
        position = end
    out_text.append(text[position:])
    out_folded.append(folded[position:])
    return "".join(out_text), "".join(out_folded)


def _cpr_spans(text: str) -> list[tuple[int, int]]:
    """Like _matches, but a rejected match is tried again one character on: in "00 00 010100-0000"
    the first ten digits fail as a date, and the CPR number inside them must still be found."""
    spans: list[tuple[int, int]] = []
    position = 0
    while (match := _CPR.search(text, position)) is not None:
        if _is_cpr(text, match):
            spans.append(match.span())
            position = match.end()
        else:
            position = match.start() + 1
    return spans


_find_cpr = _cpr_spans
_find_phone = _matches(_PHONE, _is_phone)
_find_foreign_phone = _matches(_FOREIGN_PHONE, _is_foreign_phone)
_find_address = _matches(_ADDRESS)
_find_fodselsnummer = _matches(_FNR, _is_fodselsnummer)
_find_diagnosis_code = _matches(_DIAGNOSIS_CODE, _is_diagnosis_code)


def redact(text: str) -> Redaction:
    """Replace CPR numbers, e-mail addresses, phone numbers and street addresses by placeholders
    (and make the text storable: no lone surrogates)."""
    counts: dict[str, int] = {}
    if _SURROGATE.search(text):
        # Slack's JSON can carry a lone surrogate (\ud800) that SQLite cannot store as UTF-8:
        # join valid pairs, replace the rest with U+FFFD.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    # Every kind but e-mail needs a digit and e-mail needs an @ or a spelt-out one: most answers
    # skip the patterns.
    maybe_email = _MAYBE_EMAIL.search(text) is not None
    digits = _DIGIT.search(text) is not None
    if not maybe_email and not digits:
        return Redaction(text)
    folded = normalise(text)
    # A replacement can, rarely, join two fragments into something that matches again; repeat
    # until nothing changes so that redacting twice gives the same text as redacting once.
    for _ in range(10):
        before = text
        if digits:
            text, folded = _substitute(text, folded, _find_fodselsnummer, "cpr", counts)
            text, folded = _substitute(text, folded, _find_cpr, "cpr", counts)
            # Before phones: "j.nr. 22334455" is a case number, not a phone number.
            text, folded = _substitute(text, folded, _case_spans, "sagsnummer", counts)
            text, folded = _substitute(text, folded, _find_diagnosis_code, "diagnosekode", counts)
        if maybe_email:
            text, folded = _substitute(text, folded, _email_spans, "email", counts)
        if digits:
            # Foreign first: "0049 151 23456789" ends in eight digits that look Danish.
            text, folded = _substitute(text, folded, _find_foreign_phone, "phone", counts)
            text, folded = _substitute(text, folded, _find_phone, "phone", counts)
            text, folded = _substitute(text, folded, _find_address, "address", counts)
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
    listed = removed_list(removed, language)
    return None if listed is None else t("privacy.removed_from_answer", language, items=listed)


def removed_list(removed: Mapping[str, int], language: str | None = None) -> str | None:
    """What was removed, as words ("et telefonnummer og en adresse"), or None if nothing was."""
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
        return items[0]
    return t("privacy.list_and", language, head=", ".join(items[:-1]), last=items[-1])


class PrivacyError(Exception):
    """A consent or erasure request cannot be done; `key` names the catalogue text."""

    def __init__(self, key: str, **params: object):
        self.key = key
        self.params = params
        super().__init__(f"{key} {params}" if params else key)
