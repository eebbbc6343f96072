import json

from sqlite_utils import Database

from bot.store.database import Store
from bot.store.migrations import migrations

EXPECTED_COLUMNS = {
    "members": [
        "slack_id",
        "name",
        "municipality",
        "roles",
        "language",
        "research_consent",
        "active",
        "synced_at",
    ],
    "rounds": [
        "id",
        "prompt_id",
        "theme",
        "audience",
        "started_by",
        "started_at",
        "closes_at",
        "status",
        "closed_at",
        "programme_id",
        "channel",
        "remind_at",
    ],
    "deliveries": [
        "id",
        "round_id",
        "member_id",
        "status",
        "channel",
        "message_ts",
        "error",
        "attempts",
        "sent_at",
        "answered_at",
        "skipped_at",
        "snoozed_until",
        "snoozed",
        "reminded_at",
    ],
    "responses": [
        "id",
        "round_id",
        "member_id",
        "answers",
        "quotable",
        "source",
        "created_at",
        "updated_at",
        "edits",
    ],
    "response_history": ["id", "response_id", "answers", "quotable", "source", "replaced_at"],
    "digests": ["id", "round_id", "created_at", "engine", "status", "content"],
    "slack_events": ["event_id", "received_at"],
}

EXPECTED_FOREIGN_KEYS = {
    ("deliveries", "round_id", "rounds", "id"),
    ("deliveries", "member_id", "members", "slack_id"),
    ("responses", "round_id", "rounds", "id"),
    ("responses", "member_id", "members", "slack_id"),
    ("response_history", "response_id", "responses", "id"),
    ("digests", "round_id", "rounds", "id"),
}


def test_empty_database_migrates_to_the_pinned_schema():
    db = Database(memory=True)
    migrations.apply(db)
    tables = {name for name in db.table_names() if not name.startswith("_")}
    # Later migrations may add tables; these must be exactly as pinned.
    for table, columns in EXPECTED_COLUMNS.items():
        assert table in tables
        assert [c.name for c in db[table].columns][: len(columns)] == columns, table
    keys = {
        (table, fk.column, fk.other_table, fk.other_column)
        for table in EXPECTED_COLUMNS
        for fk in db[table].foreign_keys
    }
    assert keys >= EXPECTED_FOREIGN_KEYS


def test_applying_again_does_nothing(db_path):
    store = Store(db_path)
    assert store.migrate()[0] == "m001_create_members_rounds_deliveries"
    schema = store.db.schema
    assert store.migrate() == []
    assert store.db.schema == schema


def test_database_is_in_wal_mode_with_foreign_keys(db_path):
    store = Store(db_path)
    store.migrate()
    assert store.db.journal_mode == "wal"
    assert store.db.execute("pragma foreign_keys").fetchone()[0] == 1


def test_database_from_an_older_version_upgrades_with_its_data(db_path):
    old = Database(db_path)
    migrations.apply(old, stop_before="m004_add_delivery_snooze_and_reminder")
    assert "snoozed" not in old["deliveries"].columns_dict
    old["members"].insert(
        {
            "slack_id": "U0SILK001",
            "name": "Mette",
            "municipality": "silkeborg",
            "roles": '["broker"]',
        }
    )
    old["rounds"].insert(
        {
            "id": 1,
            "prompt_id": "samtale-01",
            "theme": "samtale",
            "audience": '"all"',
            "started_by": "U0FACI001",
            "started_at": "2026-01-05T08:00:00+00:00",
            "closes_at": "2026-01-10T08:00:00+00:00",
            "status": "open",
        }
    )
    old["deliveries"].insert(
        {"round_id": 1, "member_id": "U0SILK001", "status": "answered", "message_ts": "1.2"}
    )
    old["responses"].insert(
        {
            "round_id": 1,
            "member_id": "U0SILK001",
            "answers": json.dumps({"q1": "Svar"}),
            "quotable": 1,
            "source": "modal",
            "created_at": "2026-01-05T09:00:00+00:00",
            "updated_at": "2026-01-05T09:00:00+00:00",
        }
    )
    old.close()

    store = Store(db_path)
    applied = store.migrate()
    assert (
        applied
        == ["m004_add_delivery_snooze_and_reminder", "m005_add_round_remind_at"] + applied[2:]
    )
    delivery = store.delivery(1, "U0SILK001")
    assert delivery.status == "answered" and delivery.message_ts == "1.2"
    assert delivery.snoozed is False and delivery.reminded_at is None
    assert store.round(1).remind_at is None
    assert store.response(1, "U0SILK001").answers == {"q1": "Svar"}
