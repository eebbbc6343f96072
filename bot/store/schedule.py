"""Queries of the scheduler: programme slot records, the one-scheduler lock, programme prompt use.

Works over a Store and shares its connection and lock (see store.py for threading), so a slot
record and the round it starts can be written in one `with store.atomic():` transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.models import DeliveryStatus, Round, RoundStatus
from bot.core.timeutil import iso, parse_iso
from bot.store.database import Store

LOCK_NAME = "scheduler"


@dataclass(frozen=True)
class SlotRecord:
    programme_id: str
    slot: str
    due_at: datetime
    status: str
    round_id: int | None
    recorded_at: datetime
    error: str | None


@dataclass(frozen=True)
class LockHolder:
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime


class ScheduleStore:
    """The scheduler's tables, on the same database (and transaction) as the rest of the store."""

    def __init__(self, store: Store):
        self.store = store

    # -- programme slots --------------------------------------------------------------------

    def claim_slot(self, programme_id: str, slot: str, due_at: datetime, at: datetime) -> bool:
        """Record a slot as being run; False if it was recorded before (by us or a restart)."""
        with self.store.atomic() as db:
            cursor = db.execute(
                "insert or ignore into programme_slots "
                "(programme_id, slot, due_at, status, recorded_at) values (?, ?, ?, 'started', ?)",
                [programme_id, slot, iso(due_at), iso(at)],
            )
            return cursor.rowcount == 1

    def finish_slot(
        self,
        programme_id: str,
        slot: str,
        *,
        status: str,
        round_id: int | None = None,
        error: str | None = None,
    ) -> None:
        with self.store.atomic() as db:
            db.execute(
                "update programme_slots set status = ?, round_id = ?, error = ? "
                "where programme_id = ? and slot = ?",
                [status, round_id, error, programme_id, slot],
            )

    def slot(self, programme_id: str, slot: str) -> SlotRecord | None:
        rows = self._rows(
            "select * from programme_slots where programme_id = ? and slot = ?",
            [programme_id, slot],
        )
        return self._slot(rows[0]) if rows else None

    def slots(self, programme_id: str | None = None) -> list[SlotRecord]:
        if programme_id is None:
            rows = self._rows("select * from programme_slots order by due_at, id")
        else:
            rows = self._rows(
                "select * from programme_slots where programme_id = ? order by due_at, id",
                [programme_id],
            )
        return [self._slot(r) for r in rows]

    def last_slot_due(self, programme_id: str) -> datetime | None:
        """When the latest recorded slot of a programme fell due."""
        rows = self._rows(
            "select max(due_at) as last from programme_slots where programme_id = ?",
            [programme_id],
        )
        return parse_iso(rows[0]["last"]) if rows else None

    def programme_prompt_use(self, programme_id: str) -> dict[str, datetime]:
        """When each prompt was last started by this programme."""
        rows = self._rows(
            "select prompt_id, max(started_at) as last from rounds where programme_id = ? "
            "group by prompt_id",
            [programme_id],
        )
        return {r["prompt_id"]: parse_iso(r["last"]) for r in rows}

    @staticmethod
    def _slot(row: dict) -> SlotRecord:
        return SlotRecord(
            programme_id=row["programme_id"],
            slot=row["slot"],
            due_at=parse_iso(row["due_at"]),
            status=row["status"],
            round_id=row["round_id"],
            recorded_at=parse_iso(row["recorded_at"]),
            error=row["error"],
        )

    # -- rounds and deliveries the sweep looks at ------------------------------------------

    def rounds_due_to_close(self, now: datetime) -> list[Round]:
        return [r for r in self.store.rounds(RoundStatus.OPEN) if r.closes_at <= now]

    def rounds_with_deliveries(self, status: DeliveryStatus) -> list[int]:
        """Open rounds that have at least one delivery in this status."""
        rows = self._rows(
            "select distinct d.round_id as round_id from deliveries d "
            "join rounds r on r.id = d.round_id "
            "where r.status = 'open' and d.status = ? order by d.round_id",
            [DeliveryStatus(status).value],
        )
        return [r["round_id"] for r in rows]

    def rounds_with_retryable_failures(self, max_attempts: int) -> list[int]:
        """Open rounds with a failed delivery that has been tried fewer than max_attempts times."""
        rows = self._rows(
            "select distinct d.round_id as round_id from deliveries d "
            "join rounds r on r.id = d.round_id "
            "where r.status = 'open' and d.status = 'failed' and d.attempts < ? "
            "order by d.round_id",
            [max_attempts],
        )
        return [r["round_id"] for r in rows]

    def count_deliveries(self, round_id: int, status: DeliveryStatus) -> int:
        rows = self._rows(
            "select count(*) as n from deliveries where round_id = ? and status = ?",
            [round_id, DeliveryStatus(status).value],
        )
        return rows[0]["n"]

    # -- the one-scheduler lock -------------------------------------------------------------

    def acquire_lock(self, holder: str, now: datetime, stale_before: datetime) -> bool:
        """Take the scheduler lock if it is free, ours, or its holder's heartbeat is older than
        stale_before. One statement, so two processes racing cannot both win."""
        with self.store.atomic() as db:
            cursor = db.execute(
                "insert into scheduler_lock (name, holder, acquired_at, heartbeat_at) "
                "values (?, ?, ?, ?) on conflict(name) do update set "
                "holder = excluded.holder, acquired_at = excluded.acquired_at, "
                "heartbeat_at = excluded.heartbeat_at "
                "where scheduler_lock.holder = excluded.holder "
                "or scheduler_lock.heartbeat_at < ?",
                [LOCK_NAME, holder, iso(now), iso(now), iso(stale_before)],
            )
            return cursor.rowcount == 1

    def beat(self, holder: str, now: datetime) -> bool:
        """Renew the lock's heartbeat; False if another process has taken the lock over."""
        with self.store.atomic() as db:
            cursor = db.execute(
                "update scheduler_lock set heartbeat_at = ? where name = ? and holder = ?",
                [iso(now), LOCK_NAME, holder],
            )
            return cursor.rowcount == 1

    def release_lock(self, holder: str) -> None:
        with self.store.atomic() as db:
            db.execute(
                "delete from scheduler_lock where name = ? and holder = ?", [LOCK_NAME, holder]
            )

    def lock_holder(self) -> LockHolder | None:
        rows = self._rows("select * from scheduler_lock where name = ?", [LOCK_NAME])
        if not rows:
            return None
        row = rows[0]
        return LockHolder(
            row["holder"], parse_iso(row["acquired_at"]), parse_iso(row["heartbeat_at"])
        )

    def _rows(self, sql: str, params: list) -> list[dict]:
        return self.store._rows(sql, params)
