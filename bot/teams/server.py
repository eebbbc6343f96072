"""The Teams SDK served from our own WSGI process: one asyncio loop in a daemon thread.

The SDK is asyncio and brings a FastAPI server by default; flipbot serves Slack and Teams from one
sync WSGI app (on uvicorn's loop, run on threads), so `LoopThreadAdapter` implements the SDK's HttpServerAdapter
protocol by keeping the registered route handlers and running them on one loop thread. The thread
starts lazily (on first use) and again in a forked child. Sync code (WSGI
requests, the scheduler, the CLI) hands coroutines to that loop with `run`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from http import HTTPStatus
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
Route = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

MESSAGING_PATH = "/api/messages"
# Teams activities are small (an Adaptive Card submit is a few KB); anything this big is not one.
MAX_BODY_BYTES = 256 * 1024
DEFAULT_TIMEOUT_SECONDS = 30.0

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def _json_response(status: int, body: object) -> tuple[int, dict[str, str], bytes]:
    if body is None:
        return status, {}, b""
    return status, dict(JSON_HEADERS), json.dumps(body, ensure_ascii=False).encode("utf-8")


class LoopThreadAdapter:
    """An HttpServerAdapter (microsoft_teams.apps.http.adapter) that runs the SDK on a loop thread."""

    def __init__(
        self, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, messaging_path: str = MESSAGING_PATH
    ):
        self.timeout = timeout
        self.messaging_path = messaging_path
        self._routes: dict[tuple[str, str], Route] = {}
        # Which activities flipbot takes at all (the edge checks the tenant against the network
        # file: the SDK validates the token, not the tenant). A refused one gets 401.
        self.accept: Callable[[dict[str, Any]], bool] = lambda payload: True
        self._startup: list[Callable[[], Awaitable[object]]] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        # A forked child has neither the loop thread nor a usable lock.
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _forget_parent_loop(ref()))

    # --- the SDK's HttpServerAdapter protocol ---

    def register_route(self, method: str, path: str, handler: Route) -> None:
        self._routes[(method.upper(), path)] = handler

    def serve_static(self, path: str, directory: str) -> None:
        """Tabs and static pages are not served by flipbot."""

    async def start(self, port: int) -> None:
        raise NotImplementedError(
            "flipbot's WSGI server serves Teams; call handle_activity from it"
        )

    async def stop(self) -> None:
        """Nothing to stop: the WSGI server owns the socket."""

    # --- ours ---

    def on_startup(self, factory: Callable[[], Awaitable[object]]) -> None:
        """Run factory() on the loop once it starts (e.g. App.initialize, which registers the route)."""
        self._startup.append(factory)

    @property
    def routes(self) -> Iterable[tuple[str, str]]:
        return tuple(self._routes)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the loop thread from sync code and return its result (or raise its error)."""
        loop = self._ensure_loop()
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("run() called on the Teams loop itself: await the coroutine instead")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result(self.timeout if timeout is None else timeout)
        except TimeoutError:
            future.cancel()
            raise

    def handle_activity(
        self, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """Hand one POST to the registered messaging route; returns (status, headers, body)."""
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _json_response(400, {"error": "malformed JSON"})
        if not isinstance(payload, dict):
            return _json_response(400, {"error": "an activity is a JSON object"})
        lowered = {name.lower(): value for name, value in headers.items()}
        if not lowered.get("authorization", "").startswith("Bearer "):
            # The SDK answers 401 too; saying so here spares the loop a round trip.
            return _json_response(401, {"error": "Unauthorized"})
        if not self.accept(payload):
            logger.warning("refused a Teams activity from a tenant not in the network file")
            return _json_response(401, {"error": "Unauthorized"})
        self._ensure_loop()
        handler = self._routes.get(("POST", self.messaging_path))
        if handler is None:
            logger.error("no Teams route is registered at %s", self.messaging_path)
            return _json_response(503, {"error": "not ready"})
        try:
            result = self.run(handler({"body": payload, "headers": lowered}))
        except TimeoutError:
            logger.error("a Teams activity took longer than %.0fs", self.timeout)
            return _json_response(504, {"error": "timeout"})
        return _json_response(int(result.get("status", 200)), result.get("body"))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no task is left on the loop (the SDK answers a message activity at once and
        handles it in a task of its own). False if some task was still running at the timeout."""
        if self._loop is None:
            return True

        async def drain() -> bool:
            me = asyncio.current_task()
            others = [task for task in asyncio.all_tasks() if task is not me and not task.done()]
            if not others:
                return True
            _, pending = await asyncio.wait(others, timeout=timeout or self.timeout)
            return not pending

        while True:
            idle = self.run(drain(), timeout=(timeout or self.timeout) + 1)
            if not idle:
                return False
            if self.run(_no_tasks_left(), timeout=5):
                return True

    def close(self) -> None:
        """Stop the loop thread (tests; a process exit needs nothing, the thread is a daemon)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None and self._pid == os.getpid():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            # After a fork the child has the parent's loop object but not its thread: start afresh.
            if self._loop is not None and self._pid == os.getpid():
                return self._loop
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def serve() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            thread = threading.Thread(target=serve, name="teams-loop", daemon=True)
            thread.start()
            ready.wait()
            # Still under the lock, so no request sees the loop before the App has registered its route.
            for factory in self._startup:
                asyncio.run_coroutine_threadsafe(_call(factory), loop).result(self.timeout)
            self._loop, self._thread, self._pid = loop, thread, os.getpid()
        return loop


def _forget_parent_loop(adapter: LoopThreadAdapter | None) -> None:
    if adapter is not None:
        adapter._lock = threading.Lock()
        adapter._loop = adapter._thread = None


async def _no_tasks_left() -> bool:
    me = asyncio.current_task()
    return not [task for task in asyncio.all_tasks() if task is not me and not task.done()]


async def _call(factory: Callable[[], Awaitable[object]]) -> object:
    return await factory()


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def teams_wsgi(adapter: LoopThreadAdapter, *, max_body: int = MAX_BODY_BYTES):
    """A WSGI app answering POST on the adapter's messaging path (mount it beside /slack/events)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        def answer(status: int, headers: dict[str, str], body: bytes) -> list[bytes]:
            start_response(
                _status_line(status),
                [*headers.items(), ("Content-Length", str(len(body)))],
            )
            return [body]

        if environ.get("PATH_INFO", "") != adapter.messaging_path:
            return answer(*_json_response(404, {"error": "not found"}))
        if environ.get("REQUEST_METHOD", "GET").upper() != "POST":
            status, headers, body = _json_response(405, {"error": "POST only"})
            return answer(status, {**headers, "Allow": "POST"}, body)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return answer(*_json_response(400, {"error": "bad Content-Length"}))
        if length > max_body:
            return answer(*_json_response(413, {"error": "body too large"}))
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if "CONTENT_TYPE" in environ:
            headers["content-type"] = environ["CONTENT_TYPE"]
        return answer(*adapter.handle_activity(body, headers))

    return app
