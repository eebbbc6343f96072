"""A plain read takes a read connection of its own (issue 16), so it never queues behind a writer's
transaction; inside a transaction a read sees that transaction's own writes."""

import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from bot.store.database import Store
from tests.test_store import start

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path, network):
    store = Store(tmp_path / "flipbot.db")
    store.migrate()
    store.sync_members(network, AT)
    yield store
    store.close()


def test_a_read_does_not_wait_for_a_writer_in_the_middle_of_a_transaction(store):
    round = start(store)
    inside, leave = threading.Event(), threading.Event()

    def writer() -> None:
        with store.atomic() as db:
            db.execute("update rounds set prompt_id = 'samtale-02' where id = ?", [round.id])
            inside.set()
            leave.wait()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(10)
        seen = {}
        reader = threading.Thread(target=lambda: seen.update(round=store.round(round.id)))
        reader.start()
        reader.join(10)
        # With one connection behind the writer's lock the read would still be waiting here.
        assert not reader.is_alive(), "the read waited for the writer's transaction"
        assert seen["round"].prompt_id == "samtale-01"  # the last committed state
    finally:
        leave.set()
        thread.join(10)
    assert store.round(round.id).prompt_id == "samtale-02"  # committed: every reader sees it


def test_a_read_inside_a_transaction_sees_its_own_writes(store):
    round = start(store)
    with store.atomic() as db:
        db.execute("update rounds set prompt_id = 'samtale-02' where id = ?", [round.id])
        assert store.round(round.id).prompt_id == "samtale-02"
        assert store.delivery(round.id, "U0SILK001").status == "pending"


def test_a_read_connection_cannot_write(store):
    start(store)
    with pytest.raises(Exception) as refused:
        store._rows("update rounds set prompt_id = 'x'")
    assert isinstance(refused.value.__cause__, sqlite3.OperationalError)
    assert "readonly" in str(refused.value.__cause__)
    assert [r["prompt_id"] for r in store._rows("select prompt_id from rounds")] == ["samtale-01"]


def test_read_connections_are_reused_and_closed_with_the_store(tmp_path, network):
    store = Store(tmp_path / "flipbot.db")
    store.migrate()
    for _ in range(5):
        store.rounds()
    assert len(store._all_readers) == 1  # one thread, one connection, taken again each time
    reader = store._all_readers[0]
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        reader.execute("select 1")
