"""The pseudonym key lives outside the database and its backups; migration 72 moves it there
unchanged; `flipbot privacy rotate-key` replaces it."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import stat

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from bot.cli.main import cli
from bot.export.collect import ExportFilter, collect
from bot.export.keys import project_key, pseudonym
from bot.store.database import Store, StoreError
from bot.store.migrations import migrations
from bot.store.privacy import recorded_key_fingerprint
from tests.export.helpers import silkeborg_round_at_flipbot_db

OLD_KEY = "ab" * 32
KEY_MIGRATION = "m072_move_pseudonym_key_out_of_the_database"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def old_database(path, key: str = OLD_KEY) -> None:
    """A database as flipbot wrote it before migration 72: the key in project_secrets."""
    old = Database(path)
    migrations.apply(old, stop_before=KEY_MIGRATION)
    old["project_secrets"].insert(
        {"name": "export_pseudonym_key", "value": key, "created_at": "2026-01-01T00:00:00+00:00"}
    )
    old.close()


def secrets_in(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("select name from project_secrets order by name")]
    finally:
        conn.close()


def test_migration_72_moves_the_key_to_a_private_file_and_pseudonyms_stay(db_path):
    old_database(db_path)
    store = Store(db_path)
    assert KEY_MIGRATION in store.migrate()
    key_file = db_path.with_name("flipbot.pseudonym-key")
    assert key_file.read_text().strip() == OLD_KEY
    assert mode(key_file) == 0o600
    # The same pseudonym as before the move (the value tests/test_migrations.py pins for this key).
    assert pseudonym(project_key(store), "U0SILK001") == "P-1a76e851db"
    store.close()
    assert secrets_in(db_path) == ["export_key_fingerprint"]
    assert OLD_KEY.encode() not in db_path.read_bytes()


def test_migration_72_goes_to_the_key_file_setting(db_path, tmp_path, monkeypatch):
    target = tmp_path / "keys" / "flip.key"
    monkeypatch.setenv("FLIPBOT_PSEUDONYM_KEY_FILE", str(target))
    old_database(db_path)
    Store(db_path).migrate()
    assert target.read_text().strip() == OLD_KEY
    assert not db_path.with_name("flipbot.pseudonym-key").exists()


def test_migration_72_refuses_to_overwrite_another_key_and_keeps_the_database_key(db_path):
    old_database(db_path)
    key_file = db_path.with_name("flipbot.pseudonym-key")
    key_file.write_text("cd" * 32)
    store = Store(db_path)
    with pytest.raises(StoreError, match="holds another pseudonym key"):
        store.migrate()
    store.close()
    assert secrets_in(db_path) == ["export_pseudonym_key"]
    assert key_file.read_text() == "cd" * 32


def test_a_key_given_as_a_setting_is_used_and_no_file_is_written(db_path, monkeypatch):
    monkeypatch.setenv("FLIPBOT_PSEUDONYM_KEY", OLD_KEY)
    store = Store(db_path)
    store.migrate()
    assert pseudonym(project_key(store), "U0SILK001") == "P-1a76e851db"
    assert not db_path.with_name("flipbot.pseudonym-key").exists()


def test_a_lost_key_file_is_an_error_not_new_pseudonyms(db_path):
    store = Store(db_path)
    store.migrate()
    first = project_key(store)
    key_file = db_path.with_name("flipbot.pseudonym-key")
    assert key_file.read_text().strip() == first and mode(key_file) == 0o600
    key_file.unlink()
    with pytest.raises(StoreError, match="is missing"):
        project_key(store)
    key_file.write_text("ef" * 32)
    with pytest.raises(StoreError, match="is not the one"):
        project_key(store)
    key_file.write_text(first + "\n")
    assert project_key(store) == first


@pytest.fixture
def filled(network, library):
    """The database at $FLIPBOT_DB with one round answered by two brokers, and the key made."""
    store, rounds, round_, question, _ = silkeborg_round_at_flipbot_db(network, library)
    for member in ("U0SILK001", "U0SILK002"):
        rounds.record_answer(round_.id, member, {question: "mit svar"})
    project_key(store)
    yield store
    store.close()


def test_a_backup_holds_no_pseudonym_key(filled, tmp_path):
    key = project_key(filled)
    target = tmp_path / "backup.db"
    result = CliRunner().invoke(cli, ["db", "backup", str(target)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert key.encode() not in data and bytes.fromhex(key) not in data
    assert mode(target) == 0o600


def test_rotate_key_refuses_without_yes(filled):
    before = project_key(filled)
    result = CliRunner().invoke(cli, ["privacy", "rotate-key"])
    assert result.exit_code == 1
    assert "Run again with --yes" in result.output
    assert project_key(filled) == before


def test_rotate_key_writes_a_private_mapping_and_new_pseudonyms(filled, network, library, tmp_path):
    old = project_key(filled)
    old_export = collect(filled, network, library, ExportFilter())
    mapping = tmp_path / "mapping.csv"
    result = CliRunner().invoke(
        cli, ["privacy", "rotate-key", "--yes", "--mapping", str(mapping)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    new = project_key(filled)
    assert new != old
    assert mode(mapping) == 0o600
    lines = {
        (r["kind"], r["old"]): r["new"] for r in csv.DictReader(io.StringIO(mapping.read_text()))
    }
    new_export = collect(filled, network, library, ExportFilter())
    old_rows = sorted(old_export.rows, key=lambda r: r.text + r.pseudonym)
    assert {r.pseudonym for r in old_export.rows}.isdisjoint(r.pseudonym for r in new_export.rows)
    # Every pseudonym and answer id of the earlier export leads to the new export's.
    assert {lines["pseudonym", r.pseudonym] for r in old_rows} == {
        r.pseudonym for r in new_export.rows
    }
    assert {lines["answer_id", r.answer_id] for r in old_rows} == {
        r.answer_id for r in new_export.rows
    }
    assert lines["pseudonym", pseudonym(old, "U0SILK001")] == pseudonym(new, "U0SILK001")
    assert recorded_key_fingerprint(filled) == new_export.key_fingerprint
    assert new_export.key_fingerprint != old_export.key_fingerprint
    assert filled.audit_entries()[-1]["action"] == "rotate_pseudonym_key"


def test_a_key_changed_in_the_setting_is_accepted_by_rotate_key_without_a_mapping(
    filled, monkeypatch, tmp_path
):
    monkeypatch.setenv("FLIPBOT_PSEUDONYM_KEY", "cd" * 32)
    with pytest.raises(StoreError, match="is not the one"):
        project_key(filled)
    mapping = tmp_path / "m.csv"
    refused = CliRunner().invoke(cli, ["privacy", "rotate-key", "--yes", "--mapping", str(mapping)])
    assert refused.exit_code == 1 and "no mapping can be made" in refused.output
    assert not mapping.exists()
    result = CliRunner().invoke(cli, ["privacy", "rotate-key", "--yes"])
    assert result.exit_code == 0, result.output
    assert project_key(filled) == "cd" * 32


def test_a_withdrawal_still_counts_when_the_key_file_is_lost(filled, db_path, caplog):
    from bot.privacy.erasure import set_consent
    from bot.store.exports import consent_log
    from bot.store.privacy import has_consent

    db_path.with_name("flipbot.pseudonym-key").unlink()
    set_consent(filled, "U0SILK001", False, by="test")
    assert not has_consent(filled, "U0SILK001")
    assert consent_log(filled) == []
    assert "pseudonym key is unavailable" in caplog.text
