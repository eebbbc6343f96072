"""A broker on leave: paused_until in the store, and rounds started meanwhile skip them."""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import DeliveryStatus


def test_paused_members_are_those_paused_past_now(db, network, clock):
    db.sync_members(network, clock())
    db.set_paused_until("U0SILK001", clock() + timedelta(days=3))
    db.set_paused_until("U0SILK002", clock() - timedelta(minutes=1))
    assert db.paused_member_ids(clock()) == {"U0SILK001"}
    assert db.paused_member_ids(clock() + timedelta(days=3)) == set()
    db.set_paused_until("U0SILK001", None)
    assert db.paused_until("U0SILK001") is None
    # A resync of the network file keeps the pause.
    db.set_paused_until("U0SILK003", clock() + timedelta(days=1))
    db.sync_members(network, clock())
    assert db.paused_member_ids(clock()) == {"U0SILK003"}


def test_a_round_skips_paused_members_by_default_and_counts_them(
    rounds, db, messenger, library, clock
):
    db.set_paused_until("U0SILK001", clock() + timedelta(weeks=2))
    round = rounds.start_round(library.get("samtale-01"), "all", None, "U0FACI001")
    assert db.delivery(round.id, "U0SILK001").status == DeliveryStatus.PAUSED
    assert "U0SILK001" not in {s.member_id for s in messenger.of_kind("prompt")}
    assert rounds.participation(round.id).total.paused == 1
    # An explicit list still wins (the scheduler may pass its own).
    other = rounds.start_round(library.get("samtale-02"), "all", None, "U0FACI001", paused=())
    assert db.delivery(other.id, "U0SILK001").status == DeliveryStatus.SENT
