import json
from datetime import UTC, datetime

from sqlite_utils import Database

from bot.core.network import load_network
from bot.core.services import EXAMPLE_NETWORK
from bot.export.collect import ExportFilter, collect
from bot.prompts import load_library
from bot.store.database import Store
from bot.store.migrations import migrations

EXPECTED_COLUMNS = {
    "members": [
        "id",
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
        "conversation",
        "message_id",
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
    "inbound_events": ["platform", "event_id", "received_at"],
    "answer_posts": ["id", "round_id", "member_id", "conversation", "message_id", "platform"],
}

EXPECTED_FOREIGN_KEYS = {
    ("deliveries", "round_id", "rounds", "id"),
    ("deliveries", "member_id", "members", "id"),
    ("responses", "round_id", "rounds", "id"),
    ("responses", "member_id", "members", "id"),
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
    assert delivery.status == "answered" and delivery.ref.message == "1.2"
    assert delivery.snoozed is False and delivery.reminded_at is None
    assert store.round(1).remind_at is None
    assert store.response(1, "U0SILK001").answers == {"q1": "Svar"}


BEFORE_PLATFORMS = "m050_platform_neutral_members_messages_and_events"


def _database_of_slack_only_main(path) -> None:
    """A database as main wrote it before Teams: members keyed by slack_id, messages as
    (channel, ts), Slack event ids, an export key, answers and a channel-thread post."""
    old = Database(path)
    migrations.apply(old, stop_before=BEFORE_PLATFORMS)
    old["project_secrets"].insert(
        {
            "name": "export_pseudonym_key",
            "value": "ab" * 32,
            "created_at": "2026-01-01T00:00:00+00:00",
        }
    )
    for slack_id, municipality in (("U0SILK001", "silkeborg"), ("U0HERN002", "herning")):
        old["members"].insert(
            {"slack_id": slack_id, "name": "x", "municipality": municipality, "roles": '["broker"]'}
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
            "status": "closed",
            "closed_at": "2026-01-10T08:00:00+00:00",
        }
    )
    for member, ts, text in (("U0SILK001", "1.2", "Første svar"), ("U0HERN002", "1.3", "Andet")):
        old["deliveries"].insert(
            {
                "round_id": 1,
                "member_id": member,
                "status": "answered",
                "channel": "D0" + member[2:],
                "message_ts": ts,
                "attempts": 1,
            }
        )
        old["responses"].insert(
            {
                "round_id": 1,
                "member_id": member,
                "answers": json.dumps({"q1": text}),
                "quotable": 1,
                "source": "modal",
                "created_at": "2026-01-05T09:00:00+00:00",
                "updated_at": "2026-01-05T09:00:00+00:00",
            }
        )
    old["answer_posts"].insert(
        {"round_id": 1, "member_id": "U0SILK001", "channel": "C0FLIPCHAN", "ts": "9.9"}
    )
    old["slack_events"].insert({"event_id": "Ev1", "received_at": "2026-01-05T09:00:00+00:00"})
    old.close()


def test_a_slack_only_database_upgrades_with_the_same_pseudonyms_texts_and_messages(db_path):
    _database_of_slack_only_main(db_path)
    store = Store(db_path)
    assert store.migrate()[0] == BEFORE_PLATFORMS
    # Pseudonyms are an HMAC of the member id, and an existing member's id is their Slack id:
    # these two were computed from the key above before the upgrade.
    # One member per municipality would be hidden, with a round's own pseudonym: a threshold
    # of 1 shows the members' stable pseudonyms, which are what this test is about.
    network = load_network(EXAMPLE_NETWORK).model_copy(update={"min_group_size": 1})
    export = collect(
        store,
        network,
        load_library(),
        ExportFilter(round_id=1),
        now=datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert sorted((r.pseudonym, r.text) for r in export.rows) == [
        ("P-0e7eb95a9d", "Andet"),
        ("P-1a76e851db", "Første svar"),
    ]
    delivery = store.delivery(1, "U0SILK001")
    assert (delivery.ref.platform, delivery.ref.conversation, delivery.ref.message) == (
        "slack",
        "D0SILK001",
        "1.2",
    )
    assert store.delivery_by_message("slack", "D0HERN002", "1.3").member_id == "U0HERN002"
    assert store.delivery_by_message("teams", "D0HERN002", "1.3") is None
    # A Slack retry of an event seen before the upgrade is still recognised; Teams ids are apart.
    assert not store.first_sight_of_event("slack", "Ev1")
    assert store.first_sight_of_event("teams", "Ev1")
    from bot.store.privacy import answer_posts

    [post] = answer_posts(store, "U0SILK001")
    assert (post.platform, post.conversation, post.message) == ("slack", "C0FLIPCHAN", "9.9")
    assert store.migrate() == []
    store.close()
