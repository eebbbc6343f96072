"""Run flipbot's WSGI app in-process on 127.0.0.1 (port 0) and send it correctly signed requests,
as Slack does: slash commands, button clicks, modal submissions and events."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SignedClient:
    """Sends flipbot what Slack would, signed with the test signing secret."""

    # Where slash commands ask for replies after the acknowledgement; point it at the fake Slack
    # (FakeSlack.response_url) to read them. The default goes nowhere.
    response_url = "http://127.0.0.1:9/response"

    def __init__(self, url: str):
        self.url = url
        self._events = itertools.count(1)
        # Slack gives every command and click its own trigger id, so no two requests it signs are
        # the same bytes; flipbot refuses a repeated signature as a replay.
        self._triggers = itertools.count(1)

    def trigger(self, user: str) -> str:
        return f"trigger-{next(self._triggers)}-{user}"

    # -- raw --------------------------------------------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict | None = None,
        path: str = "/slack/events",
    ) -> Reply:
        timestamp = int(time.time()) if timestamp is None else timestamp
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature if signature is not None else sign(body, timestamp),
            **(headers or {}),
        }
        request = urllib.request.Request(self.url + path, data=body.encode(), headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    def get(self, path: str) -> Reply:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    # -- what Slack sends -------------------------------------------------------------------

    def command(self, user: str, text: str, channel: str = "D0FACI001", **kwargs) -> Reply:
        form = {
            "token": "legacy",
            "team_id": "T0FLIP",
            "channel_id": channel,
            "user_id": user,
            "command": "/flip",
            "text": text,
            "response_url": self.response_url,
            "trigger_id": self.trigger(user),
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **kwargs)

    def interaction(self, payload: dict, **kwargs) -> Reply:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def click(
        self,
        user: str,
        action_id: str,
        value: str,
        channel: str | None = None,
        ts: str | None = None,
    ) -> Reply:
        container = (
            {"type": "message", "channel_id": channel, "message_ts": ts}
            if ts
            else {"type": "view", "view_id": "V0HOME"}
        )
        return self.interaction(
            {
                "type": "block_actions",
                "team": {"id": "T0FLIP"},
                "user": {"id": user},
                "api_app_id": "A0FLIP",
                "trigger_id": self.trigger(user),
                "container": container,
                "channel": {"id": channel} if channel else None,
                "actions": [
                    {"action_id": action_id, "block_id": "b", "value": value, "type": "button"}
                ],
            }
        )

    def submit(self, user: str, view: dict, values: dict) -> Reply:
        """Submit a modal that was opened with `view`, its inputs set to `values`."""
        return self.interaction(
            {
                "type": "view_submission",
                "team": {"id": "T0FLIP"},
                "user": {"id": user},
                "api_app_id": "A0FLIP",
                "trigger_id": self.trigger(user),
                "view": {
                    "id": "V0VIEW",
                    "type": "modal",
                    "callback_id": view["callback_id"],
                    "private_metadata": view.get("private_metadata", ""),
                    "state": {"values": values},
                },
            }
        )

    def event(
        self, event: dict, *, event_id: str | None = None, retry_num: int | None = None
    ) -> Reply:
        event_id = event_id or f"Ev{next(self._events):08d}"
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T0FLIP",
                "api_app_id": "A0FLIP",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
            if retry_num
            else {}
        )
        return self.post(body, "application/json", headers=headers)


class AppServer(SignedClient):
    """A WSGI application served on a free port in a background thread."""

    def __init__(self, application):
        self.httpd = make_server(
            "127.0.0.1",
            0,
            application,
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        super().__init__(f"http://127.0.0.1:{self.httpd.server_address[1]}")

    def __enter__(self) -> AppServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def answer_values(
    view: dict, answers: dict[str, str], ticked: tuple[str, ...] = ("quotable",)
) -> dict:
    """The modal state Slack would send for an answer modal with these answers and ticks."""
    values: dict = {}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block_id.startswith("q_"):
            values[block_id] = {
                "answer": {"type": "plain_text_input", "value": answers.get(block_id[2:])}
            }
    values["choices"] = {
        "choices": {"type": "checkboxes", "selected_options": [{"value": v} for v in ticked]}
    }
    return values
