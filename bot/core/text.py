"""Showing people's text again safely: Slack mrkdwn escaping (answers must not ping or break)."""

from __future__ import annotations


def escape_mrkdwn(text: str) -> str:
    """Escape &, < and > as Slack asks, so an answer cannot become a mention, a link or @channel."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
