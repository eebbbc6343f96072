"""Privacy commands: erase a member, change consent, prune old answers, back up, show the audit trail."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.main import cli, db, load_settings, output_format, reports_errors

if TYPE_CHECKING:
    from bot.store.database import Store


def cli_actor() -> str:
    """Who the audit trail names for a command typed at the terminal."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def open_store() -> Store:
    """The existing database at $FLIPBOT_DB, migrated; never silently a new, empty one."""
    from bot.store.database import Store

    path = Path(load_settings().flipbot_db)
    if not path.exists():
        raise click.ClickException(f"no database at {path} (set FLIPBOT_DB)")
    store = Store(path)
    store.migrate()
    return store


def parse_since(text: str) -> datetime:
    """A date (YYYY-MM-DD) or an ISO date and time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date like 2026-01-31 or 2026-01-31T08:00", param_hint="--since"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- member ----------------------------------------------------------------------------------


@cli.group()
def member():
    """Erase a member's data, readmit them, or change their research consent."""


@member.command("erase")
@click.argument("member_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@reports_errors
def member_erase(member_id: str, yes: bool):
    """Delete MEMBER_ID's answers and answer history, strip their quotes from stored digests and
    replace their name and Slack id; participation counts stay."""
    from bot.privacy.erasure import erase_member
    from bot.store.privacy import answer_posts, response_ids_of

    store = open_store()
    found = store.member(member_id)
    if found is None or found.get("erased_at"):
        raise click.ClickException(f"no member {member_id} in {store.path}")
    answers = len(response_ids_of(store, member_id))
    if not yes:
        click.confirm(
            f"Erase {found['name']} ({member_id}, {found['municipality']}): {answers} answer(s) "
            "and their history? This cannot be undone",
            abort=True,
        )
    posts = answer_posts(store, member_id)
    result = erase_member(store, member_id, by=cli_actor())
    click.echo(
        f"Erased {member_id}: {result.responses} answer(s), {result.history} earlier version(s), "
        f"{result.quotes_removed} quote(s) in stored digests; {result.deliveries} delivery "
        "record(s) kept for the counts."
    )
    if posts:
        delete_answer_posts(posts)
    click.echo(
        f"{member_id} gets no more prompts, even while still in the network file (remove them "
        f"there too); `flipbot member readmit {member_id}` undoes that if they want to come back."
    )


def delete_answer_posts(posts: list) -> None:
    """Delete the bot's channel-thread posts that showed an erased member's answers, when this
    machine has the bot token; otherwise say where they are, so an admin can delete them in Slack."""
    settings = load_settings()
    where = ", ".join(f"channel {p.conversation} message {p.message}" for p in posts)
    if not settings.slack_bot_token:
        click.echo(
            f"SLACK_BOT_TOKEN is not set here, so flipbot cannot delete its {len(posts)} post(s) "
            f"in Slack that showed their answers; please delete them in Slack: {where}"
        )
        return
    from bot.core.messenger import DeliveryFailed
    from bot.core.network import load_network
    from bot.slack.app import build_client
    from bot.slack.messenger import SlackMessenger

    slack = SlackMessenger(build_client(settings), load_network(settings.flipbot_config))
    failed = []
    for post in posts:
        try:
            slack.delete_message(post)
        except DeliveryFailed:
            failed.append(f"channel {post.conversation} message {post.message}")
    click.echo(f"Deleted {len(posts) - len(failed)} post(s) by flipbot that showed their answers.")
    if failed:
        click.echo("Could not delete, please do it in Slack: " + ", ".join(failed))


@member.command("access")
@click.argument("member_id")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file to write (0600): give it to the member only.",
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@reports_errors
def member_access_command(member_id: str, out: Path, force: bool):
    """Write everything flipbot holds about MEMBER_ID (their answers with rounds and prompts,
    deliveries, consent log, audit entries) to one JSON file, for their access request."""
    from bot.cli.digest import write_file
    from bot.core.network import load_network
    from bot.export.access import NoSuchMember, member_access, member_access_json
    from bot.prompts import load_library

    settings = load_settings()
    store = open_store()
    if out.exists() and not force:
        raise click.ClickException(f"{out} exists; use --force to replace it")
    try:
        data = member_access(
            store,
            load_network(settings.flipbot_config),
            load_library(settings.flipbot_prompts),
            member_id,
        )
    except NoSuchMember:
        raise click.ClickException(
            f"no member {member_id} in {store.path} (an erased member has nothing left)"
        ) from None
    write_file(out, member_access_json(data))
    store.audit(cli_actor(), "member_access", member_id, {"answers": len(data["answers"])})
    click.echo(
        f"Wrote {len(data['answers'])} answer(s), {len(data['deliveries'])} delivery record(s) "
        f"and {len(data['audit'])} audit entr{'y' if len(data['audit']) == 1 else 'ies'} "
        f"about {member_id} to {out} (0600)."
    )


@member.command("readmit")
@click.argument("member_id")
@reports_errors
def member_readmit(member_id: str):
    """Let an erased MEMBER_ID take part again: the next sync adds them from the network file
    (as a new member: their erased answers do not come back)."""
    store = open_store()
    if member_id not in store.erased_member_ids():
        raise click.ClickException(f"{member_id} has not been erased in {store.path}")
    store.audit(cli_actor(), "readmit_member", member_id)
    click.echo(
        f"{member_id} may take part again from the next round, if the network file lists them."
    )


@member.command("consent")
@click.argument("member_id")
@click.argument("choice", type=click.Choice(["yes", "no"]))
@reports_errors
def member_consent(member_id: str, choice: str):
    """Record MEMBER_ID's research consent (yes or no), as they asked for it; it outlives syncs."""
    from bot.privacy.erasure import set_consent
    from bot.privacy.redact import PrivacyError

    store = open_store()
    try:
        removed = set_consent(store, member_id, choice == "yes", by=cli_actor())
    except PrivacyError:
        raise click.ClickException(f"no member {member_id} in {store.path}") from None
    click.echo(f"{member_id}: research consent {choice}.")
    if removed:
        click.echo(f"Removed {removed} quote(s) from stored digests.")


# -- db --------------------------------------------------------------------------------------


@db.command("prune")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@click.option(
    "--retention-days",
    type=click.IntRange(min=1),
    help="Keep answers this many days (default: retention_days in the network file).",
)
@reports_errors
def db_prune(dry_run: bool, retention_days: int | None):
    """Delete answers (and their history) older than the retention period; digests stay."""
    from bot.core.network import load_network
    from bot.privacy.erasure import prune

    if retention_days is None:
        retention_days = load_network(Path(load_settings().flipbot_config)).retention_days
    store = open_store()
    result = prune(store, datetime.now(UTC), retention_days, dry_run=dry_run, by=cli_actor())
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(
        f"{verb} {result.responses} answer(s) and {result.history} earlier version(s) "
        f"from before {result.cutoff:%Y-%m-%d %H:%M} UTC ({retention_days} days)."
    )


@db.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@reports_errors
def db_backup(path: Path, force: bool):
    """Copy the database to PATH (a file, or a folder to put a dated file in) while the bot runs."""
    from bot.store.privacy import backup_counts

    store = open_store()
    if path.is_dir():
        path = path / f"flipbot-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.db"
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; use --force to replace it")
    if not path.parent.is_dir():
        raise click.ClickException(f"no folder {path.parent} to put the backup in")
    store.backup(path)
    store.audit(cli_actor(), "backup", str(path))
    tables = backup_counts(path)
    size = path.stat().st_size
    click.echo(
        f"Backed up {store.path} to {path} ({size / 1024:.0f} KiB; "
        + ", ".join(f"{n} {name}" for name, n in tables.items())
        + ")."
    )


# -- audit -----------------------------------------------------------------------------------


@cli.command("audit")
@click.option("--since", help="Only entries from this date (YYYY-MM-DD, UTC) or ISO time on.")
@output_format("table", "json")
@reports_errors
def audit(since: str | None, fmt: str):
    """Show who started, reminded, closed, exported, erased or changed consent, and when."""
    store = open_store()
    entries = store.audit_entries(parse_since(since) if since else None)
    if fmt == "json":
        from bot.core.timeutil import iso

        rows = [{**entry, "at": iso(entry["at"])} for entry in entries]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for entry in entries:
        detail = json.dumps(entry["detail"], ensure_ascii=False, separators=(",", ":"))
        click.echo(
            f"{entry['at']:%Y-%m-%d %H:%M:%S}Z  {entry['actor']:<16} {entry['action']:<14} "
            f"{entry['subject'] or '-':<14} {detail if entry['detail'] else ''}".rstrip()
        )
    click.echo(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}.")


# -- privacy ---------------------------------------------------------------------------------


@cli.group("privacy")
def privacy_group():
    """Look after the export pseudonym key (kept outside the database and its backups)."""


@privacy_group.command("rotate-key")
@click.option(
    "--yes", is_flag=True, help="Really rotate: earlier exports' pseudonyms stop matching."
)
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="First write each old pseudonym and answer id with its new one to this CSV file (0600), "
    "for a researcher who holds earlier exports.",
)
@reports_errors
def privacy_rotate_key(yes: bool, mapping: Path | None):
    """Replace the pseudonym key with a new one: new exports get new pseudonyms and answer ids
    that cannot be linked to earlier exports (except through --mapping)."""
    from bot.export.keys import rotate_key
    from bot.store.files import KeyFileError

    store = open_store()
    if not yes:
        raise click.ClickException(
            "rotating the key gives every member a new pseudonym and every answer a new id in "
            "exports from now on; earlier exports and consent-log lines keep the old ones. "
            "Run again with --yes (and --mapping FILE to keep a link from old to new)"
        )
    if mapping is not None and mapping.exists():
        raise click.ClickException(f"{mapping} exists; choose a new file for the mapping")
    try:
        done = rotate_key(store, mapping)
    except (KeyFileError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    store.audit(
        cli_actor(),
        "rotate_pseudonym_key",
        None,
        {"old": done.old_fingerprint, "new": done.new_fingerprint, "mapping": done.mapped},
    )
    click.echo(
        f"New pseudonym key (fingerprint {done.new_fingerprint}, was "
        f"{done.old_fingerprint or 'unknown'}). Exports from now on use new pseudonyms."
    )
    if mapping is not None:
        click.echo(
            f"Wrote {done.mapped} old -> new line(s) to {mapping} (0600): give it only to the "
            "researchers who hold earlier exports, and delete it once they have used it."
        )
