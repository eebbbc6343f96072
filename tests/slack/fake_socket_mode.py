"""A minimal Socket Mode endpoint on 127.0.0.1 (port 0): the WebSocket handshake, text frames,
ping/pong, and a way to send Slack envelopes and wait for the app's acknowledgements."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import socket
import struct
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode: int, data: bytes) -> bytes:
    head = bytes([0x80 | opcode])
    if len(data) < 126:
        head += bytes([len(data)])
    elif len(data) < 65536:
        head += bytes([126]) + struct.pack("!H", len(data))
    else:
        head += bytes([127]) + struct.pack("!Q", len(data))
    return head + data


def _read_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(conn: socket.socket) -> tuple[int, bytes]:
    first, second = _read_exact(conn, 2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", _read_exact(conn, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", _read_exact(conn, 8))[0]
    mask = _read_exact(conn, 4) if second & 0x80 else b"\0\0\0\0"
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_read_exact(conn, length)))
    return first & 0x0F, payload


class FakeSocketMode:
    """Accepts one Socket Mode connection at a time and records the acknowledgements."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.conn: socket.socket | None = None
        self.acks: dict[str, dict] = {}
        self._ids = itertools.count(1)
        self._ready = threading.Event()
        self._changed = threading.Condition()
        self._send_lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.listener.getsockname()[1]}/link?ticket=test"

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.listener.close()
        if self.conn is not None:
            self.conn.close()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        key = next(
            line.split(":", 1)[1].strip()
            for line in request.decode().split("\r\n")
            if line.lower().startswith("sec-websocket-key")
        )
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        conn.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        self.conn = conn
        self._send(1, json.dumps({"type": "hello", "num_connections": 1}).encode())
        self._ready.set()
        try:
            while True:
                opcode, payload = _read_frame(conn)
                if opcode == 9:  # ping
                    self._send(10, payload)
                elif opcode == 8:  # close
                    return
                elif opcode == 1:
                    message = json.loads(payload)
                    with self._changed:
                        self.acks[message.get("envelope_id")] = message
                        self._changed.notify_all()
        except (ConnectionError, OSError):
            return

    def _send(self, opcode: int, data: bytes) -> None:
        with self._send_lock:
            self.conn.sendall(_frame(opcode, data))  # type: ignore[union-attr]

    def send(self, kind: str, payload: dict, timeout: float = 15) -> dict:
        """Send one envelope (slash_commands, interactive, events_api) and return its ack."""
        if not self._ready.wait(timeout):
            raise AssertionError("the app did not connect")
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
        }
        self._send(1, json.dumps(envelope).encode())
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"no acknowledgement of {kind} in {timeout}s")
            return self.acks[envelope_id]
