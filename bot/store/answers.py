"""Queries on answers, digests, Slack event ids and the audit trail: the half of the Store that
holds what members wrote and what was done with it. Mixed into bot.store.database.Store, whose connection,
lock and error mapping these methods use (see store.py for threading)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from bot.core.models import DigestRecord, Response
from bot.core.timeutil import iso, parse_iso, utcnow


class AnswerQueries:
    """Responses and their history, digests, project secrets, Slack event ids, audit."""

    # -- responses --------------------------------------------------------------------------

    @staticmethod
    def _response(row: dict) -> Response:
        return Response(
            id=row["id"],
            round_id=row["round_id"],
            member_id=row["member_id"],
            answers=json.loads(row["answers"]),
            quotable=bool(row["quotable"]),
            source=row["source"],
            created_at=parse_iso(row["created_at"]),
            updated_at=parse_iso(row["updated_at"]),
            edits=row["edits"] or 0,
        )

    def response(self, round_id: int, member_id: str) -> Response | None:
        rows = self._rows(
            "select * from responses where round_id = ? and member_id = ?", [round_id, member_id]
        )
        return self._response(rows[0]) if rows else None

    def responses(self, round_id: int) -> list[Response]:
        rows = self._rows("select * from responses where round_id = ? order by id", [round_id])
        return [self._response(r) for r in rows]

    def member_responses(self, member_id: str) -> list[Response]:
        rows = self._rows(
            "select * from responses where member_id = ? order by created_at desc", [member_id]
        )
        return [self._response(r) for r in rows]

    def save_response(
        self,
        *,
        round_id: int,
        member_id: str,
        answers: dict[str, str],
        quotable: bool,
        source: str,
        at: datetime,
    ) -> tuple[Response, str]:
        """Store an answer. Returns the response and what happened: 'created', 'edited' (the
        earlier text moved to response_history) or 'unchanged' (the same answer arrived again)."""
        # Plain SQL: this runs before a Slack interaction is acknowledged, and sqlite-utils'
        # table helpers scan the schema on every call.
        with self.atomic() as db:
            rows = list(
                db.query(
                    "select * from responses where round_id = ? and member_id = ?",
                    [round_id, member_id],
                )
            )
            payload = json.dumps(answers, ensure_ascii=False)
            if not rows:
                cursor = db.execute(
                    "insert into responses (round_id, member_id, answers, quotable, source, "
                    "created_at, updated_at, edits) values (?, ?, ?, ?, ?, ?, ?, 0)",
                    [round_id, member_id, payload, int(quotable), source, iso(at), iso(at)],
                )
                outcome = "created"
                response_id = cursor.lastrowid
            else:
                current = rows[0]
                response_id = current["id"]
                if current["answers"] == payload and bool(current["quotable"]) == quotable:
                    return self._response(current), "unchanged"
                db.execute(
                    "insert into response_history (response_id, answers, quotable, source, "
                    "replaced_at) values (?, ?, ?, ?, ?)",
                    [
                        response_id,
                        current["answers"],
                        current["quotable"],
                        current["source"],
                        iso(at),
                    ],
                )
                db.execute(
                    "update responses set answers = ?, quotable = ?, source = ?, updated_at = ?, "
                    "edits = ? where id = ?",
                    [
                        payload,
                        int(quotable),
                        source,
                        iso(at),
                        (current["edits"] or 0) + 1,
                        response_id,
                    ],
                )
                outcome = "edited"
            row = next(db.query("select * from responses where id = ?", [response_id]))
            return self._response(row), outcome

    def response_history(self, response_id: int) -> list[dict]:
        rows = self._rows(
            "select * from response_history where response_id = ? order by id", [response_id]
        )
        for row in rows:
            row["answers"] = json.loads(row["answers"])
        return rows

    # -- digests and events -----------------------------------------------------------------

    def save_digest(
        self, *, round_id: int | None, engine: str, status: str, content: dict, at: datetime
    ) -> DigestRecord:
        with self.atomic() as db:
            digests = db["digests"]
            digests.insert(
                {
                    "round_id": round_id,
                    "created_at": iso(at),
                    "engine": engine,
                    "status": status,
                    "content": json.dumps(content, ensure_ascii=False, default=str),
                }
            )
            row = digests.get(digests.last_pk)
        return self._digest(row)

    @staticmethod
    def _digest(row: dict) -> DigestRecord:
        return DigestRecord(
            id=row["id"],
            round_id=row["round_id"],
            created_at=parse_iso(row["created_at"]),
            engine=row["engine"],
            status=row["status"],
            content=json.loads(row["content"]),
            decided_by=row.get("decided_by"),
            decided_at=parse_iso(row.get("decided_at")),
        )

    def digest(self, digest_id: int) -> DigestRecord | None:
        rows = self._rows("select * from digests where id = ?", [digest_id])
        return self._digest(rows[0]) if rows else None

    def round_digests(self, round_id: int) -> list[DigestRecord]:
        """Every digest built for a round, oldest first."""
        rows = self._rows("select * from digests where round_id = ? order by id", [round_id])
        return [self._digest(r) for r in rows]

    def decide_digest(
        self, digest_id: int, status: str, by: str, at: datetime, only_from: str = "draft"
    ) -> bool:
        """Move a digest from `only_from` to a decided status; False if it was not in `only_from`
        (someone else decided first: two facilitators clicking at once both see one outcome)."""
        with self.atomic() as db:
            cursor = db.execute(
                "update digests set status = ?, decided_by = ?, decided_at = ? "
                "where id = ? and status = ?",
                [status, by, iso(at), digest_id, only_from],
            )
            return cursor.rowcount == 1

    def project_secret(self, name: str, make: Callable[[], str], at: datetime | None = None) -> str:
        """A per-database secret, created once with make() and the same ever after."""
        with self.atomic() as db:
            db.execute(
                "insert or ignore into project_secrets (name, value, created_at) values (?, ?, ?)",
                [name, make(), iso(at or utcnow())],
            )
            return db.execute(
                "select value from project_secrets where name = ?", [name]
            ).fetchone()[0]

    def export_rows(self) -> list[dict]:
        """Every response with its round and member (for research exports; filtered by the caller)."""
        return self._rows(
            "select r.id as response_id, r.round_id, r.member_id, r.answers, r.quotable, "
            "r.created_at, r.updated_at, ro.prompt_id, ro.theme, ro.started_at, "
            "m.municipality, m.research_consent "
            "from responses r join rounds ro on ro.id = r.round_id "
            "join members m on m.id = r.member_id order by r.round_id, r.id"
        )

    def forget_inbound_events(self, before: datetime) -> int:
        """Drop event ids older than `before` (they only guard against a platform's quick retries)."""
        with self.atomic() as db:
            cursor = db.execute("delete from inbound_events where received_at < ?", [iso(before)])
            return cursor.rowcount

    def first_sight_of_event(
        self, platform: str, event_id: str, at: datetime | None = None
    ) -> bool:
        """Record a platform's event id; False if it was seen before (a retry)."""
        with self.atomic() as db:
            cursor = db.execute(
                "insert or ignore into inbound_events (platform, event_id, received_at) "
                "values (?, ?, ?)",
                [platform, event_id, iso(at or utcnow())],
            )
            return cursor.rowcount == 1

    # -- audit ------------------------------------------------------------------------------

    def audit(
        self,
        actor: str,
        action: str,
        subject: str | None = None,
        detail: dict | None = None,
        at: datetime | None = None,
    ) -> None:
        """Record who did what (never answer text: the detail holds ids and counts only)."""
        with self.atomic() as db:
            db["audit"].insert(
                {
                    "at": iso(at or utcnow()),
                    "actor": actor,
                    "action": action,
                    "subject": subject,
                    "detail": json.dumps(detail or {}, ensure_ascii=False, default=str),
                }
            )

    def erased_member_ids(self) -> set[str]:
        """Slack ids erased (by the member or an admin) and not readmitted since. The audit keeps
        them as proof of the erasure, and member syncs and round starts leave them out."""
        erased: set[str] = set()
        for row in self._rows(
            "select action, subject from audit "
            "where action in ('erase_member', 'readmit_member') order by id"
        ):
            if row["action"] == "erase_member":
                erased.add(row["subject"])
            else:
                erased.discard(row["subject"])
        return erased

    def audit_entries(self, since: datetime | None = None) -> list[dict]:
        if since is None:
            rows = self._rows("select * from audit order by id")
        else:
            rows = self._rows("select * from audit where at >= ? order by id", [iso(since)])
        for row in rows:
            row["at"] = parse_iso(row["at"])
            row["detail"] = json.loads(row["detail"] or "{}")
        return rows
