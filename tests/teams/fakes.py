"""Local fakes of Microsoft's side of Teams: OpenID metadata and keys, the token endpoint, the Bot Connector.

Each fake is a real HTTP server on 127.0.0.1 port 0 in a thread, so the real SDK talks to it through
the URLs in flipbot's settings. Routes are a table of (method, path pattern, handler); any call can be
scripted to answer something else first (429 with Retry-After, 403 MessageWritesBlocked, 404, 5xx).
Every call is recorded with its JSON body and Authorization header.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_ISSUER = "https://api.botframework.com"
KEY_ID = "flipbot-test-key"
OPENID_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # listen()'s backlog is read when the server is made (a class attribute): the default 5
    # drops SYNs when a fan-out's threads connect at once, and each costs a 1 s retransmit.
    request_queue_size = 256


@dataclass
class Call:
    """One request a fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: object = None
    form: dict[str, str] = field(default_factory=dict)

    @property
    def authorization(self) -> str:
        return self.headers.get("authorization", "")


@dataclass
class Answer:
    """What a fake sends back."""

    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)


def connector_error(status: int, code: str, message: str = "") -> Answer:
    """The Bot Connector's error shape."""
    return Answer(status, {"error": {"code": code, "message": message or code}})


Handler = Callable[[Call, re.Match], Answer]


class FakeServer:
    """A threaded local HTTP server driven by a route table; subclasses fill in `routes()`."""

    def __init__(self):
        self.calls: list[Call] = []
        self._scripts: list[tuple[str, re.Pattern, list[Answer]]] = []
        self._holds: list[tuple[str, re.Pattern, threading.Event]] = []
        self._lock = threading.Lock()
        self._table = [(m, re.compile(p), h) for m, p, h in self.routes()]
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            def _serve(self):
                fake._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format, *args):  # quiet test output
                pass

        self._server = _Server(("127.0.0.1", 0), RequestHandler)
        # A short poll interval keeps shutdown() (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def routes(self) -> list[tuple[str, str, Handler]]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def script(self, method: str, path: str, *answers: Answer) -> None:
        """Answer the next calls matching method and path (a regex) with answers, in order."""
        with self._lock:
            self._scripts.append((method.upper(), re.compile(path), list(answers)))

    def hold(self, method: str, path: str) -> threading.Event:
        """Keep calls matching method and path (a regex) waiting, recorded but unanswered, until
        the returned event is set (at most 30 s): a slow connector."""
        release = threading.Event()
        with self._lock:
            self._holds.append((method.upper(), re.compile(path), release))
        return release

    def calls_to(self, method: str, path: str) -> list[Call]:
        """The recorded calls matching method and path (a full-match regex)."""
        pattern = re.compile(path)
        with self._lock:
            return [c for c in self.calls if c.method == method and pattern.fullmatch(c.path)]

    def _scripted(self, call: Call) -> Answer | None:
        with self._lock:
            for method, pattern, answers in self._scripts:
                if method == call.method and pattern.fullmatch(call.path) and answers:
                    return answers.pop(0)
        return None

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in request.headers.items()}
        call = Call(request.command, request.path.split("?")[0], headers, body)
        content_type = headers.get("content-type", "")
        if "json" in content_type and body:
            call.json = json.loads(body)
        elif "x-www-form-urlencoded" in content_type:
            call.form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        with self._lock:
            self.calls.append(call)
            holds = [e for m, p, e in self._holds if m == call.method and p.fullmatch(call.path)]
        for release in holds:
            release.wait(30)
        answer = self._scripted(call) or self._route(call)
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        request.send_response(answer.status)
        for name, value in answer.headers.items():
            request.send_header(name, value)
        if payload:
            request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _route(self, call: Call) -> Answer:
        for method, pattern, handler in self._table:
            match = pattern.fullmatch(call.path)
            if method == call.method and match:
                return handler(call, match)
        return Answer(404, {"error": {"code": "NotFound", "message": call.path}})


def new_signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeIdentity(FakeServer):
    """Bot Framework OpenID metadata and JWKS, and an Entra client-credentials token endpoint."""

    def __init__(self, key: rsa.RSAPrivateKey, *, kid: str = KEY_ID, token_lifetime: int = 3600):
        self.key = key
        self.kid = kid
        self.token_lifetime = token_lifetime
        self._issued = itertools.count(1)
        self._tokens: list[str] = []
        super().__init__()

    @property
    def openid_metadata_url(self) -> str:
        return self.url + OPENID_PATH

    def token_url(self, tenant: str) -> str:
        return f"{self.url}/{tenant}/oauth2/v2.0/token"

    def token_calls(self) -> list[Call]:
        return self.calls_to("POST", r"/[^/]+/oauth2/v2\.0/token")

    def issued_tokens(self) -> list[str]:
        """The access tokens handed out, in order (tokens carry a serial number)."""
        return self._tokens

    def routes(self):
        return [
            ("GET", re.escape(OPENID_PATH), self._openid),
            ("GET", re.escape(KEYS_PATH), self._keys),
            ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", self._token),
        ]

    def _openid(self, call, match):
        return Answer(
            200,
            {
                "issuer": BOT_ISSUER,
                "authorization_endpoint": "https://invalid.example/authorize",
                "jwks_uri": self.url + KEYS_PATH,
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            },
        )

    def _keys(self, call, match):
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
        return Answer(200, {"keys": [jwk]})

    def _token(self, call, match):
        form = call.form
        if form.get("grant_type") != "client_credentials" or not form.get("client_secret"):
            return Answer(400, {"error": "invalid_request"})
        now = int(time.time())
        serial = next(self._issued)
        # Entra hands out a JWT; the SDK decodes it (unverified), so it must be one.
        access_token = jwt.encode(
            {
                "aud": "https://api.botframework.com",
                "iss": f"https://sts.windows.net/{match['tenant']}/",
                "appid": form.get("client_id", ""),
                "tid": match["tenant"],
                "iat": now,
                "exp": now + self.token_lifetime,
                "serial": serial,
            },
            "fake-entra-secret-not-a-real-one",
            algorithm="HS256",
        )
        self._tokens.append(access_token)
        return Answer(
            200,
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "access_token": access_token,
            },
        )


class FakeConnector(FakeServer):
    """The Bot Connector (conversations and activities) plus a file-upload URL."""

    def __init__(self):
        self._ids = itertools.count(1)
        self.uploads: dict[str, bytes] = {}
        super().__init__()

    def routes(self):
        conversation = r"/v3/conversations/(?P<conversation>[^/]+)"
        activity = conversation + r"/activities/(?P<activity>[^/]+)"
        return [
            ("POST", r"/v3/conversations", self._create_conversation),
            ("POST", conversation + r"/activities", self._send),
            ("POST", activity, self._send),
            ("PUT", activity, self._update),
            ("DELETE", activity, lambda call, match: Answer(200)),
            ("PUT", r"/upload/(?P<name>[^/]+)", self._upload),
        ]

    def upload_url(self, name: str) -> str:
        return f"{self.url}/upload/{name}"

    def sent(self, conversation: str | None = None) -> list[Call]:
        """Activities posted (sent or replied), optionally to one conversation."""
        where = re.escape(conversation) if conversation else r"[^/]+"
        return self.calls_to("POST", rf"/v3/conversations/{where}/activities(/[^/]+)?")

    def _create_conversation(self, call, match):
        return Answer(201, {"id": f"a:conversation-{next(self._ids)}", "serviceUrl": self.url})

    def _send(self, call, match):
        # Teams gives channel messages numeric ids (the SDK checks that before threading on one).
        if match["conversation"].startswith("19:"):
            return Answer(201, {"id": f"{1700000000000 + next(self._ids)}"})
        return Answer(201, {"id": f"activity-{next(self._ids)}"})

    def _update(self, call, match):
        return Answer(200, {"id": match["activity"]})

    def _upload(self, call, match):
        self.uploads[match["name"]] = call.body
        return Answer(201, {"id": uuid.uuid4().hex, "name": match["name"]})
