"""Programme slots in wall-clock time (DST, holidays, start/end) and working hours."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.network import WorkingHours
from bot.core.timeutil import cron_trigger, next_fire_times
from bot.schedule.slots import (
    in_working_hours,
    is_holiday,
    next_slots,
    next_working_time,
    previous_working_morning,
    programme_slots,
)
from tests.schedule_helpers import CPH, local, programme


def keys(slots):
    return [s.key for s in slots]


def test_weekly_slots_fall_on_tuesdays_at_nine_local():
    slots = programme_slots(programme(), CPH, local(2026, 11, 1), local(2026, 11, 30))
    assert keys(slots) == [
        "2026-11-03T09:00",
        "2026-11-10T09:00",
        "2026-11-17T09:00",
        "2026-11-24T09:00",
    ]
    assert slots[0].at == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def test_the_window_is_after_exclusive_until_inclusive():
    nine = local(2026, 11, 3, 9, 0)
    assert programme_slots(programme(), CPH, nine, nine + timedelta(days=1)) == []
    assert keys(programme_slots(programme(), CPH, nine - timedelta(seconds=1), nine)) == [
        "2026-11-03T09:00"
    ]


def test_march_change_neither_skips_nor_doubles_a_0230_slot():
    daily = programme(schedule="30 2 * * *")
    slots = programme_slots(daily, CPH, local(2026, 3, 27), local(2026, 3, 31))
    assert keys(slots) == [
        "2026-03-27T02:30",
        "2026-03-28T02:30",
        "2026-03-29T02:30",
        "2026-03-30T02:30",
    ]
    # 02:30 does not exist on 29 March: it falls due at 03:30 summer time, as APScheduler fires it.
    assert slots[2].at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert slots[2].at.astimezone(CPH).strftime("%H:%M %Z") == "03:30 CEST"


def test_march_change_keeps_both_half_hours_of_the_missing_hour():
    # APScheduler's own trigger skips 02:30 here; the wall-clock slots do not.
    half_hourly = programme(schedule="*/30 2 * * *")
    slots = programme_slots(half_hourly, CPH, local(2026, 3, 29), local(2026, 3, 29, 12))
    assert keys(slots) == ["2026-03-29T02:00", "2026-03-29T02:30"]
    assert slots[0].at < slots[1].at


def test_october_change_runs_the_doubled_0230_once():
    daily = programme(schedule="30 2 * * *")
    slots = programme_slots(daily, CPH, local(2026, 10, 23), local(2026, 10, 28))
    assert keys(slots) == [
        "2026-10-23T02:30",
        "2026-10-24T02:30",
        "2026-10-25T02:30",
        "2026-10-26T02:30",
        "2026-10-27T02:30",
    ]
    assert slots[2].at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first, summer-time 02:30


@pytest.mark.parametrize(("month", "day"), [(3, 29), (10, 25)])
def test_a_nine_oclock_slot_stays_at_nine_across_both_changes(month, day):
    daily = programme(schedule="0 9 * * *")
    slots = programme_slots(daily, CPH, local(2026, month, day - 2), local(2026, month, day + 2))
    assert [s.at.astimezone(CPH).hour for s in slots] == [9, 9, 9, 9]
    assert len({s.at for s in slots}) == 4


def test_danish_public_holidays():
    assert is_holiday(date(2026, 4, 3))  # Langfredag
    assert is_holiday(date(2026, 12, 25))
    assert not is_holiday(date(2026, 4, 7))


def test_skip_holidays_leaves_out_easter_but_not_the_days_around_it():
    daily = programme(schedule="0 9 * * 1-5", skip_holidays=True)
    slots = programme_slots(daily, CPH, local(2026, 3, 30), local(2026, 4, 10, 12))
    assert keys(slots) == [
        "2026-03-30T09:00",
        "2026-03-31T09:00",
        "2026-04-01T09:00",
        # 2 April (Skærtorsdag), 3 April (Langfredag) and 6 April (2. påskedag) are holidays
        "2026-04-07T09:00",
        "2026-04-08T09:00",
        "2026-04-09T09:00",
        "2026-04-10T09:00",
    ]
    without = programme(schedule="0 9 * * 1-5")
    assert len(programme_slots(without, CPH, local(2026, 3, 30), local(2026, 4, 10, 12))) == 10


def test_start_and_end_dates_bound_the_slots():
    bounded = programme(start=date(2026, 11, 10), end=date(2026, 11, 17))
    slots = programme_slots(bounded, CPH, local(2026, 11, 1), local(2026, 12, 31))
    assert keys(slots) == ["2026-11-10T09:00", "2026-11-17T09:00"]
    assert keys(next_slots(bounded, CPH, local(2026, 11, 1), 5)) == keys(slots)
    assert next_slots(bounded, CPH, local(2026, 11, 18), 3) == []


def test_next_slots_reach_past_a_month_without_runs():
    yearly = programme(schedule="0 9 1 6 *")
    assert keys(next_slots(yearly, CPH, local(2026, 11, 1), 2)) == [
        "2027-06-01T09:00",
        "2028-06-01T09:00",
    ]


HOURS = WorkingHours()


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (local(2026, 11, 23, 8, 0), True),  # Monday 08:00
        (local(2026, 11, 23, 15, 59), True),
        (local(2026, 11, 23, 16, 0), False),
        (local(2026, 11, 23, 7, 59), False),
        (local(2026, 11, 28, 10, 0), False),  # Saturday
    ],
)
def test_working_hours(moment, inside):
    assert in_working_hours(moment, CPH, HOURS) is inside


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 11, 23, 10, 0), local(2026, 11, 23, 10, 0)),  # inside: now
        (local(2026, 11, 23, 6, 0), local(2026, 11, 23, 8, 0)),  # early: this morning
        (local(2026, 11, 23, 17, 0), local(2026, 11, 24, 8, 0)),  # evening: tomorrow
        (local(2026, 11, 27, 16, 30), local(2026, 11, 30, 8, 0)),  # Friday evening: Monday
        (local(2026, 3, 29, 2, 30), local(2026, 3, 30, 8, 0)),  # DST Sunday night: Monday
    ],
)
def test_next_working_time(moment, expected):
    assert next_working_time(moment, CPH, HOURS) == expected


def test_configured_working_hours_are_honoured():
    hours = WorkingHours(start="09:30", end="14:00", days=["mon", "wed"])
    assert next_working_time(local(2026, 11, 24, 10, 0), CPH, hours) == local(2026, 11, 25, 9, 30)
    assert not in_working_hours(local(2026, 11, 23, 14, 0), CPH, hours)


def test_public_holidays_are_not_working_days_unless_the_network_works_them():
    # Easter 2026: Skærtorsdag 2 April, Langfredag 3 April, 2. påskedag 6 April.
    wednesday_evening = local(2026, 4, 1, 17, 0)
    assert next_working_time(wednesday_evening, CPH, HOURS) == local(2026, 4, 7, 8, 0)
    assert not in_working_hours(local(2026, 12, 25, 10, 0), CPH, HOURS)
    assert previous_working_morning(local(2026, 4, 6, 10, 0), CPH, HOURS) == local(2026, 4, 1, 8)
    worked = WorkingHours(skip_holidays=False)
    assert next_working_time(wednesday_evening, CPH, worked) == local(2026, 4, 2, 8, 0)
    assert in_working_hours(local(2026, 12, 25, 10, 0), CPH, worked)


def test_next_fire_times_moves_on_past_the_october_change():
    # `flipbot network check` lists next runs with this helper; it used to repeat 02:30 forever.
    times = next_fire_times(cron_trigger("30 2 * * *", CPH), local(2026, 10, 24, 12), 4)
    instants = [t.astimezone(UTC) for t in times]
    assert instants == sorted(set(instants))
    assert f"{times[-1]:%d}" == "27"
