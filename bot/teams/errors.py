"""What a failed Bot Connector call means for a delivery: the reasons the core records.

The SDK raises `httpx.HTTPStatusError` for every non-2xx answer (after our retries gave up),
`httpx.TransportError` when the connector cannot be reached, and our token source raises
`TeamsTokenError`. `failure_reason` answers None for what retrying cannot fix and is no
delivery's fault (a 400, a refused client secret): the caller should log it as an error.
"""

from __future__ import annotations

import httpx

from bot.teams.token import TeamsTokenError

NOT_INSTALLED = "not_installed"
BLOCKED = "blocked"
RATE_LIMITED = "rate_limited"
NOT_FOUND = "not_found"
TRANSIENT = "transient"

# 403 codes that mean the user blocked or turned off the bot; another 403 means it is not installed.
BLOCKED_CODES = frozenset(
    {"MessageWritesBlocked", "ConversationBlockedByUser", "BotDisabledByUser"}
)


def error_code(response: httpx.Response) -> str:
    """The connector's `{"error": {"code": …}}`, or '' if the body has none."""
    try:
        payload = response.json()
    except ValueError:
        return ""
    error = payload.get("error") if isinstance(payload, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else ""


def failure_reason(error: BaseException) -> str | None:
    """The delivery failure reason for an exception from a Teams call, or None if it is a bug."""
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        if status == 403:
            return BLOCKED if error_code(error.response) in BLOCKED_CODES else NOT_INSTALLED
        if status == 404:
            return NOT_FOUND
        if status == 429:
            return RATE_LIMITED
        if status in (408, 412) or status >= 500:
            return TRANSIENT
        return None
    if isinstance(error, TeamsTokenError):
        # A refused grant (bad secret, unknown app) is a configuration error, not worth retrying.
        unavailable = error.status is None or error.status == 429 or error.status >= 500
        return TRANSIENT if unavailable else None
    if isinstance(error, (httpx.TransportError, TimeoutError)):
        return TRANSIENT
    return None
