"""The `/flip` commands in Danish and Norwegian as well as English: each word reaches the same command."""

from datetime import date, timedelta

import pytest

from bot.core.command import Command, parse_command
from bot.core.timeutil import parse_duration


@pytest.mark.parametrize(
    ("danish", "norwegian", "english", "expected"),
    [
        ("hjælp", "hjelp", "help", Command("help")),
        ("påmind 12", "påminn 12", "remind 12", Command("remind", {"round_id": 12})),
        ("luk", "lukk", "close", Command("close")),
        ("opsamling 3", "oppsummering 3", "digest 3", Command("digest", {"round_id": 3})),
        ("bibliotek helhed", "bibliotek helhed", "prompts helhed", Command("prompts", {"theme": "helhed"})),
        ("tilbage", "tilbake", "resume", Command("resume")),
        ("samtykke nej", "samtykke nei", "consent no", Command("samtykke", {"consent": False})),
        ("slet-mig", "slett-meg", "erase-me", Command("slet-mig")),
        ("eksport json", "eksport json", "export json", Command("export", {"format": "json"})),
        (
            "pause til 2026-12-01",
            "pause til 2026-12-01",
            "pause until 2026-12-01",
            Command("pause", {"until": date(2026, 12, 1)}),
        ),
        (
            "genåbn 12 --frist 3d",
            "gjenåpne 12 --frist 3d",
            "reopen 12 --closes 3d",
            Command("reopen", {"round_id": 12, "closes": timedelta(days=3)}),
        ),
        (
            "start samtale silkeborg --frist 5d",
            "start samtale silkeborg --frist 5d",
            "start samtale silkeborg --closes 5d",
            Command(
                "start",
                {"target": "samtale", "municipalities": ["silkeborg"], "closes": timedelta(days=5)},
            ),
        ),
    ],
)  # fmt: skip
def test_danish_norwegian_and_english_words_give_the_same_command(
    danish, norwegian, english, expected
):
    assert parse_command(danish) == expected
    assert parse_command(norwegian) == expected
    assert parse_command(english) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2u", timedelta(weeks=2)),  # uge, uke
        ("36t", timedelta(hours=36)),  # timer
        ("2W", timedelta(weeks=2)),
        ("90m", timedelta(minutes=90)),
    ],
)
def test_durations_take_danish_and_norwegian_units(text, expected):
    assert parse_duration(text) == expected


def test_a_danish_unit_works_in_the_pause_command():
    assert parse_command("pause 2u") == Command("pause", {"for": timedelta(weeks=2)})


def test_an_unknown_unit_is_still_refused():
    command = parse_command("pause 2x")
    assert command.name == "help"
    assert command.problem == ("slack.parse.bad_duration", {"value": "2x"})
