"""Queries for consent, erasure and retention (the privacy area's part of the store).

Functions over a Store rather than Store methods, so the privacy area grows without reshuffling
store.py; each function is one transaction under the store's lock (Store.atomic).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.core.models import MessageRef, Response
from bot.core.timeutil import iso
from bot.store.database import Store, message_ref, message_ref_columns

ERASED_NAME = "[erased]"


def has_consent(store: Store, member_id: str) -> bool:
    """Whether a member consents now to being quoted and exported (False if unknown or erased)."""
    rows = store._rows(
        "select research_consent from members where id = ? and erased_at is null",
        [member_id],
    )
    return bool(rows and rows[0]["research_consent"])


def consenting_member_ids(store: Store) -> set[str]:
    """Every member who consents now (digests and exports quote only these)."""
    rows = store._rows("select id from members where research_consent = 1 and erased_at is null")
    return {row["id"] for row in rows}


def quotable_responses(store: Store, round_id: int) -> list[Response]:
    """A round's answers that may be quoted or exported now: the member consents and did not
    mark the answer as not to be quoted. (All answers still count in participation.)"""
    rows = store._rows(
        "select r.* from responses r join members m on m.id = r.member_id "
        "where r.round_id = ? and r.quotable = 1 and m.research_consent = 1 "
        "and m.erased_at is null order by r.id",
        [round_id],
    )
    return [Store._response(row) for row in rows]


def record_consent(
    store: Store, member_id: str, consent: bool, at: datetime, text_version: str | None = None
) -> bool | None:
    """Store a member's own consent choice, with the version of the consent text they answered
    (None: a command, no text shown); return the earlier value, or None if not a member."""
    with store.atomic() as db:
        rows = list(
            db.query(
                "select research_consent from members where id = ? and erased_at is null",
                [member_id],
            )
        )
        if not rows:
            return None
        db.execute(
            "update members set research_consent = ?, consent_source = 'member', "
            "consent_changed_at = ?, consent_text_version = ?, "
            "consent_asked_at = coalesce(consent_asked_at, ?) where id = ?",
            [int(consent), iso(at), text_version or COMMAND_VERSION, iso(at), member_id],
        )
        return bool(rows[0]["research_consent"])


# The text version of a choice made with /flip samtykke or `flipbot member consent`.
COMMAND_VERSION = "command"


def consent_record(store: Store, member_id: str) -> dict | None:
    """A member's consent as stored: consent, source ('member', 'network' opt-out or 'none'),
    changed_at, text_version, asked_at; None if no such member."""
    rows = store._rows(
        "select research_consent as consent, consent_source as source, "
        "consent_changed_at as changed_at, consent_text_version as text_version, "
        "consent_asked_at as asked_at from members where id = ? and erased_at is null",
        [member_id],
    )
    if not rows:
        return None
    return {**rows[0], "consent": bool(rows[0]["consent"])}


# Who may still be asked for consent: never asked, has not answered, not opted out by the network
# file, not erased. Read by consent_request_due, taken by claim_consent_request.
_ASKABLE = (
    "consent_asked_at is null and consent_source != 'member' and network_opt_out = 0 "
    "and erased_at is null"
)


def consent_request_due(store: Store, member_id: str) -> bool:
    """Whether claim_consent_request could succeed, by a read (no lock, no transaction): a
    fan-out asks this for every DM, and all but a member's first prompt answer no."""
    return bool(store._rows(f"select 1 from members where id = ? and {_ASKABLE}", [member_id]))


def claim_consent_request(store: Store, member_id: str, at: datetime) -> bool:
    """Mark that the member is being asked for consent; False if they were asked before, have
    answered already, or the network file opts them out (so nobody is asked twice)."""
    with store.atomic() as db:
        return (
            db.execute(
                f"update members set consent_asked_at = ? where id = ? and {_ASKABLE}",
                [iso(at), member_id],
            ).rowcount
            == 1
        )


def release_consent_request(store: Store, member_id: str) -> None:
    """The consent request did not reach the member: ask again before the next prompt."""
    with store.atomic() as db:
        db.execute(
            "update members set consent_asked_at = null where id = ? and consent_source != 'member'",
            [member_id],
        )


def pending_file_opt_outs(store: Store) -> list[dict]:
    """Members whose consent the network file's opt-out turned off and whose change is not yet
    in the consent log: id and changed_at."""
    return store._rows(
        "select id, consent_changed_at as changed_at from members "
        "where consent_log_pending = 1 order by id"
    )


def file_opt_out_logged(store: Store, member_id: str) -> None:
    with store.atomic() as db:
        db.execute("update members set consent_log_pending = 0 where id = ?", [member_id])


def response_ids_of(store: Store, member_id: str) -> list[int]:
    rows = store._rows("select id from responses where member_id = ? order by id", [member_id])
    return [row["id"] for row in rows]


def rewrite_digests(store: Store, rewrite: Callable[[dict], tuple[dict, int]]) -> int:
    """Apply rewrite(content) -> (new content, quotes removed) to every stored digest; save the
    ones that changed; return the number of quotes removed."""
    removed = 0
    with store.atomic() as db:
        for row in list(db.query("select id, content from digests")):
            content, n = rewrite(json.loads(row["content"]))
            if n:
                removed += n
                db.execute(
                    "update digests set content = ? where id = ?",
                    [json.dumps(content, ensure_ascii=False, default=str), row["id"]],
                )
    return removed


def erase_member_rows(store: Store, member_id: str, pseudonym: str, at: datetime) -> dict | None:
    """Delete a member's responses and their history, pseudonymise the member row and the
    deliveries (status kept, so counts stay). None if no such member."""
    with store.atomic() as db:
        member = list(db.query("select * from members where id = ?", [member_id]))
        if not member:
            return None
        ids = [
            r["id"] for r in db.query("select id from responses where member_id = ?", [member_id])
        ]
        marks = ", ".join("?" for _ in ids)
        history = responses = 0
        if ids:
            history = db.execute(
                f"delete from response_history where response_id in ({marks})", ids
            ).rowcount
            responses = db.execute(f"delete from responses where id in ({marks})", ids).rowcount
        # The Slack id is personal data too: members and deliveries move to a pseudonym together,
        # so the foreign key is checked once, at commit.
        db.execute("PRAGMA defer_foreign_keys = ON")
        db.execute(
            "update members set id = ?, name = ?, language = null, research_consent = 0, "
            "consent_source = 'member', consent_changed_at = ?, active = 0, erased_at = ? "
            "where id = ?",
            [pseudonym, ERASED_NAME, iso(at), iso(at), member_id],
        )
        deliveries = db.execute(
            "update deliveries set member_id = ?, platform = null, conversation = null, message_id = null, "
            "message_extra = null, error = null "
            "where member_id = ?",
            [pseudonym, member_id],
        ).rowcount
        # Who started a round or decided a digest is theirs too; the pseudonym keeps the rows
        # telling "the same person" without saying who.
        db.execute("update rounds set started_by = ? where started_by = ?", [pseudonym, member_id])
        db.execute("update digests set decided_by = ? where decided_by = ?", [pseudonym, member_id])
        # The chat surface deletes the posts themselves (it read them with answer_posts first).
        db.execute("delete from answer_posts where member_id = ?", [member_id])
        db.execute("delete from teams_conversations where member_id = ?", [member_id])
        # Answers still waiting for Fjern / Behold (bot.store.pending) hold their text too.
        db.execute("delete from pending_answers where member_id = ?", [member_id])
        return {
            "response_ids": ids,
            "responses": responses,
            "history": history,
            "deliveries": deliveries,
        }


def record_answer_post(store: Store, round_id: int, member_id: str, ref: MessageRef) -> None:
    """Remember that the bot showed this member's answer in a channel thread."""
    with store.atomic() as db:
        db["answer_posts"].insert(
            {"round_id": round_id, "member_id": member_id, **message_ref_columns(ref)}
        )


def answer_posts(store: Store, member_id: str) -> list[MessageRef]:
    """Every post in which the bot showed this member's answer."""
    rows = store._rows("select * from answer_posts where member_id = ? order by id", [member_id])
    return [ref for ref in map(message_ref, rows) if ref is not None]


PRUNE_BATCH = 2000


def responses_to_prune(store: Store, cutoff: datetime) -> tuple[list[int], list[str]]:
    """The responses a prune at cutoff deletes, and every text they held (earlier versions too),
    so their quotes can leave the stored digests first."""
    ids: list[int] = []
    texts: list[str] = []
    for row in store._rows(
        "select id, answers from responses where updated_at < ? order by id", [iso(cutoff)]
    ):
        ids.append(row["id"])
        texts.extend(str(v) for v in json.loads(row["answers"]).values() if v)
    if ids:
        for row in store._rows(
            "select h.answers from response_history h join responses r on r.id = h.response_id "
            "where r.updated_at < ?",
            [iso(cutoff)],
        ):
            texts.extend(str(v) for v in json.loads(row["answers"]).values() if v)
    return ids, texts


def prune_rows(store: Store, cutoff: datetime, dry_run: bool = False) -> dict[str, int]:
    """Delete responses last changed before cutoff (with all their history) and older history
    of newer responses; with dry_run only count them. Deletes in batches, each its own
    transaction, so answers arriving meanwhile wait for one batch at most."""
    old = "select id from responses where updated_at < ?"
    history = f"from response_history where response_id in ({old}) or replaced_at < ?"
    when = [iso(cutoff)]
    if dry_run:
        return {
            "responses": store._rows(f"select count(*) as n from ({old})", when)[0]["n"],
            "history": store._rows(f"select count(*) as n {history}", when * 2)[0]["n"],
        }
    deleted = {"responses": 0, "history": 0}
    for key, sql, params in (
        (
            "history",
            f"delete from response_history where id in (select id {history} limit ?)",
            when * 2,
        ),
        ("responses", f"delete from responses where id in ({old} limit ?)", when),
    ):
        while True:
            with store.atomic() as db:
                batch = db.execute(sql, [*params, PRUNE_BATCH]).rowcount
            deleted[key] += batch
            if batch < PRUNE_BATCH:
                break
    return deleted


# Erasures and readmissions are the proof that an erasure was done, and they keep an erased
# member out of syncs (Store.erased_member_ids): they outlive the audit's retention.
AUDIT_KEPT_ACTIONS = ("erase_member", "readmit_member")


def prune_audit(store: Store, cutoff: datetime) -> int:
    """Delete audit entries older than cutoff, except erasures and readmissions; return how many."""
    marks = ", ".join("?" for _ in AUDIT_KEPT_ACTIONS)
    with store.atomic() as db:
        return db.execute(
            f"delete from audit where at < ? and action not in ({marks})",
            [iso(cutoff), *AUDIT_KEPT_ACTIONS],
        ).rowcount


def backup_counts(path: str | Path) -> dict[str, int]:
    """Rows per main table in a backup file, read-only (opening it as a Store would turn it
    back into WAL mode with side files next to it)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return {
            table: conn.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("members", "rounds", "responses", "digests")
        }
    finally:
        conn.close()


# -- the pseudonym key's fingerprint ------------------------------------------------------------
# The key itself lives outside the database (bot/store/files.py); its fingerprint stays here, so
# a lost or swapped key file is noticed instead of silently starting new pseudonyms.

KEY_FINGERPRINT_NAME = "export_key_fingerprint"


def recorded_key_fingerprint(store: Store) -> str | None:
    """The fingerprint of the key this database's exports were made with, if any."""
    rows = store._rows("select value from project_secrets where name = ?", [KEY_FINGERPRINT_NAME])
    return rows[0]["value"] if rows else None


def record_key_fingerprint(store: Store, fingerprint: str, at: datetime) -> None:
    """Remember the key in force (after a first export, a move or a rotation)."""
    with store.atomic() as db:
        db.execute(
            "insert into project_secrets (name, value, created_at) values (?, ?, ?) "
            "on conflict(name) do update set value = excluded.value, created_at = excluded.created_at",
            [KEY_FINGERPRINT_NAME, fingerprint, iso(at)],
        )


def unerased_member_ids(store: Store) -> list[str]:
    """Every member not erased (active or not): those an export or the consent log can name."""
    return [
        row["id"]
        for row in store._rows("select id from members where erased_at is null order by id")
    ]


def hidden_round_ids(store: Store, member_id: str) -> list[int]:
    """The rounds a member answered whose recorded small-cell decision hides their
    municipality (the rows that carry their per-round export pseudonym)."""
    rows = store._rows(
        "select distinct r.round_id from responses r join members m on m.id = r.member_id "
        "join round_small_cells c on c.round_id = r.round_id and c.municipality = m.municipality "
        "where r.member_id = ? and c.hidden = 1 order by r.round_id",
        [member_id],
    )
    return [row["round_id"] for row in rows]


def deliveries_of(store: Store, member_id: str) -> list[dict]:
    """Every delivery to a member, any round and status (for their access request)."""
    return store._rows(
        "select round_id, status, attempts, sent_at, answered_at, skipped_at, snoozed_until, "
        "reminded_at, platform, error from deliveries where member_id = ? order by round_id",
        [member_id],
    )
