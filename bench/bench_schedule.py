"""The scheduler at 100 times the seed network (5,000 brokers): what one minute's sweep costs.

Steady state (nothing due) runs every minute all day, so it must be cheap; a reminder wave and a
programme slot for everyone are the busy minutes. The messenger is in-process, so the figures are
flipbot's own cost (database and bookkeeping), not Slack's.
"""

from __future__ import annotations

import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.core.messenger import LocalMessenger
from bot.core.network import Network
from bot.core.rounds import RoundService
from bot.core.services import Services
from bot.core.settings import load_settings
from bot.prompts import load_library
from bot.schedule.jobs import ScheduleJobs
from bot.schedule.view import upcoming
from bot.store.database import Store

MUNICIPALITIES = 100
BROKERS_EACH = 50


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def big_network() -> Network:
    municipalities = [{"id": f"m{i:03}", "name": f"Kommune {i}"} for i in range(MUNICIPALITIES)]
    members = [
        {
            "slack_id": f"U{i:03}B{j:03}",
            "name": f"Broker {i}-{j}",
            "municipality": f"m{i:03}",
            "roles": ["broker"],
        }
        for i in range(MUNICIPALITIES)
        for j in range(BROKERS_EACH)
    ]
    programmes = [
        {"id": "weekly", "theme": "samtale", "schedule": "0 9 * * tue"},
        {"id": "monthly", "theme": "helhed", "schedule": "30 9 1-7 * thu"},
    ]
    return Network.model_validate(
        {
            "name": "bench",
            "municipalities": municipalities,
            "members": members,
            "programmes": programmes,
        }
    )


def timed(label: str, func, repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        result = func()
    elapsed = (time.perf_counter() - started) / repeat
    print(f"  {label:<58}{elapsed * 1000:>10.1f} ms")
    return result


def main() -> None:
    network = big_network()
    folder = Path(tempfile.mkdtemp(prefix="flipbot-bench-"))
    store = Store(folder / "bench.db")
    store.migrate()
    clock = Clock(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # Tuesday 09:00 in Copenhagen
    store.sync_members(network, clock())
    messenger = LocalMessenger()
    rounds = RoundService(store, network, load_library(), messenger, clock=clock)
    services = Services(load_settings(), store, network, load_library(), rounds)
    jobs = ScheduleJobs(services)
    print(
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{len(network.brokers())} brokers"
    )
    report = timed("slot for 5,000 brokers: record, start round, fan out", jobs.sweep)
    print(f"    sent {len(messenger.of_kind('prompt'))} prompts, slots {report.slots}")
    clock.now = clock.now.replace(minute=1)
    timed("steady-state sweep (one open round, nothing due)", jobs.sweep, repeat=10)
    timed("upcoming() for /flip status", lambda: upcoming(services, clock()), repeat=10)
    round = store.rounds()[0]
    clock.now = round.remind_at
    reminded = timed("reminder wave: 5,000 reminders in one sweep", jobs.sweep)
    print(f"    reminded {reminded.reminded}")
    clock.now = round.closes_at
    closed = timed("close at the deadline (updates 5,000 prompts, summary)", jobs.sweep)
    print(f"    closed {closed.closed}")


if __name__ == "__main__":
    main()
