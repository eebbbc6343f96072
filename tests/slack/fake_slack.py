"""A small Slack Web API on 127.0.0.1 (port 0) for tests and benchmarks.

It answers the methods flipbot uses from one table, keeps the messages it was sent (so
chat.update and conversations.history behave), records every call with its arguments, and can be
told to answer a method with 429 + Retry-After, a 500, or ok:false.

File uploads work as Slack's v2 flow does: files.getUploadURLExternal hands out an upload_url on
this server, the bytes POSTed there are kept in `uploads` (file id -> bytes), and
files.completeUploadExternal shares the file (kept in `shared`, with its channel and comment).

Scopes: the bot token holds the bot scopes of config/manifest.yml (or `scopes=` given), and a
method needing a scope the token lacks is answered `missing_scope`, as Slack does.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import yaml

BOT_USER = "UFLIPBOT1"
JSON_FIELDS = ("blocks", "view", "metadata", "attachments", "files")
UPLOAD_PATH = "/upload/"
MANIFEST = Path(__file__).parents[2] / "config" / "manifest.yml"

# The bot-token scopes each method accepts (any one will do), from Slack's method reference.
# A method not listed needs none (auth.test, views.*, the response_url).
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "conversations.open": frozenset({"im:write", "mpim:write", "channels:manage", "groups:write"}),
    "conversations.history": frozenset(
        {"channels:history", "groups:history", "im:history", "mpim:history"}
    ),
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
    "users.info": frozenset({"users:read"}),
}


def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes the app manifest asks for."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # listen()'s backlog is read when the server is made: as a class attribute, or 16 threads
    # connecting at once overflow the default 5, and the dropped SYNs cost a 1 s retransmit.
    request_queue_size = 256


@dataclass
class Call:
    method: str
    args: dict
    status: int = 200  # what the fake answered: 200, 429 or 500
    error: str | None = None  # the ok:false error, if it gave one

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass
class Rule:
    """How to misbehave for one method: status 429/500, or an ok:false error."""

    status: int = 200
    error: str | None = None
    retry_after: int = 0
    times: int | None = None  # how many calls to spoil (None: all matching)
    every: int | None = None  # spoil every n-th call only
    match: dict | None = None  # spoil only calls with these arguments, e.g. {"channel": "U0..."}
    seen: int = 0

    def applies(self, args: dict) -> bool:
        if self.match and any(args.get(k) != v for k, v in self.match.items()):
            return False
        self.seen += 1
        if self.every is not None and self.seen % self.every != 0:
            return False
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
        return True


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list = field(default_factory=list)
    metadata: dict | None = None
    thread_ts: str | None = None


class FakeSlack:
    """Start with `with FakeSlack() as slack:`; point SLACK_API_URL at `slack.url`."""

    def __init__(self, scopes: frozenset[str] | None = None):
        self.scopes = manifest_scopes() if scopes is None else frozenset(scopes)
        self.calls: list[Call] = []
        self.rules: dict[str, Rule] = {}
        self.messages: dict[str, list[Message]] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Condition()
        self.uploads: dict[str, bytes] = {}
        self.shared: list[dict] = []
        self.methods: dict[str, Callable[[dict], dict]] = {
            "auth.test": lambda a: {
                "url": "https://flip.slack.com/",
                "team": "FLIP",
                "team_id": "T0FLIP",
                "user": "flipbot",
                "user_id": BOT_USER,
                "bot_id": "B0FLIPBOT",
            },
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.postEphemeral": lambda a: {"message_ts": self._next_ts()},
            "views.open": lambda a: {"view": {"id": "V0VIEW"}},
            "views.update": lambda a: {"view": {"id": "V0VIEW"}},
            "views.publish": lambda a: {"view": {"id": "V0HOME"}},
            "conversations.open": lambda a: {"channel": {"id": self._dm(a.get("users", ""))}},
            "conversations.history": self._history,
            # Not a Web API method: where a click's response_url points (see response_url()).
            "response": lambda a: {},
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- control ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, **rule) -> None:
        """Misbehave for a method, e.g. fail("chat.postMessage", status=429, retry_after=1, every=50)."""
        with self._lock:
            self.rules[method] = Rule(**rule)

    def heal(self, method: str) -> None:
        with self._lock:
            self.rules.pop(method, None)

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 15,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until `count` successful calls of a method (matching `where`) arrived."""

        def matching() -> list[Call]:
            return [
                c for c in self.calls if c.method == method and c.ok and (where is None or where(c))
            ]

        with self._lock:
            if not self._lock.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                raise AssertionError(
                    f"{method}: {len(matching())} matching calls after {timeout}s, wanted {count}"
                )
            return matching()

    @property
    def response_url(self) -> str:
        """A response_url for interaction payloads; what is sent there is recorded as "response"."""
        return self.url + "response"

    def dm_channel(self, user: str) -> str:
        return self._dm(user)

    # -- the methods ------------------------------------------------------------------------

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1800000000 + n}.{n:06d}"

    @staticmethod
    def _dm(user: str) -> str:
        return "D" + user[1:] if user[:1] in ("U", "W") else user

    def _post_message(self, args: dict) -> dict:
        channel = self._dm(args.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        message = Message(
            channel=channel,
            ts=self._next_ts(),
            text=args.get("text", ""),
            blocks=args.get("blocks") or [],
            metadata=args.get("metadata"),
            thread_ts=args.get("thread_ts"),
        )
        self.messages.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": message.ts, "message": {"text": message.text}}

    def _update(self, args: dict) -> dict:
        for message in self.messages.get(args.get("channel", ""), []):
            if message.ts == args.get("ts"):
                message.text = args.get("text", message.text)
                message.blocks = args.get("blocks") or message.blocks
                return {"channel": message.channel, "ts": message.ts}
        return {"ok": False, "error": "message_not_found"}

    def _delete(self, args: dict) -> dict:
        messages = self.messages.get(args.get("channel", ""), [])
        for message in messages:
            if message.ts == args.get("ts"):
                messages.remove(message)
                return {"channel": message.channel, "ts": message.ts}
        return {"ok": False, "error": "message_not_found"}

    def _history(self, args: dict) -> dict:
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
        found = []
        for message in reversed(self.messages.get(args.get("channel", ""), [])):
            if float(message.ts) <= oldest or message.thread_ts:
                continue
            item = {"type": "message", "ts": message.ts, "text": message.text}
            if with_metadata and message.metadata:
                item["metadata"] = message.metadata
            found.append(item)
        return {"messages": found, "has_more": False}

    def _upload_url(self, args: dict) -> dict:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):08d}"
        host, port = self.server.server_address[:2]
        return {"upload_url": f"http://{host}:{port}{UPLOAD_PATH}{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict) -> dict:
        files = args.get("files") or []
        if not files or any(f.get("id") not in self.uploads for f in files):
            return {"ok": False, "error": "file_not_found"}
        done = []
        for f in files:
            entry = {
                "id": f["id"],
                "title": f.get("title"),
                "channel": args.get("channel_id"),
                "initial_comment": args.get("initial_comment"),
                "content": self.uploads[f["id"]],
            }
            self.shared.append(entry)
            done.append({"id": f["id"], "title": f.get("title")})
        return {"files": done}

    def _receive_upload(self, path: str, data: bytes) -> None:
        with self._lock:
            self.uploads[path[len(UPLOAD_PATH) :]] = data
            self._lock.notify_all()

    # -- HTTP -------------------------------------------------------------------------------

    def _answer(self, method: str, args: dict) -> tuple[int, dict, dict]:
        with self._lock:
            rule = self.rules.get(method)
            spoil = rule is not None and rule.applies(args)
            if spoil and rule.status != 200:
                headers = {"Retry-After": str(rule.retry_after)} if rule.status == 429 else {}
                self.calls.append(Call(method, args, status=rule.status))
                self._lock.notify_all()
                return rule.status, {"ok": False, "error": "ratelimited"}, headers
            if spoil:
                self.calls.append(Call(method, args, error=rule.error))
                self._lock.notify_all()
                return 200, {"ok": False, "error": rule.error}, {}
            handler = self.methods.get(method)
            needed = METHOD_SCOPES.get(method, frozenset())
            if needed and not needed & self.scopes:
                body = {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": ",".join(sorted(needed)),
                    "provided": ",".join(sorted(self.scopes)),
                }
            elif handler:
                body = handler(args)
            else:
                body = {"ok": False, "error": "unknown_method"}
            body = {"ok": True, **body}
            self.calls.append(Call(method, args, error=None if body["ok"] else body["error"]))
            self._lock.notify_all()
            return 200, body, {}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle on, a kept-alive connection waits
            # for the client's delayed ACK (40 ms on Linux) before the body, which Slack never does.
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # quiet: tests read calls, not logs
                pass

            def do_POST(self) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                if parsed.path.startswith(UPLOAD_PATH):
                    fake._receive_upload(parsed.path, self.rfile.read(length))
                    self._reply(200, f"OK - {length}".encode(), "text/plain", {})
                    return
                method = parsed.path.rsplit("/", 1)[-1]
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                args: dict = dict(parse_qsl(parsed.query))
                if "json" in (self.headers.get("Content-Type") or ""):
                    args.update(json.loads(raw or "{}"))
                else:
                    args.update(dict(parse_qsl(raw)))
                for name in JSON_FIELDS:
                    if isinstance(args.get(name), str):
                        with contextlib.suppress(ValueError):
                            args[name] = json.loads(args[name])
                status, body, headers = fake._answer(method, args)
                self._reply(status, json.dumps(body).encode(), "application/json", headers)

            def _reply(self, status: int, payload: bytes, content_type: str, headers: dict) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

        return Handler
