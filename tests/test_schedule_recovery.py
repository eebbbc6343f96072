"""Kill and restart in the middle of a fan-out: a round a facilitator started by hand resumes at
once, whatever the hour; a scheduled round keeps waiting for working hours."""

from datetime import UTC, timedelta

from bot.core.messenger import LocalMessenger
from bot.schedule.jobs import ScheduleJobs
from bot.store.database import Store
from tests.conftest import Clock
from tests.schedule_helpers import local, make_services, network_with, programme, prompts_per_member
from tests.test_schedule import Crash, CrashingMessenger

AUDIENCE = ["silkeborg", "herning"]  # 20 brokers in the example network
TUESDAY_EVENING = local(2026, 11, 24, 20, 0).astimezone(UTC)
TUESDAY_NINE = local(2026, 11, 24, 9, 0).astimezone(UTC)
WEDNESDAY_EIGHT = local(2026, 11, 25, 8, 0).astimezone(UTC)


def crash_after_four_dms(db_path, net, library, clock, slack, start):
    """The first process: sends 4 DMs, dies while sending the 5th (which never lands). It had
    claimed all 20 in one batch, so the 16 it never sent are left 'sending' too."""
    first = make_services(
        Store(db_path), net, library, CrashingMessenger(slack.sent, 5, False), clock
    )
    try:
        start(first)
    except Crash:
        pass
    else:
        raise AssertionError("the first process was meant to die mid fan-out")
    states = [d.status for d in first.store.deliveries(1)]
    assert (states.count("sent"), states.count("sending"), states.count("pending")) == (4, 16, 0)
    first.store.close()


def test_a_manual_round_interrupted_in_the_evening_resumes_at_restart(db_path, network, library):
    net = network_with(network)
    clock = Clock(TUESDAY_EVENING)
    slack = LocalMessenger()  # what reached the members survives the crash

    def start_by_hand(services):
        prompt = library.get("samtale-01")
        services.rounds.start_round(prompt, AUDIENCE, clock() + timedelta(days=5), "U0FACI001")

    crash_after_four_dms(db_path, net, library, clock, slack, start_by_hand)

    clock.advance(minutes=2)  # still evening: outside working hours
    second = make_services(Store(db_path), net, library, slack, clock)
    report = ScheduleJobs(second).startup()

    assert not report.working_hours
    assert report.delivered == 16
    counts = prompts_per_member(slack)
    assert len(counts) == 20 and set(counts.values()) == {1}
    assert {d.status for d in second.store.deliveries(1)} == {"sent"}


def test_a_scheduled_round_interrupted_keeps_waiting_for_working_hours(db_path, network, library):
    net = network_with(network, programme(id="tue", audience=AUDIENCE))
    clock = Clock(TUESDAY_NINE)
    slack = LocalMessenger()

    crash_after_four_dms(db_path, net, library, clock, slack, lambda s: ScheduleJobs(s).startup())

    clock.now = TUESDAY_EVENING  # restarted after working hours
    second = make_services(Store(db_path), net, library, slack, clock)
    jobs = ScheduleJobs(second)
    report = jobs.startup()
    assert not report.working_hours and report.delivered == 0
    assert len(prompts_per_member(slack)) == 4
    assert [d.status for d in second.store.deliveries(1)].count("pending") == 16

    clock.now = WEDNESDAY_EIGHT + timedelta(minutes=1)  # the next working morning
    morning = jobs.sweep()
    assert morning.working_hours and morning.delivered == 16
    counts = prompts_per_member(slack)
    assert len(counts) == 20 and set(counts.values()) == {1}
