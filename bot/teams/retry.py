"""Retries for the Bot Connector: honour 429 Retry-After, back off briefly on 412/502/504.

The SDK's HTTP client raises on every non-2xx answer and never retries; this middleware wraps its
terminal dispatch (`microsoft_teams.common.Client.use`). The wait is a function argument so tests
can check the waits without sleeping.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable

import httpx

logger = logging.getLogger(__name__)

Wait = Callable[[float], Awaitable[None] | None]

TRANSIENT_STATUSES = frozenset({412, 502, 504})
RATE_LIMITED = 429
# A Retry-After beyond this is not worth holding a send (and its caller's run() timeout) for:
# give up, and let the caller reschedule it as rate_limited.
MAX_RETRY_AFTER_SECONDS = 10.0


def retry_after_seconds(response: httpx.Response, default: float) -> float:
    """The Retry-After header in seconds (Teams sends seconds), or default if absent or unreadable."""
    raw = response.headers.get("Retry-After", "")
    try:
        seconds = float(raw)
    except ValueError:
        return default
    return seconds if seconds >= 0 else default


class RetryMiddleware:
    """A Client middleware: retry 429 after Retry-After and 412/502/504 with a doubling backoff."""

    def __init__(
        self,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        max_retry_after: float = MAX_RETRY_AFTER_SECONDS,
        wait: Wait = asyncio.sleep,
    ):
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.attempts = attempts
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.wait = wait

    async def send(self, context, next: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        for attempt in range(1, self.attempts + 1):
            try:
                return await next()
            except httpx.HTTPStatusError as error:
                delay = self._delay(error.response, attempt)
                if delay is None or attempt == self.attempts:
                    raise
                logger.info(
                    "Bot Connector answered %s to %s; retry %d in %.1fs",
                    error.response.status_code,
                    context.method,
                    attempt,
                    delay,
                )
            result = self.wait(delay)
            if inspect.isawaitable(result):
                await result
        raise AssertionError("unreachable")  # the loop returns or raises

    def _delay(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None if this answer is not retried."""
        backoff = self.backoff * 2 ** (attempt - 1)
        if response.status_code == RATE_LIMITED:
            seconds = retry_after_seconds(response, default=backoff)
            return seconds if seconds <= self.max_retry_after else None
        if response.status_code in TRANSIENT_STATUSES:
            return backoff
        return None
