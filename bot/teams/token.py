"""Outgoing bot tokens: an OAuth2 client-credentials grant of our own, cached until shortly before expiry.

MSAL (which the SDK uses for a client secret) accepts only https authorities and runs instance discovery
against login.microsoftonline.com, so it cannot be pointed at a local fake; this provider can. The SDK
calls it as `token(scope, tenant_id)` and wraps the returned string in a JsonWebToken, so the token
endpoint must hand back a JWT (Entra does).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

BOT_SCOPE = "https://api.botframework.com/.default"

# Refresh this long before the advertised expiry, so a token never runs out in flight.
REFRESH_MARGIN_SECONDS = 300.0


class TeamsTokenError(Exception):
    """The token endpoint refused or failed a client-credentials grant."""

    def __init__(self, status: int | None, error: str):
        self.status = status
        self.error = error
        super().__init__(f"client-credentials grant failed ({status}): {error}")


@dataclass
class _Cached:
    value: str
    refresh_at: float


class ClientCredentialsToken:
    """A thread-safe client-credentials token source; pass an instance as the SDK's `token=`."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = BOT_SCOPE,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
    ):
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._timeout = timeout
        self._clock = clock
        self._refresh_margin = refresh_margin
        self._lock = threading.Lock()
        self._cache: dict[str, _Cached] = {}
        self._http: httpx.Client | None = None  # made on first fetch, used under the lock

    def __repr__(self) -> str:  # the secret stays out of logs
        return (
            f"ClientCredentialsToken(token_url={self._token_url!r}, client_id={self._client_id!r})"
        )

    def get(self, scope: str | None = None) -> str:
        """The access token for scope (default: the Bot Framework), fetched at most once per lifetime."""
        scope = scope or self._scope
        with self._lock:
            cached = self._cache.get(scope)
            if cached and self._clock() < cached.refresh_at:
                return cached.value
            value, expires_in = self._fetch(scope)
            # A short-lived token is refreshed half-way, never cached past its end.
            margin = min(self._refresh_margin, expires_in / 2)
            self._cache[scope] = _Cached(value, self._clock() + expires_in - margin)
            return value

    async def __call__(
        self, scope: str | list[str] | None = None, tenant_id: str | None = None
    ) -> str:
        """The SDK's token callback: the HTTP call runs off the event loop."""
        if isinstance(scope, list):
            scope = scope[0] if scope else None
        return await asyncio.to_thread(self.get, scope)

    def _fetch(self, scope: str) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "scope": scope,
        }
        if self._http is None:
            self._http = httpx.Client(timeout=self._timeout)
        try:
            response = self._http.post(self._token_url, data=form)
        except httpx.HTTPError as error:
            raise TeamsTokenError(None, type(error).__name__) from error
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if response.status_code != 200 or not isinstance(payload, dict):
            error = payload.get("error", "") if isinstance(payload, dict) else ""
            raise TeamsTokenError(response.status_code, str(error) or "no error code")
        value = payload.get("access_token")
        try:
            expires_in = float(payload.get("expires_in", 0))
        except (TypeError, ValueError):
            expires_in = 0.0
        if not isinstance(value, str) or not value or expires_in <= 0:
            raise TeamsTokenError(
                response.status_code, "no access_token or expires_in in the answer"
            )
        return value, expires_in
