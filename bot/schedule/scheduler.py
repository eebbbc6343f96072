"""APScheduler wiring: programmes -> rounds jobs, the minute sweep, the one-scheduler lock.

The scheduler is rebuilt at every start from the network file and the database; APScheduler keeps
no state of its own (a memory job store), so the database alone says what has run. What each job
does lives in bot/schedule_jobs.py; this module only decides when APScheduler calls it.

Use: `scheduler = start_scheduler(services)` when the bot starts, `scheduler.shutdown()` when it
stops. A second process on the same database gets SchedulerLocked from start().
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.services import Services
from bot.core.timeutil import cron_trigger, utcnow
from bot.schedule.jobs import ScheduleError, ScheduleJobs
from bot.store.schedule import ScheduleStore

logger = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)
HEARTBEAT_EVERY = timedelta(seconds=30)
# A lock whose holder has not beaten its heart for this long is taken to be dead and may be taken over.
STALE_AFTER = timedelta(minutes=2)

__all__ = [
    "DailyJob",
    "ProgrammeScheduler",
    "ScheduleError",
    "SchedulerLocked",
    "build_scheduler",
    "start_scheduler",
]


# Lock holder ids of the schedulers alive in this process.
_LIVE_HOLDERS: set[str] = set()


class SchedulerLocked(Exception):
    """Another process runs the scheduler on this database; this one must not send anything."""


@dataclass(frozen=True)
class DailyJob:
    """An extra job for the scheduler (retention, housekeeping): a stable id, a callable without
    arguments and a 5-field cron expression in the network's timezone."""

    id: str
    func: Callable[[], object]
    cron: str = "15 3 * * *"


class ProgrammeScheduler:
    """One process's scheduler: holds the database lock while it runs, and its APScheduler jobs."""

    def __init__(
        self,
        services: Services,
        *,
        extra_jobs: Iterable[DailyJob] = (),
        clock: Callable[[], datetime] | None = None,
        holder: str | None = None,
        max_workers: int = 4,
    ):
        self.services = services
        self.network = services.network
        self.jobs = ScheduleJobs(services, clock)
        self.clock = self.jobs.clock
        self.records = ScheduleStore(services.store)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.extra_jobs = list(extra_jobs)
        self.max_workers = max_workers
        self._scheduler: BackgroundScheduler | None = None
        self._state = threading.Lock()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def start(self) -> None:
        """Check the programmes, take the lock, and start the jobs; the catch-up runs at once in the
        scheduler's threads. Raises ScheduleError or SchedulerLocked (nothing is started then)."""
        with self._state:
            if self.running:
                return
            self.jobs.check_programmes()
            self.acquire()
            try:
                self.jobs.stopped = False
                self.jobs.note_sending()
                self._scheduler = self._build()
                self._scheduler.start()
            except BaseException:
                self.records.release_lock(self.holder)
                _LIVE_HOLDERS.discard(self.holder)
                raise
        logger.info(
            "scheduler started (%s, %d programme(s), lock holder %s)",
            self.network.timezone,
            len(self.network.programmes),
            self.holder,
        )

    def shutdown(self, wait: bool = True) -> None:
        """Stop the jobs (waiting for running ones unless wait=False) and release the lock."""
        with self._state:
            self.jobs.stopped = True
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=wait)
            self._scheduler = None
            self.records.release_lock(self.holder)
            _LIVE_HOLDERS.discard(self.holder)
        logger.info("scheduler stopped")

    # -- the lock ---------------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the database's scheduler lock or raise SchedulerLocked naming its holder."""
        now = self.clock()
        taken = self.records.acquire_lock(self.holder, now, now - STALE_AFTER)
        other = None if taken else self.records.lock_holder()
        # Restarted after a crash on the same machine: no need to wait for the lock to go stale.
        if other is not None and _dead_on_this_host(other.holder):
            taken = self.records.acquire_lock(self.holder, now, now + STALE_AFTER)
            if taken:
                logger.warning("took over the scheduler lock of %s (not running)", other.holder)
        if taken:
            _LIVE_HOLDERS.add(self.holder)
            return
        who = (
            f"{other.holder}, last heartbeat {other.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"
            if other
            else "?"
        )
        raise SchedulerLocked(
            f"another flipbot process already runs the scheduler on {self.services.store.path} "
            f"({who}); this process will not send anything on a schedule. Stop the other process, "
            f"or wait {int(STALE_AFTER.total_seconds() // 60)} minutes after it stopped."
        )

    def heartbeat(self) -> bool:
        """Renew the lock. If another process took it over (we stalled), stop scheduling at once."""
        if self.records.beat(self.holder, self.clock()):
            return True
        logger.error(
            "scheduler lock lost to %s: this process stops its scheduled jobs",
            (self.records.lock_holder() or "nobody"),
        )
        self.jobs.stopped = True
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.pause()
        return False

    # -- jobs -------------------------------------------------------------------------------

    def _build(self) -> BackgroundScheduler:
        tz = self.network.tz
        grace = int(self.network.misfire_grace.total_seconds())
        # APScheduler's defaults (misfire_grace_time=1 s, coalesce=True) are set here on purpose.
        scheduler = BackgroundScheduler(
            timezone=tz,
            executors={"default": ThreadPoolExecutor(self.max_workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        )
        for programme in self.network.programmes:
            # Punctuality only: the sweep runs the same slots a minute later if this trigger
            # misses one, and a second firing (the October 02:30) finds the slot recorded.
            scheduler.add_job(
                self.jobs.run_programme,
                trigger=self.programme_trigger(programme.id),
                args=[programme.id],
                id=f"programme:{programme.id}",
                name=f"programme {programme.id}",
                replace_existing=True,
                misfire_grace_time=grace,
                coalesce=True,
            )
        # The first sweep runs at once: it settles what a crash left 'sending' (noted in start())
        # and catches up on slots, closes and reminders that fell due while the bot was down.
        scheduler.add_job(
            self.jobs.sweep,
            trigger=IntervalTrigger(seconds=int(SWEEP_EVERY.total_seconds()), timezone=tz),
            next_run_time=utcnow(),
            id="sweep",
            name="closes, waiting prompts, reminders",
            replace_existing=True,
            misfire_grace_time=int(SWEEP_EVERY.total_seconds()),
            coalesce=True,
        )
        scheduler.add_job(
            self.heartbeat,
            trigger=IntervalTrigger(seconds=int(HEARTBEAT_EVERY.total_seconds()), timezone=tz),
            id="heartbeat",
            name="scheduler lock heartbeat",
            replace_existing=True,
            misfire_grace_time=int(HEARTBEAT_EVERY.total_seconds()),
            coalesce=True,
        )
        for job in self.extra_jobs:
            scheduler.add_job(
                self._guarded(job.func),
                trigger=cron_trigger(job.cron, tz),
                id=job.id,
                name=job.id,
                replace_existing=True,
                misfire_grace_time=grace,
                coalesce=True,
            )
        return scheduler

    def _guarded(self, func: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            if self.jobs.stopped:
                return None
            return func()

        return run

    def programme_trigger(self, programme_id: str):
        """The APScheduler trigger of a programme's job (cron in the network's timezone)."""
        programme = self.network.programme(programme_id)
        if programme is None:
            raise ScheduleError(f"no programme {programme_id!r} in the network file")
        return cron_trigger(programme.schedule, self.network.tz)


def _dead_on_this_host(holder: str) -> bool:
    """A lock holder id (host:pid:random) of a process on this machine that no longer runs, or with
    our pid but none of our live schedulers (a restarted container gets the same pid again)."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return holder not in _LIVE_HOLDERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it runs, under another user
    return False


def build_scheduler(
    services: Services,
    *,
    extra_jobs: Iterable[DailyJob] = (),
    clock: Callable[[], datetime] | None = None,
) -> ProgrammeScheduler:
    """A scheduler for these services, not yet started (call start())."""
    return ProgrammeScheduler(services, extra_jobs=extra_jobs, clock=clock)


def start_scheduler(
    services: Services,
    *,
    extra_jobs: Iterable[DailyJob] = (),
    clock: Callable[[], datetime] | None = None,
) -> ProgrammeScheduler:
    """Build and start the scheduler; raises ScheduleError or SchedulerLocked with a clear message."""
    scheduler = build_scheduler(services, extra_jobs=extra_jobs, clock=clock)
    scheduler.start()
    return scheduler
