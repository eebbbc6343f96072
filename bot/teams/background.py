"""Work a Teams handler starts after Teams has its answer (a fan-out at Teams' rate limits may
take minutes), on a small pool, and a way to wait for all of it (tests, a clean shutdown)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

logger = logging.getLogger(__name__)

_AFTER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="teams-after")
_pending: set[Future] = set()
_local = threading.local()  # .held: later() work collected while holding() runs on this thread


def later(work: Callable[..., Any], *args: Any) -> None:
    held = getattr(_local, "held", None)
    if held is not None:
        held.append((work, args))
        return

    def run() -> None:
        try:
            work(*args)
        except Exception:
            logger.exception("Teams background work %s failed", getattr(work, "__name__", work))

    future = _AFTER.submit(run)
    _pending.add(future)
    future.add_done_callback(_pending.discard)


def holding(work: Callable[..., Any], *args: Any) -> tuple[Any, list]:
    """Run work(*args) with the later() work it starts collected, not started: the caller starts
    it (`start_held`) once its own reply is sent, so a command's answer comes before what the
    command sends after it (a digest after "Her er opsamlingen ...")."""
    _local.held = held = []
    try:
        return work(*args), held
    finally:
        _local.held = None


def start_held(held: list) -> None:
    for work, args in held:
        later(work, *args)


def wait_for_background(timeout: float = 30.0) -> bool:
    """Wait until the work started after answering Teams is done (tests, a clean shutdown);
    work that starts more work is waited for too. False if it did not finish in time."""
    while _pending:
        _, not_done = wait(list(_pending), timeout=timeout)
        if not_done:
            return False
    return True
