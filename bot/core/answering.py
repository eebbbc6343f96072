"""What a member does with a prompt they were sent: answer it (in the modal or in its thread),
edit a thread reply, skip it, snooze it. Mixed into bot.core.rounds.RoundService, whose store, network,
messenger, clock, get_round and prompt_of these methods use. No chat platform in here.

User-facing failures are raised as RoundError with a catalogue key, so every surface (Slack,
CLI, demo) words them in the member's language.

Asking before storing (issue 15): with ask_first=True an answer in which bot.privacy.flag finds a
likely name, health word or age + place (that the member's stored answer does not already hold)
is not stored: it waits in pending_answers and FlagsFound is raised, so the surface can ask
"Fjern" (the default) or "Behold"; resolve_pending stores it either way. A pending answer that
nobody decides on is stored with the flagged pieces removed when its time is up or its round
closes (settle_pending_answers).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from bot.core.messenger import Messenger
from bot.core.models import Delivery, DeliveryStatus, Prompt, Response, Round
from bot.core.network import Network
from bot.core.timeutil import next_working_morning
from bot.privacy.flag import Flag, flag_answers, remove_flagged
from bot.privacy.redact import Redaction, merge_counts, redact, redact_answers
from bot.store import pending as pending_store
from bot.store.database import Store

MAX_ANSWER_CHARS = 3000
SNOOZE_AT = time(8, 30)
# How long an answer waits for Fjern / Behold before the default (Fjern) is applied.
PENDING_FOR = timedelta(hours=24)


class RoundError(Exception):
    """Something a member asked for cannot be done; `key` names the catalogue text."""

    def __init__(self, key: str, **params: object):
        self.key = key
        self.params = params
        super().__init__(f"{key} {params}" if params else key)


@dataclass(frozen=True)
class AnswerResult:
    round: Round
    response: Response
    outcome: Literal["created", "edited", "unchanged"]
    # Personal data taken out before storing, per kind (bot.privacy.redact.redaction_notice words it).
    redacted: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class PendingAnswer:
    """An answer waiting for the member's choice: its text (already redacted) and what was flagged."""

    id: str
    round_id: int
    member_id: str
    answers: dict[str, str]
    flags: dict[str, list[Flag]]
    quotable: bool
    source: str
    redacted: dict[str, int]
    created_at: datetime
    expires_at: datetime

    @property
    def flagged(self) -> list[str]:
        """The flagged pieces of text, each once, in the order they appear."""
        seen: dict[str, None] = {}
        for flags in self.flags.values():
            for flag in flags:
                seen.setdefault(flag.text, None)
        return list(seen)

    @property
    def kinds(self) -> dict[str, int]:
        """How many pieces of each flag kind."""
        counts: dict[str, int] = {}
        for flags in self.flags.values():
            for flag in flags:
                counts[flag.kind] = counts.get(flag.kind, 0) + 1
        return counts

    def removed(self) -> dict[str, str]:
        """The answers with every flagged piece replaced by its placeholder (Fjern)."""
        return {q: remove_flagged(text, self.flags.get(q, ())) for q, text in self.answers.items()}

    @classmethod
    def from_row(cls, row: dict) -> PendingAnswer:
        return cls(
            id=row["id"],
            round_id=row["round_id"],
            member_id=row["member_id"],
            answers=row["answers"],
            flags={q: [Flag(*f) for f in flags] for q, flags in row["flags"].items()},
            quotable=row["quotable"],
            source=row["source"],
            redacted=row["redacted"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
        )


class FlagsFound(Exception):
    """The answer seems to name a citizen (or hold health data): it waits for the member's choice."""

    def __init__(self, pending: PendingAnswer):
        self.pending = pending
        super().__init__(f"pending answer {pending.id}: {pending.kinds}")


class Answering:
    """A member's answers, skips and snoozes (the RoundService provides what is declared here)."""

    store: Store
    network: Network
    messenger: Messenger
    clock: Callable[[], datetime]
    get_round: Callable[[int], Round]
    prompt_of: Callable[[Round], Prompt]

    # -- answers ----------------------------------------------------------------------------

    def _open_delivery(self, round_id: int, member_id: str) -> tuple[Round, Delivery]:
        round = self.get_round(round_id)
        delivery = self.store.delivery(round_id, member_id)
        if delivery is None:
            raise RoundError("not_in_round", round_id=round_id)
        if not round.is_open:
            raise RoundError("round_closed", round_id=round_id)
        return round, delivery

    def check_answers(self, prompt: Prompt, answers: dict[str, str]) -> dict[str, str]:
        """Clean answers: known question ids only, stripped, within the length limit, at least one.
        Raises RoundError naming the question that is wrong."""
        known = {q.id for q in prompt.questions}
        cleaned: dict[str, str] = {}
        for question_id, text in answers.items():
            if question_id not in known:
                raise RoundError("unknown_question", question=question_id)
            text = (text or "").strip()
            if len(text) > MAX_ANSWER_CHARS:
                raise RoundError(
                    "answer_too_long",
                    question=question_id,
                    limit=MAX_ANSWER_CHARS,
                    length=len(text),
                )
            if text:
                cleaned[question_id] = text
        if not cleaned:
            raise RoundError("answer_empty")
        return {q.id: cleaned[q.id] for q in prompt.questions if q.id in cleaned}

    def record_answer(
        self,
        round_id: int,
        member_id: str,
        answers: dict[str, str],
        *,
        quotable: bool = True,
        source: str = "modal",
        ask_first: bool = False,
    ) -> AnswerResult:
        """Store a member's answer (stored once however often it arrives; a different one is an
        edit with the earlier text kept in the history). Sends nothing: see confirm_answer.
        With ask_first, an answer with flagged pieces is kept pending and FlagsFound raised."""
        return self._record(round_id, member_id, answers, quotable, source, ask_first, {})

    def _record(
        self,
        round_id: int,
        member_id: str,
        answers: dict[str, str],
        quotable: bool,
        source: str,
        ask_first: bool,
        also_redacted: dict[str, int],
    ) -> AnswerResult:
        round, delivery = self._open_delivery(round_id, member_id)
        cleaned, redacted = redact_answers(self.check_answers(self.prompt_of(round), answers))
        redacted = merge_counts(redacted, also_redacted)
        if ask_first:
            flags = self._new_flags(round_id, member_id, cleaned)
            if flags:
                raise FlagsFound(
                    self._keep_pending(round, member_id, cleaned, flags, quotable, source, redacted)
                )
        now = self.clock()
        response, outcome = self.store.save_response(
            round_id=round_id,
            member_id=member_id,
            answers=cleaned,
            quotable=quotable,
            source=source,
            at=now,
        )
        if delivery.status != DeliveryStatus.ANSWERED:
            self.store.update_delivery(delivery.id, status=DeliveryStatus.ANSWERED, answered_at=now)
        return AnswerResult(round, response, outcome, redacted)  # type: ignore[arg-type]

    def _new_flags(
        self, round_id: int, member_id: str, answers: dict[str, str]
    ) -> dict[str, list[Flag]]:
        """What bot.privacy.flag finds in the answers, minus what the stored answer already holds
        (the member chose Behold for it before, or it is an earlier part of the same answer)."""
        names = [member.name for member in self.network.members]
        flagged = flag_answers(answers, names)
        current = self.store.response(round_id, member_id)
        stored = "\n".join(current.answers.values()) if current else ""
        fresh = {q: [f for f in flags if f.text not in stored] for q, flags in flagged.items()}
        return {q: flags for q, flags in fresh.items() if flags}

    def _keep_pending(
        self,
        round: Round,
        member_id: str,
        answers: dict[str, str],
        flags: dict[str, list[Flag]],
        quotable: bool,
        source: str,
        redacted: dict[str, int],
    ) -> PendingAnswer:
        now = self.clock()
        pending = PendingAnswer(
            id=secrets.token_urlsafe(12),
            round_id=round.id,
            member_id=member_id,
            answers=answers,
            flags=flags,
            quotable=quotable,
            source=source,
            redacted=redacted,
            created_at=now,
            expires_at=min(now + PENDING_FOR, round.closes_at),
        )
        row = dataclasses.asdict(pending)
        row["flags"] = {
            q: [[f.start, f.end, f.kind, f.text] for f in fl] for q, fl in flags.items()
        }
        pending_store.save_pending(self.store, row)
        return pending

    def pending_answer(self, pending_id: str, member_id: str) -> PendingAnswer | None:
        """The member's answer waiting under pending_id, or None (chosen, replaced, expired)."""
        row = pending_store.pending(self.store, pending_id)
        if row is None or row["member_id"] != member_id:
            return None
        return PendingAnswer.from_row(row)

    def resolve_pending(self, pending_id: str, member_id: str, *, remove: bool) -> AnswerResult:
        """The member chose Fjern (remove=True: placeholders for the flagged pieces) or Behold
        (stored as typed); either way the answer is stored and the choice audited, without text."""
        row = pending_store.pending(self.store, pending_id)
        if row is None or row["member_id"] != member_id:
            raise RoundError("pending_gone")
        # Taken in one transaction: of two clicks at once, only one stores the answer.
        if pending_store.take_pending(self.store, pending_id) is None:
            raise RoundError("pending_gone")
        return self._store_pending(PendingAnswer.from_row(row), remove, member_id)

    def _store_pending(self, pending: PendingAnswer, remove: bool, actor: str) -> AnswerResult:
        answers = pending.removed() if remove else pending.answers
        result = self._record(
            pending.round_id,
            pending.member_id,
            answers,
            pending.quotable,
            pending.source,
            False,
            pending.redacted,
        )
        self.store.audit(
            actor,
            "flags_removed" if remove else "flags_kept",
            pending.member_id,
            {"round_id": pending.round_id, "kinds": pending.kinds},
            at=self.clock(),
        )
        return result

    def settle_pending_answers(self, round_id: int | None = None) -> int:
        """Store every pending answer whose time is up (or every one of round_id, which is about
        to close) with the flagged pieces removed, the default; return how many were stored."""
        stored = 0
        for row in pending_store.expired_pending(self.store, self.clock(), round_id):
            if pending_store.take_pending(self.store, row["id"]) is None:
                continue  # chosen meanwhile
            try:
                self._store_pending(PendingAnswer.from_row(row), True, "system")
                stored += 1
            except RoundError:
                continue  # the round closed or the member left it: nothing to store it in
        return stored

    def add_to_answer(
        self,
        round_id: int,
        member_id: str,
        text: str,
        *,
        source: str = "thread",
        ask_first: bool = False,
    ) -> AnswerResult:
        """A reply in the prompt's thread: becomes the answer to the first question, or is added
        to the answer already given."""
        round, _ = self._open_delivery(round_id, member_id)
        prompt = self.prompt_of(round)
        # Redacted before it is compared with the stored (redacted) text, so a repeat is seen.
        redaction = redact((text or "").strip())
        text = redaction.text
        if not text:
            raise RoundError("answer_empty")
        current = self.store.response(round_id, member_id)
        answers = dict(current.answers) if current else {}
        first = prompt.questions[0].id
        earlier = answers.get(first, "")
        if earlier.endswith(text):
            answers[first] = earlier
        else:
            answers[first] = f"{earlier}\n\n{text}" if earlier else text
        return self._record_thread_text(
            round_id, member_id, answers, current, redaction, source, ask_first
        )

    def edit_reply(
        self, round_id: int, member_id: str, before: str, after: str, *, source: str = "thread"
    ) -> AnswerResult:
        """The member edited a reply they wrote in the prompt's thread: the stored answer changes
        with it (the earlier version goes to the history, as for any edit)."""
        round, _ = self._open_delivery(round_id, member_id)
        first = self.prompt_of(round).questions[0].id
        # Both redacted, as the stored text was, so the old reply is found in it.
        old = redact((before or "").strip()).text
        redaction = redact((after or "").strip())
        current = self.store.response(round_id, member_id)
        answers = dict(current.answers) if current else {}
        stored = answers.get(first, "")
        if not old or old not in stored:
            # Rewritten in the modal since (or never stored): the member's newer words win.
            raise RoundError("reply_not_found")
        parts = stored.replace(old, redaction.text, 1).split("\n\n")
        answers[first] = "\n\n".join(part for part in parts if part.strip())
        return self._record_thread_text(round_id, member_id, answers, current, redaction, source)

    def _record_thread_text(
        self,
        round_id: int,
        member_id: str,
        answers: dict[str, str],
        current: Response | None,
        redaction: Redaction,
        source: str,
        ask_first: bool = False,
    ) -> AnswerResult:
        """Store answers changed by thread text; what was taken out of that text is counted too."""
        quotable = current.quotable if current else True
        return self._record(
            round_id, member_id, answers, quotable, source, ask_first, redaction.removed
        )

    def confirm_answer(self, result: AnswerResult) -> None:
        """Show the stored answer in chat (the prompt message turns 'answered')."""
        self._update_message(result.round, result.response.member_id, "answered")

    def _update_message(self, round: Round, member_id: str, state: str) -> None:
        delivery = self.store.delivery(round.id, member_id)
        member = self.network.member(member_id)
        if delivery is None or member is None or delivery.ref is None:
            return
        self.messenger.update_prompt(
            member,
            round,
            self.prompt_of(round),
            delivery.ref,
            state,
        )

    def skip(self, round_id: int, member_id: str) -> Delivery:
        """The member passes on this prompt; they get no reminder. Answering later still works."""
        round, delivery = self._open_delivery(round_id, member_id)
        if delivery.status == DeliveryStatus.ANSWERED:
            raise RoundError("already_answered")
        if delivery.status == DeliveryStatus.SKIPPED:
            return delivery
        return self.store.update_delivery(
            delivery.id, status=DeliveryStatus.SKIPPED, skipped_at=self.clock()
        )

    def unskip(self, round_id: int, member_id: str) -> Delivery:
        """Undo a skip while the round is open."""
        round, delivery = self._open_delivery(round_id, member_id)
        if delivery.status != DeliveryStatus.SKIPPED:
            return delivery
        return self.store.update_delivery(delivery.id, status=DeliveryStatus.SENT, skipped_at=None)

    def snooze(self, round_id: int, member_id: str) -> Delivery:
        """'Remind me tomorrow': the prompt comes again at the next working morning, once."""
        round, delivery = self._open_delivery(round_id, member_id)
        if delivery.status == DeliveryStatus.ANSWERED:
            raise RoundError("already_answered")
        if delivery.snoozed:
            raise RoundError("already_snoozed")
        hours = self.network.working_hours
        until = next_working_morning(self.clock(), self.network.tz, hours.works_on, SNOOZE_AT)
        if until >= round.closes_at:
            raise RoundError("snooze_after_close")
        return self.store.update_delivery(
            delivery.id, snoozed=1, snoozed_until=until, status=DeliveryStatus.SENT
        )
