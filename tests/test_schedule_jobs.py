"""The scheduler's jobs, called directly with a controllable clock: slots, DST, misfires, working
hours, reminders and closes after downtime, rotation."""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.schedule.jobs import ScheduleError, ScheduleJobs, programme_prompt_problems
from bot.schedule.scheduler import ProgrammeScheduler
from bot.store.schedule import ScheduleStore
from tests.schedule_helpers import (
    CPH,
    local,
    programme,
    prompts_per_member,
    utc,
)

SILKEBORG = {f"U0SILK{n:03}" for n in range(1, 11)}


def test_a_slot_on_a_holiday_waits_and_members_get_the_whole_window(services_for, clock, messenger):
    # Skærtorsdag 2026: the programme runs (no skip_holidays), the DMs wait for Tuesday after
    # Easter, and the five days to answer count from then.
    services = services_for(programme(id="thu", schedule="0 9 * * thu", audience=["silkeborg"]))
    clock.now = utc(2026, 4, 2, 9, 0, 5)
    outcome = ScheduleJobs(services).run_programme("thu")[-1]
    assert outcome.status == "started"
    assert prompts_per_member(messenger) == {}
    assert services.store.round(outcome.round_id).closes_at == local(2026, 4, 12, 8, 0)


def slot_statuses(services, programme_id):
    return [(r.slot, r.status) for r in ScheduleStore(services.store).slots(programme_id)]


def test_a_slot_starts_one_round_and_a_second_firing_does_nothing(services_for, clock, messenger):
    services = services_for(programme(id="tue", audience=["silkeborg"]))
    jobs = ScheduleJobs(services)
    clock.now = utc(2026, 11, 24, 9, 0, 5)
    outcomes = jobs.run_programme("tue")
    assert [o.status for o in outcomes] == ["started"]
    round = services.store.round(outcomes[-1].round_id)
    assert (round.programme_id, round.prompt_id, round.started_by) == (
        "tue",
        "samtale-01",
        "scheduler",
    )
    assert round.closes_at == local(2026, 11, 29, 9, 0)  # slot + respond_within (5d)
    assert prompts_per_member(messenger) == dict.fromkeys(SILKEBORG, 1)
    clock.advance(minutes=1)
    assert jobs.run_programme("tue") == []
    assert jobs.sweep().slots == []
    assert slot_statuses(services, "tue")[-1] == ("2026-11-24T09:00", "started")
    assert len(services.store.rounds()) == 1


def fire_times(trigger, start, end):
    """The trigger's firings between start and end, computed the way APScheduler's job does:
    the next fire time after each run, asked a moment after that run."""
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= end:
        yield fire
        # In UTC: adding to a local time resets `fold`, which would turn the clock back an hour.
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(milliseconds=5))


@pytest.mark.parametrize(("change_day", "trigger_firings"), [(29, 1), (25, 2)])
def test_dst_change_neither_skips_nor_doubles_a_0230_slot(
    services_for, clock, change_day, trigger_firings
):
    month = 3 if change_day == 29 else 10
    night = programme(
        id="night",
        schedule="30 2 * * *",
        audience=["silkeborg"],
        respond_within="2d",
        remind_before_close=None,
    )
    services = services_for(night)
    scheduler = ProgrammeScheduler(services)  # not started: its trigger and jobs are used directly
    start = local(2026, month, change_day - 2, 12, 0)
    end = local(2026, month, change_day + 2, 12, 0)
    clock.now = start.astimezone(UTC)
    scheduler.jobs.run_programme("night")  # a baseline slot, so the walk starts from a record
    events = [
        (f.astimezone(UTC), "job")
        for f in fire_times(scheduler.programme_trigger("night"), start, end)
    ]
    # The minute sweep across the night of the change as well.
    night_start = local(2026, month, change_day, 0, 0).astimezone(UTC)
    events += [(night_start + timedelta(minutes=m), "sweep") for m in range(0, 5 * 60)]
    on_change_day = [
        e for e, kind in events if kind == "job" and e.astimezone(CPH).day == change_day
    ]
    assert len(on_change_day) == trigger_firings  # APScheduler fires the October 02:30 twice
    for moment, kind in sorted(events):
        clock.now = moment
        if kind == "job":
            scheduler.jobs.run_programme("night")
        else:
            scheduler.jobs.sweep()
    rounds = [r for r in services.store.rounds() if r.programme_id == "night"]
    started = [s for s, status in slot_statuses(services, "night") if status == "started"]
    assert started == [
        f"2026-{month:02}-{d:02}T02:30" for d in range(change_day - 1, change_day + 3)
    ]
    assert len(rounds) == len(started)
    change_round = rounds[started.index(f"2026-{month:02}-{change_day:02}T02:30")]
    expected_utc = {
        29: datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        25: datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    }
    assert change_round.started_at == expected_utc[change_day]


def test_prompts_of_a_slot_outside_working_hours_wait_for_the_working_morning(
    services_for, clock, messenger
):
    services = services_for(programme(id="sat", schedule="0 10 * * sat", audience=["herning"]))
    jobs = ScheduleJobs(services)
    clock.now = utc(2026, 11, 28, 10, 0)  # Saturday
    [outcome] = [o for o in jobs.run_programme("sat") if o.status == "started"]
    deliveries = services.store.deliveries(outcome.round_id)
    assert {d.status for d in deliveries} == {"pending"} and len(deliveries) == 10
    for moment in (utc(2026, 11, 28, 15, 0), utc(2026, 11, 30, 7, 59)):
        clock.now = moment
        assert jobs.sweep().delivered == 0
    assert messenger.of_kind("prompt") == []
    clock.now = utc(2026, 11, 30, 8, 0)  # Monday morning
    assert jobs.sweep().delivered == 10
    assert jobs.sweep().delivered == 0
    assert set(prompts_per_member(messenger).values()) == {1}


def test_a_slot_missed_within_the_grace_runs_once_at_start(services_for, clock, messenger):
    services = services_for(programme(id="tue", audience=["silkeborg"]))
    clock.now = utc(2026, 11, 24, 14, 30)  # down since before 09:00; grace is 6h
    ScheduleJobs(services).startup()
    clock.advance(minutes=5)
    ScheduleJobs(services).startup()  # restarted again
    assert slot_statuses(services, "tue") == [("2026-11-24T09:00", "started")]
    assert prompts_per_member(messenger) == dict.fromkeys(SILKEBORG, 1)


def test_a_slot_older_than_the_grace_is_skipped_and_logged(services_for, clock, messenger, caplog):
    services = services_for(programme(id="tue", audience=["silkeborg"]), misfire_grace="2h")
    jobs = ScheduleJobs(services)
    clock.now = utc(2026, 11, 23, 9, 0)
    jobs.startup()  # the Monday before: baseline
    clock.now = utc(2026, 11, 24, 11, 30)
    with caplog.at_level(logging.WARNING, logger="bot.schedule.jobs"):
        outcomes = jobs.startup()
    assert [(o.slot, o.status) for o in outcomes.slots] == [("2026-11-24T09:00", "missed")]
    assert "2026-11-24T09:00" in caplog.text and "older than the grace" in caplog.text
    assert services.store.rounds() == [] and messenger.sent == []
    clock.now = utc(2026, 12, 1, 9, 0)
    assert [o.status for o in jobs.sweep().slots] == ["started"]


def test_several_slots_within_the_grace_run_only_the_newest(services_for, clock, messenger):
    services = services_for(
        programme(
            id="hourly",
            schedule="0 * * * *",
            audience=["silkeborg"],
            respond_within="2h",
            remind_before_close=None,
        )
    )
    jobs = ScheduleJobs(services)
    clock.now = utc(2026, 11, 24, 8, 0)
    jobs.run_programme("hourly")
    clock.now = utc(2026, 11, 24, 11, 30)
    outcomes = jobs.startup().slots
    assert [(o.slot, o.status) for o in outcomes] == [
        ("2026-11-24T09:00", "coalesced"),
        ("2026-11-24T10:00", "coalesced"),
        ("2026-11-24T11:00", "started"),
    ]
    assert len(services.store.rounds()) == 2


def test_reminders_and_closes_due_during_downtime_run_once_at_start(services_for, clock, messenger):
    monday = programme(
        id="mon", schedule="0 9 * * mon", audience=["silkeborg"], digest_channel="C0PROGDIG"
    )
    services = services_for(monday)
    clock.now = utc(2026, 11, 23, 9, 0)
    [round_id] = [o.round_id for o in ScheduleJobs(services).startup().slots if o.round_id]
    services.rounds.record_answer(round_id, "U0SILK001", {"q1": "svar"})
    clock.now = utc(2026, 11, 27, 11, 0)  # Friday: the reminder was due at 09:00
    assert ScheduleJobs(services).startup().reminded == 9
    assert ScheduleJobs(services).startup().reminded == 0
    clock.now = utc(2026, 11, 28, 12, 0)  # Saturday: the round closed at 09:00
    assert ScheduleJobs(services).startup().closed == [round_id]
    assert ScheduleJobs(services).startup().closed == []
    [summary] = messenger.of_kind("summary")
    assert summary.detail["channel"] == "C0PROGDIG"  # the programme's, not the network's
    assert len(messenger.of_kind("reminder")) == 9


def test_a_reminder_due_outside_working_hours_waits_for_the_morning(services_for, clock, messenger):
    services = services_for(
        programme(id="mon", schedule="0 9 * * mon", audience=["silkeborg"], respond_within="3d")
    )
    jobs = ScheduleJobs(services)
    clock.now = utc(2026, 11, 23, 9, 0)
    jobs.startup()  # closes Thursday 09:00, reminder Wednesday 09:00
    clock.now = utc(2026, 11, 25, 17, 0)
    assert jobs.startup().reminded == 0
    clock.now = utc(2026, 11, 26, 8, 0)
    assert jobs.sweep().reminded == 10
    clock.now = utc(2026, 11, 26, 9, 0)
    assert jobs.sweep().closed != []
    assert len(messenger.of_kind("reminder")) == 10


def test_a_weekend_reminder_is_moved_to_the_last_working_morning(services_for, clock):
    services = services_for(programme(id="tue", audience=["silkeborg"]))
    clock.now = utc(2026, 11, 24, 9, 0)
    [round_id] = [o.round_id for o in ScheduleJobs(services).run_programme("tue") if o.round_id]
    round = services.store.round(round_id)
    # Closes Sunday 09:00; a Saturday reminder would wait until after the close.
    assert round.closes_at == local(2026, 11, 29, 9, 0)
    assert round.remind_at == local(2026, 11, 27, 8, 0)


def test_a_snoozed_prompt_comes_back_at_the_next_working_morning_once(
    services_for, clock, messenger
):
    services = services_for(
        programme(id="fri", schedule="0 9 * * fri", audience=["silkeborg"], respond_within="6d")
    )
    jobs = ScheduleJobs(services)
    clock.now = utc(2026, 11, 27, 9, 0)
    [round_id] = [o.round_id for o in jobs.run_programme("fri") if o.round_id]
    clock.now = utc(2026, 11, 27, 13, 0)
    services.rounds.snooze(round_id, "U0SILK002")
    clock.now = utc(2026, 11, 30, 8, 29)
    assert jobs.sweep().reminded == 0
    clock.now = utc(2026, 11, 30, 8, 30)
    assert jobs.sweep().reminded == 1
    assert jobs.sweep().reminded == 0
    assert [r.member_id for r in messenger.of_kind("reminder")] == ["U0SILK002"]


def test_a_fixed_prompt_sequence_is_followed_then_repeats_least_recently_used(services_for, clock):
    fixed = programme(
        id="fixed",
        schedule="0 9 * * *",
        audience=["silkeborg"],
        prompts=["samtale-03", "helhed-01"],
        respond_within="12h",
        remind_before_close=None,
    )
    services = services_for(fixed)
    jobs = ScheduleJobs(services)
    used = []
    for day in (23, 24, 25):
        clock.now = utc(2026, 11, day, 9, 0)
        [round_id] = [o.round_id for o in jobs.sweep().slots if o.round_id]
        used.append(services.store.round(round_id).prompt_id)
    assert used == ["samtale-03", "helhed-01", "samtale-03"]


def test_theme_rotation_is_per_audience(services_for, clock):
    services = services_for(
        programme(
            id="rot",
            schedule="0 9 * * *",
            audience=["silkeborg"],
            respond_within="12h",
            remind_before_close=None,
        )
    )
    jobs = ScheduleJobs(services)
    used = []
    for day in (23, 24):
        clock.now = utc(2026, 11, day, 9, 0)
        jobs.sweep()
    used = [r.prompt_id for r in services.store.rounds()]
    assert used == ["samtale-01", "samtale-09"]  # the first, then the newest (see test_next_prompt)


def test_a_slot_that_cannot_start_is_recorded_as_failed_and_not_retried(
    services_for, clock, caplog
):
    services = services_for(programme(id="empty", audience=[]))
    jobs = ScheduleJobs(services)
    clock.now = utc(2026, 11, 24, 9, 0)
    with caplog.at_level(logging.ERROR, logger="bot.schedule.jobs"):
        assert [o.status for o in jobs.sweep().slots][-1] == "failed"
    assert "empty_audience" in caplog.text
    record = ScheduleStore(services.store).slot("empty", "2026-11-24T09:00")
    assert (record.status, record.error) == ("failed", "empty_audience")
    clock.advance(minutes=1)
    assert jobs.sweep().slots == []


def test_a_programme_channel_is_passed_to_its_rounds(services_for, clock):
    services = services_for(programme(id="chan", audience=["silkeborg"], channel="C0FLIPCHAN"))
    clock.now = utc(2026, 11, 24, 9, 0)
    ScheduleJobs(services).run_programme("chan")
    assert services.store.rounds()[0].channel == "C0FLIPCHAN"


def test_an_unknown_prompt_id_stops_the_scheduler_with_a_clear_error(services_for):
    services = services_for(programme(id="typo", prompts=["samtale-01", "samtale-99"]))
    with pytest.raises(ScheduleError) as caught:
        ScheduleJobs(services).check_programmes()
    assert "programme 'typo': unknown prompt id 'samtale-99'" in str(caught.value)
    assert "flipbot network check" in str(caught.value)
    problems = programme_prompt_problems(services.network, services.library)
    assert [p.message.split(":")[0] for p in problems] == ["programme 'typo'"]


def test_a_disabled_date_range_starts_nothing(services_for, clock):
    services = services_for(programme(id="later", audience=["silkeborg"], start=date(2027, 1, 1)))
    clock.now = utc(2026, 11, 24, 9, 0)
    assert ScheduleJobs(services).sweep().slots == []
    assert services.store.rounds() == []


def test_failed_prompts_are_retried_every_quarter_hour_up_to_three_attempts(
    services_for, clock, messenger
):
    services = services_for(programme(id="tue", audience=["silkeborg"]))
    jobs = ScheduleJobs(services)
    messenger.fail_for = {"U0SILK004", "U0SILK005"}
    clock.now = utc(2026, 11, 24, 9, 0)
    assert jobs.sweep().retried == 0  # the fan-out itself: two fail
    messenger.fail_for = {"U0SILK005"}  # one was a passing outage
    clock.now = utc(2026, 11, 24, 9, 14)
    assert jobs.sweep().retried == 0  # not yet a quarter of an hour
    clock.now = utc(2026, 11, 24, 9, 15)
    assert jobs.sweep().retried == 1
    for minutes in (30, 45, 60, 75):
        clock.now = utc(2026, 11, 24, 9, 0) + timedelta(minutes=minutes)
        jobs.sweep()
    gone = services.store.delivery(1, "U0SILK005")
    assert (gone.status, gone.attempts) == ("failed", 3)
    assert prompts_per_member(messenger) == dict.fromkeys(SILKEBORG - {"U0SILK005"}, 1)


def test_a_slot_is_claimed_once_in_the_database(db, clock):
    records = ScheduleStore(db)
    due = utc(2026, 11, 24, 9, 0)
    assert records.claim_slot("tue", "2026-11-24T09:00", due, clock())
    assert not records.claim_slot("tue", "2026-11-24T09:00", due, clock())
    assert records.claim_slot("other", "2026-11-24T09:00", due, clock())


def test_the_programme_job_and_the_sweep_firing_together_start_one_round(
    services_for, clock, messenger
):
    services = services_for(programme(id="tue", audience=["silkeborg"]))
    clock.now = utc(2026, 11, 24, 9, 0)
    job, sweeper = ScheduleJobs(services), ScheduleJobs(services)
    # As if the sweep read the slot records before the job wrote its own: only the claim guards.
    sweeper.records.last_slot_due = lambda programme_id: None
    assert [o.status for o in job.run_programme("tue")] == ["started"]
    assert [o.status for o in sweeper.sweep().slots] == ["already"]
    assert len(services.store.rounds()) == 1
    assert prompts_per_member(messenger) == dict.fromkeys(SILKEBORG, 1)
