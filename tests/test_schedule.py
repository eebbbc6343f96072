"""The scheduler across processes: a restart in the middle of a fan-out, the one-scheduler lock,
and the APScheduler jobs it builds (checked through their triggers, never by waiting)."""

import os
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.core.messenger import LocalMessenger
from bot.schedule.jobs import ScheduleJobs
from bot.schedule.scheduler import (
    STALE_AFTER,
    DailyJob,
    ProgrammeScheduler,
    ScheduleError,
    SchedulerLocked,
    start_scheduler,
)
from bot.schedule.slots import next_slots
from bot.store.database import Store
from bot.store.schedule import ScheduleStore
from tests.conftest import Clock
from tests.schedule_helpers import local, make_services, network_with, programme, prompts_per_member

TUESDAY_NINE = local(2026, 11, 24, 9, 0).astimezone(UTC)


class Crash(BaseException):
    """The process dies (not an error the code could handle)."""


class CrashingMessenger(LocalMessenger):
    """Slack as the members see it (`sent`), and a process that dies during its n-th DM: after the
    DM landed (`after_sending`) or before. A dead process sends nothing more: every later DM a
    sending thread tries fails the same way."""

    def __init__(self, sent: list, crash_at: int, after_sending: bool):
        super().__init__()
        self.sent = sent
        self.crash_at = crash_at
        self.after_sending = after_sending
        self.calls = 0
        self.lock = threading.Lock()

    def send_prompt(self, member, round, prompt):
        with self.lock:
            self.calls += 1
            call = self.calls
        if call > self.crash_at or call == self.crash_at and not self.after_sending:
            raise Crash()
        ref = super().send_prompt(member, round, prompt)
        if call == self.crash_at:
            raise Crash()
        return ref


@pytest.mark.parametrize("after_sending", [True, False], ids=["dm-landed", "dm-lost"])
def test_a_restart_in_the_middle_of_a_fan_out_gives_each_member_exactly_one_dm(
    db_path, network, library, after_sending
):
    net = network_with(network, programme(id="tue", audience=["silkeborg", "herning"]))
    clock = Clock(TUESDAY_NINE)
    slack = LocalMessenger()  # what reached the members survives the crash
    first = make_services(
        Store(db_path), net, library, CrashingMessenger(slack.sent, 7, after_sending), clock
    )
    with pytest.raises(Crash):
        ScheduleJobs(first).startup()
    states = [d.status for d in first.store.deliveries(1)]
    # The fan-out claims a batch at a time (bot.core.delivery_batches): all 20 at once here, so
    # the 14 it never got to are left 'sending' with the one it died on.
    assert states.count("sent") == 6 and states.count("sending") == 14
    first.store.close()

    clock.advance(minutes=3)
    second = make_services(Store(db_path), net, library, slack, clock)
    report = ScheduleJobs(second).startup()
    counts = prompts_per_member(slack)
    assert len(counts) == 20 and set(counts.values()) == {1}
    assert {d.status for d in second.store.deliveries(1)} == {"sent"}
    assert report.delivered == (13 if after_sending else 14)
    assert [r.status for r in ScheduleStore(second.store).slots("tue")] == ["started"]
    assert len(second.store.rounds()) == 1
    # The DM found in the chat keeps its place, so answers in its thread still find the round.
    crashed = second.store.deliveries(1)[6]
    assert (
        crashed.ref.message
        == slack.find_prompt(net.member(crashed.member_id), second.store.round(1)).message
    )


def two_processes(db_path, network, library, clock_a, clock_b):
    a = ProgrammeScheduler(
        make_services(Store(db_path), network, library, LocalMessenger(), clock_a),
        holder="host-a:1",
    )
    b = ProgrammeScheduler(
        make_services(Store(db_path), network, library, LocalMessenger(), clock_b),
        holder="host-b:2",
    )
    return a, b


def test_a_second_process_refuses_to_start_its_scheduler_and_says_why(db_path, network, library):
    clock = Clock(TUESDAY_NINE)
    net = network_with(network)
    a, b = two_processes(db_path, net, library, clock, clock)
    a.start()
    try:
        with pytest.raises(SchedulerLocked) as caught:
            b.start()
        message = str(caught.value)
        assert "another flipbot process already runs the scheduler" in message
        assert "host-a:1" in message and str(db_path) in message
        assert not b.running and a.running
    finally:
        a.shutdown()
    b.start()  # the lock was released at shutdown
    assert b.running
    assert ScheduleStore(b.services.store).lock_holder().holder == "host-b:2"
    b.shutdown()
    assert ScheduleStore(b.services.store).lock_holder() is None


def test_a_stale_lock_is_taken_over_and_the_old_holder_stops(db_path, network, library):
    net = network_with(network, programme(id="tue", audience=["silkeborg"]))
    clock_a, clock_b = (
        Clock(TUESDAY_NINE - timedelta(hours=1)),
        Clock(TUESDAY_NINE - timedelta(hours=1)),
    )
    a, b = two_processes(db_path, net, library, clock_a, clock_b)
    a.acquire()
    clock_a.advance(seconds=30)
    assert a.heartbeat()
    clock_b.now = clock_a.now + STALE_AFTER - timedelta(seconds=1)
    with pytest.raises(SchedulerLocked):
        b.acquire()
    clock_b.now = clock_a.now + STALE_AFTER + timedelta(seconds=1)  # a stalled: no heartbeat
    b.acquire()
    assert not a.heartbeat()
    assert a.jobs.stopped
    clock_a.now = TUESDAY_NINE
    assert a.jobs.sweep() is None and a.jobs.run_programme("tue") == []
    assert a.services.store.rounds() == []


def test_jobs_have_stable_ids_and_explicit_misfire_settings(db_path, network, library):
    net = network_with(
        network,
        programme(id="tue"),
        programme(id="first-thu", theme="inddragelse", schedule="30 9 1-7 * thu"),
    )
    ran = []
    retention = DailyJob("retention", lambda: ran.append("retention"), "15 3 * * *")
    services = make_services(Store(db_path), net, library, LocalMessenger(), Clock(TUESDAY_NINE))
    scheduler = start_scheduler(services, extra_jobs=[retention])
    try:
        jobs = {job.id: job for job in scheduler._scheduler.get_jobs()}
        assert set(jobs) >= {
            "programme:tue",
            "programme:first-thu",
            "sweep",
            "heartbeat",
            "retention",
        }
        for programme_id in ("tue", "first-thu"):
            job = jobs[f"programme:{programme_id}"]
            assert isinstance(job.trigger, CronTrigger)
            assert str(job.trigger.timezone) == "Europe/Copenhagen"
            assert job.misfire_grace_time == 6 * 3600 and job.coalesce is True
            # The job's next firing is the programme's next slot.
            after = datetime.now(UTC)
            expected = next_slots(net.programme(programme_id), net.tz, after, 1)[0].at
            assert job.next_run_time == expected
        assert jobs["retention"].next_run_time.astimezone(net.tz).strftime("%H:%M") == "03:15"
        assert jobs["sweep"].coalesce is True
        jobs["retention"].func()
        assert ran == ["retention"]
    finally:
        scheduler.shutdown()
    assert not scheduler.running
    # A stopped scheduler's extra jobs do nothing even if called.
    jobs["retention"].func()
    assert ran == ["retention"]


def test_start_refuses_unknown_prompt_ids_before_taking_the_lock(db_path, network, library):
    net = network_with(network, programme(id="typo", prompts=["samtale-99"]))
    services = make_services(Store(db_path), net, library, LocalMessenger(), Clock(TUESDAY_NINE))
    with pytest.raises(ScheduleError, match="unknown prompt id 'samtale-99'"):
        start_scheduler(services)
    assert ScheduleStore(services.store).lock_holder() is None


def test_a_lock_left_by_a_crashed_process_on_this_host_is_taken_over_at_once(
    db_path, network, library
):
    clock = Clock(TUESDAY_NINE)
    net = network_with(network)
    # The process before a restart (same host, same pid in a container) took the lock and died.
    before = make_services(Store(db_path), net, library, LocalMessenger(), clock)
    holder = f"{socket.gethostname()}:{os.getpid()}:before-restart"
    assert ScheduleStore(before.store).acquire_lock(holder, clock(), clock() - STALE_AFTER)
    elsewhere = ProgrammeScheduler(
        make_services(Store(db_path), net, library, LocalMessenger(), clock),
        holder="another-host:4242:x",
    )
    restarted = ProgrammeScheduler(
        make_services(Store(db_path), net, library, LocalMessenger(), clock)
    )
    restarted.acquire()
    assert ScheduleStore(restarted.services.store).lock_holder().holder == restarted.holder
    with pytest.raises(SchedulerLocked):
        elsewhere.acquire()  # a live holder elsewhere is never taken over before it goes stale
