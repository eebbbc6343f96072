"""The Teams side of the command line: `flipbot teams package` writes the app package to upload in
the Teams admin centre."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click

from bot.cli.main import cli, load_settings, reports_errors


@cli.group()
def teams():
    """Microsoft Teams: the app package."""


@teams.command("package")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("flipbot-teams.zip"),
    show_default=True,
    help="Where to write the zip.",
)
@click.option(
    "--url",
    required=True,
    help="Public https base URL of flipbot (its host goes in validDomains).",
)
@reports_errors
def package(out: Path, url: str):
    """Write the Teams app package (manifest.json and icons) for the bot in TEAMS_APP_ID."""
    from bot.teams.package import build_manifest, write_package

    if not url.startswith("https://"):
        raise click.BadParameter("Teams only calls https:// URLs", param_hint="--url")
    app_id = load_settings().require("TEAMS_APP_ID", "the Teams bot's Entra app id")
    host = urlsplit(url).hostname or ""
    try:
        manifest = build_manifest(app_id, valid_domains=[host])
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    written = write_package(out, manifest)
    click.echo(
        f"{written}: manifest for bot {app_id}, messaging endpoint {url.rstrip('/')}/api/messages"
    )
