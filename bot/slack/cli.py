"""The Slack side of the command line: `flipbot manifest`, and the checks `flipbot serve` makes
before it serves Slack (bot/cli/serve.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.main import cli

if TYPE_CHECKING:
    from bot.core.settings import Settings

logger = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parents[2] / "config" / "manifest.yml"


def manifest(url: str | None = None) -> dict:
    """The Slack app manifest; with a URL, for HTTP mode with every request URL filled in."""
    import yaml

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
        import yaml

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
