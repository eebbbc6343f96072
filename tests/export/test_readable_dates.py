"""The exports people read (Markdown, HTML) write when an answer was given in words, in the
export's language and the network's time zone; CSV and JSON keep the ISO time for tools."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from bot.export.collect import ExportFilter, collect, render_export


@pytest.fixture
def export(db, network, rounds, library, clock):
    # 08:05 UTC on 23 November is 09:05 in Copenhagen (winter time).
    round = rounds.start_round(
        library.get("inddragelse-05"), ["silkeborg"], clock() + timedelta(days=5), "U0FACI001"
    )
    clock.advance(minutes=5)
    rounds.record_answer(round.id, "U0SILK001", {"q1": "Planen først.", "q2": "Tid."})
    return collect(db, network, library, ExportFilter())


@pytest.mark.parametrize(
    ("language", "fmt", "expected"),
    [
        ("da", "md", ", 23. nov. 2026 kl. 09.05 — "),
        ("da", "html", ", 23. nov. 2026 kl. 09.05 — "),
        ("en", "md", ", 23 Nov 2026, 09:05 — "),
        ("nb", "html", ", 23. nov. 2026 kl. 09.05 — "),
    ],
)
def test_a_readable_export_says_when_in_words(export, language, fmt, expected):
    data = render_export(dataclasses.replace(export, language=language), fmt).decode()
    assert expected in data
    assert "2026-11-23T09:05" not in data.split("```json")[0].split("<pre>")[0]


def test_the_json_keeps_the_iso_time(export):
    rows = json.loads(render_export(export, "json"))["rows"]
    assert rows[0]["answered_at"] == "2026-11-23T09:05:00+01:00"
