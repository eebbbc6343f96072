"""Digest messages reach a local server that speaks the Slack Web API (127.0.0.1, port 0)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient

from bot.core.messenger import DeliveryFailed
from bot.slack.digest_blocks import ACTION_APPROVE
from bot.slack.digest_post import post_digest_to_channel, send_digest_draft_dm
from tests.digest_helpers import build, demo_answers


class FakeSlack:
    """Records every Web API call; answers from a small table, or ok:false when told to."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.fail: dict[str, str] = {}
        self.counter = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.rsplit("/", 1)[-1]
                fake.calls.append((method, body))
                self._reply(fake.answer(method, body))

            def _reply(self, payload):
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def answer(self, method, body):
        if method in self.fail:
            return {"ok": False, "error": self.fail[method]}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D0DM00001"}}
        if method == "chat.postMessage":
            self.counter += 1
            return {"ok": True, "channel": body["channel"], "ts": f"1700000000.{self.counter:06d}"}
        return {"ok": False, "error": "unknown_method"}

    def posts(self):
        return [body for method, body in self.calls if method == "chat.postMessage"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack():
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture
def client(slack):
    return WebClient(token="xoxb-test", base_url=slack.url)


@pytest.fixture
def digest():
    return build(demo_answers()).model_copy(update={"id": 5, "round_id": 2})


def test_the_channel_gets_the_summary_and_the_thread_the_full_digest(slack, client, digest):
    ts = post_digest_to_channel(client, "C0DIGESTS", digest)
    first, *thread = slack.posts()
    assert first["channel"] == "C0DIGESTS" and "thread_ts" not in first
    assert ts == "1700000000.000001"
    assert thread and all(p["thread_ts"] == ts for p in thread)
    blocks = json.loads(first["blocks"]) if isinstance(first["blocks"], str) else first["blocks"]
    assert blocks[0]["type"] == "header"
    everything = json.dumps([p["blocks"] for p in slack.posts()], ensure_ascii=False)
    assert "Dilemmaer i spil" in everything and "U0TEST" not in everything


def test_a_draft_is_a_dm_with_the_review_buttons(slack, client, digest):
    send_digest_draft_dm(client, "U0FACI001", digest)
    assert slack.calls[0] == ("conversations.open", {"users": "U0FACI001"})
    first = slack.posts()[0]
    assert first["channel"] == "D0DM00001"
    assert ACTION_APPROVE in json.dumps(first["blocks"])


def test_slack_refusing_is_delivery_failed(slack, client, digest):
    slack.fail["chat.postMessage"] = "channel_not_found"
    with pytest.raises(DeliveryFailed) as raised:
        post_digest_to_channel(client, "C0GONE", digest)
    assert (raised.value.reason, raised.value.detail) == ("not_found", "channel_not_found")
    slack.fail = {"conversations.open": "user_not_found"}
    with pytest.raises(DeliveryFailed):
        send_digest_draft_dm(client, "U0GONE001", digest)
