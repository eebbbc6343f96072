"""The row formats of a research export: CSV, JSON, Markdown and HTML.

JSON (and QDPX) keep every text exactly as stored. CSV keeps the spreadsheet formula guard: a
text starting with = + - @ (a Slack bullet list, too) gets a leading apostrophe. Markdown and
HTML keep the answer's line breaks. Each file carries its manifest (CSV, which has no room for
one, gets it beside the file from the CLI: see manifest_json).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime
from html import escape

from bot.core.i18n import format_short_datetime, t, theme_name
from bot.export.collect import COLUMNS, Export, ExportRow

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula: text starting with = + - @ gets a
    leading apostrophe (the JSON export keeps every text exactly as given)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(export: Export, *, excel: bool = False) -> bytes:
    """Comma-separated UTF-8 with quotable as true/false (pandas, readr and base R read it as it
    is); with excel, what Danish Excel opens: semicolons, a UTF-8 BOM and ja/nej."""
    lang = export.language
    yes, no = (t("export.csv.yes", lang), t("export.csv.no", lang)) if excel else ("true", "false")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in export.rows:
        cells = []
        for column in COLUMNS:
            value = getattr(row, column)
            if isinstance(value, bool):
                value = yes if value else no
            cells.append("" if value is None else _cell(value))
        writer.writerow(cells)
    text = out.getvalue()
    return ("\ufeff" + text).encode("utf-8") if excel else text.encode("utf-8")


def manifest_json(export: Export) -> bytes:
    return (json.dumps(export.manifest(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def to_json(export: Export) -> bytes:
    manifest = export.manifest()
    data = {
        "schema_version": manifest["schema_version"],
        "manifest": manifest,
        "exported_at": manifest["exported_at"],
        "filters": manifest["filters"],
        "left_out_no_consent": export.left_out_no_consent,
        "rows": [asdict(r) for r in export.rows],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _by_round(export: Export) -> dict[int, list[ExportRow]]:
    grouped: dict[int, list[ExportRow]] = defaultdict(list)
    for row in export.rows:
        grouped[row.round].append(row)
    return grouped


def _prompts(rows: list[ExportRow]) -> dict[str, ExportRow]:
    """One row per language the round's prompt was shown in (to print the prompt once each)."""
    shown: dict[str, ExportRow] = {}
    for row in rows:
        shown.setdefault(row.prompt_language, row)
    return shown


def _answered(row: ExportRow, lang: str) -> str:
    """When an answer was given, for people to read (the JSON and CSV keep the ISO time); its
    stored offset is the network's at that moment, so the wall time is the network's."""
    moment = datetime.fromisoformat(row.answered_at)
    return format_short_datetime(moment, lang, moment.tzinfo)


def _md_escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>")


def _md_quote(text: str) -> list[str]:
    """A blockquote that keeps every line break (a backslash at a line's end is a hard break)."""
    lines = [_md_escape(line.rstrip()) for line in text.strip("\n").split("\n")]
    out = []
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        following_blank = not last and not lines[index + 1]
        hard = "" if last or not line or following_blank else "\\"
        out.append(f"> {line}{hard}" if line else ">")
    return out


def to_markdown(export: Export) -> bytes:
    lang = export.language
    out = [f"# {t('export.title', lang)}", ""]
    if export.left_out_no_consent:
        out += [f"*{t('export.left_out', lang, count=export.left_out_no_consent)}*", ""]
    for round_id, rows in _by_round(export).items():
        first = rows[0]
        out += [f"## {round_id}: {first.prompt_title} ({theme_name(first.theme, lang)})", ""]
        for language, shown in _prompts(rows).items():
            out += [
                f"*{t('export.prompt_shown', lang, lang_code=language)}:* **{shown.prompt_title}**",
                "",
                *_md_quote(shown.prompt_body),
                "",
            ]
        for row in rows:
            mark = f" — **{t('export.not_quotable', lang)}**" if not row.quotable else ""
            out += [
                f"**{row.pseudonym}**, {row.municipality}, {_answered(row, lang)} — *{row.question}*"
                f" ({row.id}){mark}",
                "",
                *_md_quote(row.text),
                "",
            ]
    out += [f"## {t('export.manifest', lang)}", "", "```json", manifest_json(export).decode()]
    out += ["```", ""]
    return "\n".join(out).encode("utf-8")


def to_html(export: Export) -> bytes:
    lang = export.language
    h = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(t('export.title', lang))}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;"
        "line-height:1.5}blockquote{border-left:4px solid #3b6ea5;margin:.5rem 0;padding:.25rem .75rem;"
        "white-space:pre-wrap}.nq{color:#a00;font-weight:bold}"
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
        for language, shown in _prompts(rows).items():
            h.append(
                f"<p><em>{escape(t('export.prompt_shown', lang, lang_code=language))}:</em> "
                f"<strong>{escape(shown.prompt_title)}</strong></p>"
                f'<blockquote lang="{escape(language)}">{escape(shown.prompt_body)}</blockquote>'
            )
        for row in rows:
            mark = (
                f' — <span class="nq">{escape(t("export.not_quotable", lang))}</span>'
                if not row.quotable
                else ""
            )
            h.append(
                f'<p id="{escape(row.id)}"><strong>{escape(row.pseudonym)}</strong>, '
                f"{escape(row.municipality)}, {escape(_answered(row, lang))} — "
                f"<em>{escape(row.question)}</em> ({escape(row.id)}){mark}</p>"
                f'<blockquote lang="{escape(row.prompt_language)}">{escape(row.text)}</blockquote>'
            )
    h.append(f"<h2>{escape(t('export.manifest', lang))}</h2>")
    h.append(f"<pre>{escape(manifest_json(export).decode(), quote=False)}</pre>")
    h.append("</body></html>")
    return "\n".join(h).encode("utf-8")
