"""`flipbot export` on the demo's database: CSV dialects, the manifest beside a CSV, the consent
log, and flipbot's own CSV export as input to `flipbot digest`."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.privacy.erasure import set_consent
from bot.store.database import Store


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("excel", [False, True])
def test_the_csv_export_feeds_flipbot_digest_and_has_its_manifest_beside_it(
    demo_db, tmp_path, excel
):
    out = tmp_path / "answers.csv"
    run("export", "--format", "csv", "--out", str(out), *(["--excel"] if excel else []))
    manifest = json.loads((tmp_path / "answers.csv.manifest.json").read_text(encoding="utf-8"))
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";" if excel else ","))
    assert manifest["rows"] == len(rows) > 0 and manifest["schema_version"] == "2.0"
    digest = tmp_path / "digest.json"
    result = run("digest", "--input", str(out), "--format", "json", "--out", str(digest))
    assert f"digest of {len(rows)} answers" in result.output
    assert json.loads(digest.read_text(encoding="utf-8"))["answers_used"] > 0


def test_excel_is_only_for_csv(demo_db, tmp_path):
    result = CliRunner().invoke(
        cli, ["export", "--format", "json", "--excel", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2 and "--excel is for --format csv" in result.output


def test_the_consent_log_names_the_pseudonyms_of_an_earlier_export(demo_db, tmp_path):
    earlier = tmp_path / "earlier.json"
    run("export", "--format", "json", "--out", str(earlier))
    rows = json.loads(earlier.read_text(encoding="utf-8"))["rows"]
    store = Store(demo_db)
    member = next(
        m["member_id"]
        for m in store._rows("select distinct r.member_id from responses r order by 1")
        if store.member(m["member_id"])["research_consent"]
    )
    set_consent(store, member, False, by="test", at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    log = tmp_path / "log.csv"
    result = run("export", "--format", "consent-log", "--out", str(log))
    assert "1 consent change or erasure written" in result.output
    with open(log, encoding="utf-8", newline="") as handle:
        (entry,) = list(csv.DictReader(handle))
    assert (entry["event"], entry["at"]) == ("consent_withdrawn", "2026-11-30T13:00:00+01:00")
    assert entry["pseudonym"] in {r["pseudonym"] for r in rows}
    later = tmp_path / "later.json"
    result = run("export", "--format", "json", "--out", str(later))
    assert "1 pseudonym withdrew consent or was erased" in result.output
    again = json.loads(later.read_text(encoding="utf-8"))
    assert entry["pseudonym"] not in {r["pseudonym"] for r in again["rows"]}
    assert [w["pseudonym"] for w in again["manifest"]["withdrawn"]] == [entry["pseudonym"]]
