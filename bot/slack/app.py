"""Build the Slack side of flipbot: one WebClient, the SlackMessenger, the services, the Bolt App,
and the WSGI application that serves it (POST /slack/events, GET /healthz)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from ssl import SSLContext, create_default_context

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.core.messenger import PlatformMessengers
from bot.core.network import load_network
from bot.core.services import Services, build_services
from bot.core.settings import Settings
from bot.slack.guard import BadPayload, guard
from bot.slack.handlers import register_handlers
from bot.slack.handlers.common import Held, hold_until_sent, stop_holding
from bot.slack.messenger import SlackMessenger
from bot.slack.pooled import PooledWebClient

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Fan-out threads: Slack allows about one message a second per DM channel, each to its own
# member, so the bound is our own throughput (measured in bench/bench_fanout.py).
FANOUT_WORKERS = 16


# Below INFO, slack_sdk logs every request and response body (a digest's quotes, the edit modal
# filled with an earlier answer) and Bolt logs payloads: their loggers never go below INFO,
# whatever LOG_LEVEL says. Answer text must not reach the logs at any level.
SDK_LOGGERS = ("slack_sdk", "slack_bolt")


def keep_answers_out_of_logs() -> None:
    """Hold the Slack SDKs' loggers at INFO or above (see SDK_LOGGERS). Their own level, not the
    inherited one: a LOG_LEVEL=DEBUG set on the root logger later does not reach them."""
    for name in SDK_LOGGERS:
        sdk = logging.getLogger(name)
        if sdk.level < logging.INFO:  # NOTSET (0) too: it would follow the root logger
            sdk.setLevel(logging.INFO)


def build_client(settings: Settings, ssl: SSLContext | None = None) -> WebClient:
    """The one WebClient every Web API call goes through, retrying rate limits (honouring
    Retry-After), server errors and dropped connections. `ssl`: the TLS context of every call
    (default: one made here; without it, every call builds a context and loads the CA bundle,
    about 1 ms of CPU: docs/benchmarks.md, "Performance (issue 16)")."""
    keep_answers_out_of_logs()
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        ssl=ssl or create_default_context(),
        timeout=30,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_sender(settings: Settings, client: WebClient) -> PooledWebClient:
    """What the fan-out sends with (SlackMessenger.bulk): the Web API over pooled, kept-alive
    connections (bot/slack/pooled.py), with `client`'s TLS context."""
    return PooledWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, ssl=client.ssl
    )


def build_app(services: Services, settings: Settings, client: WebClient | None = None) -> App:
    """The Bolt App with every flipbot listener. Building it calls auth.test once."""
    client = client or build_client(settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # Listeners only touch the database before acknowledging (Web API calls go to the
        # after-ack pool), so answering after the listener returns avoids Bolt's 10 ms ack poll.
        process_before_response=True,
    )
    register_handlers(app, services)
    app.error(listener_failed)
    return app


def listener_failed(error: Exception, logger: logging.Logger) -> BoltResponse | None:
    """A payload a listener could not use (BadPayload) is the sender's fault: 400 and one line.
    Anything else is ours: logged with its traceback, and Bolt answers 500."""
    if isinstance(error, BadPayload):
        logger.warning("refused a Slack request: %s", error)
        return BoltResponse(status=400, body="bad request")
    logger.exception("a Slack listener failed")
    return None


def build_slack(settings: Settings, **overrides) -> tuple[App, Services]:
    """Wire one process in the order the pieces need each other: client, messenger, services, app."""
    client = build_client(settings)
    network = overrides.pop("network", None) or load_network(settings.flipbot_config)
    sender = build_sender(settings, client)
    messenger = PlatformMessengers(network, {"slack": SlackMessenger(client, network, bulk=sender)})
    services = build_services(settings, messenger, network=network, **overrides)
    services.rounds.max_workers = FANOUT_WORKERS
    return build_app(services, settings, client), services


class _ThenRelease:
    """The response body; the WSGI server calls close() once it has sent it, and only then does
    the listeners' after-acknowledgement work start."""

    def __init__(self, body: Iterable[bytes], held: Held):
        self.body, self.held = body, held

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        self.held.release()


def wsgi_app(app: App, signing_secret: str | None = None) -> Callable:
    """The WSGI application: Slack's requests to Bolt behind the guard (size, signature, replay,
    shape: bot.slack.guard), a health check for the platform."""
    # Bolt keeps the secret it verifies with; the guard must use the very same one.
    secret = signing_secret if signing_secret is not None else app._signing_secret
    slack = guard(SlackRequestHandler(app, path=EVENTS_PATH), secret)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        if path == EVENTS_PATH and method == "POST":
            held = hold_until_sent()
            try:
                body = slack(environ, start_response)
            except BaseException:
                held.release()
                raise
            finally:
                stop_holding()
            return _ThenRelease(body, held)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return application


def serve_socket_mode(app: App, settings: Settings) -> None:
    """Slack over Socket Mode (no public URL needed); blocks until stopped."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, settings.slack_app_token).start()
