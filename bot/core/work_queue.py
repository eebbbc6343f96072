"""A thread pool that takes work a person is waiting for before bulk work (issue 16).

A click's modal (Slack's trigger_id lives 3 s) and the update of the DM someone just answered go
before a round's fan-out, a reminder wave, a digest build or an export upload that were handed
over earlier; within one priority, first come first served.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from enum import IntEnum


class Priority(IntEnum):
    PERSON = 0  # someone is looking at the screen for this
    BULK = 1  # many members, nobody waits for the exact moment


class PeopleWaiting:
    """How many pieces of work a person waits for are queued or running, so bulk work that runs
    on threads of its own (a fan-out's sending threads) can step aside for them (`step_aside`):
    in one interpreter, a queue order alone does not stop 16 sending threads from taking the
    interpreter from the one thread opening a modal."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def enter(self) -> None:
        with self._changed:
            self._count += 1

    def leave(self) -> None:
        with self._changed:
            self._count -= 1
            if self._count == 0:
                self._changed.notify_all()

    def step_aside(self, timeout: float = 0.5) -> bool:
        """Wait while a person's work is pending, at most `timeout` seconds (bulk work must not
        starve either); True if none was pending by then. A person's own work never waits."""
        if getattr(_running, "priority", None) == Priority.PERSON:
            return True
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout=timeout)


_running = threading.local()  # .priority: of the work this pool thread runs now

# The process's one count: the after-ack pool adds to it, bulk senders read it.
people_waiting = PeopleWaiting()


class PriorityPool:
    """`workers` threads (started on first use) taking the most urgent work first."""

    def __init__(self, workers: int, name: str = "work"):
        self.workers = workers
        self.name = name
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()  # ties by arrival, and a Future is never compared
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, work: Callable[[], object], priority: Priority = Priority.PERSON) -> Future:
        future: Future = Future()
        if priority == Priority.PERSON:
            people_waiting.enter()
            future.add_done_callback(lambda _: people_waiting.leave())
        self._queue.put((int(priority), next(self._order), work, future))
        self._start()
        return future

    def take(self, block: bool = True) -> tuple[Callable[[], object], Future] | None:
        """The next piece of work (what a worker thread runs next); None if empty and not blocking."""
        try:
            priority, _, work, future = self._queue.get(block=block)
        except queue.Empty:
            return None
        _running.priority = priority
        return work, future

    def _start(self) -> None:
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self.workers:
                thread = threading.Thread(
                    target=self._serve, name=f"{self.name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def _serve(self) -> None:
        while True:
            work, future = self.take()  # type: ignore[misc]
            run(work, future)


def run(work: Callable[[], object], future: Future) -> None:
    """Run one piece of work and settle its future."""
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = work()
    except BaseException as exc:  # the future carries it; after_ack logs it before
        future.set_exception(exc)
    else:
        future.set_result(result)
