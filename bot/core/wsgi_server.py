"""gunicorn in-process: one worker (the scheduler and the SQLite store live in one process) with
threads, because Bolt's own server is single-threaded and falls over at 20 concurrent requests.
It serves any WSGI app: Slack's, Teams', or both on one port (bot/cli/serve.py)."""

from __future__ import annotations

from collections.abc import Callable

from gunicorn.app.base import BaseApplication


class _Flipbot(BaseApplication):
    def __init__(self, make_wsgi: Callable[[], Callable], options: dict):
        self.make_wsgi = make_wsgi
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Built in the worker, not the master, so its threads and database connection are the
        # worker's own (nothing is shared across the fork).
        return self.make_wsgi()


def run_gunicorn(make_wsgi: Callable[[], Callable], *, port: int, threads: int = 8) -> None:
    """Serve until stopped (SIGTERM/SIGINT)."""
    _Flipbot(
        make_wsgi,
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
