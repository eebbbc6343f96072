"""Slack Web API calls over kept-alive, pooled connections (issue 16): slack_sdk's AsyncWebClient
with one aiohttp session, on an asyncio loop thread of its own, called from sync code.

slack_sdk's sync WebClient opens a connection (TCP and TLS handshakes) for every call; its async
client reuses a session's connections, which is the SDK's own way to pool. It needs aiohttp, an
optional dependency of slack_sdk: `pooled_client` returns None when aiohttp is not installed, and
flipbot then uses the sync WebClient as before.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from ssl import SSLContext
from typing import Any

POOL_SIZE = 32  # above the fan-out's 16 threads plus the after-ack pool's 8
RATE_LIMIT_RETRIES = 5


def aiohttp_installed() -> bool:
    return importlib.util.find_spec("aiohttp") is not None


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
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="slack-web-api", daemon=True
        )
        self._thread.start()
        self._client = self._run(self._make(token, base_url, ssl, timeout, pool_size))

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
        found = getattr(self._client, name)
        if not callable(found):
            return found

        def call(*args, **kwargs) -> Any:
            return self._run(found(*args, **kwargs))

        return call

    def close(self) -> None:
        """Close the pooled connections and stop the loop thread."""
        if self._loop.is_closed():
            return
        self._run(self._session.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


def pooled_client(
    token: str | None, base_url: str, ssl: SSLContext | None
) -> PooledWebClient | None:
    """A PooledWebClient, or None when aiohttp is missing (then the sync WebClient serves)."""
    if not aiohttp_installed():
        return None
    return PooledWebClient(token=token, base_url=base_url, ssl=ssl)
