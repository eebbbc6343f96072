"""Keep flipbot under Teams' rate limits for bots instead of running into 429s.

Teams allows a bot about 50 requests a second per app per tenant, and per conversation 7 messages
in 1 s, 8 in 2 s, 60 in 30 s and 1,800 an hour (TEAMS.md). Unpaced, a fan-out goes as fast as the
SDK can send (bench/bench_teams.py). `Pacer` gives each Bot Connector request a moment to start:
one token bucket for the whole app and one per conversation; a message waits for its
conversation's turn first, then for the app's.

The buckets are token buckets in their "virtual scheduling" form (GCRA): a bucket of `burst`
tokens refilled at `rate` a second lets at most `burst + rate * T` requests start in any T seconds.
The clock is an argument, so tests need no sleeping. `PacingMiddleware` applies a pacer to the
SDK's HTTP client (`microsoft_teams.common.Client.use`); register it after the retry middleware so
that every attempt, retries included, waits for its turn.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import unquote

Clock = Callable[[], float]
Wait = Callable[[float], Awaitable[None] | None]

# 5 at once, then 35 a second: at most 40 starts in any second. The rest of the limit of 50 per
# app per tenant is room for the jitter between the moment a request is booked and its arrival
# at Teams: a busy event loop wakes sleepers late and several arrive together. Booked at up to 50
# and 45 a second, the benchmark's fake connector counted 51-53 arrivals in its busiest second.
APP_RATE, APP_BURST = 35.0, 5
# 5 at once, then one every ~2 s: at most 6 in 1 s, 6 in 2 s, 20 in 30 s and 1,769 an hour, under
# each of the four per-conversation limits. A round sends one prompt per conversation; only a
# digest thread or a burst of replies to one member ever waits here.
CONVERSATION_RATE, CONVERSATION_BURST = 0.49, 5
# Idle conversation buckets are forgotten once there are this many (a fan-out touches thousands).
MAX_CONVERSATIONS = 1024

# /v3/conversations/{id}/activities[/{activity}]; a thread's id is the channel's plus ;messageid=…
_CONVERSATION_URL = re.compile(r"/v3/conversations/(?P<conversation>[^/?]+)")


@dataclass
class TokenBucket:
    """`burst` requests at once, then `rate` a second; `tat` is when the bucket is next full."""

    rate: float
    burst: int
    tat: float = float("-inf")

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least 1")

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    def earliest(self, now: float) -> float:
        """The first moment from now on at which one more request may start."""
        return max(now, self.tat - (self.burst - 1) * self.interval)

    def take(self, at: float) -> None:
        """Spend one token for a request starting at `at` (not before `earliest`)."""
        self.tat = max(self.tat, at) + self.interval

    def idle(self, now: float) -> bool:
        """Full again: forgetting it changes nothing."""
        return self.tat <= now


class Pacer:
    """When each Bot Connector request may start; thread-safe, so fan-out threads can share it."""

    def __init__(
        self,
        *,
        app_rate: float = APP_RATE,
        app_burst: int = APP_BURST,
        conversation_rate: float = CONVERSATION_RATE,
        conversation_burst: int = CONVERSATION_BURST,
        clock: Clock = time.monotonic,
    ):
        self.clock = clock
        self._app = TokenBucket(app_rate, app_burst)
        self._conversation_rate = conversation_rate
        self._conversation_burst = conversation_burst
        self._conversations: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def for_app(self) -> float:
        """Book the app's next free moment for one request; the seconds to wait until then."""
        with self._lock:
            now = self.clock()
            return self._book(self._app, now)

    def for_conversation(self, conversation: str) -> float:
        """Book the conversation's next free moment for one message; the seconds to wait.

        Wait for this first and ask `for_app` after it: booking the app's moment only when the
        request is ready keeps one busy conversation from holding up every other one."""
        with self._lock:
            now = self.clock()
            return self._book(self._bucket(conversation, now), now)

    @staticmethod
    def _book(bucket: TokenBucket, now: float) -> float:
        start = bucket.earliest(now)
        bucket.take(start)
        return start - now

    def _bucket(self, conversation: str, now: float) -> TokenBucket:
        bucket = self._conversations.get(conversation)
        if bucket is None:
            if len(self._conversations) >= MAX_CONVERSATIONS:
                self._conversations = {
                    key: kept for key, kept in self._conversations.items() if not kept.idle(now)
                }
            bucket = TokenBucket(self._conversation_rate, self._conversation_burst)
            self._conversations[conversation] = bucket
        return bucket


def conversation_in(url: str) -> str | None:
    """The conversation a Bot Connector URL writes to (a thread counts as its channel)."""
    found = _CONVERSATION_URL.search(url)
    return unquote(found["conversation"]).split(";", 1)[0] if found else None


class PacingMiddleware:
    """A Client middleware: each request to the Bot Connector waits for its moment from a Pacer."""

    def __init__(self, pacer: Pacer, *, wait: Wait = asyncio.sleep):
        self.pacer = pacer
        self.wait = wait

    async def send(self, context, next: Callable[[], Awaitable[object]]) -> object:
        if "/v3/conversations" in context.url:
            conversation = conversation_in(context.url)
            if conversation:
                await self._wait(self.pacer.for_conversation(conversation))
            await self._wait(self.pacer.for_app())
        return await next()

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            result = self.wait(seconds)
            if inspect.isawaitable(result):
                await result
