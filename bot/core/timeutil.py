"""Durations ("90m", "5d"), cron expressions and aware time, shared by the network file and the scheduler."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from apscheduler.triggers.cron import CronTrigger

_DURATION = re.compile(r"^\s*(\d+)\s*([mhtdwu])\s*$", re.IGNORECASE)
# English units, plus the Danish and Norwegian t (time/timer) for hours and u (uge/uke) for weeks.
_UNITS = {"m": "minutes", "h": "hours", "t": "hours", "d": "days", "w": "weeks", "u": "weeks"}
_DOW_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_duration(text: str) -> timedelta:
    """'90m', '36h', '5d', '2w' -> timedelta; anything else raises ValueError."""
    match = _DURATION.match(str(text))
    if not match or int(match.group(1)) == 0:
        raise ValueError(
            f"not a duration: {text!r} (use a positive number and m, h, d or w: 90m, 36h, 5d, 2w)"
        )
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def format_duration(delta: timedelta) -> str:
    """The shortest exact form of a duration: timedelta(days=14) -> '2w'."""
    minutes = int(delta.total_seconds() // 60)
    for unit, size in (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def zone(name: str) -> ZoneInfo:
    """An IANA timezone, or ValueError naming the bad name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r} (use an IANA name such as Europe/Copenhagen)"
        ) from None


def _dow_to_names(field: str) -> str:
    """Standard cron counts Sunday as 0 (and 7); APScheduler counts Monday as 0. Use names instead."""

    def one(token: str) -> str:
        if token.isdigit():
            number = int(token)
            if number > 7:
                raise ValueError(f"day of week {number} is out of range 0-7")
            return _DOW_NAMES[number]
        return token

    parts = []
    for part in field.split(","):
        step = ""
        if "/" in part:
            part, step = part.split("/", 1)
            step = "/" + step
            if part in ("*", ""):
                # A step over numbered days: expand so APScheduler's Monday-based count does not apply.
                numbers = range(0, 7, int(step[1:]))
                parts.append(",".join(_DOW_NAMES[n] for n in numbers))
                continue
        if "-" in part:
            low, high = part.split("-", 1)
            if low.isdigit() and high.isdigit() and int(high) == 7 and int(low) > 0:
                parts.append(f"{one(low)}-sat,sun{step}")
                continue
            parts.append(f"{one(low)}-{one(high)}{step}")
        else:
            parts.append(one(part) + step)
    return ",".join(parts)


def cron_trigger(expression: str, timezone: tzinfo) -> CronTrigger:
    """A 5-field cron expression (standard cron meaning) as an APScheduler trigger; ValueError if bad."""
    fields = str(expression).split()
    if len(fields) != 5:
        raise ValueError(
            f"cron expression {expression!r} must have 5 fields (minute hour day month weekday)"
        )
    minute, hour, day, month, dow = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_dow_to_names(dow.lower()),
            timezone=timezone,
        )
    except ValueError as exc:
        raise ValueError(f"bad cron expression {expression!r}: {exc}") from None


def next_fire_times(trigger: CronTrigger, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times of a trigger strictly after `after`."""
    times: list[datetime] = []
    previous = None
    now = after + timedelta(microseconds=1)
    while len(times) < count:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        times.append(fire)
        previous = fire
        # In UTC: adding to a local time resets `fold`, turning the clock back an hour in October.
        now = fire.astimezone(UTC) + timedelta(seconds=1)
    return times


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    """Storage is UTC; refuse naive times rather than guess their zone."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: all times in flipbot carry a timezone")
    return moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else to_utc(moment).isoformat()


def parse_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # by date.weekday()


def next_working_morning(
    now: datetime, timezone: tzinfo, works_on: Callable[[date], bool], at: time
) -> datetime:
    """The first `at` local time on a working day strictly after today (for snooze: 'tomorrow')."""
    local = now.astimezone(timezone)
    day = local.date()
    for _ in range(14):
        day = day + timedelta(days=1)
        if works_on(day):
            return datetime.combine(day, at, tzinfo=timezone)
    raise ValueError("no working day in the next two weeks")


def after_working_days(
    now: datetime, timezone: tzinfo, works_on: Callable[[date], bool], days: int, at: time
) -> datetime:
    """`at` local time on the `days`-th working day after today (a deadline in working days)."""
    day = now.astimezone(timezone).date()
    counted = 0
    for _ in range(days * 3 + 21):
        day = day + timedelta(days=1)
        if works_on(day):
            counted += 1
            if counted == days:
                return datetime.combine(day, at, tzinfo=timezone)
    raise ValueError(f"no {days} working days in the weeks ahead")


@cache
def _danish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=year, language="da").keys())


def is_holiday(day: date) -> bool:
    """A Danish public holiday (the `holidays` package's calendar for DK, public category)."""
    return day in _danish_holidays(day.year)
