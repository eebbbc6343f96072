"""Round lifecycle: start, deliver, remind, close, reopen (what members do with a prompt is in
bot.core.answering). No chat platform in here.

User-facing failures are raised as RoundError with a catalogue key, so every surface (Slack,
CLI, demo) words them in the member's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.core.answering import Answering, AnswerResult, RoundError
from bot.core.delivery_batches import CLAIMABLE, DeliveryBatches
from bot.core.messenger import DeliveryFailed, MessageRef, Messenger
from bot.core.models import (
    SPARRING_PREFIX,
    Delivery,
    DeliveryStatus,
    Prompt,
    Round,
    RoundStatus,
    SparringCase,
)
from bot.core.network import Network
from bot.core.participation import Participation, count_participation
from bot.core.timeutil import utcnow
from bot.prompts import Library
from bot.schedule.slots import reminder_time
from bot.store.database import DeliveryOutcome, Store
from bot.store.sparring import SparringStore

logger = logging.getLogger(__name__)

DEFAULT_RESPOND_WITHIN = timedelta(days=5)
DEFAULT_REMIND_BEFORE_CLOSE = timedelta(days=1)
NEVER = datetime.min.replace(tzinfo=UTC)  # when a prompt not yet used was last used


def case_prompt(network: Network, case: SparringCase) -> Prompt:
    """A sparring case as its round's prompt, the owner shown as they chose."""
    owner = network.member(case.owner_id)
    municipality = network.municipality(case.municipality)
    return case.prompt(
        asked_by=owner.name if case.show_name and owner else None,
        asked_from=municipality.name if municipality else case.municipality,
    )


@dataclass(frozen=True)
class FanOut:
    sent: int
    failed: int


class RoundService(Answering):
    """The round lifecycle over one store, one network and one messenger."""

    def __init__(
        self,
        store: Store,
        network: Network,
        library: Library,
        messenger: Messenger,
        clock: Callable[[], datetime] = utcnow,
        max_workers: int = 8,
    ):
        self.store = store
        self.network = network
        self.library = library
        self.messenger = messenger
        self.clock = clock
        self.max_workers = max_workers
        # Called with the closed round after close_round (the digest service builds its draft);
        # set by build_services so the scheduler and Slack both get the digest on close.
        self.on_closed: Callable[[Round], None] | None = None
        # Called with every answer confirmed in chat (a sparring case's owner gets it live).
        self.on_answered: Callable[[AnswerResult], None] | None = None

    # -- lookups ----------------------------------------------------------------------------

    def get_round(self, round_id: int) -> Round:
        found = self.store.round(round_id)
        if found is None:
            raise RoundError("round_not_found", round_id=round_id)
        return found

    def prompt_of(self, round: Round) -> Prompt:
        if round.prompt_id.startswith(SPARRING_PREFIX):
            # A sparring case's prompt lives in the store, not the library.
            case = SparringStore(self.store).case_of_prompt(round.prompt_id)
            if case is not None:
                return case_prompt(self.network, case)
        prompt = self.library.get(round.prompt_id)
        if prompt is None:
            raise RoundError("prompt_not_found", prompt_id=round.prompt_id)
        return prompt

    def open_rounds(self) -> list[Round]:
        return self.store.rounds(RoundStatus.OPEN)

    def next_prompt(self, theme: str, audience: Literal["all"] | list[str] = "all") -> Prompt:
        """The prompt of a theme least recently started in a round that reached this audience
        (never used counts as oldest). Ties go by a stable order that takes the library's first
        and last in turn, so dilemmas added at the end of a theme come up as early as old ones."""
        candidates = self.library.by_theme(theme)
        if not candidates:
            raise RoundError("no_prompts_for_theme", theme=theme)
        reach = None if audience == "all" else set(audience)
        last_used: dict[str, datetime] = {}
        for earlier in self.store.rounds():
            reached = reach is None or earlier.audience == "all" or reach & set(earlier.audience)
            if reached and earlier.started_at > last_used.get(earlier.prompt_id, NEVER):
                last_used[earlier.prompt_id] = earlier.started_at
        count = len(candidates)
        # 0, n-1, 1, n-2, …: first, last, second, second-to-last, …
        turn = {p.id: min(2 * i, 2 * (count - 1 - i) + 1) for i, p in enumerate(candidates)}
        return min(candidates, key=lambda p: (last_used.get(p.id, NEVER), turn[p.id]))

    # -- start and deliver ------------------------------------------------------------------

    def start_round(
        self,
        prompt: Prompt,
        audience: Literal["all"] | list[str],
        closes_at: datetime | None,
        started_by: str,
        *,
        remind_before_close: timedelta | None = DEFAULT_REMIND_BEFORE_CLOSE,
        programme_id: str | None = None,
        channel: str | None = None,
        deliver: bool = True,
        paused: Iterable[str] | None = None,
        exclude: Iterable[str] = (),
    ) -> Round:
        """Record a round and one delivery per broker in the audience, then send the prompts.
        Members in `paused` (on leave; by default those paused in the store) get a delivery
        marked paused instead of a DM; members in `exclude` (a sparring case's owner) none."""
        now = self.clock()
        if audience != "all":
            unknown = [m for m in audience if self.network.municipality(m) is None]
            if unknown:
                raise RoundError("unknown_municipality", municipality=", ".join(unknown))
        closes_at = closes_at or now + DEFAULT_RESPOND_WITHIN
        if closes_at <= now:
            raise RoundError("closes_in_past")
        erased = self.store.erased_member_ids() | set(exclude)
        members = [m.id for m in self.network.brokers(audience) if m.id not in erased]
        if not members:
            raise RoundError("empty_audience")
        network = self.network
        remind_at = reminder_time(
            closes_at, remind_before_close or None, now, network.tz, network.working_hours
        )
        self.store.sync_members(self.network, now)
        if paused is None:
            paused = self.store.paused_member_ids(now)
        round = self.store.create_round(
            prompt_id=prompt.id,
            theme=prompt.theme,
            audience=audience,
            started_by=started_by,
            started_at=now,
            closes_at=closes_at,
            remind_at=remind_at,
            members=members,
            paused=set(paused),
            programme_id=programme_id,
            channel=channel,
        )
        self.store.audit(
            started_by,
            "start_round",
            str(round.id),
            {"prompt": prompt.id, "audience": audience, "members": len(members)},
            at=now,
        )
        if deliver:
            self.deliver(round.id)
        return round

    def deliver(self, round_id: int) -> FanOut:
        """Send every pending (or earlier failed) delivery of an open round. Each delivery is
        claimed before it is sent, so concurrent callers never send the same prompt twice; claims
        and outcomes are written a batch at a time (bot.core.delivery_batches)."""
        round = self.get_round(round_id)
        if not round.is_open:
            return FanOut(0, 0)
        prompt = self.prompt_of(round)
        waiting = self.store.deliveries(round_id, CLAIMABLE)
        if not waiting:
            return FanOut(0, 0)
        batches = DeliveryBatches(self.store, waiting)
        workers = max(1, min(self.max_workers, len(waiting)))

        def send_all() -> list[str]:
            results = []
            while (delivery := batches.next()) is not None:
                results.append(self._send_one(round, prompt, delivery, batches))
            return results

        try:
            if workers == 1:
                results = send_all()
            else:
                with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout") as pool:
                    futures = [pool.submit(send_all) for _ in range(workers)]
                    results = [r for future in futures for r in future.result()]
        finally:
            batches.flush()
        return FanOut(sent=results.count("sent"), failed=results.count("failed"))

    def _send_one(
        self, round: Round, prompt: Prompt, delivery: Delivery, batches: DeliveryBatches
    ) -> str:
        attempts = delivery.attempts + 1
        member = self.network.member(delivery.member_id)
        if member is None:
            batches.record(
                DeliveryOutcome(
                    delivery.id, DeliveryStatus.FAILED, delivery.attempts, error="not_in_network"
                )
            )
            return "failed"
        try:
            ref = self.messenger.send_prompt(member, round, prompt)
        except DeliveryFailed as exc:
            batches.record(
                DeliveryOutcome(delivery.id, DeliveryStatus.FAILED, attempts, error=exc.error)
            )
            return "failed"
        batches.record(
            DeliveryOutcome(delivery.id, DeliveryStatus.SENT, attempts, ref, sent_at=self.clock())
        )
        return "sent"

    def record_sent(self, delivery: Delivery, ref: MessageRef) -> Delivery:
        """Record where a prompt landed (also when a crash left it 'sending' and it is found)."""
        return self.store.update_delivery(
            delivery.id,
            status=DeliveryStatus.SENT,
            ref=ref,
            error=None,
            attempts=delivery.attempts + 1,
            sent_at=self.clock(),
        )

    # -- reminders --------------------------------------------------------------------------

    def due_reminders(self, now: datetime | None = None) -> list[Delivery]:
        """Deliveries due a reminder now: in an open round whose remind time has come, sent,
        neither answered nor skipped, not reminded before; plus snoozed prompts whose time has come."""
        now = now or self.clock()
        due: list[Delivery] = []
        for round in self.open_rounds():
            if round.closes_at <= now:
                continue
            for delivery in self.store.deliveries(round.id, [DeliveryStatus.SENT]):
                if (
                    delivery.snoozed_until is not None
                    and delivery.snoozed_until <= now
                    or (
                        round.remind_at is not None
                        and round.remind_at <= now
                        and delivery.reminded_at is None
                        and delivery.snoozed_until is None
                    )
                ):
                    due.append(delivery)
        return due

    def send_reminders(self, deliveries: Iterable[Delivery]) -> FanOut:
        """Send one reminder to each delivery given; record it so it is never sent twice."""
        sent = failed = 0
        for delivery in deliveries:
            round = self.get_round(delivery.round_id)
            member = self.network.member(delivery.member_id)
            if member is None or delivery.ref is None:
                continue
            fresh = self.store.delivery(delivery.round_id, delivery.member_id)
            if fresh is None or fresh.status != DeliveryStatus.SENT:
                continue
            was_snoozed = fresh.snoozed_until is not None
            if not was_snoozed and fresh.reminded_at is not None:
                continue
            try:
                self.messenger.send_reminder(
                    member,
                    round,
                    self.prompt_of(round),
                    delivery.ref,
                )
            except DeliveryFailed as exc:
                self.store.update_delivery(delivery.id, error=exc.error)
                failed += 1
                continue
            if was_snoozed:
                self.store.update_delivery(delivery.id, snoozed_until=None)
            else:
                self.store.update_delivery(delivery.id, reminded_at=self.clock())
            sent += 1
        return FanOut(sent, failed)

    def remind(self, round_id: int, by: str) -> FanOut:
        """A facilitator's reminder now: to everyone in the round not yet answered, skipped or reminded."""
        round = self.get_round(round_id)
        if not round.is_open:
            raise RoundError("round_closed", round_id=round_id)
        waiting = [
            d
            for d in self.store.deliveries(round_id, [DeliveryStatus.SENT])
            if d.reminded_at is None
        ]
        result = self.send_reminders(waiting)
        self.store.audit(
            by,
            "remind",
            str(round_id),
            {"sent": result.sent, "failed": result.failed},
            at=self.clock(),
        )
        return result

    # -- close ------------------------------------------------------------------------------

    def close_round(self, round_id: int, by: str) -> Participation:
        """Close a round: no more answers, open prompts say so, the summary goes to the digest channel."""
        round = self.get_round(round_id)
        if not round.is_open:
            raise RoundError("round_closed", round_id=round_id)
        # Answers still waiting for Fjern / Behold are stored with the default (Fjern) first.
        self.settle_pending_answers(round_id)
        self.store.set_round_status(round_id, RoundStatus.CLOSED, self.clock())
        self.store.audit(by, "close_round", str(round_id), at=self.clock())
        closed = self.get_round(round_id)
        prompt = self.prompt_of(closed)
        self.show_waiting_prompts(closed, "closed")
        participation = self.participation(round_id)
        summary = self.grouped_participation(participation).model_dump()
        programme = self.network.programme(closed.programme_id) if closed.programme_id else None
        channel = (programme and programme.digest_channel) or self.network.channels.digests
        # Without review the digest itself goes to the channel, participation included; the
        # summary alone is then only a stand-in for a digest that could not be built.
        digest_direct = self.on_closed is not None and not self.network.digest_review
        # A sparring round's figures go to its owner with its digest, not to the channel.
        if prompt.kind == "sparring":
            channel = None
        if channel and not digest_direct:
            self.messenger.post_round_summary(closed, prompt, summary, channel)
        if self.on_closed is not None:
            try:
                self.on_closed(closed)
            except Exception:  # the round is closed either way; the digest can be rebuilt
                logger.exception("building the digest of round %s failed", round_id)
                if channel and digest_direct:
                    self.messenger.post_round_summary(closed, prompt, summary, channel)
        return participation

    def grouped_participation(
        self, participation: Participation, language: str | None = None
    ) -> Participation:
        """A round's participation as every member reads it in the digest channel's close
        summary: municipalities with too few answers grouped as 'other municipalities' (the
        facilitators' /flip status keeps them apart). Of a closed round, the small-cell decision
        is recorded now, so every export and digest of the round follows it."""
        from bot.core.i18n import t
        from bot.export.cells import group_small_cells, summary_hidden

        hidden = summary_hidden(self.store, self.network, participation, self.clock())
        label = t("digest.other_municipalities", language or self.network.language)
        return group_small_cells(participation, hidden, label)

    def confirm_answer(self, result: AnswerResult) -> None:
        """Show the stored answer in chat, then hand it on (see on_answered) even when the
        prompt message could not be updated."""
        try:
            super().confirm_answer(result)
        finally:
            if self.on_answered is not None:
                try:
                    self.on_answered(result)
                except Exception:  # the answer is stored; handing it on can be done again
                    logger.exception("handing on an answer to round %s failed", result.round.id)

    def show_waiting_prompts(self, round: Round, state: str) -> None:
        """Show a state (closed, open again) on every prompt still waiting for an answer. A
        message that cannot be updated is skipped: the round's state is what counts."""
        prompt = self.prompt_of(round)
        for delivery in self.store.deliveries(round.id, [DeliveryStatus.SENT]):
            member = self.network.member(delivery.member_id)
            if member is None or delivery.ref is None:
                continue
            try:
                self.messenger.update_prompt(
                    member,
                    round,
                    prompt,
                    delivery.ref,
                    state,
                )
            except DeliveryFailed:
                continue

    def reopen_round(self, round_id: int, closes_at: datetime, by: str) -> Round:
        """Open a closed round again until a new deadline (answers given so far stay)."""
        round = self.get_round(round_id)
        if round.is_open:
            raise RoundError("round_open", round_id=round_id)
        if closes_at <= self.clock():
            raise RoundError("closes_in_past")
        self.store.set_round_status(round_id, RoundStatus.OPEN, None)
        self.store.set_round_times(round_id, closes_at, None)
        self.store.audit(
            by, "reopen_round", str(round_id), {"closes_at": closes_at}, at=self.clock()
        )
        return self.get_round(round_id)

    def participation(self, round_id: int) -> Participation:
        """Delivered / answered / skipped / waiting per municipality, and in all."""
        self.get_round(round_id)
        order = [m.id for m in self.network.municipalities]
        return count_participation(round_id, self.store.participation_rows(round_id), order)
