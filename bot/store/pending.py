"""Queries for answers waiting for the broker's choice (Fjern / Behold) before they are stored.

One pending answer per member and round: a newer answer replaces the one waiting. Rows hold
answer text, so erasure deletes a member's rows and retention deletes expired ones.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.core.timeutil import iso, parse_iso
from bot.store.database import Store


def _decoded(row: dict) -> dict:
    row = dict(row)
    for key in ("answers", "flags", "redacted"):
        row[key] = json.loads(row[key] or "{}")
    row["quotable"] = bool(row["quotable"])
    row["created_at"] = parse_iso(row["created_at"])
    row["expires_at"] = parse_iso(row["expires_at"])
    return row


def save_pending(store: Store, row: dict) -> None:
    """Keep a pending answer, replacing the one this member has waiting in the same round."""
    encoded = {
        **row,
        "answers": json.dumps(row["answers"], ensure_ascii=False),
        "flags": json.dumps(row["flags"], ensure_ascii=False),
        "redacted": json.dumps(row.get("redacted") or {}),
        "quotable": int(row["quotable"]),
        "created_at": iso(row["created_at"]),
        "expires_at": iso(row["expires_at"]),
    }
    with store.atomic() as db:
        db.execute(
            "delete from pending_answers where round_id = ? and member_id = ?",
            [row["round_id"], row["member_id"]],
        )
        db["pending_answers"].insert(encoded)


def pending(store: Store, pending_id: str) -> dict | None:
    rows = store._rows("select * from pending_answers where id = ?", [pending_id])
    return _decoded(rows[0]) if rows else None


def pending_of(store: Store, round_id: int, member_id: str) -> dict | None:
    """The answer this member has waiting in a round, if any."""
    rows = store._rows(
        "select * from pending_answers where round_id = ? and member_id = ?", [round_id, member_id]
    )
    return _decoded(rows[0]) if rows else None


def take_pending(store: Store, pending_id: str) -> dict | None:
    """Remove a pending answer and return it (None if it is gone: chosen, replaced or expired)."""
    with store.atomic() as db:
        rows = list(db.query("select * from pending_answers where id = ?", [pending_id]))
        if not rows:
            return None
        db.execute("delete from pending_answers where id = ?", [pending_id])
        return _decoded(rows[0])


def expired_pending(store: Store, now: datetime, round_id: int | None = None) -> list[dict]:
    """Pending answers whose time is up (or every one of a round, when round_id is given)."""
    if round_id is not None:
        rows = store._rows(
            "select * from pending_answers where round_id = ? order by created_at", [round_id]
        )
    else:
        rows = store._rows(
            "select * from pending_answers where expires_at <= ? order by created_at", [iso(now)]
        )
    return [_decoded(row) for row in rows]


def delete_member_pending(store: Store, member_id: str) -> int:
    """Erasure: every answer this member has waiting goes."""
    with store.atomic() as db:
        return db.execute("delete from pending_answers where member_id = ?", [member_id]).rowcount


def prune_pending(store: Store, cutoff: datetime) -> int:
    """Retention: pending answers that expired before cutoff go (they were never stored)."""
    with store.atomic() as db:
        return db.execute(
            "delete from pending_answers where expires_at < ?", [iso(cutoff)]
        ).rowcount
