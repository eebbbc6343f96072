"""The QDPX read by a third-party reader (pyrefiqda), as a QDA tool would: sources, cases, codes,
variables, and every coded range is the text it claims (positions in UTF-16 code units).

pyrefiqda is not a dependency of flipbot: the test is skipped where it is not installed (it
needs Python >= 3.9, lxml and xsdata-pydantic)."""

from __future__ import annotations

import pytest

from bot.export.collect import ExportFilter, collect, render_export
from tests.export.helpers import BULLETS, two_rounds

pyrefiqda = pytest.importorskip("pyrefiqda")


def test_a_third_party_reader_finds_sources_cases_codes_and_exact_ranges(
    db, network, library, rounds, clock, tmp_path
):
    first, _ = two_rounds(rounds, library, clock)
    responses = {r.member_id: str(r.id) for r in db.responses(first.id)}
    db.save_digest(
        round_id=first.id,
        engine="extractive",
        status="approved",
        content={
            "themes": [
                {
                    "label": "Frister",
                    "terms": [],
                    "answers": 1,
                    "municipalities": 1,
                    "answer_ids": [responses["U0SILK001"]],
                    "quotes": [],
                }
            ]
        },
        at=clock(),
    )
    export = collect(db, network, library, ExportFilter())
    path = tmp_path / "flip.qdpx"
    path.write_bytes(render_export(export, "qdpx"))
    project = pyrefiqda.RefiProject.load(path, extract_dir=str(tmp_path / "x"))
    sources = project.sources.text_source
    assert len(sources) == len(export.rows)
    assert sorted(c.name for c in project.cases.case) == sorted({r.pseudonym for r in export.rows})
    codes = {c.guid: c.name for c in project.code_book.codes.code}
    codes |= {k.guid: k.name for c in project.code_book.codes.code for k in c.code}
    assert {"må ikke citeres", f"R{first.id}: Frister"} <= set(codes.values())
    variables = {v.name for v in project.variables.variable}
    assert {"municipality", "theme", "quotable", "prompt_language", "answer_id"} <= variables
    coded = 0
    for source in sources:
        text = tmp_path / "x" / "sources" / source.plain_text_path.removeprefix("internal://")
        text = text.read_text(encoding="utf-8")
        units = text.encode("utf-16-le")
        for selection in source.plain_text_selection:
            span = units[2 * selection.start_position : 2 * selection.end_position]
            assert span.decode("utf-16-le") == text
            assert codes[selection.coding[0].code_ref.target_guid]
            coded += 1
    # U0SILK001's answer: not quotable and in the theme, two questions each.
    assert coded == 4
    assert BULLETS in {
        (tmp_path / "x" / "sources" / s.plain_text_path.removeprefix("internal://")).read_text(
            encoding="utf-8"
        )
        for s in sources
    }
