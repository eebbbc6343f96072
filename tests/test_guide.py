"""The user guide (docs/brugervejledning.md) names only commands the parser knows and only
buttons and headings brokers see, in the words of the Danish catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.command import COMMAND_WORDS
from bot.core.i18n import catalogue

GUIDE = Path(__file__).parents[1] / "docs" / "brugervejledning.md"
# Bold words that are Slack's own, not flipbot's (Slack has no Danish interface).
SLACK_NAMES = {"Home"}


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def shown_texts() -> list[str]:
    """Every Danish catalogue text as a member sees it (Slack's bold stars and a colon off)."""
    return [" ".join(v.split()).strip("*").rstrip(":") for v in catalogue("da").values()]


def test_every_command_in_the_guide_is_one_the_parser_knows():
    words = set(re.findall(r"`/flip ([^\s`]+)", guide()))
    assert {"start", "pause", "samtykke", "slet-mig", "eksport", "opsamling"} <= words
    assert words - COMMAND_WORDS == set()


def test_every_button_and_heading_in_bold_is_what_the_bot_shows():
    bold = {" ".join(b.split()).strip('"') for b in re.findall(r"\*\*(.+?)\*\*", guide(), re.S)}
    assert {"Mind mig i morgen", "Ret overskrifter", "Lav en ny kladde"} <= bold
    texts = shown_texts()
    unknown = {b for b in bold - SLACK_NAMES if not any(t.startswith(b) for t in texts)}
    assert unknown == set()
