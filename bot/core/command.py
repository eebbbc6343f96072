"""The `/flip` command line as a pure function: text in, Command out, never an exception.

Adding a subcommand is one entry in SUBCOMMANDS (a parser from the words after the name to the
arguments). A parser raises Malformed with a catalogue key; parse_command turns it into the help
command with that problem, so bad input always gets the help text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.core.text import escape_mrkdwn
from bot.core.themes import THEME_IDS
from bot.core.timeutil import parse_duration
from bot.export.collect import FORMATS

CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(\|[^>]*)?>$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{4,}$")


@dataclass(frozen=True)
class Command:
    """A parsed `/flip` command: its name, its arguments, and a problem (catalogue key and
    parameters) when the text could not be understood."""

    name: str
    args: dict = field(default_factory=dict)
    problem: tuple[str, dict] | None = None


class Malformed(Exception):
    def __init__(self, key: str, **params: object):
        self.key = key
        self.params = params
        super().__init__(key)


def _options(words: list[str], allowed: dict[str, Callable[[str], object]]) -> tuple[list, dict]:
    """Split words into positionals and `--option value` pairs (values checked by `allowed`)."""
    positional, options = [], {}
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--"):
            name = word[2:].lower()
            if name not in allowed:
                raise Malformed("slack.parse.unexpected", value=word)
            if index + 1 >= len(words):
                raise Malformed("slack.parse.missing_value", option=word)
            options[name] = allowed[name](words[index + 1])
            index += 2
        else:
            positional.append(word)
            index += 1
    return positional, options


def _duration(value: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError:
        raise Malformed("slack.parse.bad_duration", value=value) from None


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Malformed("slack.parse.bad_date", value=value) from None


def _round_id(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 2**62:
        raise Malformed("slack.parse.bad_round", value=value)
    return int(value)


def _channel(value: str) -> str:
    """A channel as Slack escapes it in command text (<#C123|name>) or a bare id."""
    match = CHANNEL_MENTION.match(value)
    if match:
        return match.group(1)
    if CHANNEL_ID.match(value):
        return value
    raise Malformed("slack.parse.bad_channel", value=value)


def _nothing(words: list[str]) -> dict:
    if words:
        raise Malformed("slack.parse.unexpected", value=words[0])
    return {}


def _optional_round(words: list[str]) -> dict:
    if len(words) > 1:
        raise Malformed("slack.parse.unexpected", value=words[1])
    return {"round_id": _round_id(words[0])} if words else {}


# The deadline option: Danish and Norwegian `--frist`, English `--closes`.
_CLOSES_OPTIONS: dict[str, Callable[[str], object]] = {"frist": _duration, "closes": _duration}


def _start(words: list[str]) -> dict:
    positional, options = _options(
        words, {**_CLOSES_OPTIONS, "kanal": _channel, "channel": _channel}
    )
    args: dict = {}
    if positional:
        args["target"] = positional[0].lower()
        args["municipalities"] = [w.lower() for w in positional[1:]]
    if "frist" in options or "closes" in options:
        args["closes"] = options.get("frist") or options["closes"]
    channel = options.get("kanal") or options.get("channel")
    if channel:
        args["channel"] = channel
    return args


def _reopen(words: list[str]) -> dict:
    positional, options = _options(words, _CLOSES_OPTIONS)
    if not positional:
        raise Malformed("slack.parse.missing_round")
    args = _optional_round(positional)
    if "frist" in options or "closes" in options:
        args["closes"] = options.get("frist") or options["closes"]
    return args


def _pause(words: list[str]) -> dict:
    if not words:
        raise Malformed("slack.parse.missing_pause")
    if words[0].lower() in ("til", "until"):
        if len(words) != 2:
            raise Malformed("slack.parse.missing_date")
        return {"until": _date(words[1])}
    if len(words) != 1:
        raise Malformed("slack.parse.unexpected", value=words[1])
    return {"for": _duration(words[0])}


def _prompts(words: list[str]) -> dict:
    if len(words) > 1:
        raise Malformed("slack.parse.unexpected", value=words[1])
    return {"theme": words[0].lower()} if words else {}


CONSENT_WORDS = {"ja": True, "yes": True, "nej": False, "nei": False, "no": False}


def _consent(words: list[str]) -> dict:
    """`samtykke` alone shows the member's choice; `samtykke ja|nej` changes it."""
    if len(words) > 1:
        raise Malformed("slack.parse.unexpected", value=words[1])
    if not words:
        return {}
    if words[0].lower() not in CONSENT_WORDS:
        raise Malformed("privacy.parse.bad_consent", value=words[0])
    return {"consent": CONSENT_WORDS[words[0].lower()]}


def _theme(value: str) -> str:
    if value.lower() not in THEME_IDS:
        raise Malformed("export.parse.bad_theme", value=value)
    return value.lower()


# `/flip export` options, Danish and English spellings of each.
_EXPORT_OPTIONS: dict[str, tuple[str, Callable[[str], object]]] = {
    "runde": ("round_id", _round_id),
    "round": ("round_id", _round_id),
    "tema": ("theme", _theme),
    "theme": ("theme", _theme),
    "fra": ("since", _date),
    "since": ("since", _date),
    "til": ("until", _date),
    "until": ("until", _date),
    "kommune": ("municipality", str.lower),
    "municipality": ("municipality", str.lower),
}


def _export(words: list[str]) -> dict:
    positional, options = _options(words, {k: v[1] for k, v in _EXPORT_OPTIONS.items()})
    if len(positional) > 1:
        raise Malformed("slack.parse.unexpected", value=positional[1])
    fmt = positional[0].lower() if positional else "csv"
    if fmt not in FORMATS:
        raise Malformed("export.parse.bad_format", value=fmt, formats=", ".join(FORMATS))
    args: dict = {"format": fmt}
    for name, value in options.items():
        args[_EXPORT_OPTIONS[name][0]] = value
    return args


# name -> (parser, aliases). The help texts show the Danish (or Norwegian) word first; the
# English word always works too. Subcommands of other areas are added here the same way.
SUBCOMMANDS: dict[str, tuple[Callable[[list[str]], dict], tuple[str, ...]]] = {
    "help": (_nothing, ("hjælp", "hjelp", "?")),
    "start": (_start, ()),
    "status": (_nothing, ()),
    "remind": (_optional_round, ("påmind", "påminn")),
    "close": (_optional_round, ("luk", "lukk")),
    "reopen": (_reopen, ("genåbn", "genåben", "gjenåpne", "gjenåpn")),
    "digest": (_optional_round, ("opsamling", "oppsummering")),
    "prompts": (_prompts, ("bibliotek", "biblioteket", "oplæg")),
    "pause": (_pause, ()),
    "resume": (_nothing, ("tilbage", "tilbake", "genoptag")),
    "samtykke": (_consent, ("consent", "samtykk")),
    "slet-mig": (_nothing, ("erase-me", "slett-meg")),
    "export": (_export, ("eksport", "eksporter")),
    "hjem": (_nothing, ("home",)),
    "sparring": (_nothing, ("del-dilemma", "share-case")),
}
_ALIASES = {alias: name for name, (_, aliases) in SUBCOMMANDS.items() for alias in aliases}
# Every word that starts a command, in any language (a chat without a slash command uses these).
COMMAND_WORDS = frozenset(SUBCOMMANDS) | frozenset(_ALIASES)


def parse_command(text: str) -> Command:
    """Parse the text after `/flip`. Empty text is help; anything malformed is help with a problem."""
    try:
        words = shlex.split(text or "")
    except ValueError:
        words = (text or "").split()
    if not words:
        return Command("help")
    word = words[0].lower()
    name = _ALIASES.get(word, word)
    if name not in SUBCOMMANDS:
        word = escape_mrkdwn(words[0][:40])
        return Command("help", problem=("slack.parse.unknown_command", {"word": word}))
    parser, _ = SUBCOMMANDS[name]
    try:
        return Command(name, parser(words[1:]))
    except Malformed as exc:
        # The member's own words are shown back to them: escaped, so they cannot ping anyone.
        params = {k: escape_mrkdwn(str(v)[:60]) for k, v in exc.params.items()}
        return Command("help", problem=(exc.key, params))
