"""`flipbot digest` and `flipbot export`: digests from a CSV of answers, research exports."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.main import cli, reports_errors
from bot.core.timeutil import utcnow
from bot.store.files import write_private

DIGEST_FORMATS = ("md", "json", "html")


def write_file(path: Path, data: bytes | str) -> None:
    """Write an export or digest file readable by its owner only (0600): it holds answers."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None


@cli.command("digest")
@click.option(
    "--input",
    "input_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of answers gathered outside Slack: columns id, municipality, text[, quotable, question].",
)
@click.option(
    "--round",
    "round_id",
    type=int,
    help="Show this round's stored digest (the approved one, else the newest) from $FLIPBOT_DB.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="With --round: build a fresh digest of the round instead of showing the stored one.",
)
@click.option("--theme", help="Build the digest of every round of this FLIP theme in a period.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="With --theme: first day of the period."
)
@click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), help="With --theme: last day of the period."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(DIGEST_FORMATS),
    default="md",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the digest to this file (default: print it).",
)
@click.option(
    "--language",
    type=click.Choice(("da", "en", "nb")),
    default="da",
    show_default=True,
    help="Language of the digest's headings (for --input; rounds use the network's language).",
)
@click.option(
    "--min-group-size",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="For --input: municipalities with fewer answers than this show as 'other municipalities'.",
)
@reports_errors
def digest_command(
    input_path: Path | None,
    round_id: int | None,
    rebuild: bool,
    theme: str | None,
    since,
    until,
    fmt: str,
    out: Path | None,
    language: str,
    min_group_size: int,
):
    """Build a FLIP digest from a CSV of answers or a theme in the database, or show a round's."""
    from bot.digest.render import render

    sources = [x for x in (input_path, round_id, theme) if x is not None]
    if len(sources) != 1:
        raise click.UsageError("give exactly one of --input, --round or --theme")
    if rebuild and round_id is None:
        raise click.UsageError("--rebuild goes with --round")
    if theme is not None:
        if since is None or until is None:
            raise click.UsageError("--theme needs --since and --until")
        if until < since:
            raise click.BadParameter("--until is before --since", param_hint="--until")
    if input_path is not None:
        digest, count = _digest_of_csv(input_path, language, min_group_size)
    else:
        digest, count = _digest_of_database(round_id, rebuild, theme, since, until, fmt)
    text = render(digest, fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_file(out, text)
        click.echo(f"{out}: digest of {count} answers, {len(digest.themes)} themes.")


def _digest_of_csv(path: Path, language: str, min_group_size: int):
    from bot.core.i18n import t
    from bot.digest.checks import assert_digest_is_honest
    from bot.digest.extractive import build_digest
    from bot.digest.sources import read_answers_csv

    answers = read_answers_csv(path)
    digest = build_digest(
        answers,
        title=t("digest.title_csv", language, name=path.stem),
        created_at=utcnow(),
        language=language,
        min_group_size=min_group_size,
    )
    assert_digest_is_honest(digest, answers)
    return digest, len(answers)


def _digest_of_database(round_id, rebuild, theme, since, until, fmt):
    from bot.core.messenger import LocalMessenger
    from bot.core.network import load_network
    from bot.core.rounds import RoundError, RoundService
    from bot.core.settings import load_settings
    from bot.core.themes import THEME_IDS
    from bot.digest.llm import llm_enhancer
    from bot.digest.service import DigestService
    from bot.prompts import load_library
    from bot.store.database import Store

    settings = load_settings()
    network = load_network(settings.flipbot_config)
    if not Path(settings.flipbot_db).exists():
        raise click.UsageError(f"no database at {settings.flipbot_db} (set FLIPBOT_DB)")
    store = Store(settings.flipbot_db)
    store.migrate()
    messenger = LocalMessenger()  # building sends nothing; the messenger is never used
    rounds = RoundService(store, network, load_library(settings.flipbot_prompts), messenger)
    service = DigestService(store, network, rounds, messenger, enhancer=llm_enhancer(settings))
    if theme is not None:
        if theme not in THEME_IDS:
            raise click.BadParameter(
                f"unknown theme {theme!r} (one of: {', '.join(THEME_IDS)})", param_hint="--theme"
            )
        digest = service.build_period(theme, since.date(), until.date())
    else:
        try:
            rounds.get_round(round_id)
            stored = None if rebuild else service.reviewed(round_id)
            if stored is None:
                if not rebuild:
                    click.echo(
                        f"round {round_id} has no stored digest: built a fresh one.", err=True
                    )
                digest = service.build(round_id)
            else:
                digest = stored
        except RoundError as exc:
            raise click.BadParameter(
                f"no round {round_id} in {store.path}", param_hint="--round"
            ) from exc
    if fmt == "json":  # for researchers: each quote and theme traced to its export rows
        digest = service.with_export_ids(digest)
    return digest, digest.answers_used + digest.left_out_no_consent


@cli.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("csv", "json", "md", "html", "qdpx", "consent-log")),
    required=True,
    help="File format: csv, json, md, html, qdpx (REFI-QDA for NVivo, ATLAS.ti, MAXQDA), or "
    "consent-log (consent changes and erasures by pseudonym, to remove from earlier projects).",
)
@click.option("--round", "round_id", type=int, help="Only answers to this round id.")
@click.option("--theme", help="Only answers to prompts of this FLIP theme id.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Only answers given on or after this date."
)
@click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), help="Only answers given on or before this date."
)
@click.option("--municipality", help="Only answers from this municipality id.")
@click.option(
    "--excel",
    is_flag=True,
    help="With --format csv: what Danish Excel opens (semicolons, UTF-8 BOM, ja/nej).",
)
@click.option(
    "--withdrawn-since",
    type=click.DateTime(["%Y-%m-%d"]),
    help="List the pseudonyms withdrawn or erased since this date (default: all) in the "
    "export's manifest; with --format consent-log, only entries from this date on.",
)
@click.option(
    "--times",
    type=click.Choice(("day", "hour", "exact")),
    default="day",
    show_default=True,
    help="How precisely answer times are exported (the manifest says which).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (a CSV export also writes OUT.manifest.json beside it).",
)
@reports_errors
def export_command(
    fmt, round_id, theme, since, until, municipality, excel, withdrawn_since, times, out: Path
):
    """Export pseudonymised answers for research (members without research consent are left out)."""
    from bot.core.i18n import t
    from bot.core.network import load_network
    from bot.core.settings import load_settings
    from bot.core.themes import THEME_IDS
    from bot.export.collect import ExportFilter, export_file
    from bot.export.consent import consent_log_csv
    from bot.export.text import manifest_json
    from bot.prompts import load_library
    from bot.store.database import Store

    settings = load_settings()
    network = load_network(settings.flipbot_config)
    if theme is not None and theme not in THEME_IDS:
        raise click.BadParameter(
            f"unknown theme {theme!r} (one of: {', '.join(THEME_IDS)})", param_hint="--theme"
        )
    if municipality is not None and network.municipality(municipality) is None:
        known = ", ".join(m.id for m in network.municipalities)
        raise click.BadParameter(
            f"unknown municipality {municipality!r} (one of: {known})", param_hint="--municipality"
        )
    if since and until and until < since:
        raise click.BadParameter("--until is before --since", param_hint="--until")
    if excel and fmt != "csv":
        raise click.BadParameter("--excel is for --format csv", param_hint="--excel")
    if not Path(settings.flipbot_db).exists():
        raise click.UsageError(f"no database at {settings.flipbot_db} (set FLIPBOT_DB)")
    store = Store(settings.flipbot_db)
    store.migrate()
    withdrawn = withdrawn_since.date() if withdrawn_since else None
    if fmt == "consent-log":
        data = consent_log_csv(store, network, withdrawn)
        write_file(out, data)
        store.audit("cli", "export", None, {"format": fmt})
        click.echo(t("export.log_written", "en", rows=data.count(b"\n") - 1, path=out))
        return
    filters = ExportFilter(
        round_id=round_id,
        theme=theme,
        since=since.date() if since else None,
        until=until.date() if until else None,
        municipality=municipality,
    )
    data, _, export = export_file(
        store,
        network,
        load_library(settings.flipbot_prompts),
        fmt,
        filters,
        None,
        excel=excel,
        withdrawn_since=withdrawn,
        times=times,
    )
    write_file(out, data)
    click.echo(t("export.written", "en", rows=len(export.rows), path=out))
    if fmt == "csv":
        manifest = out.with_name(out.name + ".manifest.json")
        write_file(manifest, manifest_json(export))
        click.echo(t("export.manifest_written", "en", path=manifest))
    if export.left_out_no_consent:
        click.echo(t("export.left_out", "en", count=export.left_out_no_consent))
    if export.withdrawn:
        click.echo(t("export.withdrawn", "en", count=len(export.withdrawn)))
