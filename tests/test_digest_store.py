from datetime import UTC, datetime

from sqlite_utils import Database

from bot.store.database import Store
from bot.store.migrations import migrations

WHEN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_digest_review_and_secret_tables_are_pinned():
    db = Database(memory=True)
    migrations.apply(db)
    assert [c.name for c in db["digests"].columns] == [
        "id",
        "round_id",
        "created_at",
        "engine",
        "status",
        "content",
        "decided_by",
        "decided_at",
    ]
    assert [c.name for c in db["project_secrets"].columns] == ["name", "value", "created_at"]
    assert db["project_secrets"].pks == ["name"]


def test_a_database_from_before_the_review_upgrades_with_its_digests(db_path):
    old = Database(db_path)
    migrations.apply(old, stop_before="m030_add_digest_review")
    old["digests"].insert(
        {
            "round_id": None,
            "created_at": WHEN.isoformat(),
            "engine": "extractive",
            "status": "draft",
            "content": '{"title": "Gammel"}',
        }
    )
    old.close()
    store = Store(db_path)
    applied = store.migrate()  # other areas' migrations may come after ours once merged
    assert {"m030_add_digest_review", "m031_create_project_secrets"} <= set(applied)
    record = store.digest(1)
    assert record.content == {"title": "Gammel"} and record.decided_by is None


def test_a_digest_is_decided_once(db):
    record = db.save_digest(round_id=None, engine="extractive", status="draft", content={}, at=WHEN)
    assert db.decide_digest(record.id, "approved", "U0FACI001", WHEN)
    assert not db.decide_digest(record.id, "rejected", "U0FACI002", WHEN)
    decided = db.digest(record.id)
    assert (decided.status, decided.decided_by, decided.decided_at) == (
        "approved",
        "U0FACI001",
        WHEN,
    )


def test_a_project_secret_is_made_once(db):
    first = db.project_secret("k", lambda: "first")
    assert first == "first" and db.project_secret("k", lambda: "second") == "first"
