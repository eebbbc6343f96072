"""A fan-out claims and records its deliveries a batch at a time (issue 16), without giving up
what one claim per DM guaranteed: exactly one prompt each, also with two fan-outs at once, and
nothing a broker did in the meantime overwritten."""

import threading
from datetime import timedelta

import pytest

from bot.core import delivery_batches
from bot.core.delivery_batches import DeliveryBatches
from bot.core.messenger import LocalMessenger, MessageRef
from bot.core.models import DeliveryStatus
from bot.core.network import Member, Municipality, Network
from bot.core.rounds import RoundService
from bot.store.database import DeliveryOutcome, Store
from tests.consent_helpers import consent_all

BROKERS = 230  # not a multiple of the batch: the last, short batch is claimed and recorded too


@pytest.fixture
def big(tmp_path, library, clock):
    town = Municipality(id="aarhus", name="Aarhus Kommune")
    members = [
        Member(slack_id=f"U7{n:07d}", name=f"Mægler {n}", municipality="aarhus", roles=["broker"])
        for n in range(BROKERS)
    ] + [Member(slack_id="U0FACI001", name="Fie", municipality="aarhus", roles=["facilitator"])]
    network = Network(name="stor", municipalities=[town], members=members)
    store = Store(tmp_path / "flipbot.db")
    store.migrate()
    store.sync_members(network, clock())
    consent_all(store, network, clock())
    yield store, network
    store.close()


def service(store, network, library, messenger, clock, workers=8):
    return RoundService(store, network, library, messenger, clock=clock, max_workers=workers)


def start(rounds, library, clock):
    prompt = library.get("samtale-01")
    return rounds.start_round(
        prompt, "all", clock() + timedelta(days=5), "U0FACI001", deliver=False
    )


def transactions_during(store: Store, work) -> int:
    """How many write transactions `work` commits on the store's connection."""
    seen = []
    store.db.conn.set_trace_callback(seen.append)
    try:
        work()
    finally:
        store.db.conn.set_trace_callback(None)
    return sum(1 for sql in seen if sql.strip().upper().startswith("BEGIN"))


def test_a_fan_out_writes_a_transaction_per_batch_not_two_per_dm(big, library, clock):
    store, network = big
    messenger = LocalMessenger()
    rounds = service(store, network, library, messenger, clock)
    round = start(rounds, library, clock)
    count = transactions_during(store, lambda: rounds.deliver(round.id))
    assert len(messenger.of_kind("prompt")) == BROKERS
    # 230 DMs: 5 claims and at least 5 records (more only when a batch grew old), not 460.
    assert count <= 2 * 5 + 8, count
    deliveries = store.deliveries(round.id)
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
    assert all(d.ref and d.ref.message and d.attempts == 1 and d.sent_at for d in deliveries)


def test_two_fan_outs_of_one_round_at_once_send_every_prompt_once(big, library, clock):
    store, network = big
    messenger = LocalMessenger()
    rounds = service(store, network, library, messenger, clock, workers=4)
    round = start(rounds, library, clock)
    other = service(store, network, library, messenger, clock, workers=4)
    results = []
    threads = [
        threading.Thread(target=lambda r=r: results.append(r.deliver(round.id)))
        for r in (rounds, other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    sent_to = [p.member_id for p in messenger.of_kind("prompt")]
    assert len(sent_to) == len(set(sent_to)) == BROKERS
    assert sum(r.sent for r in results) == BROKERS


def test_an_answer_given_before_the_batch_is_written_keeps_its_status(big, library, clock):
    store, network = big
    rounds = service(store, network, library, LocalMessenger(), clock)
    round = start(rounds, library, clock)
    delivery = store.delivery(round.id, "U70000001")
    assert store.claim_deliveries([delivery.id], ["pending"], "sending") == {delivery.id}
    # The broker got the DM and answered before the fan-out wrote where the DM landed.
    store.update_delivery(delivery.id, status=DeliveryStatus.ANSWERED, answered_at=clock())
    ref = MessageRef("slack", "D0X", "1700000001.000100")
    store.settle_deliveries(
        [DeliveryOutcome(delivery.id, DeliveryStatus.SENT, 1, ref, sent_at=clock())]
    )
    after = store.delivery(round.id, "U70000001")
    assert after.status == DeliveryStatus.ANSWERED
    assert after.ref == ref  # so the bot can still mark the DM as answered


def test_a_claim_taken_elsewhere_is_passed_over(big, library, clock):
    store, network = big
    rounds = service(store, network, library, LocalMessenger(), clock)
    round = start(rounds, library, clock)
    waiting = store.deliveries(round.id, ["pending"])
    taken = waiting[3]
    assert store.claim_delivery(taken.id, ["pending"], "sending")
    batches = DeliveryBatches(store, waiting, batch=10)
    handed = []
    while (delivery := batches.next()) is not None:
        handed.append(delivery.id)
    assert taken.id not in handed and len(handed) == BROKERS - 1


def test_outcomes_not_written_because_of_an_error_are_written_by_flush(big, library, clock):
    store, network = big
    rounds = service(store, network, library, LocalMessenger(), clock)
    round = start(rounds, library, clock)
    waiting = store.deliveries(round.id, ["pending"])[:3]
    batches = DeliveryBatches(store, waiting, batch=2)
    claimed = [batches.next(), batches.next()]
    real, calls = store.settle_deliveries, []

    def once_full(outcomes):
        calls.append(len(outcomes))
        if len(calls) == 1:
            raise OSError("disk full")
        real(outcomes)

    store.settle_deliveries = once_full
    batches.record(DeliveryOutcome(claimed[0].id, DeliveryStatus.SENT, 1, sent_at=clock()))
    with pytest.raises(OSError):
        batches.record(DeliveryOutcome(claimed[1].id, DeliveryStatus.FAILED, 1, error="x"))
    batches.flush()
    assert calls == [2, 2]
    assert store.delivery(round.id, claimed[0].member_id).status == DeliveryStatus.SENT
    assert store.delivery(round.id, claimed[1].member_id).error == "x"


def test_an_outcome_waits_at_most_a_moment_for_its_batch(big, library, clock, monkeypatch):
    store, network = big
    rounds = service(store, network, library, LocalMessenger(), clock)
    round = start(rounds, library, clock)
    waiting = store.deliveries(round.id, ["pending"])[:2]
    now = [1000.0]
    monkeypatch.setattr(delivery_batches.time, "monotonic", lambda: now[0])
    batches = DeliveryBatches(store, waiting, batch=50)
    first, second = batches.next(), batches.next()
    batches.record(DeliveryOutcome(first.id, DeliveryStatus.SENT, 1, sent_at=clock()))
    assert store.delivery(round.id, first.member_id).status == DeliveryStatus.SENDING
    now[0] += delivery_batches.RECORD_WITHIN_S
    batches.record(DeliveryOutcome(second.id, DeliveryStatus.SENT, 1, sent_at=clock()))
    assert {store.delivery(round.id, d.member_id).status for d in (first, second)} == {"sent"}
