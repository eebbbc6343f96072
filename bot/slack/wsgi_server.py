"""Slack alone under flipbot's HTTP server (the ack benchmark runs a bare Bolt app this way)."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from bot.core.wsgi_server import run_server as run_wsgi
from bot.slack.app import wsgi_app


def run_server(make_app: Callable[[], App], *, port: int, threads: int = 8) -> None:
    """Serve a Bolt app's WSGI app until stopped (SIGTERM/SIGINT)."""
    run_wsgi(lambda: wsgi_app(make_app()), port=port, threads=threads)
