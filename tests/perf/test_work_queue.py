"""The after-ack queue takes work a person waits for before bulk work queued earlier (issue 16)."""

from __future__ import annotations

import threading

from bot.core.work_queue import Priority, PriorityPool, people_waiting
from bot.slack.handlers import common


def test_a_person_item_queued_after_bulk_items_is_taken_first():
    pool = PriorityPool(workers=1)
    # Taken by hand, no worker thread: the order is the queue's alone.
    for name in ("fan-out", "digest", "export"):
        pool._queue.put((int(Priority.BULK), next(pool._order), name, None))
    pool._queue.put((int(Priority.PERSON), next(pool._order), "views.open", None))
    pool._queue.put((int(Priority.PERSON), next(pool._order), "chat.update", None))
    taken = [pool.take(block=False)[0] for _ in range(5)]
    assert taken == ["views.open", "chat.update", "fan-out", "digest", "export"]
    assert pool.take(block=False) is None


def test_held_bulk_and_person_work_run_person_first_on_a_busy_pool(monkeypatch):
    """Through after_ack itself: while the only worker is busy, bulk work then person work is
    handed over; once it is free the person's work runs first."""
    pool = PriorityPool(workers=1, name="test-after-ack")
    monkeypatch.setattr(common, "_after_ack", pool)
    busy, free = threading.Event(), threading.Event()
    ran: list[str] = []

    def block() -> None:
        busy.set()
        free.wait(10)

    common.after_ack(block)
    assert busy.wait(10)
    common.after_ack_bulk(ran.append, "fan-out")
    common.after_ack_bulk(ran.append, "export")
    common.after_ack(ran.append, "views.open")
    free.set()
    assert common.wait_idle(10)
    assert ran == ["views.open", "fan-out", "export"]


def test_work_that_fails_is_logged_and_the_pool_goes_on(monkeypatch, caplog):
    pool = PriorityPool(workers=1, name="test-after-ack")
    monkeypatch.setattr(common, "_after_ack", pool)
    ran: list[str] = []

    def broken() -> None:
        raise ValueError("boom")

    common.after_ack_bulk(broken)
    common.after_ack(ran.append, "next")
    assert common.wait_idle(10)
    assert ran == ["next"]
    assert "work after the acknowledgement failed: broken" in caplog.text


def test_bulk_senders_step_aside_while_a_persons_work_is_pending():
    pool = PriorityPool(workers=1, name="test-people")
    started, free = threading.Event(), threading.Event()

    def person() -> None:
        started.set()
        free.wait(10)

    done = pool.submit(person, Priority.PERSON)
    assert started.wait(10)
    assert people_waiting.step_aside(timeout=0.05) is False  # a person's work is running
    free.set()
    done.result(10)
    assert people_waiting.step_aside(timeout=10) is True


def test_a_persons_own_work_never_waits_for_itself():
    pool = PriorityPool(workers=1, name="test-people")
    found = pool.submit(lambda: people_waiting.step_aside(timeout=10), Priority.PERSON)
    assert found.result(5) is True
