"""Flagging what cannot be removed safely by pattern: likely names, health data and an age with a
place. bot.privacy.redact removes what has a shape (CPR, phone, case numbers, ICD-10 codes); a
name or a diagnosis word has none, so these are only flagged, and the broker decides (issue 15):
*Fjern* puts a placeholder in their place, *Behold* keeps the text as typed.

Decisions:
- A name is a capitalised word that is a first name in Faker's Danish, Norwegian, Swedish or German
  person providers (imported lazily, the provider modules only), with a capitalised word after it
  as its surname ("Mira Hansen"). First names that are also ordinary Danish or Norwegian words
  ("Bo", "Per", "Max", "Hans", "Dag", "Liv", months) need context: a surname after them, a role
  before them, or a capital letter in the middle of a sentence (Danish writes ordinary nouns in
  lower case); at the start of a sentence alone they are words ("Per uge", "Hans mor").
- A role and a capitalised word is a name whatever the word ("borgeren Ahmed", "kollegaen Sara").
- Members' names from the network file are flagged in full and by their first name.
- Health: a short list of diagnosis words (ICD-10 chapter F and common somatic ones) in Danish and
  Norwegian, with their inflections ("depression", "depressionen", "skizofreni").
- Age and place: an age ("23-årig", "23 år") and, within a few words, a capitalised place after
  "fra", "i" or "på" ("23-årig fra Hvalpsund").
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from bot.core.i18n import t

PLACEHOLDERS = {"name": "[NAVN]", "health": "[HELBRED]", "age_place": "[ALDER OG STED]"}
FLAG_KINDS = tuple(PLACEHOLDERS)

_PROVIDERS = ("da_DK", "no_NO", "sv_SE", "de_DE")

# First names that are also ordinary Danish or Norwegian words (lower case here).
_COMMON_WORDS = frozenset(
    {
        "bo",
        "per",
        "max",
        "hans",
        "dag",
        "liv",
        "tom",
        "mark",
        "del",
        "edit",
        "else",
        "andre",
        "august",
        "juni",
        "juli",
        "maj",
        "may",
        "my",
        "line",
        "lage",
        "love",
        "tage",
        "vide",
        "ville",
        "sine",
        "said",
        "meta",
        "sol",
        "storm",
        "sten",
        "rose",
        "ask",
        "alle",
        "lykke",
        "fred",
        "kaj",
        "gry",
        "stig",
        "rune",
        "vilde",
        "siv",
        "ravn",
        "lærke",
        "even",
        "roar",
        "frank",
        "bent",
        "eg",
        "ben",
        "birk",
        "tor",
        "bjørn",
        "lind",
        "ro",
        "tro",
        "kan",
        "glad",
        "sommer",
        "vinter",
        "april",
        "marts",
        "is",
        "hue",
        "mai",
        "will",
        "ulf",
    }
)
# Words before a name that say a person is meant.
_ROLES = (
    r"borger(?:en|e)?|innbygger(?:en)?|bruker(?:en)?|deltager(?:en)?|deltaker(?:en)?|"
    r"kollega(?:en)?|kollegaen|kollegen|sagsbehandler(?:en)?|saksbehandler(?:en)?|mentor(?:en)?|"
    r"leder(?:en)?|chef(?:en)?|arbejdsgiver(?:en)?|arbeidsgiver(?:en)?|konsulent(?:en)?|"
    r"kvinden|manden|kvinnen|mannen|drengen|pigen|gutten|jenta|sønnen|datteren|sønnen|"
    r"datteren|søsteren|broren|moren|faren|kæresten|kjæresten|hustruen|konen|kona|eleven|"
    r"praktikanten|lærlingen|ledige|unge|unges|hr\.|fru|frk\."
)
_WORD = r"[A-ZÆØÅÄÖÜ][a-zæøåäöüéèáíóú]+(?:-[A-ZÆØÅÄÖÜ][a-zæøåäöüéèáíóú]+)?"
_CAPITALISED = re.compile(rf"(?<![\w\[-]){_WORD}(?![\w\]-])")
_ROLE_BEFORE = re.compile(rf"(?i:\b(?:{_ROLES}))\s+(?:(?i:den|det)\s+)?$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*(?:[-*•]\s*)?|[\"“„(]\s*)$")

# Diagnosis words, Danish and Norwegian, matched as whole words with their inflections.
_HEALTH_STEMS = (
    r"depression|depressiv|depresjon|depressjon|angst|angstlidelse|panikangst|socialfobi|"
    r"ptsd|ptss|skizofreni|schizofreni|paranoid skizofreni|paranoid schizofreni|psykose|"
    r"adhd|add|autisme|autist|asperger|bipolar|maniodepressiv|ocd|tvangstanker|"
    r"misbrug|alkoholmisbrug|stofmisbrug|hashmisbrug|rusmisbruk|misbruk|alkoholiker|"
    r"alkoholisme|spiseforstyrrelse|anoreksi|bulimi|personlighedsforstyrrelse|"
    r"personlighetsforstyrrelse|borderline|selvskade|selvmordsforsøg|demens|"
    r"kræft|cancer|kreft|diabetes|sklerose|epilepsi|hjerneskade|fibromyalgi|gigt|leddgikt|"
    r"migræne|migrene|piskesmæld|hjerneblødning|blodprop|hiv|kol"
)
_HEALTH = re.compile(
    rf"(?i)(?<![\wæøå])(?:{_HEALTH_STEMS})(?:en|et|er|erne|ne|e|s|ens|ikeren|ikere)?(?![\wæøå])"
)
# Inflections that are other words: "kræfter" is strength, not cancer.
_NOT_HEALTH = frozenset({"kræfter", "kræfterne", "kræfternes"})
# Acronyms are only diagnoses in capitals ("add", "kol" are words).
_ACRONYMS = frozenset({"add", "kol", "ocd", "hiv", "ptsd", "ptss", "adhd"})

_AGE_PLACE = re.compile(
    r"(?<!\d)\d{1,3}(?:[- ]?årig(?:e)?|[- ]?åring(?:en)?| år(?: gammel)?)"
    r"(?:\s+[\wæøå,.-]+){0,5}?\s+(?:fra|i|på)\s+"
    r"[A-ZÆØÅ][\wæøå-]+(?:\s[A-ZÆØÅ][\wæøå-]+)?"
)


@dataclass(frozen=True)
class Flag:
    """A piece of an answer that may be personal data: its position, kind and text."""

    start: int
    end: int
    kind: str
    text: str


def preload() -> threading.Thread:
    """Load the name lists in the background (importing Faker's providers takes a second or more
    on a busy machine, which the first answer must not wait for inside a 3 s acknowledgement)."""
    thread = threading.Thread(target=first_names, name="flipbot-names", daemon=True)
    thread.start()
    return thread


@cache
def first_names() -> frozenset[str]:
    """First names from Faker's Danish, Norwegian, Swedish and German person providers."""
    names: set[str] = set()
    for locale in _PROVIDERS:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        names.update(provider.first_names)
    return frozenset(name for name in names if len(name) > 1)


def _is_sentence_start(text: str, start: int) -> bool:
    return _SENTENCE_START.search(text, max(0, start - 4), start) is not None


def _name_flags(text: str) -> list[Flag]:
    names = first_names()
    flags: list[Flag] = []
    words = list(_CAPITALISED.finditer(text))
    skip_until = -1
    for index, word in enumerate(words):
        if word.start() < skip_until:
            continue
        token = word.group(0)
        role = _ROLE_BEFORE.search(text, max(0, word.start() - 40), word.start()) is not None
        known = token in names or token.split("-")[0] in names
        if not known and not role:
            continue
        following = words[index + 1] if index + 1 < len(words) else None
        surname = following is not None and text[word.end() : following.start()] == " "
        ordinary = known and not role and token.lower() in _COMMON_WORDS and not surname
        if ordinary and _is_sentence_start(text, word.start()):
            continue  # "Per uge", "Hans mor": a word, not a name
        end = following.end() if surname and following is not None else word.end()
        flags.append(Flag(word.start(), end, "name", text[word.start() : end]))
        skip_until = end
    return flags


def _member_flags(text: str, member_names: Iterable[str]) -> list[Flag]:
    flags: list[Flag] = []
    patterns: set[str] = set()
    for full in member_names:
        full = full.strip()
        if not full:
            continue
        patterns.add(re.escape(full))
        first = full.split()[0]
        if len(first) > 2 and first.lower() not in _COMMON_WORDS:
            patterns.add(re.escape(first))
    if not patterns:
        return flags
    # Longest first, so "Mette Holm" wins over "Mette".
    alternatives = "|".join(sorted(patterns, key=len, reverse=True))
    for match in re.finditer(rf"(?<![\w-])(?:{alternatives})(?![\w-])", text):
        flags.append(Flag(match.start(), match.end(), "name", match.group(0)))
    return flags


def _health_flags(text: str) -> list[Flag]:
    flags = []
    for match in _HEALTH.finditer(text):
        word = match.group(0)
        if word.lower() in _NOT_HEALTH or (word.lower() in _ACRONYMS and not word.isupper()):
            continue
        flags.append(Flag(match.start(), match.end(), "health", word))
    return flags


def _age_place_flags(text: str) -> list[Flag]:
    return [Flag(m.start(), m.end(), "age_place", m.group(0)) for m in _AGE_PLACE.finditer(text)]


def find_flags(text: str, member_names: Iterable[str] = ()) -> list[Flag]:
    """Likely names, health data and age + place in text, in order and not overlapping (an age
    with a place wins over a name inside it, a longer piece over a shorter one)."""
    candidates = (
        _age_place_flags(text)
        + _member_flags(text, member_names)
        + _name_flags(text)
        + _health_flags(text)
    )
    candidates.sort(key=lambda f: (f.start, -(f.end - f.start)))
    chosen: list[Flag] = []
    for flag in candidates:
        if chosen and flag.start < chosen[-1].end:
            if flag.end > chosen[-1].end and flag.kind == chosen[-1].kind:
                last = chosen.pop()
                chosen.append(Flag(last.start, flag.end, last.kind, text[last.start : flag.end]))
            continue
        chosen.append(flag)
    return chosen


def remove_flagged(text: str, flags: Iterable[Flag]) -> str:
    """text with every flagged piece replaced by its kind's placeholder."""
    out: list[str] = []
    position = 0
    for flag in sorted(flags, key=lambda f: f.start):
        if flag.start < position:
            continue
        out += [text[position : flag.start], PLACEHOLDERS[flag.kind]]
        position = flag.end
    out.append(text[position:])
    return "".join(out)


def flag_answers(
    answers: Mapping[str, str], member_names: Iterable[str] = ()
) -> dict[str, list[Flag]]:
    """The flags of each answer that has any, by question id."""
    names = tuple(member_names)
    flagged = {question: find_flags(text, names) for question, text in answers.items()}
    return {question: flags for question, flags in flagged.items() if flags}


def remove_flagged_answers(
    answers: Mapping[str, str], member_names: Iterable[str] = ()
) -> dict[str, str]:
    """Every answer with its flagged pieces replaced by placeholders."""
    names = tuple(member_names)
    return {
        question: remove_flagged(text, find_flags(text, names))
        for question, text in answers.items()
    }


def flag_question(flagged: list[str], kinds: Mapping[str, int], language: str | None = None) -> str:
    """The question put to the member: what seems to be about a citizen, and whether to remove it."""
    items = ", ".join(flagged)
    if set(kinds) == {"name"}:
        key = "flag.ask.name" if kinds["name"] == 1 else "flag.ask.names"
    elif len(kinds) == 1:
        key = f"flag.ask.{next(iter(kinds))}"
    else:
        key = "flag.ask.mixed"
    return t(key, language, items=items)
