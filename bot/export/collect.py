"""Research exports: one row per answered question, pseudonymised, consent-filtered.

Pseudonyms are an HMAC of the Slack id with a per-database secret (project_secrets), so they
stay the same across exports of one project, differ between projects and cannot be turned back
into a Slack id or name. Answers from members without research consent are left out and counted.
Municipalities where fewer than network.min_group_size members answered (in the exported
selection) show as 'other municipalities', as in digests.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import secrets
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from html import escape

from bot.core.i18n import t, theme_name
from bot.core.network import Network
from bot.core.timeutil import parse_iso, utcnow
from bot.prompts import Library
from bot.store.database import Store

FORMATS = ("csv", "json", "md", "html", "qdpx")
SECRET_NAME = "export_pseudonym_key"
COLUMNS = (
    "round",
    "prompt_id",
    "prompt_title",
    "theme",
    "municipality",
    "pseudonym",
    "answered_at",
    "question_id",
    "question",
    "text",
    "quotable",
)


@dataclass(frozen=True)
class ExportFilter:
    round_id: int | None = None
    theme: str | None = None
    since: date | None = None
    until: date | None = None
    municipality: str | None = None


@dataclass(frozen=True)
class ExportRow:
    round: int
    prompt_id: str
    prompt_title: str
    theme: str
    municipality: str
    pseudonym: str
    answered_at: str  # ISO 8601 with the network's UTC offset
    question_id: str
    question: str
    text: str
    quotable: bool


@dataclass
class Export:
    rows: list[ExportRow]
    left_out_no_consent: int
    filters: ExportFilter
    exported_at: datetime
    language: str = "da"
    themes: list[str] = field(default_factory=list)


def pseudonym(secret: str, member_id: str) -> str:
    """A stable, non-reversible name for a member within one project: 'P-' and 10 hex digits."""
    digest = hmac.new(secret.encode(), member_id.encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:10]}"


def collect(
    store: Store,
    network: Network,
    library: Library,
    filters: ExportFilter,
    now: datetime | None = None,
) -> Export:
    """The rows a researcher may have under these filters, and how many were left out."""
    secret = store.project_secret(SECRET_NAME, lambda: secrets.token_hex(32))
    tz = network.tz
    names = {m.id: m.name for m in network.municipalities}
    language = network.language
    picked: list[tuple[dict, dict]] = []
    left_out = 0
    for row in store.export_rows():
        answered = parse_iso(row["created_at"]).astimezone(tz)
        if filters.round_id is not None and row["round_id"] != filters.round_id:
            continue
        if filters.theme is not None and row["theme"] != filters.theme:
            continue
        if filters.municipality is not None and row["municipality"] != filters.municipality:
            continue
        if filters.since is not None and answered.date() < filters.since:
            continue
        if filters.until is not None and answered.date() > filters.until:
            continue
        answers = {k: v for k, v in json.loads(row["answers"]).items() if v.strip()}
        if not row["research_consent"]:
            left_out += len(answers)
            continue
        picked.append((row, answers))
    members: dict[str, set[str]] = defaultdict(set)
    for row, _ in picked:
        members[row["municipality"]].add(row["member_id"])
    small = {m for m, who in members.items() if len(who) < network.min_group_size}
    other = t("digest.other_municipalities", language)
    rows = []
    for row, answers in picked:
        prompt = library.get(row["prompt_id"])
        questions = {q.id: q.label for q in prompt.questions} if prompt else {}
        for question_id, text in answers.items():
            rows.append(
                ExportRow(
                    round=row["round_id"],
                    prompt_id=row["prompt_id"],
                    prompt_title=prompt.title if prompt else row["prompt_id"],
                    theme=row["theme"],
                    municipality=other
                    if row["municipality"] in small
                    else names.get(row["municipality"], row["municipality"]),
                    pseudonym=pseudonym(secret, row["member_id"]),
                    answered_at=parse_iso(row["created_at"]).astimezone(tz).isoformat(),
                    question_id=question_id,
                    question=questions.get(question_id, question_id),
                    text=text,
                    quotable=bool(row["quotable"]),
                )
            )
    themes = sorted({r.theme for r in rows})
    return Export(rows, left_out, filters, now or utcnow(), language, themes)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula: text starting with = + - @ gets a
    leading apostrophe (the JSON export keeps every text exactly as given)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(export: Export) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in export.rows:
        writer.writerow([_cell(getattr(row, c)) for c in COLUMNS])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Danish letters


def to_json(export: Export) -> bytes:
    data = {
        "exported_at": export.exported_at.isoformat(),
        "filters": {
            k: (str(v) if v is not None else None) for k, v in asdict(export.filters).items()
        },
        "left_out_no_consent": export.left_out_no_consent,
        "rows": [asdict(r) for r in export.rows],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _by_round(export: Export) -> dict[int, list[ExportRow]]:
    grouped: dict[int, list[ExportRow]] = defaultdict(list)
    for row in export.rows:
        grouped[row.round].append(row)
    return grouped


def to_markdown(export: Export) -> bytes:
    lang = export.language
    out = [f"# {t('export.title', lang)}", ""]
    if export.left_out_no_consent:
        out += [f"*{t('export.left_out', lang, count=export.left_out_no_consent)}*", ""]
    for round_id, rows in _by_round(export).items():
        first = rows[0]
        out += [f"## {round_id}: {first.prompt_title} ({theme_name(first.theme, lang)})", ""]
        for row in rows:
            text = " ".join(
                row.text.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>").split()
            )
            out += [
                f"**{row.pseudonym}**, {row.municipality}, {row.answered_at} — *{row.question}*",
                "",
                f"> {text}",
                "",
            ]
    return "\n".join(out).encode("utf-8")


def to_html(export: Export) -> bytes:
    lang = export.language
    h = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(t('export.title', lang))}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;"
        "line-height:1.5}blockquote{border-left:4px solid #3b6ea5;margin:.5rem 0;padding:.25rem .75rem}"
        "@media print{blockquote{break-inside:avoid}}</style></head><body>",
        f"<h1>{escape(t('export.title', lang))}</h1>",
    ]
    if export.left_out_no_consent:
        h.append(
            f"<p><em>{escape(t('export.left_out', lang, count=export.left_out_no_consent))}</em></p>"
        )
    for round_id, rows in _by_round(export).items():
        first = rows[0]
        h.append(
            f"<h2>{round_id}: {escape(first.prompt_title)} ({escape(theme_name(first.theme, lang))})</h2>"
        )
        for row in rows:
            h.append(
                f"<p><strong>{escape(row.pseudonym)}</strong>, {escape(row.municipality)}, "
                f"{escape(row.answered_at)} — <em>{escape(row.question)}</em></p>"
                f"<blockquote>{escape(row.text)}</blockquote>"
            )
    h.append("</body></html>")
    return "\n".join(h).encode("utf-8")


def render_export(export: Export, fmt: str) -> bytes:
    """The export as the bytes of one file in the given format."""
    if fmt == "qdpx":
        from bot.export.qdpx import to_qdpx

        return to_qdpx(export)
    writers = {"csv": to_csv, "json": to_json, "md": to_markdown, "html": to_html}
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r} ({', '.join(FORMATS)})")
    return writers[fmt](export)


def export_file(
    store: Store,
    network: Network,
    library: Library,
    fmt: str,
    filters: ExportFilter,
    by: str | None,
) -> tuple[bytes, str, Export]:
    """What `/flip export` and the CLI call: checks the role, audits, returns (bytes, file name,
    export). `by` is the member asking; None is the command line (whoever holds the database)."""
    from bot.core.access import require

    if by is not None:
        require(network, by, "export")
    export = collect(store, network, library, filters)
    data = render_export(export, fmt)
    store.audit(
        by or "cli",
        "export",
        None,
        {
            "format": fmt,
            "rows": len(export.rows),
            "left_out_no_consent": export.left_out_no_consent,
            "filters": {k: str(v) for k, v in asdict(filters).items() if v is not None},
        },
        at=export.exported_at,
    )
    name = f"flip-export-{export.exported_at.astimezone(network.tz):%Y%m%d-%H%M}.{fmt}"
    return data, name, export
