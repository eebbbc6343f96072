"""`flipbot serve` (Socket Mode or HTTP under gunicorn) and `flipbot manifest`."""

from __future__ import annotations

import atexit
import json
import logging
from datetime import timedelta
from pathlib import Path

import click
import yaml

from bot.cli.main import cli, reports_errors
from bot.core.settings import Settings, load_settings
from bot.core.timeutil import utcnow

logger = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parents[2] / "config" / "manifest.yml"
DEFAULT_PORT = 3000
DEFAULT_THREADS = 8
EVENT_ID_DAYS = 7


def manifest(url: str | None = None) -> dict:
    """The Slack app manifest; with a URL, for HTTP mode with every request URL filled in."""
    with open(MANIFEST, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if url:
        endpoint = url.rstrip("/") + "/slack/events"
        settings = data["settings"]
        settings["socket_mode_enabled"] = False
        settings["event_subscriptions"]["request_url"] = endpoint
        settings["interactivity"]["request_url"] = endpoint
        for command in data["features"]["slash_commands"]:
            command["url"] = endpoint
    return data


@cli.command("manifest")
@click.option(
    "--url", help="Public https base URL of flipbot for HTTP mode (omit for Socket Mode)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="Output format (Slack accepts both).",
)
def manifest_command(url: str | None, fmt: str):
    """Print the Slack app manifest to create flipbot's Slack app in one step."""
    if url and not url.startswith("https://"):
        raise click.BadParameter("Slack only calls https:// URLs", param_hint="--url")
    data = manifest(url)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)


def check_settings(settings: Settings) -> None:
    """Stop early, naming the variable, when a token or secret is missing."""
    settings.require(
        "SLACK_BOT_TOKEN", "the bot token from the Slack app's OAuth & Permissions page"
    )
    if not settings.slack_app_token:
        settings.require(
            "SLACK_SIGNING_SECRET",
            "HTTP mode verifies Slack's requests with it; or set SLACK_APP_TOKEN for Socket Mode",
        )


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


def check_token(settings: Settings) -> None:
    """One auth.test before serving, so a wrong token is one clear line, not a failing worker."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.slack.app import build_client

    try:
        build_client(settings).auth_test()
    except SlackApiError as exc:
        raise click.ClickException(
            f"Slack refused SLACK_BOT_TOKEN: {exc.response.get('error')}"
        ) from None
    except (SlackClientError, OSError) as exc:
        raise click.ClickException(
            f"cannot reach Slack at {settings.slack_api_url} (SLACK_API_URL): {exc}"
        ) from None


def background_jobs(services) -> list:
    """The daily housekeeping the scheduler runs besides the programmes."""
    from bot.privacy.erasure import run_retention
    from bot.schedule.scheduler import DailyJob

    def forget_old_slack_events() -> None:
        # Event ids only guard against Slack's retries, which come within minutes.
        services.store.forget_inbound_events(before=utcnow() - timedelta(days=EVENT_ID_DAYS))

    return [
        DailyJob(id="retention", func=lambda: run_retention(services.store, services.network)),
        DailyJob(id="slack-events", func=forget_old_slack_events, cron="45 3 * * *"),
    ]


def start_background(services, clock=None):
    """Start the scheduler in this process, or say clearly why not and go on serving Slack:
    a second process on the same database must not send scheduled prompts too."""
    from bot.schedule.scheduler import SchedulerLocked, start_scheduler

    try:
        scheduler = start_scheduler(services, extra_jobs=background_jobs(services), clock=clock)
    except SchedulerLocked as exc:
        logger.error("scheduler not started: %s", exc)
        click.echo(f"flipbot: scheduler not started: {exc}", err=True)
        return None
    atexit.register(scheduler.shutdown, wait=False)
    return scheduler


def build_process(settings: Settings, **overrides):
    """Everything one flipbot process runs: the scheduler first (it notes prompts a crash left
    half-sent before any new fan-out), then the Bolt app that takes Slack's requests."""
    from bot.slack.app import build_slack

    app, services = build_slack(settings, **overrides)
    services.scheduler = start_background(services, clock=overrides.get("clock"))
    return app, services


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
    help="Request threads in the one worker (HTTP mode).",
)
@reports_errors
def serve(port: int, threads: int):
    """Run flipbot: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP on /slack/events."""
    settings = load_settings()
    check_settings(settings)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    check_files(settings)
    check_token(settings)
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        app, _ = build_process(settings)
        click.echo("flipbot: connected in Socket Mode", err=True)
        SocketModeHandler(app, settings.slack_app_token).start()
        return
    from bot.slack.wsgi_server import run_gunicorn

    click.echo(f"flipbot: serving HTTP on port {port} (POST /slack/events, GET /healthz)", err=True)
    run_gunicorn(lambda: build_process(settings)[0], port=port, threads=threads)
