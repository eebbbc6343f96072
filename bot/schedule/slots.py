"""When things fall due: programme slots (cron in wall-clock time, start/end, holidays) and working hours.

Pure functions of time, so the scheduler, `flipbot schedule` and `/flip status` agree.

A slot's identity is its local wall-clock time ("2026-10-25T02:30"). The cron expression is
evaluated on wall-clock time (in UTC, which has no daylight saving) and each wall time is then
placed in the network's zone: on the October change the 02:30 that happens twice is one slot (the
first, summer-time 02:30); on the March change a 02:30 that does not exist falls due one hour of
real time after 01:30 winter time, i.e. 03:30 summer time, as APScheduler's own trigger fires it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.core.network import Programme, WorkingHours
from bot.core.timeutil import cron_trigger, is_holiday

# A wall-clock window this much wider than the real one catches slots moved by a DST change.
_DST_MARGIN = timedelta(hours=3)
# `upcoming` looks no further ahead than this for a programme's next runs.
HORIZON = timedelta(days=800)


@dataclass(frozen=True)
class Slot:
    """One run of a programme: its wall-clock key and the instant (UTC) it falls due."""

    programme_id: str
    key: str
    at: datetime


def wall_key(wall: datetime) -> str:
    return wall.strftime("%Y-%m-%dT%H:%M")


def place(wall: datetime, tz: tzinfo) -> datetime:
    """A naive local wall time as an instant in UTC: the first of two (October), or one hour of real
    time after the instant before a gap (March). UTC, because aware times sharing one zone compare
    by wall clock in Python, which is wrong across a DST change."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _wall_times(expression: str, start: datetime, end: datetime):
    """Naive wall times matching the cron expression with start <= t <= end."""
    trigger = cron_trigger(expression, UTC)
    moment = trigger.get_next_fire_time(None, start.replace(tzinfo=UTC))
    limit = end.replace(tzinfo=UTC)
    while moment is not None and moment <= limit:
        yield moment.replace(tzinfo=None)
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))


def in_programme_dates(programme: Programme, day: date) -> bool:
    """The day is within the programme's start/end dates and not a holiday it skips."""
    if programme.start and day < programme.start:
        return False
    if programme.end and day > programme.end:
        return False
    return not (programme.skip_holidays and is_holiday(day))


def programme_slots(
    programme: Programme, tz: tzinfo, after: datetime, until: datetime
) -> list[Slot]:
    """The programme's slots falling due in (after, until], oldest first, honouring start/end/holidays."""
    after, until = after.astimezone(UTC), until.astimezone(UTC)
    wall_start = after.astimezone(tz).replace(tzinfo=None) - _DST_MARGIN
    wall_end = until.astimezone(tz).replace(tzinfo=None) + _DST_MARGIN
    # A programme that has ended (or not begun) costs the minute sweep nothing.
    if programme.start:
        wall_start = max(wall_start, datetime.combine(programme.start, time(0)))
    if programme.end:
        wall_end = min(wall_end, datetime.combine(programme.end + timedelta(days=1), time(0)))
    if wall_start > wall_end:
        return []
    found: dict[str, Slot] = {}
    for wall in _wall_times(programme.schedule, wall_start, wall_end):
        at = place(wall, tz)
        if not (after < at <= until) or not in_programme_dates(programme, wall.date()):
            continue
        key = wall_key(wall)
        found.setdefault(key, Slot(programme.id, key, at))
    return sorted(found.values(), key=lambda s: s.at)


def next_slots(programme: Programme, tz: tzinfo, after: datetime, count: int) -> list[Slot]:
    """The programme's next `count` slots strictly after `after` (fewer when it ends first)."""
    slots: list[Slot] = []
    window_start = after
    step = timedelta(days=31)
    while len(slots) < count and window_start < after + HORIZON:
        if programme.end and window_start.astimezone(tz).date() > programme.end:
            break
        window_end = window_start + step
        slots.extend(programme_slots(programme, tz, window_start, window_end))
        window_start = window_end
    return slots[:count]


# -- working hours ---------------------------------------------------------------------------


def in_working_hours(moment: datetime, tz: tzinfo, hours: WorkingHours) -> bool:
    local = moment.astimezone(tz)
    return hours.works_on(local.date()) and hours.start <= local.time() < hours.end


def next_working_time(moment: datetime, tz: tzinfo, hours: WorkingHours) -> datetime:
    """`moment` if it is inside working hours, else the start of the next working period."""
    if in_working_hours(moment, tz, hours):
        return moment
    local = moment.astimezone(tz)
    for offset in range(15):
        day = local.date() + timedelta(days=offset)
        if not hours.works_on(day):
            continue
        start = place(datetime.combine(day, hours.start), tz)
        if start > moment.astimezone(UTC):
            return start
    raise ValueError("no working hours in the next two weeks")


def previous_working_morning(moment: datetime, tz: tzinfo, hours: WorkingHours) -> datetime | None:
    """The latest start of working hours at or before `moment` (None if none in two weeks)."""
    local = moment.astimezone(tz)
    for offset in range(15):
        day = local.date() - timedelta(days=offset)
        if not hours.works_on(day):
            continue
        start = place(datetime.combine(day, hours.start), tz)
        if start <= moment.astimezone(UTC):
            return start
    return None


def reminder_time(
    closes_at: datetime, before: timedelta | None, now: datetime, tz: tzinfo, hours: WorkingHours
) -> datetime | None:
    """When to remind before a close: `before` ahead of it, moved to the last working morning
    before that when working hours would hold it back until after the close (a Saturday reminder
    for a Monday close). None when there is no reminder or its time has passed."""
    if before is None:
        return None
    remind_at = closes_at - before
    if next_working_time(remind_at, tz, hours) >= closes_at:
        remind_at = previous_working_morning(remind_at, tz, hours) or remind_at
    return remind_at if remind_at > now else None
