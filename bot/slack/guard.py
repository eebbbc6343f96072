"""The door in front of Bolt for Slack's HTTP requests: a size limit before anything is read,
the signature checked on the bytes read, a replayed signature refused, and a payload whose shape
no listener can use refused with a 4xx and one log line, before anything is stored.

Bolt checks the signature again behind this door; that is cheap and keeps Bolt's own guarantees
whatever this module lets through. The seen signatures live in memory: flipbot is one process
(DESIGN.md), so every request passes the same door; a restart forgets them, and a replay within
the minutes after a restart is refused only by what the listeners themselves make idempotent.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

logger = logging.getLogger(__name__)

# Slack's payloads are a few kilobytes; the largest (a modal with every answer field filled) stays
# far below this.
MAX_BODY_BYTES = 1024 * 1024
# Slack signs the request time; Bolt (and this door) refuse a timestamp further off than this.
SIGNATURE_WINDOW_SECONDS = 5 * 60
# Interactive payloads every listener reads `user.id` from.
_NEEDS_USER = frozenset(
    {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}
)


class BadPayload(ValueError):
    """A correctly signed request whose content no listener can use (a 400, never a 500)."""


class SeenSignatures:
    """Signatures of accepted requests, each kept until its timestamp leaves Slack's window; a
    second request with one of them is a replay. Memory is bounded by the traffic of 5 minutes."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._until: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_sight(self, signature: str, timestamp: int) -> bool:
        """Remember signature; False if it was seen within its window already."""
        now = self.clock()
        with self._lock:
            while self._until:
                oldest, until = next(iter(self._until.items()))
                if until >= now:
                    break
                del self._until[oldest]
            if signature in self._until:
                return False
            # Kept past its own window too: the entries stay in arrival order for the loop above.
            self._until[signature] = max(timestamp, now) + SIGNATURE_WINDOW_SECONDS
            return True

    def __len__(self) -> int:
        return len(self._until)


def check_payload(body: bytes, content_type: str) -> None:
    """Raise BadPayload when a signed body has a shape no flipbot listener can handle."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadPayload("body is not UTF-8") from None
    if content_type.startswith("application/json"):
        data = _json(text, "body")
        if data.get("type") == "event_callback" and not isinstance(data.get("event"), dict):
            raise BadPayload("event_callback without an event")
        return
    form = parse_qs(text, keep_blank_values=True)
    if "payload" not in form:
        return  # a slash command: Bolt reads its fields, flipbot reads only text and user_id
    payload = _json(form["payload"][0], "payload")
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise BadPayload("payload without a type")
    if kind in _NEEDS_USER:
        user = payload.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
            raise BadPayload(f"{kind} without a user")
    if kind in ("view_submission", "view_closed") and not isinstance(payload.get("view"), dict):
        raise BadPayload(f"{kind} without a view")


def _json(text: str, what: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        raise BadPayload(f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise BadPayload(f"{what} is not a JSON object")
    return data


def _refuse(start_response: Callable, status: str, why: str) -> Iterable[bytes]:
    # One line, no body content: the refused bytes may be anything, a member's answer included.
    logger.warning("refused a Slack request: %s", why)
    start_response(status, [("Content-Type", "text/plain")])
    return [status.split(" ", 1)[1].lower().encode()]


def guard(
    inner: Callable,
    signing_secret: str,
    *,
    seen: SeenSignatures | None = None,
    clock: Callable[[], float] = time.time,
    max_body: int = MAX_BODY_BYTES,
) -> Callable:
    """Wrap a WSGI application that serves Slack's requests (see the module docstring)."""
    verifier = SignatureVerifier(signing_secret, clock=_Clock(clock))
    seen = seen or SeenSignatures(clock)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return _refuse(start_response, "411 Length Required", "no Content-Length")
        if length < 0 or length > max_body:
            return _refuse(start_response, "413 Payload Too Large", f"{length} bytes")
        raw_timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not raw_timestamp.isascii() or not raw_timestamp.isdigit():
            return _refuse(start_response, "400 Bad Request", "timestamp is not a number")
        timestamp = int(raw_timestamp)
        if abs(clock() - timestamp) > SIGNATURE_WINDOW_SECONDS:
            return _refuse(start_response, "401 Unauthorized", "timestamp outside the window")
        body = environ["wsgi.input"].read(length)
        if len(body) != length:
            return _refuse(start_response, "400 Bad Request", "body shorter than announced")
        if not verifier.is_valid(body, raw_timestamp, signature):
            return _refuse(start_response, "401 Unauthorized", "invalid signature")
        content_type = environ.get("CONTENT_TYPE", "")
        try:
            check_payload(body, content_type)
        except BadPayload as exc:
            return _refuse(start_response, "400 Bad Request", str(exc))
        if not seen.first_sight(signature, timestamp):
            if content_type.startswith("application/json"):
                # An event seen already (Slack's retry of the same bytes, or a replay): it was
                # received, and it is stored once by its event id. A 200 stops further retries.
                logger.info("ignored a repeated Slack event")
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b""]
            return _refuse(start_response, "409 Conflict", "replayed signature")
        environ["wsgi.input"] = io.BytesIO(body)
        return inner(environ, start_response)

    return application


class _Clock:
    """slack_sdk's verifier asks a clock object for now(); ours is a plain function."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock

    def now(self) -> float:
        return self.clock()
