"""The HTTP server of `flipbot serve`: one process (the scheduler and the SQLite store live in one
process), uvicorn's asyncio loop reading requests, and the WSGI app (Slack's, Teams', or both on
one port: bot/cli/serve.py) on a pool of threads.

Why not gunicorn gthread any more (issue 15, "slow clients"; issue 16, memory): gthread gives each
connection a thread while it reads the request, so eight clients trickling a body held all eight
threads and `/healthz` timed out; and its master process held a second copy of the imports. Here
a connection costs a coroutine until its whole body has arrived: only then does a thread run the
app. A body over `max_body` bytes is refused with 413 (from Content-Length, before reading it), a
body not complete within `body_seconds` with 408.
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

logger = logging.getLogger(__name__)

# Slack's payloads are a few KB, Teams' activities too; nothing either sends comes near 1 MB.
MAX_BODY_BYTES = 1024 * 1024
BODY_SECONDS = 10.0
KEEP_ALIVE_SECONDS = 5
LISTENING = "Listening at"


class WsgiOnThreads:
    """An ASGI app that reads each request's body on the loop, then runs a WSGI app on a thread."""

    def __init__(
        self,
        wsgi: Callable,
        *,
        threads: int = 8,
        max_body: int = MAX_BODY_BYTES,
        body_seconds: float = BODY_SECONDS,
    ):
        self.wsgi = wsgi
        self.max_body = max_body
        self.body_seconds = body_seconds
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return  # no websockets; lifespan is switched off
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            announced = int(headers.get("content-length") or 0)
        except ValueError:
            await _plain(send, 400, b"bad Content-Length")
            return
        if announced > self.max_body:
            await _plain(send, 413, b"request body too large")
            return
        try:
            body = await asyncio.wait_for(self._body(receive), self.body_seconds)
        except TimeoutError:
            await _plain(send, 408, b"request body too slow")
            return
        except _TooLarge:
            await _plain(send, 413, b"request body too large")
            return
        except _Gone:
            return
        environ = _environ(scope, headers, body)
        loop = asyncio.get_running_loop()
        status, response_headers, chunks, close = await loop.run_in_executor(
            self.pool, self._run, environ
        )
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": b"".join(chunks)})
        if close is not None:
            # After the response is on the wire: this releases a Slack listener's after-ack work.
            close()

    async def _body(self, receive: Callable) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            part = message.get("body", b"")
            size += len(part)
            if size > self.max_body:
                raise _TooLarge
            parts.append(part)
            if not message.get("more_body", False):
                return b"".join(parts)

    def _run(self, environ: dict) -> tuple[int, list, list[bytes], Callable | None]:
        """The WSGI call, on a pool thread; an exception becomes a 500 with its traceback logged."""
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info=None) -> Callable:
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (name.encode("latin-1"), value.encode("latin-1")) for name, value in headers
            ]
            return lambda data: chunks.append(data)

        chunks: list[bytes] = []
        try:
            result = self.wsgi(environ, start_response)
            chunks.extend(result)
        except Exception:
            logger.exception("the WSGI app failed on %s", environ.get("PATH_INFO"))
            return 500, [(b"content-type", b"text/plain")], [b"internal error"], None
        return started["status"], started["headers"], chunks, getattr(result, "close", None)


class _TooLarge(Exception):
    pass


class _Gone(Exception):
    pass


async def _plain(send: Callable, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": text})


def _environ(scope: dict, headers: dict[str, str], body: bytes) -> dict:
    server = scope.get("server") or ("127.0.0.1", 0)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
        elif name != "content-length":
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def bind(port: int, host: str = "0.0.0.0") -> socket.socket:
    """The listening socket, bound before serving so a caller can learn the port (port 0)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def server_for(app: WsgiOnThreads, sock: socket.socket):
    """A uvicorn Server for the app (asyncio and h11: nothing compiled needed)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        fd=None,
        lifespan="off",
        interface="asgi3",
        loop="asyncio",
        http="h11",
        access_log=False,
        log_config=None,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=10,
        backlog=2048,
    )
    return uvicorn.Server(config)


def run_server(make_wsgi: Callable[[], Callable], *, port: int, threads: int = 8) -> None:
    """Build the app, bind the port, serve until SIGTERM/SIGINT."""
    app = WsgiOnThreads(make_wsgi(), threads=threads)
    sock = bind(port)
    host, bound = sock.getsockname()[:2]
    print(f"flipbot: {LISTENING}: http://{host}:{bound}", file=sys.stderr, flush=True)
    server = server_for(app, sock)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        app.pool.shutdown(wait=False, cancel_futures=True)
        sock.close()
