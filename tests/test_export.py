import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.access import AccessDenied
from bot.export.collect import COLUMNS, ExportFilter, collect, export_file, render_export
from bot.export.qdpx import NS
from bot.store.database import Store

SCHEMA = Path(__file__).parent / "schemas" / "Project.xsd"
HOSTILE = "Vi skal <script>alert('x')</script> & tale om det ]]> igen"
ANSWERERS = {
    "U0SILK001": "Borgerens plan kommer først, men loven har en frist.",
    "U0SILK002": "Jeg ville ringe til Mira og spørge, hvad der skete.",
    "U0SILK003": HOSTILE,
    "U0HERN001": "Vi skal være tydelige om rammen.",
    "U0HERN002": "Sanktionen ødelægger tilliden.",
    "U0HERN003": '=HYPERLINK("http://x","klik") er et svar, der ligner en formel.',
    "U0VIBO001": "Et svar fra Viborg.",
    "U0VIBO004": "Et svar fra et medlem uden samtykke.",
}


@pytest.fixture
def answered(rounds, library, clock):
    """One round for Silkeborg, Herning and Viborg: 3 + 3 answers, and 2 from Viborg of whom
    one has no research consent (so Viborg counts 1 member and shows as other municipalities)."""
    prompt = library.get("inddragelse-05")
    round = rounds.start_round(
        prompt, ["silkeborg", "herning", "viborg"], clock() + timedelta(days=5), "U0FACI001"
    )
    for member, text in ANSWERERS.items():
        clock.advance(minutes=5)
        rounds.record_answer(round.id, member, {"q1": text, "q2": "Tid."}, quotable=True)
    return round


def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_one_row_per_answered_question_and_no_names_or_slack_ids(
    db, network, library, answered
):
    data, name, export = export_file(db, network, library, "csv", ExportFilter(), None)
    rows = rows_of(data)
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 14  # 7 consenting members x 2 questions
    assert export.left_out_no_consent == 2
    text = data.decode("utf-8-sig")
    assert "U0" not in text
    for member in network.members:
        assert member.name not in text
    first = rows[0]
    assert first["round"] == str(answered.id) and first["prompt_id"] == "inddragelse-05"
    assert first["theme"] == "inddragelse" and first["question_id"] == "q1"
    assert first["answered_at"] == "2026-11-23"  # the day in Copenhagen, by default
    assert first["quotable"] == "true"
    assert {r["municipality"] for r in rows} == {
        "Silkeborg Kommune",
        "Herning Kommune",
        "andre kommuner",
    }
    assert HOSTILE in {r["text"] for r in rows}
    assert '\'=HYPERLINK("http://x","klik") er et svar, der ligner en formel.' in {
        r["text"] for r in rows
    }
    as_json = json.loads(render_export(export, "json"))
    assert ANSWERERS["U0HERN003"] in {r["text"] for r in as_json["rows"]}
    assert name.startswith("flip-export-") and name.endswith(".csv")


def test_pseudonyms_are_stable_in_a_project_and_differ_between_projects(
    db, network, library, answered, tmp_path
):
    first = collect(db, network, library, ExportFilter())
    again = collect(db, network, library, ExportFilter())
    assert [r.pseudonym for r in first.rows] == [r.pseudonym for r in again.rows]
    assert len({r.pseudonym for r in first.rows}) == 7
    other = Store(tmp_path / "other.db")
    other.migrate()
    assert other.project_secret("export_pseudonym_key", lambda: "x" * 64) != db.project_secret(
        "export_pseudonym_key", lambda: "y"
    )


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        (ExportFilter(municipality="herning"), 6),
        (ExportFilter(theme="samtale"), 0),
        (ExportFilter(theme="inddragelse"), 14),
        (ExportFilter(round_id=999), 0),
        (ExportFilter(since=date(2026, 11, 24)), 0),
        (ExportFilter(until=date(2026, 11, 23)), 14),
    ],
)
def test_filters(db, network, library, answered, filters, count):
    assert len(collect(db, network, library, filters).rows) == count


def test_json_md_and_html_exports(db, network, library, answered):
    export = collect(db, network, library, ExportFilter())
    data = json.loads(render_export(export, "json"))
    assert data["left_out_no_consent"] == 2 and len(data["rows"]) == 14
    html = render_export(export, "html").decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "2 svar er udeladt" in html
    md = render_export(export, "md").decode()
    assert not re.search(r"(?<!\\)<script", md) and "\\<script\\>" in md
    assert "Miras plan" in md


def test_qdpx_validates_against_the_refi_qda_schema_with_a_source_and_case_per_answer(
    db, network, library, answered
):
    export = collect(db, network, library, ExportFilter())
    archive = zipfile.ZipFile(io.BytesIO(render_export(export, "qdpx")))
    project = archive.read("project.qde")
    xmlschema.XMLSchema(str(SCHEMA)).validate(project.decode("utf-8"))
    root = ET.fromstring(project)
    q = {"q": NS}
    codes = [c.get("name") for c in root.iter(f"{{{NS}}}Code")]
    assert codes == ["må ikke citeres"]  # no digest yet, and no FLIP theme as a code
    sources = root.findall(".//q:Sources/q:TextSource", q)
    assert len(sources) == len(export.rows) == 14
    assert len(root.findall(".//q:Cases/q:Case", q)) == 7
    texts = set()
    for source in sources:
        path = source.get("plainTextPath")
        assert path.startswith("internal://")
        text = archive.read("sources/" + path.removeprefix("internal://")).decode("utf-8")
        texts.add(text)
        assert source.find("q:PlainTextSelection", q) is None  # every answer may be quoted
        values = [v.find("q:TextValue", q) for v in source.findall("q:VariableValue", q)]
        assert {v.text for v in values if v is not None} >= {"inddragelse"}
    assert HOSTILE in texts
    assert not re.search(rb"U0[A-Z]{4}\d", project) and b"alert(" not in project


def test_the_schema_check_would_catch_a_broken_project(db, network, library, answered):
    export = collect(db, network, library, ExportFilter())
    project = zipfile.ZipFile(io.BytesIO(render_export(export, "qdpx"))).read("project.qde")
    broken = project.decode().replace('isCodable="true"', 'isCodable="maybe"', 1)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(str(SCHEMA)).validate(broken)


def test_a_broker_may_not_export(db, network, library, answered):
    with pytest.raises(AccessDenied):
        export_file(db, network, library, "csv", ExportFilter(), "U0SILK001")
    export_file(db, network, library, "csv", ExportFilter(), "U0RESE001")
    entries = [e for e in db.audit_entries() if e["action"] == "export"]
    assert entries[-1]["actor"] == "U0RESE001" and entries[-1]["detail"]["rows"] == 14


def test_cli_export_writes_the_file_and_counts_what_was_left_out(tmp_path, monkeypatch):
    runner = CliRunner()
    demo_db = tmp_path / "demo.db"
    monkeypatch.chdir(tmp_path)
    runner.invoke(cli, ["demo", "--db", str(demo_db)], catch_exceptions=False)
    monkeypatch.setenv("FLIPBOT_DB", str(demo_db))
    out = tmp_path / "export.qdpx"
    result = runner.invoke(
        cli, ["export", "--format", "qdpx", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "answers written to" in result.output
    assert (
        "2 answers were left out because no consent was given to use them in research."
        in result.output
    )
    project = zipfile.ZipFile(out).read("project.qde").decode()
    xmlschema.XMLSchema(str(SCHEMA)).validate(project)
    wrong = runner.invoke(
        cli, ["export", "--format", "csv", "--municipality", "aarhus", "--out", str(out)]
    )
    assert wrong.exit_code == 2 and "unknown municipality 'aarhus'" in wrong.output
    monkeypatch.setenv("FLIPBOT_DB", str(tmp_path / "nowhere.db"))
    missing = runner.invoke(cli, ["export", "--format", "csv", "--out", str(out)])
    assert missing.exit_code == 2 and "no database at" in missing.output
    assert not (tmp_path / "nowhere.db").exists()
