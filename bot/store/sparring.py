"""Queries of kollegial sparring: cases, their states, who answered and how they are shown.

Works over a Store and shares its connection and lock (see database.py for threading), so a
case and the round it starts can be written in one `with store.atomic():` transaction. The case
text is stored (already redacted) and never written to the audit or the events table.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.models import SPARRING_PREFIX, CaseStatus, MessageRef, SparringCase
from bot.core.timeutil import iso, parse_iso
from bot.store.database import Store, message_ref, message_ref_columns

CASE_COLUMNS = frozenset(
    {
        "title",
        "situation",
        "questions",
        "audience",
        "show_name",
        "share_digest",
        "theme",
        "deadline_days",
        "round_id",
        "reason",
        "decided_by",
        "library_owner",
        "library_facilitator",
        "library_prompt_id",
    }
)


def _case(row: dict) -> SparringCase:
    return SparringCase(
        id=row["id"],
        owner_id=row["owner_id"],
        municipality=row["municipality"],
        title=row["title"],
        situation=row["situation"],
        questions=json.loads(row["questions"]),
        audience=json.loads(row["audience"]),
        show_name=bool(row["show_name"]),
        share_digest=bool(row["share_digest"]),
        theme=row["theme"],
        deadline_days=row["deadline_days"],
        status=CaseStatus(row["status"]),
        created_at=parse_iso(row["created_at"]),
        updated_at=parse_iso(row["updated_at"]),
        round_id=row["round_id"],
        reason=row["reason"],
        decided_by=row["decided_by"],
        owner_ref=message_ref(row),
        library_owner=bool(row["library_owner"]),
        library_facilitator=row["library_facilitator"],
        library_prompt_id=row["library_prompt_id"],
    )


def _column(name: str, value: Any) -> Any:
    if name in ("questions", "audience"):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


class SparringStore:
    """The sparring tables, on the same database (and transaction) as the rest of the store."""

    def __init__(self, store: Store):
        self.store = store

    # -- cases ------------------------------------------------------------------------------

    def create_case(
        self,
        *,
        owner_id: str,
        municipality: str,
        title: str,
        situation: str,
        questions: list[str],
        audience: str | list[str],
        show_name: bool,
        share_digest: bool,
        theme: str,
        deadline_days: int,
        at: datetime,
    ) -> SparringCase:
        """Record a case in draft (its owner has not confirmed it yet)."""
        with self.store.atomic() as db:
            table = db["sparring_cases"]
            table.insert(
                {
                    "owner_id": owner_id,
                    "municipality": municipality,
                    "title": title,
                    "situation": situation,
                    "questions": _column("questions", questions),
                    "audience": _column("audience", audience),
                    "show_name": int(show_name),
                    "share_digest": int(share_digest),
                    "theme": theme,
                    "deadline_days": deadline_days,
                    "status": CaseStatus.DRAFT.value,
                    "created_at": iso(at),
                    "updated_at": iso(at),
                    "library_owner": 0,
                }
            )
            case_id = table.last_pk
            self._event(db, case_id, owner_id, "shared", CaseStatus.DRAFT, at)
            return self.case(case_id)  # type: ignore[return-value]

    def case(self, case_id: int) -> SparringCase | None:
        rows = self.store._rows("select * from sparring_cases where id = ?", [case_id])
        return _case(rows[0]) if rows else None

    def case_of_round(self, round_id: int) -> SparringCase | None:
        rows = self.store._rows("select * from sparring_cases where round_id = ?", [round_id])
        return _case(rows[0]) if rows else None

    def case_of_prompt(self, prompt_id: str) -> SparringCase | None:
        """The case behind a round's prompt id (sparring-<case id>), or None."""
        number = prompt_id.removeprefix(SPARRING_PREFIX)
        if not prompt_id.startswith(SPARRING_PREFIX) or not number.isdigit():
            return None
        return self.case(int(number))

    def cases(self, statuses: list[CaseStatus] | None = None) -> list[SparringCase]:
        """Cases in these states (all when None), oldest first."""
        if statuses is None:
            rows = self.store._rows("select * from sparring_cases order by id")
        else:
            marks = ", ".join("?" for _ in statuses)
            rows = self.store._rows(
                f"select * from sparring_cases where status in ({marks}) order by id",
                [s.value for s in statuses],
            )
        return [_case(r) for r in rows]

    def owner_cases(self, owner_id: str) -> list[SparringCase]:
        rows = self.store._rows(
            "select * from sparring_cases where owner_id = ? and status != ? order by id",
            [owner_id, CaseStatus.ERASED.value],
        )
        return [_case(r) for r in rows]

    def update_case(self, case_id: int, at: datetime, **fields: Any) -> SparringCase:
        """Change a case's fields (not its state: see move)."""
        unknown = set(fields) - CASE_COLUMNS
        if unknown:
            raise ValueError(f"not a case column: {sorted(unknown)}")
        values = {name: _column(name, value) for name, value in fields.items()}
        values["updated_at"] = iso(at)
        with self.store.atomic() as db:
            db["sparring_cases"].update(case_id, values)
        return self.case(case_id)  # type: ignore[return-value]

    def move(
        self,
        case_id: int,
        from_states: list[CaseStatus],
        to: CaseStatus,
        actor: str,
        event: str,
        at: datetime,
        **fields: Any,
    ) -> SparringCase | None:
        """Move a case to a new state if it is in one of from_states (None when it was not:
        someone else decided first), with other fields changed in the same transaction."""
        unknown = set(fields) - CASE_COLUMNS
        if unknown:
            raise ValueError(f"not a case column: {sorted(unknown)}")
        sets = ["status = ?", "updated_at = ?"] + [f"{name} = ?" for name in fields]
        params = [to.value, iso(at)] + [_column(n, v) for n, v in fields.items()]
        marks = ", ".join("?" for _ in from_states)
        with self.store.atomic() as db:
            cursor = db.execute(
                f"update sparring_cases set {', '.join(sets)} where id = ? and status in ({marks})",
                [*params, case_id, *[s.value for s in from_states]],
            )
            if cursor.rowcount != 1:
                return None
            self._event(db, case_id, actor, event, to, at)
        return self.case(case_id)

    def set_owner_ref(self, case_id: int, ref: MessageRef) -> None:
        """Where the case's thread in the owner's chat is (answers arrive under it)."""
        with self.store.atomic() as db:
            db["sparring_cases"].update(case_id, message_ref_columns(ref))

    def events(self, case_id: int) -> list[dict]:
        rows = self.store._rows(
            "select at, actor, event, status from sparring_events where case_id = ? order by id",
            [case_id],
        )
        return [{**r, "at": parse_iso(r["at"])} for r in rows]

    @staticmethod
    def _event(db, case_id: int, actor: str, event: str, status: CaseStatus, at: datetime) -> None:
        db["sparring_events"].insert(
            {"case_id": case_id, "at": iso(at), "actor": actor, "event": event, "status": status}
        )

    # -- answers ----------------------------------------------------------------------------

    def set_show_name(self, case_id: int, member_id: str, show_name: bool) -> None:
        """How an answerer wants to be shown to the case's owner (name, or municipality only)."""
        with self.store.atomic() as db:
            db.execute(
                "insert into sparring_answers (case_id, member_id, show_name) values (?, ?, ?) "
                "on conflict (case_id, member_id) do update set show_name = excluded.show_name",
                [case_id, member_id, int(show_name)],
            )

    def shows_name(self, case_id: int, member_id: str) -> bool:
        rows = self.store._rows(
            "select show_name from sparring_answers where case_id = ? and member_id = ?",
            [case_id, member_id],
        )
        return bool(rows and rows[0]["show_name"])

    def mark_forwarded(self, case_id: int, member_id: str, at: datetime) -> None:
        with self.store.atomic() as db:
            db.execute(
                "insert into sparring_answers (case_id, member_id, show_name, forwarded_at) "
                "values (?, ?, 0, ?) on conflict (case_id, member_id) "
                "do update set forwarded_at = excluded.forwarded_at",
                [case_id, member_id, iso(at)],
            )

    def thank(self, case_id: int, member_id: str, at: datetime) -> bool:
        """Record the owner's thanks for one answer; False when it was thanked before."""
        with self.store.atomic() as db:
            cursor = db.execute(
                "update sparring_answers set thanked_at = ? "
                "where case_id = ? and member_id = ? and thanked_at is null",
                [iso(at), case_id, member_id],
            )
            return cursor.rowcount == 1

    # -- erasure ----------------------------------------------------------------------------

    def erase_member(self, member_id: str, pseudonym: str, at: datetime) -> dict[str, int]:
        """An erased member's cases lose their text and the answers given to them (the answers
        were about the owner's situation), their answer choices go, and where they decided a
        case the pseudonym stands in. Returns counts; called before the member rows change."""
        with self.store.atomic() as db:
            owned = list(
                db.query(
                    "select id, round_id from sparring_cases where owner_id = ? and status != ?",
                    [member_id, CaseStatus.ERASED.value],
                )
            )
            answers = 0
            for row in owned:
                if row["round_id"] is not None:
                    ids = [
                        r["id"]
                        for r in db.query(
                            "select id from responses where round_id = ?", [row["round_id"]]
                        )
                    ]
                    marks = ", ".join("?" for _ in ids)
                    if ids:
                        db.execute(
                            f"delete from response_history where response_id in ({marks})", ids
                        )
                        answers += db.execute(
                            f"delete from responses where id in ({marks})", ids
                        ).rowcount
                    db.execute("delete from digests where round_id = ?", [row["round_id"]])
                    db.execute("delete from answer_posts where round_id = ?", [row["round_id"]])
                db.execute("delete from sparring_answers where case_id = ?", [row["id"]])
                db.execute(
                    "update sparring_cases set owner_id = ?, title = '', situation = '', "
                    "questions = '[]', reason = null, status = ?, updated_at = ?, "
                    "platform = null, conversation = null, message_id = null, "
                    "message_extra = null where id = ?",
                    [pseudonym, CaseStatus.ERASED.value, iso(at), row["id"]],
                )
                self._event(db, row["id"], pseudonym, "erased", CaseStatus.ERASED, at)
            choices = db.execute(
                "delete from sparring_answers where member_id = ?", [member_id]
            ).rowcount
            db.execute(
                "update sparring_cases set decided_by = ? where decided_by = ?",
                [pseudonym, member_id],
            )
            db.execute(
                "update sparring_cases set library_facilitator = ? where library_facilitator = ?",
                [pseudonym, member_id],
            )
            db.execute(
                "update sparring_events set actor = ? where actor = ?", [pseudonym, member_id]
            )
            return {"cases": len(owned), "case_answers": answers, "answer_choices": choices}

    def prune_cases(self, cutoff: datetime) -> int:
        """Retention: the text of cases that ended (closed, rejected, withdrawn, or a draft never
        sent) before cutoff goes, as old answers do; the rows keep their states. Returns how many."""
        ended = [CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN, CaseStatus.DRAFT]
        marks = ", ".join("?" for _ in ended)
        with self.store.atomic() as db:
            ids = [
                r["id"]
                for r in db.query(
                    f"select id from sparring_cases where status in ({marks}) and updated_at < ?",
                    [*[s.value for s in ended], iso(cutoff)],
                )
            ]
            for case_id in ids:
                db.execute(
                    "update sparring_cases set title = '', situation = '', questions = '[]', "
                    "reason = null, status = ? where id = ?",
                    [CaseStatus.ERASED.value, case_id],
                )
                self._event(db, case_id, "retention", "pruned", CaseStatus.ERASED, cutoff)
            return len(ids)
