"""What the scheduler does when a job fires: run programme slots, close, deliver, remind, recover.

Plain methods over the services and a clock, so tests call them directly with a controllable clock;
bot/schedule.py only decides *when* APScheduler calls them. The database is the source of truth:
every method reads what is due from it, so a restart (or a second firing) does nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.messenger import DeliveryFailed
from bot.core.models import DeliveryStatus, Prompt
from bot.core.network import Network, Programme
from bot.core.rounds import RoundError
from bot.core.services import Services
from bot.core.yamlfile import Problem, YamlDoc, format_loc
from bot.prompts import Library
from bot.schedule.slots import (
    Slot,
    in_working_hours,
    next_working_time,
    programme_slots,
)
from bot.store.schedule import ScheduleStore

logger = logging.getLogger(__name__)

SCHEDULER_ACTOR = "scheduler"
# However long the bot was down, slots older than this are not even looked at (nor logged).
LOOKBACK_LIMIT = timedelta(days=60)
# Prompts Slack refused or could not take are tried again this often, up to this many attempts
# in all (a member who left the workspace fails for good; a Slack outage passes).
RETRY_FAILED_EVERY = timedelta(minutes=15)
MAX_ATTEMPTS = 3
# A programme with no recorded slot yet (new, or a new database) looks back this far, so a slot
# missed at the first start is logged too.
FIRST_LOOKBACK = timedelta(days=7)


class ScheduleError(Exception):
    """The programmes cannot be scheduled as written; the message says what to fix."""


@dataclass(frozen=True)
class SlotOutcome:
    """What became of one slot: started, failed, missed (older than the grace), coalesced
    (a newer slot within the grace ran instead) or already (recorded before)."""

    programme_id: str
    slot: str
    status: str
    round_id: int | None = None


@dataclass
class SweepReport:
    slots: list[SlotOutcome] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    delivered: int = 0
    retried: int = 0
    reminded: int = 0
    working_hours: bool = False


@dataclass(frozen=True)
class RecoveryReport:
    """Deliveries left 'sending' by a crash: found in the chat (recorded), requeued, or unresolved."""

    found: int = 0
    requeued: int = 0
    unresolved: int = 0


def programme_prompt_problems(
    network: Network, library: Library, doc: YamlDoc | None = None
) -> list[Problem]:
    """Programme `prompts:` ids missing from the prompt library, with file and line when doc is given."""
    problems = []
    for index, programme in enumerate(network.programmes):
        for position, prompt_id in enumerate(programme.prompts or []):
            if prompt_id in library:
                continue
            loc = ("programmes", index, "prompts", position)
            message = f"programme {programme.id!r}: unknown prompt id {prompt_id!r} (not in the prompt library; see flipbot prompts list)"
            if doc is not None:
                problems.append(doc.problem(loc, message))
            else:
                problems.append(Problem("network file", format_loc(loc), message))
    return problems


class ScheduleJobs:
    """The scheduler's work, one method per job."""

    def __init__(self, services: Services, clock: Callable[[], datetime] | None = None):
        self.services = services
        self.rounds = services.rounds
        self.network = services.network
        self.clock = clock or services.rounds.clock
        self.records = ScheduleStore(services.store)
        self.stopped = False
        self._sweeping = threading.Lock()
        self._unresolved: set[int] | None = None
        self._last_retry: datetime | None = None

    # -- checks and choices -----------------------------------------------------------------

    def check_programmes(self) -> None:
        """Raise ScheduleError if a programme names a prompt the library does not have."""
        problems = programme_prompt_problems(self.network, self.services.library)
        if problems:
            lines = "\n".join(f"  {p.message}" for p in problems)
            raise ScheduleError(
                f"the scheduler cannot start; fix the network file ({self.services.settings.flipbot_config}) "
                f"and check it with `flipbot network check`:\n{lines}"
            )

    def may_send(self, now: datetime) -> bool:
        """DMs from the scheduler go out only inside the network's working hours."""
        return in_working_hours(now, self.network.tz, self.network.working_hours)

    def pick_prompt(self, programme: Programme) -> Prompt:
        """The programme's next prompt: from its fixed `prompts` sequence (first unused, then the
        least recently used), or the theme rotation for its audience."""
        if not programme.prompts:
            return self.rounds.next_prompt(programme.theme, programme.audience)
        used = self.records.programme_prompt_use(programme.id)
        fresh = [p for p in programme.prompts if p not in used]
        prompt_id = fresh[0] if fresh else min(programme.prompts, key=lambda p: used[p])
        prompt = self.services.library.get(prompt_id)
        if prompt is None:
            raise RoundError("prompt_not_found", prompt_id=prompt_id)
        return prompt

    # -- programme slots --------------------------------------------------------------------

    def run_programme(self, programme_id: str) -> list[SlotOutcome]:
        """A programme's cron job: run its due slot (a second firing of the same slot does nothing)."""
        programme = self.network.programme(programme_id)
        if programme is None or self.stopped:
            return []
        return self.run_due_slots(programme, self.clock())

    def run_due_slots(self, programme: Programme, now: datetime) -> list[SlotOutcome]:
        """Slots due since the last recorded one: the newest within the misfire grace runs once;
        older ones are recorded as missed and logged; other fresh ones are coalesced into it."""
        last = self.records.last_slot_due(programme.id)
        since = max(last or now - FIRST_LOOKBACK, now - LOOKBACK_LIMIT)
        due = programme_slots(programme, self.network.tz, since, now)
        grace = self.network.misfire_grace
        fresh = [slot for slot in due if now - slot.at <= grace]
        outcomes = []
        for slot in due:
            if now - slot.at > grace:
                outcomes.append(self._record_skipped(slot, now, "missed"))
            elif slot is not fresh[-1]:
                outcomes.append(self._record_skipped(slot, now, "coalesced"))
            else:
                outcomes.append(self._run_slot(programme, slot, now))
        for status in ("missed", "coalesced"):
            skipped = [o.slot for o in outcomes if o.status == status]
            if skipped:
                logger.warning(
                    "programme %s: %d slot(s) not run (%s; misfire grace %s): %s",
                    programme.id,
                    len(skipped),
                    "older than the grace" if status == "missed" else "a newer slot ran instead",
                    grace,
                    ", ".join(skipped),
                )
        return outcomes

    def _record_skipped(self, slot: Slot, now: datetime, status: str) -> SlotOutcome:
        if not self.records.claim_slot(slot.programme_id, slot.key, slot.at, now):
            return SlotOutcome(slot.programme_id, slot.key, "already")
        self.records.finish_slot(slot.programme_id, slot.key, status=status)
        return SlotOutcome(slot.programme_id, slot.key, status)

    def _run_slot(self, programme: Programme, slot: Slot, now: datetime) -> SlotOutcome:
        if programme.kind == "sparring":
            return self._run_sparring_slot(programme, slot, now)
        # The slot record and the round (with its pending deliveries) commit together, before any DM.
        with self.services.store.atomic():
            if not self.records.claim_slot(programme.id, slot.key, slot.at, now):
                return SlotOutcome(programme.id, slot.key, "already")
            try:
                prompt = self.pick_prompt(programme)
                # The answering time counts from when the prompts go out: a slot on a holiday
                # or at night waits for working hours, and its members get the full window.
                network = self.network
                sent_at = next_working_time(slot.at, network.tz, network.working_hours)
                closes_at = sent_at + programme.respond_within
                if closes_at <= now:
                    closes_at = now + programme.respond_within
                round = self.rounds.start_round(
                    prompt,
                    programme.audience,
                    closes_at,
                    SCHEDULER_ACTOR,
                    remind_before_close=programme.remind_before_close,
                    programme_id=programme.id,
                    channel=programme.channel,
                    deliver=False,
                )
            except RoundError as exc:
                self.records.finish_slot(programme.id, slot.key, status="failed", error=exc.key)
                logger.error("programme %s: slot %s failed: %s", programme.id, slot.key, exc)
                return SlotOutcome(programme.id, slot.key, "failed")
            self.records.finish_slot(programme.id, slot.key, status="started", round_id=round.id)
        logger.info(
            "programme %s: slot %s started round %s (prompt %s)",
            programme.id,
            slot.key,
            round.id,
            prompt.id,
        )
        if self.may_send(now):
            self.rounds.deliver(round.id)
        else:
            logger.info("round %s: prompts wait for working hours", round.id)
        return SlotOutcome(programme.id, slot.key, "started", round.id)

    def _run_sparring_slot(self, programme: Programme, slot: Slot, now: datetime) -> SlotOutcome:
        """A `kind: sparring` slot: the oldest approved case goes out; with none waiting the
        slot is recorded as empty. The slot record and the round commit together, before any DM."""
        sparring = self.services.sparring
        with self.services.store.atomic():
            if not self.records.claim_slot(programme.id, slot.key, slot.at, now):
                return SlotOutcome(programme.id, slot.key, "already")
            try:
                if sparring is None:
                    raise RoundError("sparring_unavailable")
                round = sparring.take_for_slot(programme.id, SCHEDULER_ACTOR, deliver=False)
            except RoundError as exc:
                self.records.finish_slot(programme.id, slot.key, status="failed", error=exc.key)
                logger.error("programme %s: slot %s failed: %s", programme.id, slot.key, exc)
                return SlotOutcome(programme.id, slot.key, "failed")
            if round is None:
                self.records.finish_slot(programme.id, slot.key, status="empty")
                logger.info("programme %s: slot %s found no approved case", programme.id, slot.key)
                return SlotOutcome(programme.id, slot.key, "empty")
            self.records.finish_slot(programme.id, slot.key, status="started", round_id=round.id)
        logger.info(
            "programme %s: slot %s started sparring round %s", programme.id, slot.key, round.id
        )
        if self.may_send(now):
            sparring.deliver_launched(round.id)  # type: ignore[union-attr]
        return SlotOutcome(programme.id, slot.key, "started", round.id)

    # -- the sweep --------------------------------------------------------------------------

    def sweep(self) -> SweepReport | None:
        """Every minute: due slots, due closes, and inside working hours the waiting prompts,
        failed prompts (every 15 minutes, 3 attempts in all), reminders and snoozed prompts.
        None if a sweep is already running or the lock was lost."""
        if self.stopped or not self._sweeping.acquire(blocking=False):
            return None
        try:
            return self._sweep(self.clock())
        finally:
            self._sweeping.release()

    def _sweep(self, now: datetime) -> SweepReport:
        report = SweepReport(working_hours=self.may_send(now))
        if self._unresolved:
            self.recover_sending()
        # Closes first: a round past its deadline gets no more prompts or reminders.
        for round in self.records.rounds_due_to_close(now):
            try:
                self.rounds.close_round(round.id, SCHEDULER_ACTOR)
            except RoundError:
                continue  # closed meanwhile by a facilitator
            except Exception:
                logger.exception("round %s: closing failed", round.id)
                continue
            report.closed.append(round.id)
            logger.info("round %s closed at its deadline", round.id)
        # Retries before new slots, so a fresh fan-out's failures wait a full interval.
        if report.working_hours:
            report.retried = self._retry_failed(now)
        for programme in self.network.programmes:
            try:
                report.slots += self.run_due_slots(programme, now)
            except Exception:
                logger.exception("programme %s: running due slots failed", programme.id)
        for round_id in self.records.rounds_with_deliveries(DeliveryStatus.PENDING):
            if not report.working_hours and not self._sends_at_once(round_id):
                continue
            try:
                report.delivered += self.rounds.deliver(round_id).sent
            except Exception:
                logger.exception("round %s: delivering waiting prompts failed", round_id)
        if not report.working_hours:
            return report
        due = self.rounds.due_reminders(now)
        if due:
            report.reminded = self.rounds.send_reminders(due).sent
        return report

    def _sends_at_once(self, round_id: int) -> bool:
        """A round a facilitator started by hand goes out at once, whatever the hour: its waiting
        prompts are a fan-out a crash interrupted, and they resume now. Only the scheduler's own
        rounds (those of a programme) wait for working hours."""
        round = self.services.store.round(round_id)
        return round is not None and round.programme_id is None

    def _retry_failed(self, now: datetime) -> int:
        if self._last_retry is not None and now - self._last_retry < RETRY_FAILED_EVERY:
            return 0
        self._last_retry = now
        sent = 0
        for round_id in self.records.rounds_with_retryable_failures(MAX_ATTEMPTS):
            try:
                sent += self.rounds.deliver(round_id).sent
            except Exception:
                logger.exception("round %s: retrying failed prompts failed", round_id)
        return sent

    # -- start-up ---------------------------------------------------------------------------

    def startup(self) -> SweepReport | None:
        """At start: settle deliveries a crash left 'sending', then catch up on everything due."""
        self.recover_sending()
        return self.sweep()

    def note_sending(self) -> None:
        """Remember the deliveries the previous process left 'sending' (call before any fan-out
        of ours: our own fan-outs claim deliveries as 'sending' too)."""
        if self._unresolved is None:
            self._unresolved = {
                d.id
                for round in self.rounds.open_rounds()
                for d in self.services.store.deliveries(round.id, [DeliveryStatus.SENDING])
            }

    def recover_sending(self) -> RecoveryReport:
        """A delivery still 'sending' after a restart may or may not have reached the member:
        ask the messenger; record the DM it finds, else put it back to be sent (once)."""
        store = self.services.store
        self.note_sending()
        assert self._unresolved is not None
        found = requeued = 0
        still_sending = {
            d.id: (round, d)
            for round in self.rounds.open_rounds()
            for d in store.deliveries(round.id, [DeliveryStatus.SENDING])
        }
        self._unresolved &= still_sending.keys()  # a closed round's prompt needs no recovery
        for delivery_id in sorted(self._unresolved):
            round, delivery = still_sending[delivery_id]
            member = self.network.member(delivery.member_id)
            try:
                ref = self.rounds.messenger.find_prompt(member, round) if member else None
            except DeliveryFailed as exc:
                logger.warning(
                    "delivery %s: cannot look for a sent prompt yet (%s)", delivery.id, exc.error
                )
                continue
            if ref is not None:
                self.rounds.record_sent(delivery, ref)
                found += 1
            else:
                store.update_delivery(delivery.id, status=DeliveryStatus.PENDING)
                requeued += 1
            self._unresolved.discard(delivery.id)
        if found or requeued:
            logger.info(
                "after restart: %s prompt(s) found already sent, %s put back to send",
                found,
                requeued,
            )
        return RecoveryReport(found, requeued, len(self._unresolved))
