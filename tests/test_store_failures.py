"""A locked, full or corrupted database gives a clear StoreError and loses no accepted answer;
a backup taken while another connection writes is consistent."""

import sqlite3
import threading
from datetime import timedelta

import pytest

from bot.core.messenger import LocalMessenger
from bot.core.rounds import RoundService
from bot.store.database import Store, StoreError

BROKER, OTHER, THIRD = "U0SILK001", "U0SILK002", "U0SILK003"


@pytest.fixture
def on_disk(db_path, network, library, clock):
    """A file database with one open round; the store gives up on a lock after 50 ms."""
    store = Store(db_path, busy_timeout=0.05)
    store.migrate()
    store.sync_members(network, clock())
    rounds = RoundService(store, network, library, LocalMessenger(), clock=clock)
    prompt = library.get("inddragelse-05")
    round_ = rounds.start_round(prompt, ["silkeborg"], clock() + timedelta(days=5), "U0FACI001")
    yield store, rounds, round_.id, prompt.questions[0].id
    store.close()


def test_a_locked_database_is_a_clear_error_and_the_answer_can_be_sent_again(on_disk, db_path):
    store, rounds, round_id, q = on_disk
    rounds.record_answer(round_id, BROKER, {q: "første svar"})
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # holds the write lock beyond the store's busy timeout
    try:
        with pytest.raises(StoreError, match="locked by another process"):
            rounds.record_answer(round_id, OTHER, {q: "andet svar"})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.response(round_id, BROKER).answers == {q: "første svar"}
    assert store.response(round_id, OTHER) is None
    rounds.record_answer(round_id, OTHER, {q: "andet svar"})
    assert store.response(round_id, OTHER).answers == {q: "andet svar"}


def test_a_full_disk_is_a_clear_error_and_keeps_what_was_saved(on_disk, db_path):
    store, rounds, round_id, q = on_disk
    rounds.record_answer(round_id, BROKER, {q: "første svar"})
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now full
    with pytest.raises(StoreError, match="disk is full"):
        for n, member in enumerate([OTHER, THIRD, "U0SILK004", "U0SILK005"]):
            rounds.record_answer(round_id, member, {q: f"{n} " + "æøå ord " * 370})
    store.close()

    reopened = Store(db_path)
    assert reopened.response(round_id, BROKER).answers == {q: "første svar"}
    assert reopened.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reopened.close()


def test_a_file_that_is_not_a_database_is_named_clearly(tmp_path):
    path = tmp_path / "flipbot.db"
    path.write_bytes(b"this is a spreadsheet, not a database" * 200)
    with pytest.raises(StoreError) as caught:
        store = Store(path)
        store.migrate()
    assert (
        str(caught.value)
        == f"{path}: the file is not a flipbot database or is corrupted; restore it from a backup"
    )
    assert path.read_bytes().startswith(b"this is a spreadsheet")


def test_a_corrupted_database_is_named_clearly(on_disk, db_path):
    store, rounds, round_id, q = on_disk
    for member in (BROKER, OTHER, THIRD):
        rounds.record_answer(round_id, member, {q: "svar " * 500})
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data), page):  # every page after the schema page
        data[start : start + 64] = b"\xff" * 64
    db_path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupted; restore it from a backup"):
        broken = Store(db_path)
        broken.migrate()
        broken.responses(round_id)
        broken.round(round_id)


def test_backup_while_another_connection_writes_is_consistent(on_disk, db_path, tmp_path):
    """The bot (one connection) keeps writing pairs of audit rows in one transaction each while
    `flipbot db backup` (another connection) copies: every copy holds whole pairs only."""
    bot, _, _, _ = on_disk
    written = 0
    stop = threading.Event()
    started = threading.Event()

    def keep_writing():
        nonlocal written
        while not stop.is_set():
            with bot.atomic():
                bot.audit("writer", "pair", f"{written}", {"half": 1})
                bot.audit("writer", "pair", f"{written}", {"half": 2})
            written += 1
            started.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert started.wait(10)
        cli_side = Store(db_path, busy_timeout=5)
        counts = []
        for n in range(5):
            target = tmp_path / f"copy{n}.db"
            cli_side.backup(target)
            copy = sqlite3.connect(target)
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            halves = copy.execute(
                "select subject, count(*) from audit where action = 'pair' group by subject"
            ).fetchall()
            copy.close()
            assert all(count == 2 for _, count in halves)
            counts.append(len(halves))
        cli_side.close()
    finally:
        stop.set()
        writer.join()
    assert counts == sorted(counts) and counts[0] >= 1
    assert written > counts[0]  # the writer went on while the copies were taken


def test_backup_to_a_missing_folder_is_a_clear_error(on_disk, tmp_path):
    store, _, _, _ = on_disk
    with pytest.raises(StoreError, match="cannot be opened"):
        store.backup(tmp_path / "no" / "such" / "folder" / "copy.db")
