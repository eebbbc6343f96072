"""A fan-out's database work in batches (issue 16): its sending threads claim deliveries and record
what became of them a batch at a time, one transaction each, instead of two transactions (and two
fsyncs under the store's one lock) per DM, which kept 16 threads queueing for the database rather
than for the chat platform.

What a crash costs stays small and recoverable: at most about two batches plus one DM per thread
are 'sending' without their outcome recorded, and start-up recovery (bot.schedule.jobs) looks for
each of those in the member's conversation before sending it again, exactly as for one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator

from bot.core.models import Delivery, DeliveryStatus
from bot.store.database import DeliveryOutcome, Store

BATCH = 50  # deliveries per claim and per record: 80 transactions for 2,000 DMs, not 4,000
# An outcome waits at most this long for its batch to fill (a slow, rate-limited fan-out), so a DM's
# place is in the database well before its member can have read it and clicked.
RECORD_WITHIN_S = 0.5
CLAIMABLE = [DeliveryStatus.PENDING, DeliveryStatus.FAILED]


class DeliveryBatches:
    """Hands the sending threads claimed deliveries and takes their outcomes, thread-safely."""

    def __init__(self, store: Store, waiting: Iterable[Delivery], batch: int = BATCH):
        self.store = store
        self.batch = batch
        self._waiting: Iterator[Delivery] = iter(waiting)
        self._claimed: deque[Delivery] = deque()
        self._outcomes: list[DeliveryOutcome] = []
        self._oldest: float | None = None
        self._claim_lock = threading.Lock()
        self._record_lock = threading.Lock()

    def next(self) -> Delivery | None:
        """The next delivery this thread may send (claimed as 'sending'), None when none is left.
        A delivery another process or thread claimed first is passed over."""
        with self._claim_lock:
            while not self._claimed:
                chunk = [d for _, d in zip(range(self.batch), self._waiting, strict=False)]
                if not chunk:
                    return None
                won = self.store.claim_deliveries(
                    [d.id for d in chunk], CLAIMABLE, DeliveryStatus.SENDING
                )
                self._claimed.extend(d for d in chunk if d.id in won)
            return self._claimed.popleft()

    def record(self, outcome: DeliveryOutcome) -> None:
        """Note one delivery's outcome; write the batch once it is full or its first is old."""
        with self._record_lock:
            self._outcomes.append(outcome)
            if self._oldest is None:
                self._oldest = time.monotonic()
            if (
                len(self._outcomes) < self.batch
                and time.monotonic() - self._oldest < RECORD_WITHIN_S
            ):
                return
            self._write()

    def flush(self) -> None:
        """Write what is still noted (the fan-out's end; also after an error)."""
        with self._record_lock:
            self._write()

    def _write(self) -> None:
        if not self._outcomes:
            return
        self.store.settle_deliveries(self._outcomes)  # on an error they stay noted for flush()
        self._outcomes, self._oldest = [], None
