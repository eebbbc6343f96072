"""The database schema as sqlite-utils Migrations, applied once at start (see Store.migrate).

Append new migrations at the end with the next number; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("flipbot")


@migrations()
def m001_create_members_rounds_deliveries(db: Database) -> None:
    db["members"].create(
        {
            "slack_id": str,
            "name": str,
            "municipality": str,
            "roles": str,  # JSON list
            "language": str,
            "research_consent": int,
            "active": int,
            "synced_at": str,
        },
        pk="slack_id",
        not_null={"name", "municipality", "roles", "research_consent", "active"},
        defaults={"research_consent": 1, "active": 1},
    )
    db["rounds"].create(
        {
            "id": int,
            "prompt_id": str,
            "theme": str,
            "audience": str,  # JSON: "all" or a list of municipality ids
            "started_by": str,
            "started_at": str,
            "closes_at": str,
            "status": str,
            "closed_at": str,
            "programme_id": str,
            "channel": str,
        },
        pk="id",
        not_null={
            "prompt_id",
            "theme",
            "audience",
            "started_by",
            "started_at",
            "closes_at",
            "status",
        },
    )
    db["rounds"].create_index(["status"])
    db["deliveries"].create(
        {
            "id": int,
            "round_id": int,
            "member_id": str,
            "status": str,
            "channel": str,
            "message_ts": str,
            "error": str,
            "attempts": int,
            "sent_at": str,
            "answered_at": str,
            "skipped_at": str,
        },
        pk="id",
        foreign_keys=[("round_id", "rounds", "id"), ("member_id", "members", "slack_id")],
        not_null={"round_id", "member_id", "status", "attempts"},
        defaults={"attempts": 0},
    )
    db["deliveries"].create_index(["round_id", "member_id"], unique=True)
    db["deliveries"].create_index(["member_id"])
    db["deliveries"].create_index(["channel", "message_ts"])


@migrations()
def m002_create_responses(db: Database) -> None:
    db["responses"].create(
        {
            "id": int,
            "round_id": int,
            "member_id": str,
            "answers": str,  # JSON object: question id -> text
            "quotable": int,
            "source": str,
            "created_at": str,
            "updated_at": str,
            "edits": int,
        },
        pk="id",
        foreign_keys=[("round_id", "rounds", "id"), ("member_id", "members", "slack_id")],
        not_null={
            "round_id",
            "member_id",
            "answers",
            "quotable",
            "source",
            "created_at",
            "updated_at",
        },
        defaults={"edits": 0, "quotable": 1},
    )
    db["responses"].create_index(["round_id", "member_id"], unique=True)
    db["responses"].create_index(["member_id"])
    db["response_history"].create(
        {
            "id": int,
            "response_id": int,
            "answers": str,
            "quotable": int,
            "source": str,
            "replaced_at": str,
        },
        pk="id",
        foreign_keys=[("response_id", "responses", "id")],
        not_null={"response_id", "answers", "replaced_at"},
    )
    db["response_history"].create_index(["response_id"])


@migrations()
def m003_create_digests_and_events(db: Database) -> None:
    db["digests"].create(
        {
            "id": int,
            "round_id": int,
            "created_at": str,
            "engine": str,
            "status": str,
            "content": str,  # JSON
        },
        pk="id",
        foreign_keys=[("round_id", "rounds", "id")],
        not_null={"created_at", "engine", "status", "content"},
    )
    db["digests"].create_index(["round_id"])
    # Slack delivers an event again when it did not see our acknowledgement in time.
    db["slack_events"].create({"event_id": str, "received_at": str}, pk="event_id")


@migrations()
def m004_add_delivery_snooze_and_reminder(db: Database) -> None:
    deliveries = db["deliveries"]
    deliveries.add_column("snoozed_until", str)
    deliveries.add_column("snoozed", int, not_null_default=0)
    deliveries.add_column("reminded_at", str)


@migrations()
def m005_add_round_remind_at(db: Database) -> None:
    # When the round's single reminder falls due; None means no reminder.
    db["rounds"].add_column("remind_at", str)


@migrations()
def m006_create_audit(db: Database) -> None:
    # Who started, reminded, closed, exported, erased or changed consent, and when.
    db["audit"].create(
        {"id": int, "at": str, "actor": str, "action": str, "subject": str, "detail": str},
        pk="id",
        not_null={"at", "actor", "action"},
    )
    db["audit"].create_index(["at"])


@migrations()
def m010_add_member_paused_until(db: Database) -> None:
    # A broker on leave gets no prompts until this moment (UTC); None means not paused.
    db["members"].add_column("paused_until", str)


@migrations()
def m020_create_programme_slots(db: Database) -> None:
    # One row per programme slot the scheduler has dealt with, written in the same transaction as
    # the slot's round and before any DM goes out: a restart never runs a slot twice. `slot` is the
    # local wall-clock time ("2026-10-25T02:30"), so the two 02:30s of the October change are one.
    db["programme_slots"].create(
        {
            "id": int,
            "programme_id": str,
            "slot": str,
            "due_at": str,
            "status": str,  # started | failed | missed | coalesced
            "round_id": int,
            "recorded_at": str,
            "error": str,
        },
        pk="id",
        foreign_keys=[("round_id", "rounds", "id")],
        not_null={"programme_id", "slot", "due_at", "status", "recorded_at"},
    )
    db["programme_slots"].create_index(["programme_id", "slot"], unique=True)


@migrations()
def m021_create_scheduler_lock(db: Database) -> None:
    # Only one process may run the scheduler on a database; the holder beats its heart into this row.
    db["scheduler_lock"].create(
        {"name": str, "holder": str, "acquired_at": str, "heartbeat_at": str},
        pk="name",
        not_null={"holder", "acquired_at", "heartbeat_at"},
    )


@migrations()
def m030_add_digest_review(db: Database) -> None:
    # Who approved or rejected a digest draft, and when (the review before it is shared).
    digests = db["digests"]
    digests.add_column("decided_by", str)
    digests.add_column("decided_at", str)
    digests.create_index(["status"])


@migrations()
def m031_create_project_secrets(db: Database) -> None:
    # Per-database secrets, e.g. the key that turns Slack ids into stable export pseudonyms.
    # Kept in the database so pseudonyms stay the same for one project and differ between projects.
    db["project_secrets"].create({"name": str, "value": str, "created_at": str}, pk="name")


@migrations()
def m040_add_member_consent_source_and_erasure(db: Database) -> None:
    # research_consent comes from the network file until the member says otherwise
    # (/flip samtykke); then consent_source is 'member' and a sync keeps their choice.
    members = db["members"]
    members.add_column("consent_source", str, not_null_default="network")
    members.add_column("consent_changed_at", str)
    # Set when the member's data was erased; the row stays (pseudonymised) so counts stay.
    members.add_column("erased_at", str)


@migrations()
def m041_index_answer_times_for_retention(db: Database) -> None:
    # The daily retention job deletes in batches by age; without these each batch scans all answers.
    db["responses"].create_index(["updated_at"])
    db["response_history"].create_index(["replaced_at"])


@migrations()
def m042_create_answer_posts(db: Database) -> None:
    # Where the bot showed a member's answer in a channel round's thread, so that erasing the
    # member can delete that post too (the bot may delete its own messages, not theirs).
    db["answer_posts"].create(
        {"id": int, "round_id": int, "member_id": str, "channel": str, "ts": str},
        pk="id",
    )
    db["answer_posts"].create_index(["member_id"])


@migrations()
def m050_platform_neutral_members_messages_and_events(db: Database) -> None:
    # One core, two chat platforms. A member's key becomes a neutral id; an existing member's id
    # is their Slack id, so the export pseudonyms (an HMAC of the id) do not change. SQLite
    # rewrites the foreign keys that point at the renamed column.
    db.execute("alter table members rename column slack_id to id")
    # A sent message is (platform, conversation, message id, extra); Slack's were (channel, ts).
    for table, conversation, message in (
        ("deliveries", "channel", "message_ts"),
        ("answer_posts", "channel", "ts"),
    ):
        db.execute(f"alter table {table} rename column {conversation} to conversation")
        db.execute(f"alter table {table} rename column {message} to message_id")
        db[table].add_column("platform", str)
        db[table].add_column("message_extra", str)
        db.execute(f"update {table} set platform = 'slack' where message_id is not null")
    # Inbound events are deduplicated per platform: Slack's and Teams' ids may collide.
    db["inbound_events"].create(
        {"platform": str, "event_id": str, "received_at": str}, pk=("platform", "event_id")
    )
    db.execute(
        "insert into inbound_events (platform, event_id, received_at) "
        "select 'slack', event_id, received_at from slack_events"
    )
    db["slack_events"].drop()


@migrations()
def m051_create_teams_conversations(db: Database) -> None:
    # Where flipbot reaches a member in Teams: the 1:1 conversation an install event names (or
    # one flipbot created), and the Bot Connector region (service URL) that serves it.
    db["teams_conversations"].create(
        {
            "member_id": str,
            "conversation_id": str,
            "service_url": str,
            "tenant_id": str,
            "installed_at": str,
        },
        pk="member_id",
        not_null={"conversation_id", "service_url"},
    )


@migrations()
def m060_create_round_small_cells(db: Database) -> None:
    # Which municipalities a closed round hides as 'other municipalities', decided once per round
    # from its consenting answerers and kept, so every export and digest of the round agrees and
    # a later consent change cannot make two exports of the same round differ.
    db["round_small_cells"].create(
        {
            "round_id": int,
            "municipality": str,
            "members": int,
            "hidden": int,
            "min_group_size": int,
            "decided_at": str,
        },
        pk=("round_id", "municipality"),
        foreign_keys=[("round_id", "rounds", "id")],
        not_null={"members", "hidden", "min_group_size", "decided_at"},
    )


@migrations()
def m061_create_consent_log(db: Database) -> None:
    # Consent changes and erasures by export pseudonym and time (never the member id), so a
    # researcher can remove a withdrawn member's answers from a project imported earlier.
    db["consent_log"].create(
        {"id": int, "pseudonym": str, "event": str, "at": str},
        pk="id",
        not_null={"pseudonym", "event", "at"},
    )
    db["consent_log"].create_index(["at"])


@migrations()
def m070_consent_only_from_the_member(db: Database) -> None:
    # Consent to research use and quoting comes from the member alone (GDPR Art. 4(11), 7): the
    # network file's old default (research_consent true) gave it on everyone's behalf. Consents
    # members recorded themselves (/flip samtykke, consent_source 'member') are kept; a consent
    # that came only from the file becomes "no answer yet" ('none', research_consent 0), so the
    # member is asked on first contact. A file opt-out (false) stays an opt-out.
    members = db["members"]
    members.add_column("consent_text_version", str)  # which consent text the answer was given to
    members.add_column("consent_asked_at", str)  # the consent request went out (asked once)
    members.add_column("network_opt_out", int, not_null_default=0)  # file says false (applied)
    members.add_column("consent_log_pending", int, not_null_default=0)  # file opt-out to log
    db.execute(
        "update members set network_opt_out = 1 "
        "where consent_source = 'network' and research_consent = 0 and erased_at is null"
    )
    db.execute(
        "update members set research_consent = 0, consent_source = 'none', "
        "consent_changed_at = null where consent_source = 'network' and research_consent = 1"
    )
    db.execute(
        "update members set consent_text_version = 'command' "
        "where consent_source = 'member' and erased_at is null"
    )
    db["consent_log"].add_column("text_version", str)


@migrations()
def m071_create_pending_answers(db: Database) -> None:
    # An answer that seems to name a citizen waits here, redacted but not yet stored as a
    # response, until the broker chooses Fjern or Behold (bot.core.answering). Rows expire;
    # erasure and retention delete them (bot.store.pending).
    db["pending_answers"].create(
        {
            "id": str,
            "round_id": int,
            "member_id": str,
            "answers": str,
            "flags": str,
            "quotable": int,
            "source": str,
            "redacted": str,
            "created_at": str,
            "expires_at": str,
        },
        pk="id",
        foreign_keys=[("round_id", "rounds", "id")],
        not_null={"round_id", "member_id", "answers", "flags", "created_at", "expires_at"},
    )
    db["pending_answers"].create_index(["round_id", "member_id"], unique=True)
    db["pending_answers"].create_index(["expires_at"])


@migrations()
def m072_move_pseudonym_key_out_of_the_database(db: Database) -> None:
    # The export pseudonym key leaves the database and so its backups: a copy of the database
    # plus an export would otherwise link pseudonyms back to members. It moves to the key file
    # (FLIPBOT_PSEUDONYM_KEY_FILE, else beside the database) unchanged, so pseudonyms stay; a key
    # given as FLIPBOT_PSEUDONYM_KEY or a key file already there must be the same key.
    from bot.store.database import StoreError
    from bot.store.files import (
        KEY_SETTING,
        KeyFileError,
        create_key_file,
        key_file_for,
        key_from_setting,
    )

    rows = list(db.query("select value from project_secrets where name = 'export_pseudonym_key'"))
    if rows:
        key = rows[0]["value"]
        main = next(
            row["file"] for row in db.query("pragma database_list") if row["name"] == "main"
        )
        path = key_file_for(main)
        try:
            if key_from_setting() is not None:
                if key_from_setting() != key:
                    raise KeyFileError(
                        f"{KEY_SETTING} is not the pseudonym key kept in the database; unset it, "
                        "so the database's key moves to the key file and pseudonyms stay"
                    )
            elif path is None:
                raise KeyFileError(
                    "an in-memory database cannot move its pseudonym key to a file; "
                    "set FLIPBOT_PSEUDONYM_KEY_FILE"
                )
            elif create_key_file(path, key) != key:
                raise KeyFileError(
                    f"{path} holds another pseudonym key than the database; move that file "
                    "away, so the database's key moves there and pseudonyms stay"
                )
        except (KeyFileError, OSError) as exc:
            raise StoreError(str(exc)) from exc
        db.execute("delete from project_secrets where name = 'export_pseudonym_key'")


@migrations()
def m080_create_sparring(db: Database) -> None:
    # Kollegial sparring: a broker's own case (redacted before it is stored), its state, who
    # answered it and how they wanted to be shown to the owner, and the history of its states
    # (ids and states only, never the case text).
    db["sparring_cases"].create(
        {
            "id": int,
            "owner_id": str,
            "municipality": str,
            "title": str,
            "situation": str,
            "questions": str,  # JSON list of the owner's questions
            "audience": str,  # JSON: "others", "all" or a list of municipality ids
            "show_name": int,
            "share_digest": int,
            "theme": str,
            "deadline_days": int,
            "status": str,
            "created_at": str,
            "updated_at": str,
            "round_id": int,
            "reason": str,
            "decided_by": str,
            "platform": str,
            "conversation": str,
            "message_id": str,
            "message_extra": str,
            "library_owner": int,
            "library_facilitator": str,
            "library_prompt_id": str,
        },
        pk="id",
        foreign_keys=[("round_id", "rounds", "id")],
        not_null={
            "owner_id",
            "municipality",
            "title",
            "situation",
            "questions",
            "audience",
            "show_name",
            "share_digest",
            "theme",
            "deadline_days",
            "status",
            "created_at",
            "updated_at",
        },
        defaults={"library_owner": 0},
    )
    db["sparring_cases"].create_index(["status"])
    db["sparring_cases"].create_index(["owner_id"])
    db["sparring_cases"].create_index(["round_id"], unique=True)
    db["sparring_answers"].create(
        {
            "case_id": int,
            "member_id": str,
            "show_name": int,
            "forwarded_at": str,
            "thanked_at": str,
        },
        pk=("case_id", "member_id"),
        foreign_keys=[("case_id", "sparring_cases", "id")],
        not_null={"show_name"},
        defaults={"show_name": 0},
    )
    db["sparring_events"].create(
        {"id": int, "case_id": int, "at": str, "actor": str, "event": str, "status": str},
        pk="id",
        foreign_keys=[("case_id", "sparring_cases", "id")],
        not_null={"case_id", "at", "actor", "event", "status"},
    )
    db["sparring_events"].create_index(["case_id"])
