"""Slack Web API calls over kept-alive, pooled connections (issue 16): slack_sdk's AsyncWebClient
with one aiohttp session, on an asyncio loop thread of its own, called from sync code.

slack_sdk's sync WebClient opens a connection (TCP and TLS handshakes) for every call; its async
client reuses a session's connections, which is the SDK's own way to pool (aiohttp is the
dependency it needs for that). The fan-out sends through it (SlackMessenger.bulk); the loop thread
and the session start with the first call, so a process that never fans out never starts them.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from ssl import SSLContext
from typing import Any

POOL_SIZE = 32  # above the fan-out's 16 threads plus the after-ack pool's 8
RATE_LIMIT_RETRIES = 5


def connection_errors() -> tuple[type[Exception], ...]:
    """What a pooled call raises for a connection that failed or dropped, besides OSError
    (aiohttp's ServerDisconnectedError is not one). Evaluated in an `except` clause, so aiohttp
    is not imported at start-up: before its first call, no call can have raised one."""
    aiohttp = sys.modules.get("aiohttp")
    return (aiohttp.ClientError,) if aiohttp is not None else ()


class PooledWebClient:
    """The WebClient's methods (chat_postMessage, views_open, files_upload_v2, ...) as blocking
    calls, each run on the loop thread by one AsyncWebClient; responses have `.data` as before."""

    def __init__(
        self,
        *,
        token: str | None,
        base_url: str,
        ssl: SSLContext | None,
        timeout: int = 30,
        pool_size: int = POOL_SIZE,
    ):
        self._config = (token, base_url, ssl, timeout, pool_size)
        self._started = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None

    def _start(self) -> None:
        with self._started:
            if self._loop is not None:
                return
            loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=loop.run_forever, name="slack-web-api", daemon=True
            )
            self._thread.start()
            self._client = asyncio.run_coroutine_threadsafe(
                self._make(*self._config), loop
            ).result()
            self._loop = loop

    async def _make(self, token, base_url, ssl, timeout, pool_size):
        import aiohttp
        from slack_sdk.http_retry.builtin_async_handlers import (
            AsyncConnectionErrorRetryHandler,
            AsyncRateLimitErrorRetryHandler,
            AsyncServerErrorRetryHandler,
        )
        from slack_sdk.web.async_client import AsyncWebClient

        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=pool_size, ssl=ssl if ssl else True)
        )
        return AsyncWebClient(
            token=token,
            base_url=base_url,
            timeout=timeout,
            ssl=ssl,
            session=self._session,
            retry_handlers=[
                AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
                AsyncServerErrorRetryHandler(max_retry_count=2),
                AsyncConnectionErrorRetryHandler(max_retry_count=2),
            ],
        )

    def _run(self, coro) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        self._start()
        found = getattr(self._client, name)
        if not callable(found):
            return found

        def call(*args, **kwargs) -> Any:
            return self._run(found(*args, **kwargs))

        return call

    def close(self) -> None:
        """Close the pooled connections and stop the loop thread (if they ever started)."""
        if self._loop is None or self._loop.is_closed():
            return
        self._run(self._session.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
