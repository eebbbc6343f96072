"""The scheduler's tables (m020, m021), pinned like the foundation's in test_migrations.py."""

from sqlite_utils import Database

from bot.store.migrations import migrations


def test_scheduler_tables_have_the_pinned_columns_and_keys():
    db = Database(memory=True)
    migrations.apply(db)
    assert [c.name for c in db["programme_slots"].columns] == [
        "id",
        "programme_id",
        "slot",
        "due_at",
        "status",
        "round_id",
        "recorded_at",
        "error",
    ]
    assert [(fk.column, fk.other_table) for fk in db["programme_slots"].foreign_keys] == [
        ("round_id", "rounds")
    ]
    unique = [i.columns for i in db["programme_slots"].indexes if i.unique]
    assert ["programme_id", "slot"] in unique
    assert [c.name for c in db["scheduler_lock"].columns] == [
        "name",
        "holder",
        "acquired_at",
        "heartbeat_at",
    ]
    assert db["scheduler_lock"].pks == ["name"]
