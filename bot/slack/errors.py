"""Slack's answers in the core's words: message references and delivery failures."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.core.messenger import DeliveryFailed
from bot.core.models import MessageRef


def slack_ref(channel: str, ts: str) -> MessageRef:
    """A Slack message: its channel (or DM) id and timestamp."""
    return MessageRef("slack", channel, ts)


def slack_error(exc: Exception) -> str:
    """Slack's error code for a failed call ('ratelimited', 'channel_not_found', ...)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    return "connection_error"


# Slack's error codes, in the core's neutral words (anything else is "rejected").
REASON_OF_ERROR = {
    "ratelimited": "rate_limited",
    "http_429": "rate_limited",
    "user_not_found": "not_found",
    "channel_not_found": "not_found",
    "message_not_found": "not_found",
    "thread_not_found": "not_found",
    "users_not_found": "not_found",
    "not_in_channel": "not_installed",
    "is_archived": "blocked",
    "cannot_dm_bot": "blocked",
    "user_disabled": "blocked",
    "account_inactive": "blocked",
    "restricted_action": "no_permission",
    "missing_scope": "no_permission",
    "not_allowed_token_type": "no_permission",
    "invalid_auth": "no_permission",
    "not_authed": "no_permission",
    "connection_error": "transient",
    "fatal_error": "transient",
    "internal_error": "transient",
    "service_unavailable": "transient",
    "request_timeout": "transient",
}


def slack_failure(error: str) -> DeliveryFailed:
    """A Slack error code as the core's DeliveryFailed: a neutral reason, Slack's code as detail."""
    if error.startswith("http_5"):
        return DeliveryFailed("transient", error)
    return DeliveryFailed(REASON_OF_ERROR.get(error, "rejected"), error)
