"""The digest as Markdown (and as plain text for the terminal): what facilitators print or paste."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.core.i18n import t
from bot.digest.model import Digest, Quote


def local_time(digest: Digest) -> str:
    """When the digest was built, in the network's timezone and the digest's language
    ("27. november 2026 kl. 13:00")."""
    return format_datetime(
        digest.created_at,
        t("digest.datetime_format", digest.language),
        tzinfo=ZoneInfo(digest.timezone),
        locale=digest.language,
    )


def source(quote: Quote, lang: str) -> str:
    """Who said it, as the room knows it: the municipality and the question's number (database
    ids stay in the JSON, for researchers)."""
    if quote.question_number is None:
        return quote.municipality_name
    return t(
        "digest.source", lang, municipality=quote.municipality_name, number=quote.question_number
    )


def _md_escape(text: str) -> str:
    """Keep an answer's text from turning into Markdown structure (headings, lists, links, HTML)."""
    out = text.replace("\\", "\\\\")
    for char in "`*_[]<>#|":
        out = out.replace(char, "\\" + char)
    return " ".join(out.split())


def _quote(quote: Quote, lang: str) -> str:
    return f"> “{_md_escape(quote.text)}”  \n> — {_md_escape(source(quote, lang))}"


def notes(digest: Digest) -> list[str]:
    """The engine and consent notes every rendering carries."""
    lang = digest.language
    lines = []
    if digest.engine == "llm":
        lines.append(t("digest.engine_llm", lang))
    if digest.llm_grouping:
        lines.append(t("digest_more.engine_llm_grouping", lang))
    if digest.engine_note:
        lines.append(t("digest.engine_fallback", lang, reason=digest.engine_note))
    if digest.left_out_no_consent:
        lines.append(t("digest.left_out", lang, count=digest.left_out_no_consent))
    if digest.not_quotable:
        lines.append(t("digest.not_quotable", lang, count=digest.not_quotable))
    return lines + edit_notes(digest)


def edit_notes(digest: Digest) -> list[str]:
    """What the facilitator changed in the draft (none when unedited): the engine's label beside
    theirs, and how many quotes they left out."""
    edit = digest.edit
    if edit is None:
        return []
    lang = digest.language
    lines = [
        t("digest_review.renamed", lang, engine=e.engine, label=e.facilitator) for e in edit.labels
    ]
    if edit.left_out:
        lines.append(t("digest_review.left_out", lang, count=len(edit.left_out)))
    return lines


def difference_line(digest: Digest, index: int) -> str:
    d = digest.differences[index]
    return t(
        "digest.difference",
        digest.language,
        municipality=d.municipality_name,
        count=d.count,
        size=d.size,
        theme=digest.themes[d.theme].label,
        theme_answers=d.theme_answers,
        answers=d.answers,
    )


def _spaced(lines: list[str]) -> list[str]:
    """Paragraphs of the prompt's body, each followed by a blank line."""
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line:
            out.append("")
    return out


def render_markdown(digest: Digest) -> str:
    """The whole digest as one Markdown document."""
    lang = digest.language
    out = [f"# {_md_escape(digest.title)}", ""]
    if digest.prompt is not None:
        out += [
            f"## {t('digest.heading.prompt', lang)}",
            "",
            f"**{_md_escape(digest.prompt.title)}**",
            "",
        ]
        out += _spaced([_md_escape(p) for p in digest.prompt.body.split("\n\n") if p.strip()])
        for number, label in enumerate(digest.prompt.questions, 1):
            question = t("digest.question_number", lang, number=number)
            out += [f"- *{question}:* {_md_escape(label)}"]
        out.append("")
    out += [f"## {t('digest.heading.overview', lang)}", "", _md_escape(digest.overview), ""]
    out += [f"*{line}*" for line in notes(digest)] + ([""] if notes(digest) else [])
    out += [f"## {t('digest.heading.participation', lang)}", ""]
    header = [
        t(f"digest.column.{c}", lang) for c in ("municipality", "delivered", "answered", "skipped")
    ]
    out += ["| " + " | ".join(header) + " |", "|---|---:|---:|---:|"]
    for row in [*digest.participation, digest.total]:
        delivered = str(row.delivered) if row.delivered else "–"
        out.append(f"| {_md_escape(row.name)} | {delivered} | {row.answered} | {row.skipped} |")
    out.append("")
    out += [f"## {t('digest.heading.themes', lang)}", ""]
    if not digest.themes:
        out += [t("digest.none", lang), ""]
    for number, theme in enumerate(digest.themes, 1):
        out += [f"### {number}. {_md_escape(theme.label)}", ""]
        meta = t("digest.theme_meta", lang, answers=theme.answers, places=theme.municipalities)
        out += [f"*{meta}*", ""]
        for quote in theme.quotes:
            out += [_quote(quote, lang), ""]
    for key, quotes in (("dilemmas", digest.dilemmas), ("questions", digest.questions)):
        out += [f"## {t(f'digest.heading.{key}', lang)}", ""]
        if not quotes:
            out += [t("digest.none", lang), ""]
        for quote in quotes:
            out += [_quote(quote, lang), ""]
    out += [f"## {t('digest.heading.differences', lang)}", ""]
    if not digest.differences:
        out += [t("digest.none", lang), ""]
    out += [f"- {_md_escape(difference_line(digest, i))}" for i in range(len(digest.differences))]
    out += [
        "",
        "---",
        "",
        f"*{t('digest.built', lang, created_at=local_time(digest))}*",
        "",
    ]
    return "\n".join(out)


def render_text(digest: Digest) -> str:
    """A terminal rendering: the Markdown with its tables aligned and its escapes taken out."""
    out: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if not table:
            return
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        for row in table:
            cells = [row[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
            ]
            out.append("  ".join(cells).rstrip())
        table.clear()

    for line in render_markdown(digest).splitlines():
        if line.startswith("|---"):
            continue
        line = line.replace("\\", "")
        if line.startswith("|"):
            table.append([cell.strip() for cell in line.strip("|").split("|")])
            continue
        flush()
        out.append(line if line.startswith(">") else line.replace("*", ""))
    flush()
    return "\n".join(out)
