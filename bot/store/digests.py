"""Queries for digests beyond saving and deciding them (bot/store/answers.py): an edit that
changes a draft's content in place, and who edited it when.

Functions over a Store (as in bot/store/privacy.py); each is one transaction under its lock.
"""

from __future__ import annotations

import json

from bot.store.database import Store

EDITED = "digest_edited"  # the audit action of an edit (who and when; the digest keeps what)


def update_digest_content(
    store: Store, digest_id: int, content: dict, only_status: str = "draft"
) -> bool:
    """Replace a digest's content while it has `only_status`; False if it is not (someone decided
    it first, or it does not exist): the content then stays as it was."""
    with store.atomic() as db:
        cursor = db.execute(
            "update digests set content = ? where id = ? and status = ?",
            [json.dumps(content, ensure_ascii=False, default=str), digest_id, only_status],
        )
        return cursor.rowcount == 1


def digest_editors(store: Store, digest_id: int) -> list[dict]:
    """Who edited a digest and when, oldest first, as far as the audit still remembers it
    (retention prunes the audit; the digest's own edit history keeps what and when)."""
    return store._rows(
        "select at, actor from audit where action = ? and subject = ? order by id",
        [EDITED, str(digest_id)],
    )
