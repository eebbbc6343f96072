"""`flipbot schedule`: each programme's next runs and the pending reminders, waiting prompts and closes."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.main import cli, load_settings, output_format, reports_errors

KIND_LABELS = {
    "programme": "new round",
    "waiting": "send waiting prompts",
    "reminder": "reminder",
    "snoozed": "snoozed prompts again",
    "close": "close",
}


def prompt_problems_in_file(path: Path) -> None:
    """Raise FileProblems (file, line, field) if a programme names a prompt the library lacks."""
    from bot.core.network import parse_network
    from bot.core.yamlfile import FileProblems, read_yaml
    from bot.prompts import load_library
    from bot.schedule.jobs import programme_prompt_problems

    doc = read_yaml(path)
    problems = programme_prompt_problems(
        parse_network(doc), load_library(load_settings().flipbot_prompts), doc
    )
    if problems:
        raise FileProblems(problems)


@cli.command("schedule")
@click.option(
    "--runs",
    default=3,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Next runs per programme.",
)
@output_format("table", "json")
@reports_errors
def schedule(runs: int, fmt: str):
    """List each programme's next runs and the pending reminders and closes (local time)."""
    from bot.core.messenger import LocalMessenger
    from bot.core.services import build_services
    from bot.core.timeutil import utcnow
    from bot.schedule.view import upcoming
    from bot.store.schedule import ScheduleStore

    settings = load_settings()
    prompt_problems_in_file(Path(settings.flipbot_config))
    # Nothing is sent: the messenger is only there because the round service wants one.
    services = build_services(settings, LocalMessenger())
    now = utcnow()
    items = upcoming(services, now, runs)
    lock = ScheduleStore(services.store).lock_holder()
    if fmt == "json":
        payload = {
            "now": now.isoformat(),
            "timezone": services.network.timezone,
            "scheduler": None
            if lock is None
            else {"holder": lock.holder, "heartbeat_at": lock.heartbeat_at.isoformat()},
            "upcoming": [
                {
                    "kind": item.kind,
                    "due": item.due.isoformat(),
                    "at": item.at.isoformat(),
                    "programme": item.programme_id,
                    "round": item.round_id,
                    "prompt": item.prompt_id,
                    "members": item.members,
                }
                for item in items
            ],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if lock is None:
        click.echo("Scheduler: not running on this database.")
    else:
        click.echo(
            f"Scheduler: running in {lock.holder} "
            f"(last heartbeat {lock.heartbeat_at.astimezone(services.network.tz):%Y-%m-%d %H:%M:%S %Z})."
        )
    click.echo(f"Times are local ({services.network.timezone}).")
    if not items:
        click.echo("Nothing scheduled.")
        return
    for item in items:
        what = KIND_LABELS[item.kind]
        if item.round_id is not None:
            what += f", round {item.round_id}"
        if item.programme_id:
            what += f", programme {item.programme_id}"
        if item.prompt_id:
            what += f", prompt {item.prompt_id}"
        if item.members:
            what += f", {item.members} member(s)"
        late = ""
        if item.at > item.due and item.kind == "close":
            late = " (overdue: closes as soon as the scheduler runs)"
        elif item.at > item.due:
            late = f" (due {item.due:%a %d.%m. %H:%M}; DMs wait for working hours)"
        click.echo(f"  {item.at:%a %Y-%m-%d %H:%M %Z}  {what}{late}")
