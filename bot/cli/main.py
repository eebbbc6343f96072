"""The flipbot command line: one click group; errors become one clear line and an exit code."""

from __future__ import annotations

import functools
import importlib
import json
import shlex
import sys
import tempfile
from collections import Counter
from pathlib import Path

import click

EXIT_PROBLEMS = 1
EXIT_MISSING_SETTING = 2


def reports_errors(command):
    """Turn the errors a person can fix into readable lines and exit codes instead of tracebacks."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Exception as exc:
            if _raised_by(exc, "bot.core.yamlfile", "FileProblems"):
                for problem in exc.problems:
                    click.echo(str(problem), err=True)
                click.echo(f"{len(exc.problems)} problem(s) found.", err=True)
                sys.exit(EXIT_PROBLEMS)
            if _raised_by(exc, "bot.core.settings", "MissingSetting"):
                click.echo(f"flipbot: {exc}", err=True)
                sys.exit(EXIT_MISSING_SETTING)
            if _raised_by(exc, "bot.store.database", "StoreError"):
                click.echo(f"flipbot: database: {exc}", err=True)
                sys.exit(EXIT_PROBLEMS)
            raise

    return wrapper


def load_settings():
    """The settings, read when a command runs: pydantic (bot.core.settings) is slow to import,
    and `flipbot --help` should not wait for it."""
    from bot.core.settings import load_settings as read

    return read()


def _raised_by(exc: Exception, module: str, name: str) -> bool:
    """Whether exc is that module's error class. A module never imported raised nothing, so
    `flipbot --help` need not import the store (sqlite-utils brings NumPy) or pydantic."""
    found = sys.modules.get(module)
    return found is not None and isinstance(exc, getattr(found, name))


def output_format(*choices: str):
    """The shared --format option of listing commands."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="flipbot")
def cli():
    """flipbot: reflection prompts and dilemma cases for a FLIP knowledge-broker network."""


# -- demo ------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file to use (default: a fresh file in a temporary folder).",
)
@reports_errors
def demo(db_path: Path | None):
    """Run one dilemma round for the example network offline and print participation."""
    from bot.demo import demo_report, run_demo

    if db_path is not None and db_path.exists():
        raise click.UsageError(f"{db_path} already exists; the demo needs a fresh database file")
    folder = None
    if db_path is None:
        folder = tempfile.mkdtemp(prefix="flipbot-demo-")
        db_path = Path(folder) / "demo.db"
    result = run_demo(db_path)
    click.echo(demo_report(result))
    click.echo("")
    from bot.core.i18n import t

    language = result.services.network.language
    if result.digest is not None:
        from bot.demo import write_digest_files
        from bot.digest.render_md import render_text

        click.echo(render_text(result.digest))
        md, html = write_digest_files(result.digest, Path("out"))
        click.echo(t("demo.digest_written", language, md=md, html=html))
    click.echo(t("demo.database", language, path=db_path))
    click.echo(t("demo.look_further", language))
    for line in demo_commands(db_path, result.round_id):
        click.echo(f"  {line}")


def demo_commands(db_path: Path, round_id: int) -> list[str]:
    """The commands that export the demo's round and build its digest, settings filled in (the
    demo uses its own network file and database, never $FLIPBOT_CONFIG or $FLIPBOT_DB)."""
    from bot.core.services import EXAMPLE_NETWORK

    # The command as it was started: `make demo` runs .venv/bin/flipbot, which may not be on PATH.
    flipbot = sys.argv[0] if Path(sys.argv[0]).name == "flipbot" else "flipbot"
    prefix = " ".join(
        [
            f"FLIPBOT_DB={shlex.quote(str(db_path))}",
            f"FLIPBOT_CONFIG={shlex.quote(str(EXAMPLE_NETWORK))}",
            shlex.quote(flipbot),
        ]
    )
    return [
        f"{prefix} export --format csv --out out/flip-export.csv",
        f"{prefix} export --format qdpx --out out/flip-export.qdpx",
        f"{prefix} digest --round {round_id} --out out/digest-round-{round_id}.md",
    ]


# -- network ---------------------------------------------------------------------------------


@cli.group()
def network():
    """Check the network file (municipalities, members, roles, programmes)."""


@network.command("check")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@reports_errors
def network_check(file: Path | None):
    """Validate a network file and print a summary (default: $FLIPBOT_CONFIG)."""
    from bot.core.network import load_network
    from bot.core.timeutil import format_duration, utcnow

    path = file or Path(load_settings().flipbot_config)
    net = load_network(path)
    from bot.cli.schedule import prompt_problems_in_file

    prompt_problems_in_file(path)
    click.echo(f"{path}: {net.name} ({net.timezone}, {net.language}) is valid.")
    click.echo("")
    click.echo("Members per municipality and role:")
    roles = ("broker", "facilitator", "researcher", "admin")
    click.echo(f"  {'municipality':<28}" + "".join(f"{r:>13}" for r in roles))
    for municipality in net.municipalities:
        members = [m for m in net.members if m.municipality == municipality.id]
        counts = Counter(role for m in members for role in m.roles)
        click.echo(f"  {municipality.name:<28}" + "".join(f"{counts.get(r, 0):>13}" for r in roles))
    totals = Counter(role for m in net.members for role in m.roles)
    click.echo(f"  {'total':<28}" + "".join(f"{totals.get(r, 0):>13}" for r in roles))
    click.echo("")
    if not net.programmes:
        click.echo("No programmes.")
    now = utcnow()
    for programme in net.programmes:
        audience = "all" if programme.audience == "all" else ", ".join(programme.audience)
        click.echo(
            f"Programme {programme.id}: theme {programme.theme}, '{programme.schedule}', "
            f"audience {audience}, respond within {format_duration(programme.respond_within)}"
        )
        for run in net.next_runs(programme, now, 3):
            click.echo(f"  next: {run:%a %Y-%m-%d %H:%M %Z}")


# -- prompts ---------------------------------------------------------------------------------


@cli.group()
def prompts():
    """List and check the prompt library (built-in plus $FLIPBOT_PROMPTS)."""


@prompts.command("list")
@click.option("--theme", help="Only prompts of this FLIP theme id.")
@output_format("table", "json")
@reports_errors
def prompts_list(theme: str | None, fmt: str):
    """List the prompts and dilemma cases."""
    from bot.core.themes import THEME_IDS
    from bot.prompts import load_library

    if theme is not None and theme not in THEME_IDS:
        raise click.BadParameter(
            f"unknown theme {theme!r} (one of: {', '.join(THEME_IDS)})", param_hint="--theme"
        )
    library = load_library(load_settings().flipbot_prompts)
    items = library.by_theme(theme) if theme else library.all()
    if fmt == "json":
        click.echo(
            json.dumps([p.model_dump(mode="json") for p in items], ensure_ascii=False, indent=2)
        )
        return
    width = max((len(p.id) for p in items), default=2)
    for prompt in items:
        click.echo(f"{prompt.id:<{width}}  {prompt.kind:<10}  {prompt.theme:<18}  {prompt.title}")
    click.echo(f"{len(items)} prompt(s).")


@prompts.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@reports_errors
def prompts_check(directory: Path | None):
    """Validate the built-in library together with DIRECTORY (default: $FLIPBOT_PROMPTS)."""
    from bot.prompts import load_library

    extra = directory or load_settings().flipbot_prompts
    library = load_library(extra)
    kinds = Counter(p.kind for p in library.all())
    themes = Counter(p.theme for p in library.all())
    click.echo(
        f"{len(library)} prompts are valid: {kinds.get('reflection', 0)} reflections, "
        f"{kinds.get('dilemma', 0)} dilemma cases."
    )
    for theme, count in sorted(themes.items()):
        click.echo(f"  {theme:<20}{count:>4}")


# -- db --------------------------------------------------------------------------------------


@cli.group()
def db():
    """Database maintenance."""


@db.command("migrate")
@reports_errors
def db_migrate():
    """Create or upgrade the database at $FLIPBOT_DB."""
    from bot.store.database import Store

    store = Store(load_settings().flipbot_db)
    applied = store.migrate()
    if applied:
        click.echo(f"{store.path}: applied {', '.join(applied)}")
    else:
        click.echo(f"{store.path}: up to date")


# Each area of the bot keeps its commands in its own module, which adds them to `cli` on import.
AREAS: tuple[str, ...] = (
    "bot.cli.privacy",
    "bot.cli.schedule",
    "bot.cli.digest",
    "bot.cli.serve",
    "bot.slack.cli",
    "bot.teams.cli",
)
for _area in AREAS:
    importlib.import_module(_area)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="flipbot")


if __name__ == "__main__":
    main()
