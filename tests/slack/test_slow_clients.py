"""Issue 15, slow clients: connections that announce a body and trickle it must not stop `/healthz`
or real Slack requests; a body that is too big or too slow is refused. flipbot's own HTTP server
(bot/core/wsgi_server.py) in front of the real Slack app, talked to with raw sockets."""

from __future__ import annotations

import asyncio
import socket
import threading
from contextlib import ExitStack, contextmanager

import pytest

from bot.core.wsgi_server import WsgiOnThreads, bind, server_for
from bot.slack.app import build_slack, wsgi_app
from tests.slack.conftest import BROKER, slack_settings
from tests.slack.harness import SignedClient

SLOW_CLIENTS = 10
THREADS = 8


@contextmanager
def serving(application, *, body_seconds: float = 30.0, max_body: int = 1024 * 1024):
    """flipbot's HTTP server on a free port in a background thread."""
    app = WsgiOnThreads(application, threads=THREADS, body_seconds=body_seconds, max_body=max_body)
    sock = bind(0, "127.0.0.1")
    server = server_for(app, sock)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        app.pool.shutdown(wait=False, cancel_futures=True)
        sock.close()


def connect(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    return conn


def start_trickle(port: int, announced: int = 50_000) -> socket.socket:
    """A client that announces a body and sends only its first bytes."""
    conn = connect(port)
    conn.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: flip\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {announced}\r\n\r\n".encode()
        + b"payload=%7B"
    )
    return conn


def status_line(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n" not in data:
        part = conn.recv(4096)
        if not part:
            break
        data += part
    return data.split(b"\r\n", 1)[0]


def get_healthz(port: int) -> bytes:
    with connect(port) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: flip\r\nConnection: close\r\n\r\n")
        return status_line(conn)


@pytest.fixture
def slack_wsgi(fake, clock, tmp_path, network, library):
    app, _ = build_slack(
        slack_settings(fake, tmp_path), clock=clock, network=network, library=library
    )
    return wsgi_app(app)


def test_healthz_and_a_signed_command_answer_while_ten_slow_clients_hold_connections(
    slack_wsgi, fake
):
    with serving(slack_wsgi) as port, ExitStack() as held:
        for _ in range(SLOW_CLIENTS):  # more than the server has threads
            held.enter_context(start_trickle(port))
        assert get_healthz(port) == b"HTTP/1.1 200 OK"
        client = SignedClient(f"http://127.0.0.1:{port}")
        client.response_url = fake.response_url
        reply = client.command(BROKER, "help")
        assert reply.status == 200, reply.body
        assert "flipbot" in reply.json()["text"]


def test_a_body_that_does_not_arrive_in_time_gets_408_and_frees_nothing_it_never_took(slack_wsgi):
    with serving(slack_wsgi, body_seconds=0.5) as port:
        with start_trickle(port) as slow:
            # recv waits for the server's answer; the test's own socket timeout is 10 s
            assert status_line(slow) == b"HTTP/1.1 408 Request Timeout"
        assert get_healthz(port) == b"HTTP/1.1 200 OK"


def test_a_body_announced_over_the_limit_gets_413_before_it_is_sent(slack_wsgi):
    with serving(slack_wsgi, max_body=64 * 1024) as port, start_trickle(port, 2_000_000) as big:
        assert status_line(big) == b"HTTP/1.1 413 Request Entity Too Large"


def test_a_chunked_body_growing_past_the_limit_gets_413(slack_wsgi):
    with serving(slack_wsgi, max_body=1024) as port, connect(port) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: flip\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"800\r\n"
            + b"x" * 0x800
            + b"\r\n"
        )
        assert status_line(conn) == b"HTTP/1.1 413 Request Entity Too Large"
