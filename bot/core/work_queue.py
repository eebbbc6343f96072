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
        self._queue.put((int(priority), next(self._order), work, future))
        self._start()
        return future

    def take(self, block: bool = True) -> tuple[Callable[[], object], Future] | None:
        """The next piece of work (what a worker thread runs next); None if empty and not blocking."""
        try:
            _, _, work, future = self._queue.get(block=block)
        except queue.Empty:
            return None
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
