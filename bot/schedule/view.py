"""What the scheduler will do next: programme runs, waiting prompts, reminders, snoozed prompts, closes.

A pure read of the network file and the database, shared by `flipbot schedule` and `/flip status`.
Times are when things will actually happen: DMs that fall outside working hours are shown at the
next working morning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core.i18n import format_datetime, t, theme_name
from bot.core.models import DeliveryStatus
from bot.core.rounds import RoundError
from bot.core.services import Services
from bot.schedule.jobs import ScheduleJobs
from bot.schedule.slots import next_slots, next_working_time
from bot.store.schedule import ScheduleStore

Kind = Literal["programme", "waiting", "reminder", "snoozed", "close"]


@dataclass(frozen=True)
class Upcoming:
    """One thing the scheduler will do. `due` is when it falls due, `at` when it will happen
    (later than due when DMs wait for working hours); both in the network's timezone."""

    kind: Kind
    due: datetime
    at: datetime
    programme_id: str | None = None
    round_id: int | None = None
    prompt_id: str | None = None
    members: int = 0


def upcoming(services: Services, now: datetime, runs: int = 3) -> list[Upcoming]:
    """The next `runs` runs of each programme and every pending reminder, snoozed prompt,
    waiting prompt and close of the open rounds, soonest first."""
    network = services.network
    tz, hours = network.tz, network.working_hours
    items: list[Upcoming] = []
    jobs = ScheduleJobs(services, clock=lambda: now)
    for programme in network.programmes:
        for index, slot in enumerate(next_slots(programme, tz, now, runs)):
            prompt_id = None
            if index == 0:
                try:
                    prompt_id = jobs.pick_prompt(programme).id
                except RoundError:
                    prompt_id = None
            items.append(
                Upcoming(
                    "programme",
                    slot.at.astimezone(tz),
                    next_working_time(slot.at, tz, hours).astimezone(tz),
                    programme_id=programme.id,
                    prompt_id=prompt_id,
                    members=len(network.brokers(programme.audience)),
                )
            )
    records = ScheduleStore(services.store)
    for round in services.rounds.open_rounds():
        common = {
            "programme_id": round.programme_id,
            "round_id": round.id,
            "prompt_id": round.prompt_id,
        }
        waiting = records.count_deliveries(round.id, DeliveryStatus.PENDING)
        if waiting:
            items.append(
                Upcoming(
                    "waiting",
                    round.started_at.astimezone(tz),
                    next_working_time(now, tz, hours).astimezone(tz),
                    members=waiting,
                    **common,
                )
            )
        sent = services.store.deliveries(round.id, [DeliveryStatus.SENT])
        unreminded = [d for d in sent if d.reminded_at is None and d.snoozed_until is None]
        if round.remind_at is not None and unreminded:
            at = next_working_time(max(round.remind_at, now), tz, hours)
            if at < round.closes_at:
                items.append(
                    Upcoming(
                        "reminder",
                        round.remind_at.astimezone(tz),
                        at.astimezone(tz),
                        members=len(unreminded),
                        **common,
                    )
                )
        snoozed = Counter(d.snoozed_until for d in sent if d.snoozed_until is not None)
        for until, count in sorted(snoozed.items()):
            at = next_working_time(max(until, now), tz, hours)
            items.append(
                Upcoming(
                    "snoozed", until.astimezone(tz), at.astimezone(tz), members=count, **common
                )
            )
        closes = round.closes_at.astimezone(tz)
        items.append(Upcoming("close", closes, max(closes, now.astimezone(tz)), **common))
    return sorted(items, key=lambda item: (item.at.timestamp(), item.due.timestamp(), item.kind))


def describe(item: Upcoming, services: Services, language: str | None = None) -> str:
    """One line about an upcoming item in a member's language and the network's time zone (for
    `/flip status`)."""
    when = format_datetime(item.at, language, services.network.tz)
    if item.kind == "programme":
        programme = services.network.programme(item.programme_id or "")
        theme = theme_name(programme.theme, language) if programme else ""
        return t(
            "schedule.upcoming.programme",
            language,
            when=when,
            programme=item.programme_id,
            theme=theme,
            members=item.members,
        )
    return t(
        f"schedule.upcoming.{item.kind}",
        language,
        when=when,
        round_id=item.round_id,
        members=item.members,
    )
