"""A stable pseudonym must not tie a member's rows that hide their municipality to rows that
name it: rows shown as "andre kommuner" carry a pseudonym of their round only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.export.collect import ExportFilter, collect
from bot.privacy.erasure import set_consent

SILKEBORG = ("U0SILK001", "U0SILK002", "U0SILK003")
HERNING = ("U0HERN001", "U0HERN002", "U0HERN003")


@pytest.fixture
def two_closed_rounds(rounds, library, clock):
    """Round 1: Silkeborg 3 and Herning 3 (both named). Round 2: only U0SILK001 of Silkeborg
    (hidden) and Herning 3 (named). Each text says round and member."""
    ids = []
    for number, silkeborg in ((1, SILKEBORG), (2, SILKEBORG[:1])):
        round = rounds.start_round(
            library.get("samtale-01"),
            ["silkeborg", "herning"],
            clock() + timedelta(days=5),
            "U0FACI001",
        )
        for member in (*silkeborg, *HERNING):
            clock.advance(minutes=5)
            rounds.record_answer(round.id, member, {"q1": f"R{number} {member}"})
        rounds.close_round(round.id, "U0FACI001")
        ids.append(round.id)
    return ids


def by_text(export) -> dict[str, tuple[str, str]]:
    return {row.text: (row.pseudonym, row.municipality) for row in export.rows}


def test_hidden_rows_carry_a_round_pseudonym_that_links_to_no_named_row(
    db, network, library, two_closed_rounds, clock
):
    first, second = two_closed_rounds
    one = by_text(collect(db, network, library, ExportFilter(round_id=first)))
    two = by_text(collect(db, network, library, ExportFilter(round_id=second)))
    everything = collect(db, network, library, ExportFilter())
    every = by_text(everything)

    named, hidden = one["R1 U0SILK001"], two["R2 U0SILK001"]
    assert named[1] == "Silkeborg Kommune" and hidden[1] == "andre kommuner"
    assert hidden[0] != named[0]
    # The same in every export of the data: the all-rounds export agrees with both round exports.
    assert every["R1 U0SILK001"] == named and every["R2 U0SILK001"] == hidden
    # No pseudonym of a row shown as "andre kommuner" is on a named row, in any export.
    shown = {p for export in (one, two, every) for p, m in export.values() if m != "andre kommuner"}
    assert hidden[0] not in shown
    # Where the municipality is named in both rounds, a member is still one person across them.
    for member in HERNING:
        assert every[f"R1 {member}"] == every[f"R2 {member}"] == two[f"R2 {member}"]
    assert everything.manifest()["pseudonyms"] == "per_member_except_hidden_rows_per_round"

    # A withdrawal names both, so a researcher can remove every row of the member.
    clock.advance(days=1)
    set_consent(db, "U0SILK001", False, by="U0SILK001", at=clock())
    later = collect(db, network, library, ExportFilter())
    assert sorted(e["pseudonym"] for e in later.withdrawn) == sorted([named[0], hidden[0]])
    assert {e["event"] for e in later.withdrawn} == {"consent_withdrawn"}
