"""A round's digest and its research export agree: the same municipalities hidden, and every
quote and theme in the digest's JSON traced to export rows by the answer's export id."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.digest.render import render
from bot.digest.service import DigestService
from bot.export.collect import ExportFilter, collect
from bot.privacy.erasure import set_consent
from tests.digest_helpers import demo_answers

# Viborg answers with two consenting members (U0VIBO004 has no research consent): too few.
MEMBERS = [f"U0{place}00{n}" for place in ("SILK", "HERN", "HOLS") for n in range(1, 6)]
MEMBERS += ["U0VIBO001", "U0VIBO002", "U0VIBO004"]


@pytest.fixture
def closed(rounds, library, network, clock, messenger, db):
    service = DigestService(db, network, rounds, messenger, clock=clock)
    rounds.on_closed = service.on_round_closed
    round = rounds.start_round(
        library.get("inddragelse-05"), "all", clock() + timedelta(days=5), "U0FACI001"
    )
    for member, sample in zip(MEMBERS, demo_answers(), strict=False):
        clock.advance(minutes=3)
        rounds.record_answer(round.id, member, sample.texts, quotable=sample.quotable)
    rounds.close_round(round.id, "U0FACI001")
    return service, round


def _named(digest) -> set[str]:
    names = {q.municipality_name for q in digest.all_quotes()}
    names |= {row.name for row in digest.participation}
    names |= {d.municipality_name for d in digest.differences}
    return names


def test_a_digest_hides_exactly_what_the_export_of_its_round_hides(closed, db, network, library):
    service, round = closed
    # After the close, U0VIBO004 consents: Viborg now has three consenting answerers, but the
    # round's recorded decision keeps it hidden in every export, and so in the digest.
    collect(db, network, library, ExportFilter(round_id=round.id))  # the decision is recorded
    set_consent(db, "U0VIBO004", True, by="U0VIBO004")
    export = collect(db, network, library, ExportFilter(round_id=round.id))
    digest = service.build(round.id)
    exported = {row.municipality for row in export.rows}
    assert exported == {
        "Silkeborg Kommune",
        "Herning Kommune",
        "Holstebro Kommune",
        "andre kommuner",
    }
    quoted = {q.municipality_name for q in digest.all_quotes()}
    assert quoted and quoted <= exported
    table = {row.name for row in digest.participation}
    assert "Viborg Kommune" not in _named(digest) and "andre kommuner" in table
    assert {"Silkeborg Kommune", "Herning Kommune", "Holstebro Kommune"} <= table
    by_export_id = {row.answer_id: row.municipality for row in export.rows}
    traced = service.with_export_ids(digest)
    for quote in traced.all_quotes():
        assert by_export_id[quote.export_id] == quote.municipality_name


def test_quotes_and_themes_in_the_json_carry_export_ids_and_the_room_keeps_its_citation(
    closed, db, network, library
):
    service, round = closed
    export = collect(db, network, library, ExportFilter(round_id=round.id))
    rows = {(row.answer_id, row.question_id): row for row in export.rows}
    digest = service.build(round.id)
    data = json.loads(render(service.with_export_ids(digest), "json"))
    quotes = [q for th in data["themes"] for q in th["quotes"]] + data["dilemmas"]
    quotes += data["questions"]
    assert quotes
    for quote in quotes:
        assert quote["export_id"].startswith("A-")
        row = rows[(quote["export_id"], quote["question_id"])]
        assert quote["text"] in row.text
    placed = [i for th in data["themes"] for i in th["export_ids"]]
    assert len(placed) == sum(th["answers"] for th in data["themes"])
    assert set(placed) <= {row.answer_id for row in export.rows}
    md = render(service.with_export_ids(digest), "md")
    assert "A-" not in md and "kommune, spørgsmål 1" in md.lower()


def test_the_stored_digest_keeps_no_export_ids(closed, db):
    service, round = closed
    draft = service.latest(round.id)
    assert draft is not None and draft.id is not None
    content = db.digest(draft.id).content
    assert "export_id" not in json.dumps(content)
    assert all(q.export_id is None for q in draft.all_quotes())
