"""Erasure and retention reach the bytes: nothing erased or pruned is left in the database file,
its -wal or its -shm; every one of them, and backups, is readable by the owner only."""

import os
import stat
from datetime import timedelta

import pytest

from bot.core.rounds import RoundService
from bot.privacy.erasure import erase_member, prune
from bot.store.database import Store
from bot.store.files import write_private

BROKER = "U0SILK001"
OTHER = "U0SILK002"
FACILITATOR = "U0FACI001"
# Long and odd enough that no other byte sequence in the files matches it by chance.
SECRET = "Zebrafinken Quirinius fortalte om sin nabo i Hvalpsund og dennes gæld"
KEPT = "Kanariefuglen Oktavia svarede noget helt andet om samarbejdet med virksomheden"


@pytest.fixture
def disk(db_path, network, library, messenger, clock):
    store = Store(db_path)
    store.migrate()
    store.sync_members(network, clock())
    rounds = RoundService(store, network, library, messenger, clock=clock, max_workers=1)
    yield store, rounds
    store.close()


def raw_bytes(db_path) -> dict[str, bytes]:
    """Every file SQLite keeps for this database, read as bytes while the store is open."""
    found = {}
    for side in ("", "-wal", "-shm", "-journal"):
        path = f"{db_path}{side}"
        if os.path.exists(path):
            with open(path, "rb") as f:
                found[side or "db"] = f.read()
    return found


def traces(db_path, text: str) -> list[str]:
    needles = [text.encode("utf-8"), text.split()[0].encode("utf-8")]
    return [name for name, data in raw_bytes(db_path).items() if any(n in data for n in needles)]


def answer_and_quote(store, rounds, library, clock, member, text):
    prompt = library.get("inddragelse-05")
    round_ = rounds.start_round(prompt, ["silkeborg"], clock() + timedelta(days=5), FACILITATOR)
    q = rounds.prompt_of(round_).questions[0].id
    rounds.record_answer(round_.id, member, {q: text + " (første udgave)."})
    response = rounds.record_answer(round_.id, member, {q: text + "."}).response
    store.save_digest(
        round_id=round_.id,
        engine="extractive",
        status="draft",
        content={"quotes": [{"answer_id": str(response.id), "text": text}]},
        at=clock(),
    )
    return round_


def test_the_wal_holds_the_answer_before_erasure_so_the_check_below_can_see_it(
    disk, db_path, library, clock
):
    store, rounds = disk
    answer_and_quote(store, rounds, library, clock, BROKER, SECRET)
    assert "-wal" in traces(db_path, SECRET)


def test_an_erased_answer_leaves_no_trace_in_the_db_wal_or_shm(disk, db_path, library, clock):
    store, rounds = disk
    answer_and_quote(store, rounds, library, clock, BROKER, SECRET)
    answer_and_quote(store, rounds, library, clock, OTHER, KEPT)

    erase_member(store, BROKER, by="admin")

    assert traces(db_path, SECRET) == []
    assert store.member(BROKER) is None
    # What was not erased is still there (the check reads the same files).
    assert store.responses(1) == [] and len(store.responses(2)) == 1


def test_a_pruned_answer_and_its_digest_quote_leave_no_trace(disk, db_path, library, clock):
    store, rounds = disk
    round_ = answer_and_quote(store, rounds, library, clock, BROKER, SECRET)
    clock.advance(days=800)
    fresh = answer_and_quote(store, rounds, library, clock, OTHER, KEPT)

    result = prune(store, clock(), 730, by="admin")

    assert (result.responses, result.history, result.quotes_removed) == (1, 1, 1)
    assert traces(db_path, SECRET) == []
    assert store.round_digests(round_.id)[0].content == {"quotes": []}
    assert store.round_digests(fresh.id)[0].content["quotes"][0]["text"] == KEPT


def test_an_erased_facilitator_leaves_rounds_and_digest_decisions(disk, library, clock):
    store, rounds = disk
    round_ = answer_and_quote(store, rounds, library, clock, BROKER, SECRET)
    digest = store.round_digests(round_.id)[0]
    assert store.decide_digest(digest.id, "approved", FACILITATOR, clock())

    erase_member(store, FACILITATOR, by="admin")

    started_by = store.round(round_.id).started_by
    decided_by = store.digest(digest.id).decided_by
    assert started_by.startswith("erased-") and decided_by == started_by
    # Only the audit keeps the erased id, as the proof that the erasure was done.
    tables = [r["name"] for r in store._rows("select name from sqlite_master where type='table'")]
    left = [
        table
        for table in tables
        if table != "audit"
        for row in store._rows(f"select * from [{table}]")
        if FACILITATOR in repr(row)
    ]
    assert left == []


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_database_and_its_side_files_are_created_0600(db_path, network, clock):
    old = os.umask(0o022)
    try:
        store = Store(db_path)
        store.migrate()
        store.sync_members(network, clock())
        assert {side: mode(f"{db_path}{side}") for side in ("", "-wal", "-shm")} == {
            "": 0o600,
            "-wal": 0o600,
            "-shm": 0o600,
        }
        store.backup(db_path.with_name("backup.db"))
        assert mode(db_path.with_name("backup.db")) == 0o600
        store.close()
    finally:
        os.umask(old)


def test_an_older_world_readable_database_is_narrowed_on_open(db_path):
    db_path.write_bytes(b"")
    os.chmod(db_path, 0o644)
    Store(db_path).close()
    assert mode(db_path) == 0o600


def test_an_export_is_written_0600_even_over_a_wider_file(tmp_path):
    out = tmp_path / "export.csv"
    out.write_text("old")
    os.chmod(out, 0o644)
    write_private(out, "ny eksport")
    assert mode(out) == 0o600 and out.read_text() == "ny eksport"
    write_private(tmp_path / "new.qdpx", b"PK")
    assert mode(tmp_path / "new.qdpx") == 0o600


def test_retention_drops_old_audit_entries_but_keeps_erasures(db, network, clock):
    from bot.privacy.erasure import run_retention

    db.sync_members(network, clock())
    start = clock()
    db.audit(FACILITATOR, "start_round", "1", at=start)
    erase_member(db, OTHER, by="admin", at=start)
    db.audit(FACILITATOR, "close_round", "1", at=start + timedelta(days=1000))

    run_retention(db, network, now=start + timedelta(days=3 * 365 + 1))

    assert [e["action"] for e in db.audit_entries()] == ["erase_member", "close_round"]
    assert OTHER in db.erased_member_ids()
