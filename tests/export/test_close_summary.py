"""The close summary in the digest channel follows the round's small-cell rule: no municipality
with too few answers is named, they are summed as "andre kommuner"; the rule is recorded at close."""

from __future__ import annotations

from datetime import timedelta

from bot.core.participation import MunicipalityCount, Participation
from bot.export.cells import group_small_cells
from bot.store.exports import round_small_cells


def lines(summary: dict) -> list[tuple[str, int, int]]:
    return [(c["municipality"], c["answered"], c["delivered"]) for c in summary["municipalities"]]


def test_the_close_summary_groups_small_municipalities_and_records_the_rule(
    rounds, library, messenger, clock, db
):
    round = rounds.start_round(
        library.get("samtale-01"),
        ["silkeborg", "herning", "viborg"],
        clock() + timedelta(days=5),
        "U0FACI001",
    )
    for member in ("U0SILK001", "U0SILK002", "U0SILK003", "U0HERN001", "U0HERN002", "U0HERN003"):
        rounds.record_answer(round.id, member, {"q1": "Et svar."})
    rounds.record_answer(round.id, "U0VIBO001", {"q1": "Et svar fra Viborg."})
    rounds.record_answer(round.id, "U0VIBO002", {"q1": "Et andet svar fra Viborg."})
    assert round_small_cells(db, round.id) is None
    clock.advance(hours=1)
    full = rounds.close_round(round.id, "U0FACI001")
    # The facilitator's own view keeps every municipality; the channel's does not.
    assert [c.municipality for c in full.municipalities] == ["silkeborg", "herning", "viborg"]
    [summary] = messenger.of_kind("summary")
    assert lines(summary.detail) == [
        ("silkeborg", 3, 10),
        ("herning", 3, 10),
        ("andre kommuner", 2, 10),
    ]
    assert summary.detail["total"]["answered"] == 8
    # Recorded when the round closed, before any export or digest asked.
    recorded = round_small_cells(db, round.id)
    assert {m: row["hidden"] for m, row in recorded.items()} == {
        "silkeborg": 0,
        "herning": 0,
        "viborg": 1,
    }
    assert {row["decided_at"] for row in recorded.values()} == {clock().isoformat()}


def test_answers_without_consent_count_towards_hiding_too():
    participation = Participation(
        round_id=1,
        municipalities=[
            MunicipalityCount(municipality="silkeborg", delivered=5, answered=4),
            MunicipalityCount(municipality="viborg", delivered=2, answered=1, skipped=1),
            MunicipalityCount(municipality="holstebro", delivered=3, answered=1, paused=1),
        ],
        total=MunicipalityCount(municipality="", delivered=10, answered=6),
    )
    grouped = group_small_cells(participation, {"viborg", "holstebro"}, "andre kommuner")
    assert [c.model_dump() for c in grouped.municipalities] == [
        MunicipalityCount(municipality="silkeborg", delivered=5, answered=4).model_dump(),
        MunicipalityCount(
            municipality="andre kommuner", delivered=5, answered=2, skipped=1, paused=1
        ).model_dump(),
    ]
    assert grouped.total == participation.total
    assert group_small_cells(participation, set(), "andre kommuner") is participation
