"""What a member does with a prompt they were sent: answer it (in the modal or in its thread),
edit a thread reply, skip it, snooze it. Mixed into bot.core.rounds.RoundService, whose store, network,
messenger, clock, get_round and prompt_of these methods use. No chat platform in here.

User-facing failures are raised as RoundError with a catalogue key, so every surface (Slack,
CLI, demo) words them in the member's language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal

from bot.core.messenger import Messenger
from bot.core.models import Delivery, DeliveryStatus, Prompt, Response, Round
from bot.core.network import Network
from bot.core.timeutil import next_working_morning
from bot.privacy.redact import Redaction, merge_counts, redact, redact_answers
from bot.store.database import Store

MAX_ANSWER_CHARS = 3000
SNOOZE_AT = time(8, 30)


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
    ) -> AnswerResult:
        """Store a member's answer (stored once however often it arrives; a different one is an
        edit with the earlier text kept in the history). Sends nothing: see confirm_answer."""
        round, delivery = self._open_delivery(round_id, member_id)
        cleaned, redacted = redact_answers(self.check_answers(self.prompt_of(round), answers))
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

    def add_to_answer(
        self, round_id: int, member_id: str, text: str, *, source: str = "thread"
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
        return self._record_thread_text(round_id, member_id, answers, current, redaction, source)

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
    ) -> AnswerResult:
        """Store answers changed by thread text; what was taken out of that text is counted too."""
        quotable = current.quotable if current else True
        result = self.record_answer(round_id, member_id, answers, quotable=quotable, source=source)
        return dataclasses.replace(
            result, redacted=merge_counts(result.redacted, redaction.removed)
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
