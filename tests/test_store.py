from datetime import UTC, datetime, timedelta

import pytest

from bot.core.network import Network
from bot.store.database import Store, StoreError

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def start(db, members=("U0SILK001", "U0SILK002")):
    return db.create_round(
        prompt_id="samtale-01",
        theme="samtale",
        audience="all",
        started_by="U0FACI001",
        started_at=AT,
        closes_at=AT + timedelta(days=5),
        remind_at=AT + timedelta(days=4),
        members=list(members),
    )


def test_members_removed_from_the_file_are_deactivated_not_deleted(db, network):
    assert db.sync_members(network, AT)["added"] == len(network.members)
    fewer = Network.model_validate(
        {**network.model_dump(), "members": [m.model_dump() for m in network.members[1:]]}
    )
    counts = db.sync_members(fewer, AT)
    assert counts == {"added": 0, "kept": len(network.members) - 1, "deactivated": 1, "erased": 0}
    gone = db.member(network.members[0].id)
    assert gone["active"] == 0 and gone["name"] == network.members[0].name
    assert network.members[0].id not in db.active_member_ids()
    db.sync_members(network, AT)
    assert db.member(network.members[0].id)["active"] == 1


def test_round_and_deliveries_are_created_together(db, network):
    db.sync_members(network, AT)
    round = start(db)
    assert round.is_open and round.audience == "all"
    assert round.closes_at == AT + timedelta(days=5)
    assert [d.member_id for d in db.deliveries(round.id)] == ["U0SILK001", "U0SILK002"]
    assert {d.status for d in db.deliveries(round.id)} == {"pending"}


def test_a_failed_round_creation_leaves_nothing_behind(db, network):
    db.sync_members(network, AT)
    with pytest.raises(StoreError):
        start(db, members=["U0SILK001", "U0NOSUCH1"])  # foreign key: not a member
    assert db.rounds() == []


def test_same_answer_twice_is_stored_once_and_an_edit_keeps_history(db, network):
    db.sync_members(network, AT)
    round = start(db)
    first, outcome = db.save_response(
        round_id=round.id,
        member_id="U0SILK001",
        answers={"q1": "Først"},
        quotable=True,
        source="modal",
        at=AT,
    )
    assert outcome == "created"
    again, outcome = db.save_response(
        round_id=round.id,
        member_id="U0SILK001",
        answers={"q1": "Først"},
        quotable=True,
        source="modal",
        at=AT + timedelta(minutes=1),
    )
    assert outcome == "unchanged" and again.id == first.id and again.edits == 0
    edited, outcome = db.save_response(
        round_id=round.id,
        member_id="U0SILK001",
        answers={"q1": "Bedre"},
        quotable=False,
        source="modal",
        at=AT + timedelta(minutes=2),
    )
    assert outcome == "edited" and edited.answers == {"q1": "Bedre"} and edited.edits == 1
    assert not edited.quotable
    history = db.response_history(first.id)
    assert [h["answers"] for h in history] == [{"q1": "Først"}]
    assert len(db.responses(round.id)) == 1


def test_claim_lets_only_one_caller_move_a_delivery(db, network):
    db.sync_members(network, AT)
    round = start(db)
    delivery = db.deliveries(round.id)[0]
    assert db.claim_delivery(delivery.id, ["pending"], "sending")
    assert not db.claim_delivery(delivery.id, ["pending"], "sending")


def test_a_slack_event_is_seen_once(db):
    assert db.first_sight_of_event("slack", "Ev123")
    assert not db.first_sight_of_event("slack", "Ev123")
    assert db.first_sight_of_event("slack", "Ev124")


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path):
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a flipbot database or is corrupted"):
        Store(path).migrate()


def test_the_store_can_be_used_from_several_threads(db_path, network):
    from concurrent.futures import ThreadPoolExecutor

    store = Store(db_path)
    store.migrate()
    store.sync_members(network, AT)
    round = start(store, [m.id for m in network.brokers()])

    def answer(member_id):
        return store.save_response(
            round_id=round.id,
            member_id=member_id,
            answers={"q1": member_id},
            quotable=True,
            source="modal",
            at=AT,
        )[1]

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(answer, [m.id for m in network.brokers()] * 2))
    assert outcomes.count("created") == 50 and outcomes.count("unchanged") == 50
    assert len(store.responses(round.id)) == 50
