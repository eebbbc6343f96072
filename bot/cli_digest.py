"""`flipbot digest` and `flipbot export`: digests from a CSV of answers, research exports."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli import cli, reports_errors
from bot.timeutil import utcnow

DIGEST_FORMATS = ("md", "json", "html")


@cli.command("digest")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of answers gathered outside Slack: columns id, municipality, text[, quotable, question].",
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
    help="Language of the digest's headings.",
)
@click.option(
    "--min-group-size",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Municipalities with fewer answers than this are shown as 'other municipalities'.",
)
@reports_errors
def digest_command(
    input_path: Path, fmt: str, out: Path | None, language: str, min_group_size: int
):
    """Build a FLIP digest from a CSV of answers (typed up from a meeting, a form)."""
    from bot.digest.checks import assert_digest_is_honest
    from bot.digest.extractive import build_digest
    from bot.digest.render import render
    from bot.digest.sources import read_answers_csv
    from bot.i18n import t

    answers = read_answers_csv(input_path)
    digest = build_digest(
        answers,
        title=t("digest.title_csv", language, name=input_path.stem),
        created_at=utcnow(),
        language=language,
        min_group_size=min_group_size,
    )
    assert_digest_is_honest(digest, answers)
    text = render(digest, fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        click.echo(f"{out}: digest of {len(answers)} answers, {len(digest.themes)} themes.")
