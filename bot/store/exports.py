"""Queries for research exports: the small-cell decision per round and the consent log.

Functions over a Store (as in bot/store/privacy.py); each is one transaction under its lock.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.timeutil import iso
from bot.store.database import Store


def round_small_cells(store: Store, round_id: int) -> dict[str, dict] | None:
    """The recorded decision for a round (municipality -> row), or None if none was recorded."""
    rows = store._rows(
        "select municipality, members, hidden, min_group_size, decided_at "
        "from round_small_cells where round_id = ?",
        [round_id],
    )
    return {row["municipality"]: row for row in rows} if rows else None


def record_round_small_cells(
    store: Store, round_id: int, members: dict[str, int], min_group_size: int, at: datetime
) -> dict[str, dict]:
    """Record the decision once (a second call keeps the first); return what is recorded."""
    with store.atomic() as db:
        for municipality, count in sorted(members.items()):
            db.execute(
                "insert or ignore into round_small_cells "
                "(round_id, municipality, members, hidden, min_group_size, decided_at) "
                "values (?, ?, ?, ?, ?, ?)",
                [
                    round_id,
                    municipality,
                    count,
                    int(count < min_group_size),
                    min_group_size,
                    iso(at),
                ],
            )
    return round_small_cells(store, round_id) or {}


def log_consent_event(
    store: Store, pseudonym: str, event: str, at: datetime, text_version: str | None = None
) -> None:
    """Add one consent change or erasure to the log (with the consent text's version, if any)."""
    with store.atomic() as db:
        db["consent_log"].insert(
            {"pseudonym": pseudonym, "event": event, "at": iso(at), "text_version": text_version}
        )


def consent_log(store: Store, since: datetime | None = None) -> list[dict]:
    """The log in time order, from `since` on (all of it without)."""
    if since is None:
        return store._rows(f"select {_LOG} from consent_log order by at, id")
    return store._rows(
        f"select {_LOG} from consent_log where at >= ? order by at, id", [iso(since)]
    )


_LOG = "pseudonym, event, at, text_version"


def consenting_answerers(store: Store, round_id: int) -> dict[str, set[str]]:
    """Per municipality, the members with research consent who answered the round."""
    rows = store._rows(
        "select m.municipality, r.member_id from responses r join members m on m.id = r.member_id "
        "where r.round_id = ? and m.research_consent = 1 and m.erased_at is null",
        [round_id],
    )
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["municipality"], set()).add(row["member_id"])
    return found


def export_rows(store: Store) -> list[dict]:
    """Every response with its round and member (for research exports; filtered by the caller),
    with the language the member reads prompts in (null: the network's)."""
    return store._rows(
        "select r.id as response_id, r.round_id, r.member_id, r.answers, r.quotable, "
        "r.created_at, r.updated_at, ro.prompt_id, ro.theme, ro.started_at, "
        "m.municipality, m.research_consent, m.language "
        "from responses r join rounds ro on ro.id = r.round_id "
        "join members m on m.id = r.member_id where m.erased_at is null "
        "order by r.round_id, r.id"
    )
