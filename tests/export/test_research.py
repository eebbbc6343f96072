"""Exports compared with each other: one small-cell rule, a consent log, stable ids, the prompt,
cases and digest themes in QDPX, verbatim text and positions QDA tools count."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
import xmlschema

from bot.export.collect import (
    ExportFilter,
    collect,
    digest_with_export_ids,
    export_answer_ids,
    render_export,
)
from bot.export.qdpx import NS
from bot.privacy.erasure import erase_member, set_consent
from bot.store.exports import round_small_cells
from tests.export.helpers import BULLETS, qdpx_parts, two_rounds

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).parents[1] / "schemas" / "Project.xsd"))
Q = {"q": NS}
FORMATS = ("csv", "json", "md", "html", "qdpx")


@pytest.fixture
def both(rounds, library, clock):
    return two_rounds(rounds, library, clock)


def everything(export) -> str:
    """Every format of an export as one text (QDPX: the project and its source texts)."""
    parts = []
    for fmt in FORMATS:
        data = render_export(export, fmt)
        if fmt == "qdpx":
            project, texts, archive = qdpx_parts(data)
            parts += [project.decode(), *texts.values(), archive.read("manifest.json").decode()]
        else:
            parts.append(data.decode("utf-8"))
    return "\n".join(parts)


def labels(export) -> dict[str, str]:
    return {row.id: row.municipality for row in export.rows}


# -- 2. one small-cell rule ---------------------------------------------------------------


def test_a_municipality_hidden_in_each_round_is_hidden_in_every_export(db, network, library, both):
    first, second = both
    pooled = collect(db, network, library, ExportFilter())
    one = collect(db, network, library, ExportFilter(round_id=first.id))
    two = collect(db, network, library, ExportFilter(round_id=second.id))
    by_theme = collect(db, network, library, ExportFilter(theme="inddragelse"))
    # Viborg has 3 consenting members over both rounds; a pooled threshold would name it here.
    for export in (pooled, one, two, by_theme):
        assert "Viborg" not in everything(export)
    assert labels(pooled) == labels(one) | labels(two)
    assert {labels(pooled)[i] for i in labels(by_theme)} == set(labels(by_theme).values())
    assert set(labels(one).values()) == {"Silkeborg Kommune", "Herning Kommune", "andre kommuner"}
    assert pooled.manifest()["rows_hidden"]["municipality_shown_as_other"] == 6  # 3 answers x 2


def test_a_municipality_filter_never_sits_above_rows_it_hides(db, network, library, both):
    export = collect(db, network, library, ExportFilter(municipality="viborg"))
    assert export.rows == []
    manifest = export.manifest()
    assert manifest["rows"] == 0 and manifest["rows_hidden"]["municipality_shown_as_other"] == 0
    assert "andre kommuner" not in everything(export) and "Viborg Kommune" not in everything(export)
    herning = collect(db, network, library, ExportFilter(municipality="herning"))
    assert {r.municipality for r in herning.rows} == {"Herning Kommune"} and len(herning.rows) == 8


def test_the_decision_is_recorded_when_the_round_is_closed_and_never_undone(
    db, network, library, both
):
    first, _ = both
    before = collect(db, network, library, ExportFilter(round_id=first.id))
    # U0VIBO004 answered without consent and now consents: Viborg has 3 consenting answerers.
    set_consent(db, "U0VIBO004", True, by="U0VIBO004")
    after = collect(db, network, library, ExportFilter(round_id=first.id))
    assert len(after.rows) == len(before.rows) + 2
    assert {r.municipality for r in after.rows if r.id not in labels(before)} == {"andre kommuner"}
    recorded = round_small_cells(db, first.id)["viborg"]  # at the first export after close
    assert (recorded["members"], recorded["hidden"], recorded["min_group_size"]) == (2, 1, 3)
    assert "Viborg" not in everything(after)
    assert all(
        after_label == labels(before)[i]
        for i, after_label in labels(after).items()
        if i in labels(before)
    )
    # Herning falls below the threshold later: hidden from then on.
    for member in ("U0HERN001", "U0HERN002"):
        set_consent(db, member, False, by=member)
    later = collect(db, network, library, ExportFilter(round_id=first.id))
    assert "Herning" not in everything(later)


# -- 3. the consent log -------------------------------------------------------------------


def test_withdrawn_and_erased_members_are_listed_by_their_earlier_pseudonym(
    db, network, library, both, clock
):
    earlier = collect(db, network, library, ExportFilter())
    names = {row.text: row.pseudonym for row in earlier.rows if row.text.startswith("Svar fra")}
    clock.advance(days=2)
    set_consent(db, "U0SILK002", False, by="U0SILK002", at=clock())
    clock.advance(minutes=1)
    erase_member(db, "U0HERN002", by="cli:admin", at=clock())
    set_consent(db, "U0HERN003", True, by="U0HERN003", at=clock())  # no change: not logged
    now = collect(db, network, library, ExportFilter(), withdrawn_since=date(2026, 11, 24))
    assert [(e["pseudonym"], e["event"]) for e in now.withdrawn] == [
        (names["Svar fra silk 002."], "consent_withdrawn"),
        (names["Svar fra hern 002."], "erased"),
    ]
    gone = {e["pseudonym"] for e in now.withdrawn}
    assert gone & {r.pseudonym for r in earlier.rows} == gone
    assert not gone & {r.pseudonym for r in now.rows}
    assert json.loads(render_export(now, "json"))["manifest"]["withdrawn"] == now.withdrawn
    none_yet = collect(db, network, library, ExportFilter(), withdrawn_since=date(2026, 12, 30))
    assert none_yet.withdrawn == []
    log = json.dumps(now.withdrawn)
    assert "U0" not in log and "Mira" not in log


# -- 4. stable export ids -----------------------------------------------------------------


def test_every_row_has_a_stable_export_id_that_is_not_the_database_id(db, network, library, both):
    first = collect(db, network, library, ExportFilter())
    again = collect(db, network, library, ExportFilter())
    ids = [r.id for r in first.rows]
    assert ids == [r.id for r in again.rows] and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"A-[0-9a-f]{10}-q[12]", i) for i in ids)
    assert all(r.id == f"{r.answer_id}-{r.question_id}" for r in first.rows)
    csv_ids = [r["id"] for r in csv.DictReader(io.StringIO(render_export(first, "csv").decode()))]
    json_ids = [r["id"] for r in json.loads(render_export(first, "json"))["rows"]]
    project, _, _ = qdpx_parts(render_export(first, "qdpx"))
    root = ET.fromstring(project)
    qdpx_ids = [
        re.search(r"\[(A-[0-9a-f]{10}-q\d)\]$", s.find("q:Description", Q).text).group(1)
        for s in root.findall(".//q:TextSource", Q)
    ]
    assert csv_ids == json_ids == qdpx_ids == ids
    mapping = export_answer_ids(db)
    assert set(mapping.values()) >= {r.answer_id for r in first.rows}


def test_digest_themes_become_machine_suggested_codes_on_the_answers_they_group(
    db, network, library, both, clock
):
    first, _ = both
    responses = {r.member_id: r.id for r in db.responses(first.id)}
    grouped = [str(responses["U0SILK002"]), str(responses["U0HERN001"])]
    theme = {"label": "Udkast", "terms": ["tid"], "answers": 2, "municipalities": 2}
    db.save_digest(
        round_id=first.id,
        engine="extractive",
        status="draft",
        content={"themes": [{**theme, "answer_ids": grouped, "quotes": []}]},
        at=clock(),
    )
    db.save_digest(
        round_id=first.id,
        engine="extractive",
        status="approved",
        content={"themes": [{**theme, "label": "Frister", "answer_ids": grouped, "quotes": []}]},
        at=clock(),
    )
    export = collect(db, network, library, ExportFilter())
    project, texts, _ = qdpx_parts(render_export(export, "qdpx"))
    SCHEMA.validate(project.decode())
    root = ET.fromstring(project)
    parent = next(c for c in root.iter(f"{{{NS}}}Code") if c.get("isCodable") == "false")
    assert "maskinforslag" in parent.get("name")
    (child,) = parent.findall("q:Code", Q)
    assert child.get("name") == f"R{first.id}: Frister"  # as the facilitator left it
    assert "Udkast" not in project.decode()
    coded = set()
    for source in root.iter(f"{{{NS}}}TextSource"):
        for selection in source.findall("q:PlainTextSelection", Q):
            if selection.find("q:Coding/q:CodeRef", Q).get("targetGUID") == child.get("guid"):
                coded.add(texts[source.get("plainTextPath")])
    assert coded == {"Svar fra silk 002.", "Tid (002).", "Svar fra hern 001.", "Tid (001)."}
    names = {c.get("name") for c in root.iter(f"{{{NS}}}Code")}
    assert names == {"må ikke citeres", parent.get("name"), child.get("name")}  # no FLIP themes


# -- 5. and 6. the prompt as shown, and cases ---------------------------------------------


def test_each_row_carries_the_prompt_in_the_language_it_was_shown(db, network, library, both):
    export = collect(db, network, library, ExportFilter())
    prompt = library.get("inddragelse-05")
    english = [r for r in export.rows if r.prompt_language == "en"]
    assert len(english) == 2  # U0HERN007 reads English
    assert {r.prompt_title for r in english} == {prompt.text("en").title}
    assert {r.question for r in english} == {q.label for q in prompt.text("en").questions}
    danish = [r for r in export.rows if r.prompt_id == prompt.id and r.prompt_language == "da"]
    assert {(r.prompt_title, r.prompt_body) for r in danish} == {(prompt.title, prompt.body)}
    project, _, _ = qdpx_parts(render_export(export, "qdpx"))
    root = ET.fromstring(project)
    notes = {n.get("guid"): n for n in root.findall(".//q:Notes/q:Note", Q)}
    assert len(notes) == 3  # inddragelse-05 in Danish and English, samtale-01 in Danish
    bodies = {n.find("q:PlainTextContent", Q).text for n in notes.values()}
    assert f"{prompt.text('en').title}\n\n{prompt.text('en').body}" in bodies
    for source in root.iter(f"{{{NS}}}TextSource"):
        assert source.find("q:NoteRef", Q).get("targetGUID") in notes
    assert {r.get("targetGUID") for r in root.findall("q:NoteRef", Q)} == set(notes)
    md = render_export(export, "md").decode()
    assert prompt.text("en").title in md and prompt.title in md


def test_each_pseudonym_is_a_case_with_its_municipality(db, network, library, both):
    export = collect(db, network, library, ExportFilter())
    project, _, _ = qdpx_parts(render_export(export, "qdpx"))
    root = ET.fromstring(project)
    cases = root.findall(".//q:Cases/q:Case", Q)
    assert sorted(c.get("name") for c in cases) == sorted({r.pseudonym for r in export.rows})
    sources = {s.get("guid"): s for s in root.iter(f"{{{NS}}}TextSource")}
    for case in cases:
        refs = [r.get("targetGUID") for r in case.findall("q:SourceRef", Q)]
        own = [r for r in export.rows if r.pseudonym == case.get("name")]
        assert len(refs) == len(own) and all(ref in sources for ref in refs)
        value = case.find("q:VariableValue/q:TextValue", Q).text
        assert value == (
            own[0].municipality if len({r.municipality for r in own}) == 1 else "andre kommuner"
        )
    assert {c.find("q:VariableValue/q:TextValue", Q).text for c in cases} == {
        "Silkeborg Kommune",
        "Herning Kommune",
        "andre kommuner",
    }


# -- 1., 9., 11., 12. quotable, verbatim text, answer times, positions --------------------


def test_the_may_not_be_quoted_choice_is_in_every_format(db, network, library, both):
    export = collect(db, network, library, ExportFilter())
    refused = {r.id for r in export.rows if not r.quotable}
    assert len(refused) == 2  # U0SILK001's answer in round 1, both questions
    assert {
        r["id"] for r in json.loads(render_export(export, "json"))["rows"] if not r["quotable"]
    } == refused
    rows = list(csv.DictReader(io.StringIO(render_export(export, "csv").decode())))
    assert {r["id"] for r in rows if r["quotable"] == "false"} == refused
    assert {r["quotable"] for r in rows} == {"true", "false"}
    for fmt in ("md", "html"):
        text = render_export(export, fmt).decode()
        for row_id in refused:
            line = next(line for line in text.splitlines() if row_id in line)
            assert "må ikke citeres" in line
        assert text.count("må ikke citeres") == len(refused)
    project, _, _ = qdpx_parts(render_export(export, "qdpx"))
    root = ET.fromstring(project)
    (group,) = root.findall(".//q:Sets/q:Set", Q)
    members = {m.get("targetGUID") for m in group.findall("q:MemberSource", Q)}
    not_quotable = {
        s.get("guid")
        for s in root.iter(f"{{{NS}}}TextSource")
        if any(v.text == "false" for v in s.iter(f"{{{NS}}}BooleanValue"))
    }
    assert members == not_quotable and len(members) == 2


def test_text_is_verbatim_where_it_can_be_and_positions_count_utf16(db, network, library, both):
    export = collect(db, network, library, ExportFilter())
    (row,) = [r for r in export.rows if r.text == BULLETS]
    assert BULLETS in {r["text"] for r in json.loads(render_export(export, "json"))["rows"]}
    cells = {r["text"] for r in csv.DictReader(io.StringIO(render_export(export, "csv").decode()))}
    assert "'" + BULLETS in cells  # the formula guard, as the data dictionary says
    md = render_export(export, "md").decode()
    assert "> - første punkt\\\n> - andet punkt 😀👍🏽\n>\n> =SUM(A1) til sidst\n" in md
    html = render_export(export, "html").decode()
    assert "- første punkt\n- andet punkt 😀👍🏽\n\n=SUM(A1) til sidst</blockquote>" in html
    project, texts, _ = qdpx_parts(render_export(export, "qdpx"))
    root = ET.fromstring(project)
    (source,) = [
        s for s in root.iter(f"{{{NS}}}TextSource") if texts[s.get("plainTextPath")] == BULLETS
    ]
    selection = source.find("q:PlainTextSelection", Q)
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    units = BULLETS.encode("utf-16-le")
    assert units[2 * start : 2 * end].decode("utf-16-le") == BULLETS
    assert end == len(BULLETS) + 3  # three emoji code points outside the BMP: one more unit each
    assert source.get("creationDateTime") == row.answered_at + "T00:00:00"  # the day, by default


def test_creation_times_are_when_each_answer_was_given(db, network, library, both):
    export = collect(db, network, library, ExportFilter(), times="exact")
    project, _, _ = qdpx_parts(render_export(export, "qdpx"))
    root = ET.fromstring(project)
    times = [s.get("creationDateTime") for s in root.iter(f"{{{NS}}}TextSource")]
    assert times == [r.answered_at.split(".")[0] for r in export.rows]
    assert len(set(times)) == len(export.rows) // 2  # 5 minutes apart, one per answer
    assert root.get("creationDateTime") not in times


# -- 8. and 10. manifest, schema version, CSV dialects ------------------------------------


def test_every_file_carries_a_manifest_with_the_schema_version(db, network, library, both):
    export = collect(db, network, library, ExportFilter(theme="inddragelse"))
    data = json.loads(render_export(export, "json"))
    manifest = data["manifest"]
    assert data["schema_version"] == manifest["schema_version"] == "2.0"
    assert manifest["filters"]["theme"] == "inddragelse" and manifest["min_group_size"] == 3
    assert manifest["rows_hidden"] == {"no_research_consent": 2, "municipality_shown_as_other": 4}
    assert re.fullmatch(r"[0-9a-f]{16}", manifest["key_fingerprint"])
    secret = db.project_secret("export_pseudonym_key", lambda: "unused")
    assert manifest["key_fingerprint"] not in secret
    _, _, archive = qdpx_parts(render_export(export, "qdpx"))
    assert json.loads(archive.read("manifest.json")) == manifest
    for fmt in ("md", "html"):
        assert '"schema_version": "2.0"' in render_export(export, fmt).decode()


def test_csv_reads_without_options_and_excel_gets_its_own_variant(db, network, library, both):
    export = collect(db, network, library, ExportFilter())
    plain = render_export(export, "csv")
    assert not plain.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(plain.decode("utf-8"))))
    excel = render_export(export, "csv", excel=True)
    assert excel.startswith(b"\xef\xbb\xbf")
    excel_rows = list(csv.DictReader(io.StringIO(excel.decode("utf-8-sig")), delimiter=";"))
    assert [r["id"] for r in rows] == [r["id"] for r in excel_rows]
    assert {r["quotable"] for r in excel_rows} == {"ja", "nej"}
    assert [r["text"] for r in rows] == [r["text"] for r in excel_rows]


def test_a_digest_can_name_its_answers_by_their_export_ids(db, network, library, both, clock):
    first, _ = both
    responses = {r.member_id: r.id for r in db.responses(first.id)}
    quote = {"text": "Svar", "answer_id": str(responses["U0SILK002"]), "question_id": "q1"}
    content = {
        "themes": [{"label": "Frister", "answer_ids": [str(responses["U0SILK002"]), "999"]}],
        "dilemmas": [quote],
    }
    traced = digest_with_export_ids(db, content)
    rows = {
        (r.answer_id, r.question_id): r for r in collect(db, network, library, ExportFilter()).rows
    }
    (answer,) = traced["themes"][0]["answer_ids"]  # the unknown 999 is dropped
    assert rows[(answer, "q1")].text == "Svar fra silk 002."
    assert rows[(traced["dilemmas"][0]["answer_id"], "q1")].text == "Svar fra silk 002."
    assert content["dilemmas"][0]["answer_id"] == str(responses["U0SILK002"])  # not changed
