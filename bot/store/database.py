"""Queries on flipbot's SQLite database (sqlite-utils). With migrations.py, the only module with SQL.

Threads: Bolt listeners and APScheduler jobs call in from worker threads. The Store holds one
connection for writing (opened with check_same_thread=False) and guards it with a re-entrant lock,
so each method is one unit of work and a `with store.atomic():` block makes several calls one
transaction. No method holds the lock while it talks to Slack: callers fetch, release, send, then
record. A plain read (`_rows`) outside a transaction takes a read connection of a small pool
instead (WAL lets readers run beside the writer), so eight threads opening modals do not queue
behind one another for the writer's lock (issue 16: that queue, not SQLite, was most of a click's
time to its modal). Inside `atomic()` a read uses the writer's connection and sees its own writes.
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError
from sqlite_utils.utils import dedupe_keys

from bot.core.models import (
    Delivery,
    DeliveryStatus,
    MessageRef,
    Round,
    RoundStatus,
)
from bot.core.network import Network
from bot.core.timeutil import iso, parse_iso, utcnow
from bot.store.answers import AnswerQueries
from bot.store.files import create_private, make_private
from bot.store.migrations import migrations

DELIVERY_COLUMNS = frozenset(
    {
        "status",
        "ref",
        "error",
        "attempts",
        "sent_at",
        "answered_at",
        "skipped_at",
        "snoozed_until",
        "snoozed",
        "reminded_at",
    }
)


@dataclass(frozen=True)
class DeliveryOutcome:
    """What became of one claimed delivery: 'sent' with where it landed, or 'failed' with why."""

    delivery_id: int
    status: DeliveryStatus
    attempts: int
    ref: MessageRef | None = None
    error: str | None = None
    sent_at: datetime | None = None


class StoreError(Exception):
    """The database cannot be used (locked, full, corrupted, not a database); the message says which."""


def _explain(exc: sqlite3.Error, path: str) -> StoreError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        why = "the database is locked by another process; try again in a moment"
    elif "full" in text:
        why = "the disk is full; free some space, nothing already saved is lost"
    elif "not a database" in text or "malformed" in text:
        why = "the file is not a flipbot database or is corrupted; restore it from a backup"
    elif "unable to open" in text:
        why = "the database file cannot be opened (check the path and its folder)"
    else:
        why = text
    return StoreError(f"{path}: {why}")


def message_ref(row: dict) -> MessageRef | None:
    """A stored message reference (deliveries, answer posts), or None when nothing was sent."""
    if not row.get("message_id"):
        return None
    return MessageRef(
        row["platform"] or "slack",
        row["conversation"] or "",
        row["message_id"],
        row.get("message_extra") or "",
    )


def message_ref_columns(ref: MessageRef | None) -> dict:
    if ref is None:
        return {"platform": None, "conversation": None, "message_id": None, "message_extra": None}
    return {
        "platform": ref.platform,
        "conversation": ref.conversation,
        "message_id": ref.message,
        "message_extra": ref.extra or None,
    }


def _consent(row: dict | None, file_opt_out: bool, now: datetime) -> dict:
    """A member's consent columns after a sync. Consent comes from the member alone; the network
    file can only opt a member out (research_consent: false), and does so once, when the line
    appears, so a yes the member gives afterwards stands (see bot/export/consent.py)."""
    kept = {
        "research_consent": int(row["research_consent"]) if row else 0,
        "consent_source": (row.get("consent_source") or "none") if row else "none",
        "consent_changed_at": row.get("consent_changed_at") if row else None,
        "network_opt_out": int(file_opt_out),
        "consent_log_pending": int(row.get("consent_log_pending") or 0) if row else 0,
    }
    if file_opt_out and not (row and row.get("network_opt_out")):
        kept.update(
            research_consent=0,
            consent_source="network",
            consent_changed_at=iso(now),
            consent_log_pending=int(kept["research_consent"] == 1 or kept["consent_log_pending"]),
        )
    return kept


class Store(AnswerQueries):
    """The database behind one flipbot process (see the module docstring for threading)."""

    def __init__(self, path: str | Path = ":memory:", busy_timeout: float = 10.0):
        self.path = str(path)
        self.busy_timeout = busy_timeout
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                # SQLite gives the -wal and -shm files the main file's mode: 0600 makes all three
                # readable by the bot's user only. An older, wider file is narrowed.
                try:
                    create_private(self.path)
                except OSError as exc:
                    raise sqlite3.OperationalError(f"unable to open database file ({exc})") from exc
            conn = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=busy_timeout
            )
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            # Deleted and overwritten content is zeroed, whatever SQLite was built with: an erased
            # answer must not linger in free pages.
            conn.execute("PRAGMA secure_delete = ON")
            self.db = Database(conn)
            if self.path != ":memory:":
                self.db.enable_wal()
                for side in ("-wal", "-shm"):
                    if os.path.exists(self.path + side):
                        make_private(self.path + side)
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None
        self._lock = threading.RLock()
        self._writing = threading.local()  # .depth: atomic()/migrate() blocks this thread is in
        # Idle read connections; none for ":memory:", which is one connection's own database.
        self._readers: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()  # for _all_readers: a read never waits for a writer
        self._closed = False

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction under the store's lock; nested blocks become savepoints."""
        with self._lock, self._writer():
            try:
                with self.db.atomic():
                    yield self.db
            except sqlite3.Error as exc:
                raise _explain(exc, self.path) from exc

    @contextmanager
    def _writer(self) -> Iterator[None]:
        self._writing.depth = getattr(self._writing, "depth", 0) + 1
        try:
            yield
        finally:
            self._writing.depth -= 1

    def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied (none when up to date)."""
        with self._lock, self._writer():
            try:
                pending = [m.name for m in migrations.pending(self.db)]
                migrations.apply(self.db)
            except sqlite3.Error as exc:
                raise _explain(exc, self.path) from exc
            return pending

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and truncate it to zero bytes, so text
        just erased or pruned is gone from the -wal file too (secure_delete zeroes the main file).
        A reader elsewhere (a backup under way) may keep some frames; the next call takes them."""
        if self.path == ":memory:":
            return
        with self._lock:
            try:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except sqlite3.Error as exc:
                raise _explain(exc, self.path) from exc

    def backup(self, target: str | Path) -> None:
        """Copy the database to target with SQLite's online backup: a consistent snapshot, taken
        while other connections (the running bot) keep writing. An existing target is replaced
        only once the copy is complete and checked."""
        target = Path(target)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            try:
                create_private(partial)
            except OSError as exc:
                raise sqlite3.OperationalError(f"unable to open database file ({exc})") from exc
            copy = sqlite3.connect(partial)
            try:
                if self.path == ":memory:":
                    with self._lock:
                        self.db.conn.backup(copy)
                else:
                    # A connection of its own: all pages in one step are one read snapshot, and in
                    # WAL mode a reader blocks no writer, so answers keep arriving meanwhile.
                    source = sqlite3.connect(self.path, timeout=self.busy_timeout)
                    try:
                        source.backup(copy)
                    finally:
                        source.close()
                # One self-contained file, whatever journal mode the live database uses.
                copy.execute("PRAGMA journal_mode = DELETE")
                check = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
            if check != "ok":
                raise StoreError(f"{target}: the copy failed its integrity check ({check})")
            partial.replace(target)
        except sqlite3.Error as exc:
            partial.unlink(missing_ok=True)
            raise _explain(exc, f"{self.path} -> {target}") from exc

    def close(self) -> None:
        with self._lock, self._readers_lock:
            self._closed = True
            for reader in self._all_readers:
                reader.close()
            self._all_readers.clear()
            self.db.close()

    def _rows(self, sql: str, params: Any = ()) -> list[dict]:
        reader = self._reader()
        if reader is None:
            with self._lock:
                try:
                    return list(self.db.query(sql, params))
                except sqlite3.Error as exc:
                    raise _explain(exc, self.path) from exc
        try:
            cursor = reader.execute(sql, params)
            keys = dedupe_keys(d[0] for d in cursor.description)
            return [dict(zip(keys, row, strict=True)) for row in cursor]
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from exc
        finally:
            if self._closed:
                reader.close()
            else:
                self._readers.put(reader)

    def _reader(self) -> sqlite3.Connection | None:
        """An idle read connection (a new one if none is idle), or None where a read must use the
        writer's connection: an in-memory database, or this thread is inside a transaction."""
        if self.path == ":memory:" or getattr(self._writing, "depth", 0) or self._closed:
            return None
        try:
            return self._readers.get_nowait()
        except queue.Empty:
            pass
        try:
            # Read-only: a read connection can never write, whatever SQL reaches it.
            reader = sqlite3.connect(
                f"{Path(self.path).resolve().as_uri()}?mode=ro",
                uri=True,
                check_same_thread=False,
                isolation_level=None,
                timeout=self.busy_timeout,
            )
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from exc
        with self._readers_lock:
            self._all_readers.append(reader)
        return reader

    # -- members ----------------------------------------------------------------------------

    def sync_members(self, network: Network, now: datetime | None = None) -> dict[str, int]:
        """Make the members table match the network file. Members gone from the file are
        deactivated, never deleted, so their answers stay; erased members stay out."""
        now = now or utcnow()
        # Someone erased at their request is not brought back by still being in the file.
        erased = self.erased_member_ids()
        members = [m for m in network.members if m.id not in erased]
        listed = {m.id for m in members}
        with self.atomic() as db:
            existing = {row["id"]: row for row in db["members"].rows}
            records = [
                {
                    "id": m.id,
                    "name": m.name,
                    "municipality": m.municipality,
                    "roles": json.dumps(list(m.roles)),
                    "language": m.language,
                    **_consent(existing.get(m.id), m.research_consent is False, now),
                    "active": 1,
                    "synced_at": iso(now),
                }
                for m in members
            ]
            db["members"].upsert_all(records, pk="id")
            gone = [sid for sid, row in existing.items() if sid not in listed and row["active"]]
            for member_id in gone:
                db["members"].update(member_id, {"active": 0, "synced_at": iso(now)})
        return {
            "added": len(listed - existing.keys()),
            "kept": len(listed & existing.keys()),
            "deactivated": len(gone),
            "erased": len(network.members) - len(members),
        }

    def member(self, member_id: str) -> dict | None:
        rows = self._rows("select * from members where id = ?", [member_id])
        if not rows:
            return None
        row = rows[0]
        row["roles"] = json.loads(row["roles"])
        return row

    def active_member_ids(self) -> set[str]:
        return {r["id"] for r in self._rows("select id from members where active = 1")}

    def set_paused_until(self, member_id: str, until: datetime | None) -> None:
        """Pause a member's prompts until a moment (None resumes them)."""
        with self.atomic() as db:
            db["members"].update(member_id, {"paused_until": iso(until)})

    def paused_until(self, member_id: str) -> datetime | None:
        rows = self._rows("select paused_until from members where id = ?", [member_id])
        return parse_iso(rows[0]["paused_until"]) if rows else None

    def paused_member_ids(self, now: datetime) -> set[str]:
        """Members on leave at this moment."""
        rows = self._rows(
            "select id from members where paused_until is not null and paused_until > ?",
            [iso(now)],
        )
        return {r["id"] for r in rows}

    # -- rounds -----------------------------------------------------------------------------

    @staticmethod
    def _round(row: dict) -> Round:
        return Round(
            id=row["id"],
            prompt_id=row["prompt_id"],
            theme=row["theme"],
            audience=json.loads(row["audience"]),
            started_by=row["started_by"],
            started_at=parse_iso(row["started_at"]),
            closes_at=parse_iso(row["closes_at"]),
            status=RoundStatus(row["status"]),
            closed_at=parse_iso(row["closed_at"]),
            programme_id=row["programme_id"],
            channel=row["channel"],
            remind_at=parse_iso(row.get("remind_at")),
        )

    def create_round(
        self,
        *,
        prompt_id: str,
        theme: str,
        audience: str | list[str],
        started_by: str,
        started_at: datetime,
        closes_at: datetime,
        remind_at: datetime | None,
        members: list[str],
        paused: set[str] = frozenset(),
        programme_id: str | None = None,
        channel: str | None = None,
    ) -> Round:
        """Create a round and one pending delivery per member, in one transaction."""
        with self.atomic() as db:
            table = db["rounds"]
            table.insert(
                {
                    "prompt_id": prompt_id,
                    "theme": theme,
                    "audience": json.dumps(audience),
                    "started_by": started_by,
                    "started_at": iso(started_at),
                    "closes_at": iso(closes_at),
                    "status": RoundStatus.OPEN.value,
                    "closed_at": None,
                    "programme_id": programme_id,
                    "channel": channel,
                    "remind_at": iso(remind_at),
                }
            )
            round_id = table.last_pk
            db["deliveries"].insert_all(
                (
                    {
                        "round_id": round_id,
                        "member_id": member_id,
                        "status": (
                            DeliveryStatus.PAUSED if member_id in paused else DeliveryStatus.PENDING
                        ).value,
                        "attempts": 0,
                    }
                    for member_id in members
                ),
                batch_size=500,
            )
            return self._round(table.get(round_id))

    def round(self, round_id: int) -> Round | None:
        # Plain SQL: every Slack click looks a round up, and table.get() first scans the schema.
        rows = self._rows("select * from rounds where id = ?", [round_id])
        return self._round(rows[0]) if rows else None

    def rounds(self, status: RoundStatus | None = None) -> list[Round]:
        if status is None:
            rows = self._rows("select * from rounds order by id")
        else:
            rows = self._rows("select * from rounds where status = ? order by id", [status.value])
        return [self._round(r) for r in rows]

    def set_round_status(self, round_id: int, status: RoundStatus, at: datetime | None) -> None:
        with self.atomic() as db:
            db["rounds"].update(round_id, {"status": status.value, "closed_at": iso(at)})

    def set_round_times(
        self, round_id: int, closes_at: datetime, remind_at: datetime | None
    ) -> None:
        with self.atomic() as db:
            db["rounds"].update(
                round_id, {"closes_at": iso(closes_at), "remind_at": iso(remind_at)}
            )

    # -- deliveries -------------------------------------------------------------------------

    @staticmethod
    def _delivery(row: dict) -> Delivery:
        return Delivery(
            id=row["id"],
            round_id=row["round_id"],
            member_id=row["member_id"],
            status=DeliveryStatus(row["status"]),
            ref=message_ref(row),
            error=row["error"],
            attempts=row["attempts"] or 0,
            sent_at=parse_iso(row["sent_at"]),
            answered_at=parse_iso(row["answered_at"]),
            skipped_at=parse_iso(row["skipped_at"]),
            snoozed_until=parse_iso(row.get("snoozed_until")),
            snoozed=bool(row.get("snoozed")),
            reminded_at=parse_iso(row.get("reminded_at")),
        )

    def deliveries(
        self, round_id: int, statuses: list[DeliveryStatus] | None = None
    ) -> list[Delivery]:
        sql = "select * from deliveries where round_id = ?"
        params: list[Any] = [round_id]
        if statuses:
            sql += f" and status in ({', '.join('?' for _ in statuses)})"
            params += [DeliveryStatus(s).value for s in statuses]
        return [self._delivery(r) for r in self._rows(sql + " order by id", params)]

    def delivery(self, round_id: int, member_id: str) -> Delivery | None:
        rows = self._rows(
            "select * from deliveries where round_id = ? and member_id = ?", [round_id, member_id]
        )
        return self._delivery(rows[0]) if rows else None

    def delivery_by_message(
        self, platform: str, conversation: str, message: str
    ) -> Delivery | None:
        rows = self._rows(
            "select * from deliveries where conversation = ? and message_id = ? and platform = ?",
            [conversation, message, platform],
        )
        return self._delivery(rows[0]) if rows else None

    def member_deliveries(self, member_id: str, statuses: list[DeliveryStatus]) -> list[Delivery]:
        marks = ", ".join("?" for _ in statuses)
        rows = self._rows(
            f"select d.* from deliveries d join rounds r on r.id = d.round_id "
            f"where d.member_id = ? and r.status = 'open' and d.status in ({marks}) order by d.id",
            [member_id, *[DeliveryStatus(s).value for s in statuses]],
        )
        return [self._delivery(r) for r in rows]

    def update_delivery(self, delivery_id: int, **fields: Any) -> Delivery:
        values = {
            key: (iso(value) if isinstance(value, datetime) else value)
            for key, value in fields.items()
        }
        for key, value in values.items():
            if isinstance(value, DeliveryStatus):
                values[key] = value.value
        unknown = values.keys() - DELIVERY_COLUMNS
        if unknown:
            raise ValueError(f"not a delivery column: {sorted(unknown)}")
        if "ref" in values:
            values.update(message_ref_columns(values.pop("ref")))
        # Plain SQL: a fan-out records thousands of these, and table.update() scans the schema.
        assignments = ", ".join(f"{key} = ?" for key in values)
        with self.atomic() as db:
            if values:
                db.execute(
                    f"update deliveries set {assignments} where id = ?",
                    [*values.values(), delivery_id],
                )
            rows = list(db.query("select * from deliveries where id = ?", [delivery_id]))
            if not rows:
                raise NotFoundError(f"no delivery {delivery_id}")
            return self._delivery(rows[0])

    def claim_delivery(
        self, delivery_id: int, from_statuses: list[DeliveryStatus], to: DeliveryStatus
    ) -> bool:
        """Move a delivery to a new status only if it is still in one of from_statuses.
        The compare-and-set keeps two threads (a double click, a retried event) from both acting."""
        return delivery_id in self.claim_deliveries([delivery_id], from_statuses, to)

    def claim_deliveries(
        self, delivery_ids: list[int], from_statuses: list[DeliveryStatus], to: DeliveryStatus
    ) -> set[int]:
        """claim_delivery for many deliveries in one transaction (a fan-out claims its deliveries
        a batch at a time): the ids that were still in one of from_statuses and moved to `to`."""
        if not delivery_ids:
            return set()
        marks = ", ".join("?" for _ in from_statuses)
        ids = ", ".join("?" for _ in delivery_ids)
        with self.atomic() as db:
            cursor = db.execute(
                f"update deliveries set status = ? where id in ({ids}) and status in ({marks}) "
                "returning id",
                [
                    DeliveryStatus(to).value,
                    *delivery_ids,
                    *[DeliveryStatus(s).value for s in from_statuses],
                ],
            )
            return {row[0] for row in cursor.fetchall()}

    def settle_deliveries(self, outcomes: list[DeliveryOutcome]) -> None:
        """Record what happened to deliveries a fan-out claimed ('sending'), many in one
        transaction. The status moves only from 'sending': a broker who answered (or skipped) in
        the moment between the DM arriving and this write keeps that status, and the DM's place
        is recorded either way, so the bot can still update the message."""
        rows = []
        for outcome in outcomes:
            ref = message_ref_columns(outcome.ref)
            rows.append(
                [
                    DeliveryStatus(outcome.status).value,
                    outcome.error,
                    outcome.attempts,
                    iso(outcome.sent_at),
                    ref["platform"],
                    ref["conversation"],
                    ref["message_id"],
                    ref["message_extra"],
                    outcome.delivery_id,
                ]
            )
        with self.atomic() as db:
            db.conn.executemany(
                "update deliveries set "
                "status = case when status = 'sending' then ? else status end, "
                "error = ?, attempts = ?, sent_at = coalesce(?, sent_at), "
                "platform = coalesce(?, platform), "
                "conversation = coalesce(?, conversation), "
                "message_id = coalesce(?, message_id), "
                "message_extra = coalesce(?, message_extra) "
                "where id = ?",
                rows,
            )

    def participation_rows(self, round_id: int) -> list[dict]:
        """Delivery counts per municipality and status for one round."""
        return self._rows(
            "select m.municipality as municipality, d.status as status, count(*) as n "
            "from deliveries d join members m on m.id = d.member_id "
            "where d.round_id = ? group by m.municipality, d.status",
            [round_id],
        )
