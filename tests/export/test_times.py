"""Answer times in exports are rounded to the day unless asked (`--times day|hour|exact`), in
every format, and the manifest says which."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.export.collect import ExportFilter, collect, render_export
from bot.export.qdpx import NS
from tests.export.helpers import qdpx_parts, two_rounds

# The first answer of two_rounds is given at 08:05 UTC on Monday 23 November 2026 (09:05 in
# Copenhagen); the export is made a week later.
EXPORTED = datetime(2026, 11, 30, 12, 34, tzinfo=UTC)
FIRST = {
    "day": "2026-11-23",
    "hour": "2026-11-23T09:00:00+01:00",
    "exact": "2026-11-23T09:05:00+01:00",
}
QDPX_FIRST = {"day": "2026-11-23T00:00:00", **{k: FIRST[k] for k in ("hour", "exact")}}


@pytest.fixture
def both(rounds, library, clock):
    return two_rounds(rounds, library, clock)


def first_time_in_each_format(export) -> dict[str, str]:
    csv_rows = list(csv.DictReader(io.StringIO(render_export(export, "csv").decode())))
    json_data = json.loads(render_export(export, "json"))
    project, _, _ = qdpx_parts(render_export(export, "qdpx"))
    source = next(ET.fromstring(project).iter(f"{{{NS}}}TextSource"))
    return {
        "csv": csv_rows[0]["answered_at"],
        "json": json_data["rows"][0]["answered_at"],
        "manifest": json_data["manifest"]["time_precision"],
        "qdpx": source.get("creationDateTime"),
    }


@pytest.mark.parametrize("times", ["day", "hour", "exact"])
def test_each_format_shows_the_answer_time_as_precisely_as_asked(db, network, library, both, times):
    export = collect(db, network, library, ExportFilter(), now=EXPORTED, times=times)
    assert first_time_in_each_format(export) == {
        "csv": FIRST[times],
        "json": FIRST[times],
        "manifest": times,
        "qdpx": QDPX_FIRST[times],
    }
    for fmt in ("md", "html"):
        text = render_export(export, fmt).decode()
        assert FIRST[times] in text
        assert f'"time_precision": "{times}"' in text


def test_the_default_is_the_day_and_no_minute_is_left_in_any_format(db, network, library, both):
    export = collect(db, network, library, ExportFilter(), now=EXPORTED)
    assert export.times == "day"
    for fmt in ("csv", "json", "md", "html"):
        text = render_export(export, fmt).decode("utf-8-sig")
        assert "T09:" not in text and "09:05" not in text and "08:05" not in text, fmt
    project, _, _ = qdpx_parts(render_export(export, "qdpx"))
    assert b"T09:" not in project and b"T08:" not in project


def test_an_unknown_precision_is_refused(db, network, library, both):
    with pytest.raises(ValueError, match="unknown time precision 'minute'"):
        collect(db, network, library, ExportFilter(), times="minute")


def test_the_cli_takes_times_and_the_manifest_says_which(demo_db, tmp_path):
    out = tmp_path / "hour.json"
    result = CliRunner().invoke(
        cli, ["export", "--format", "json", "--times", "hour", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["manifest"]["time_precision"] == "hour"
    assert all(row["answered_at"][14:19] == "00:00" for row in data["rows"])
    bad = CliRunner().invoke(cli, ["export", "--format", "json", "--times", "minute", "--out", "x"])
    assert bad.exit_code == 2 and "'minute' is not one of" in bad.output
