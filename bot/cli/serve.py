"""`flipbot serve`: Slack and Microsoft Teams from one process, on one port (HTTP: an asyncio
loop reading requests, threads running the app: bot/core/wsgi_server.py), or Slack alone in Socket
Mode. Either platform alone is fine."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from bot.cli.main import cli, load_settings, reports_errors

if TYPE_CHECKING:
    # Imported where used: `flipbot --help` needs none of them, and the services bring the
    # digest engine.
    from bot.core.messenger import Messenger
    from bot.core.services import Services
    from bot.core.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_PORT = 3000
DEFAULT_THREADS = 8
EVENT_ID_DAYS = 7
HEALTH_PATH = "/healthz"
TEAMS_PATH = "/api/messages"


@dataclass
class Process:
    """What one flipbot process serves: the WSGI app, the services, and each platform's edge."""

    wsgi: Callable
    services: Services
    slack_app: Any = None
    teams: Any = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        if self.services.scheduler is not None:
            self.services.scheduler.shutdown(wait=False)
        for close in self.closers:
            close()


def check_settings(settings: Settings) -> None:
    """Stop early, naming the variable, when the platform in use lacks a setting."""
    from bot.core.settings import MissingSetting

    if not (settings.slack_bot_token or settings.teams_app_id):
        raise MissingSetting(
            "SLACK_BOT_TOKEN", "or TEAMS_APP_ID: flipbot serves Slack, Microsoft Teams or both"
        )
    if settings.slack_enabled:
        from bot.slack.cli import check_settings as check_slack

        check_slack(settings)
    if settings.teams_enabled:
        settings.require("TEAMS_APP_PASSWORD", "the client secret of the Teams bot's Entra app")
        settings.teams_token_endpoint()  # needs TEAMS_TENANT_ID unless TEAMS_TOKEN_URL is set


def check_files(settings: Settings) -> None:
    """Read the network file and prompt library and upgrade the database before serving, so
    a mistake there is one clear message instead of a failing worker."""
    from bot.core.network import load_network
    from bot.core.yamlfile import FileProblems
    from bot.prompts import load_library
    from bot.schedule.jobs import programme_prompt_problems
    from bot.store.database import Store

    network = load_network(settings.flipbot_config)
    library = load_library(settings.flipbot_prompts)
    problems = programme_prompt_problems(network, library)
    if problems:
        raise FileProblems(problems)
    store = Store(settings.flipbot_db)
    store.migrate()
    store.close()


def background_jobs(services: Services) -> list:
    """The daily housekeeping the scheduler runs besides the programmes."""
    from bot.core.timeutil import utcnow
    from bot.privacy.erasure import run_retention
    from bot.schedule.scheduler import DailyJob

    def forget_old_events() -> None:
        # Event ids only guard against a platform's retries, which come within minutes.
        services.store.forget_inbound_events(before=utcnow() - timedelta(days=EVENT_ID_DAYS))

    return [
        DailyJob(id="retention", func=lambda: run_retention(services.store, services.network)),
        DailyJob(id="slack-events", func=forget_old_events, cron="45 3 * * *"),
        # Answers waiting for Fjern / Behold longer than a day get the default (Fjern).
        DailyJob(
            id="pending-answers", func=services.rounds.settle_pending_answers, cron="*/15 * * * *"
        ),
    ]


def start_background(services: Services, clock=None):
    """Start the scheduler in this process, or say clearly why not and go on serving: a second
    process on the same database must not send scheduled prompts too."""
    from bot.schedule.scheduler import SchedulerLocked, start_scheduler

    try:
        scheduler = start_scheduler(services, extra_jobs=background_jobs(services), clock=clock)
    except SchedulerLocked as exc:
        logger.error("scheduler not started: %s", exc)
        click.echo(f"flipbot: scheduler not started: {exc}", err=True)
        return None
    atexit.register(scheduler.shutdown, wait=False)
    return scheduler


def build_process(settings: Settings, *, teams_wait=None, **overrides) -> Process:
    """Everything one process runs, in the order the pieces need each other: each platform's
    messenger, the services, each platform's handlers, then the scheduler (it notes prompts a
    crash left half-sent before any new fan-out)."""
    from bot.core.messenger import PlatformMessengers
    from bot.core.network import load_network
    from bot.core.services import build_services
    from bot.store.database import Store

    network = overrides.pop("network", None) or load_network(settings.flipbot_config)
    store = overrides.pop("store", None) or Store(settings.flipbot_db)
    store.migrate()
    messengers: dict[str, Messenger] = {}
    slack_client = slack_sender = teams = None
    if settings.slack_enabled:
        from bot.slack.app import FANOUT_WORKERS, build_client, build_sender
        from bot.slack.messenger import SlackMessenger

        slack_client = build_client(settings)
        slack_sender = build_sender(settings, slack_client)
        messengers["slack"] = SlackMessenger(slack_client, network, bulk=slack_sender)
    if settings.teams_enabled:
        from bot.teams.app import TeamsEdge

        teams = TeamsEdge(settings, network, store, wait=teams_wait)
        messengers["teams"] = teams.messenger
    services = build_services(
        settings, PlatformMessengers(network, messengers), network=network, store=store, **overrides
    )
    slack_wsgi = None
    slack_app = None
    if slack_client is not None:
        from bot.slack.app import build_app, wsgi_app

        services.rounds.max_workers = FANOUT_WORKERS
        slack_app = build_app(services, settings, slack_client)
        slack_wsgi = wsgi_app(slack_app)
    teams_wsgi = None
    if teams is not None:
        teams.register(services)
        teams_wsgi = teams.wsgi()
    services.scheduler = start_background(services, clock=overrides.get("clock"))
    process = Process(one_port(slack_wsgi, teams_wsgi), services, slack_app, teams)
    if teams is not None:
        process.closers.append(teams.close)
    if slack_sender is not None:
        process.closers.append(slack_sender.close)
    return process


def one_port(slack_wsgi: Callable | None, teams_wsgi: Callable | None) -> Callable:
    """One WSGI app: Teams' POST /api/messages, Slack's /slack/events, and a health check."""

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == TEAMS_PATH and teams_wsgi is not None:
            return teams_wsgi(environ, start_response)
        if slack_wsgi is not None:
            return slack_wsgi(environ, start_response)
        if path == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return application


@cli.command()
@click.option(
    "--port",
    type=int,
    default=DEFAULT_PORT,
    envvar="PORT",
    show_default=True,
    help="HTTP port (HTTP mode only; $PORT also works).",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=DEFAULT_THREADS,
    show_default=True,
    help="Threads that run requests (HTTP mode).",
)
@reports_errors
def serve(port: int, threads: int):
    """Run flipbot: Slack (HTTP on /slack/events, or Socket Mode when SLACK_APP_TOKEN is set and
    Teams is not) and Microsoft Teams (POST /api/messages), in one process."""
    settings = load_settings()
    check_settings(settings)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    check_files(settings)
    if settings.slack_enabled:
        from bot.slack.cli import check_token

        check_token(settings)
    if settings.slack_app_token and not settings.teams_enabled:
        from bot.slack.app import serve_socket_mode

        process = build_process(settings)
        click.echo("flipbot: connected in Socket Mode", err=True)
        serve_socket_mode(process.slack_app, settings)
        return
    from bot.core.wsgi_server import run_server

    paths = ["GET /healthz"]
    if settings.slack_enabled:
        paths.insert(0, "POST /slack/events")
    if settings.teams_enabled:
        paths.insert(0, "POST /api/messages")
    click.echo(f"flipbot: serving HTTP on port {port} ({', '.join(paths)})", err=True)
    run_server(lambda: build_process(settings).wsgi, port=port, threads=threads)
