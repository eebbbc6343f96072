"""gunicorn in-process: one worker (the scheduler and the SQLite store live in one process) with
threads, because Bolt's own server is single-threaded and falls over at 20 concurrent requests."""

from __future__ import annotations

from collections.abc import Callable

from gunicorn.app.base import BaseApplication
from slack_bolt import App

from bot.slack.app import wsgi_app


class _Flipbot(BaseApplication):
    def __init__(self, make_app: Callable[[], App], options: dict):
        self.make_app = make_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Built in the worker, not the master, so its threads and database connection are the
        # worker's own (nothing is shared across the fork).
        return wsgi_app(self.make_app())


def run_gunicorn(make_app: Callable[[], App], *, port: int, threads: int = 8) -> None:
    """Serve until stopped (SIGTERM/SIGINT)."""
    _Flipbot(
        make_app,
        {
            "bind": f"0.0.0.0:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "backlog": 2048,
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": None,
        },
    ).run()
