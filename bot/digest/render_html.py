"""The digest as one self-contained HTML file: no scripts, no external files, readable on a phone,
prints well, with inline SVG bar charts (participation per municipality, answers per theme).
Every piece of text from answers goes through html.escape."""

from __future__ import annotations

from html import escape

from bot.core.i18n import t
from bot.digest.model import Digest, Quote
from bot.digest.render_md import difference_line, local_time, notes, source

CSS = """
@page{size:A4;margin:12mm 13mm}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1b1b1b;
max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}
blockquote{margin:.75rem 0;padding:.25rem .75rem;border-left:4px solid #3b6ea5;background:#f4f7fb}
blockquote footer{font-size:.85rem;color:#444}
table{border-collapse:collapse;width:100%}td,th{padding:.25rem .5rem;border-bottom:1px solid #ddd}
td.n,th.n{text-align:right}.note{font-style:italic;color:#444}svg{max-width:100%;height:auto}
.prompt{border:1px solid #ccc;padding:.25rem .75rem}
@media print{body{max-width:none;font-size:9pt;line-height:1.25;padding:0}
h1{font-size:13pt;margin:0 0 .3rem}h2{font-size:10.5pt;break-after:avoid;margin:.6rem 0 .25rem}
h3{font-size:9pt;break-after:avoid;margin:.45rem 0 .1rem}p{margin:.2rem 0}
h3+p.note{margin-top:0}ul{margin:.2rem 0}
blockquote{break-inside:avoid;background:none;margin:.2rem 0;padding:0 .5rem;border-left-width:2px}
blockquote p{margin:0;display:inline}blockquote footer{display:inline;font-size:8pt}
blockquote footer::before{content:" "}
svg{display:none}td,th{padding:.05rem .4rem}.prompt{break-inside:avoid;padding:0 .5rem}
hr{margin:.4rem 0}}
"""


def _quote(quote: Quote, lang: str) -> str:
    return (
        f"<blockquote><p>“{escape(quote.text)}”</p>"
        f"<footer>— {escape(source(quote, lang))}</footer></blockquote>"
    )


def _prompt(digest: Digest) -> list[str]:
    lang, prompt = digest.language, digest.prompt
    if prompt is None:
        return []
    h = [f"<h2>{escape(t('digest.heading.prompt', lang))}</h2><div class=prompt>"]
    h.append(f"<p><strong>{escape(prompt.title)}</strong></p>")
    h += [f"<p>{escape(part.strip())}</p>" for part in prompt.body.split("\n\n") if part.strip()]
    if prompt.questions:
        items = "".join(
            f"<li><em>{escape(t('digest.question_number', lang, number=n))}:</em> {escape(label)}</li>"
            for n, label in enumerate(prompt.questions, 1)
        )
        h.append(f"<ul>{items}</ul>")
    h.append("</div>")
    return h


def bar_chart(title: str, rows: list[tuple[str, int, int | None]]) -> str:
    """A horizontal bar chart: per row a label, a value and (optionally) a lighter total behind it."""
    height = 28 * len(rows) + 30
    biggest = max([max(v, total or 0) for _, v, total in rows] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value, total) in enumerate(rows):
        y = 20 + 28 * i
        if total:
            parts.append(
                f'<rect x="220" y="{y}" width="{340 * total / biggest:.1f}" height="20" fill="#d5e1ee"/>'
            )
        parts.append(
            f'<rect x="220" y="{y}" width="{340 * value / biggest:.1f}" height="20" fill="#3b6ea5"/>'
        )
        shown = f"{value}/{total}" if total else str(value)
        parts.append(
            f'<text x="212" y="{y + 15}" text-anchor="end" font-size="13">{escape(label[:32])}</text>'
            f'<text x="{224 + 340 * max(value, total or 0) / biggest:.1f}" y="{y + 15}" '
            f'font-size="12">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(digest: Digest) -> str:
    """The whole digest as a single HTML page."""
    lang = digest.language
    h = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(digest.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(digest.title)}</h1>",
        *_prompt(digest),
        f"<h2>{escape(t('digest.heading.overview', lang))}</h2><p>{escape(digest.overview)}</p>",
    ]
    h += [f'<p class="note">{escape(line)}</p>' for line in notes(digest)]
    h.append(f"<h2>{escape(t('digest.heading.participation', lang))}</h2>")
    h.append(
        bar_chart(
            t("digest.participation_chart", lang),
            [(r.name, r.answered, r.delivered or None) for r in digest.participation],
        )
    )
    cols = ("municipality", "delivered", "answered", "skipped")
    h.append(
        "<table><thead><tr>"
        + "".join(
            f"<th{'' if c == 'municipality' else ' class=n'}>{escape(t(f'digest.column.{c}', lang))}</th>"
            for c in cols
        )
        + "</tr></thead><tbody>"
    )
    for row in [*digest.participation, digest.total]:
        delivered = str(row.delivered) if row.delivered else "–"
        h.append(
            f"<tr><td>{escape(row.name)}</td><td class=n>{delivered}</td>"
            f"<td class=n>{row.answered}</td><td class=n>{row.skipped}</td></tr>"
        )
    h.append("</tbody></table>")
    h.append(f"<h2>{escape(t('digest.heading.themes', lang))}</h2>")
    if digest.themes:
        h.append(
            bar_chart(
                t("digest.theme_chart", lang),
                [(th.label, th.answers, None) for th in digest.themes],
            )
        )
    else:
        h.append(f"<p>{escape(t('digest.none', lang))}</p>")
    for number, theme in enumerate(digest.themes, 1):
        meta = t("digest.theme_meta", lang, answers=theme.answers, places=theme.municipalities)
        h.append(f"<h3>{number}. {escape(theme.label)}</h3><p class=note>{escape(meta)}</p>")
        h += [_quote(q, lang) for q in theme.quotes]
    for key, quotes in (("dilemmas", digest.dilemmas), ("questions", digest.questions)):
        h.append(f"<h2>{escape(t(f'digest.heading.{key}', lang))}</h2>")
        h += [_quote(q, lang) for q in quotes] or [f"<p>{escape(t('digest.none', lang))}</p>"]
    h.append(f"<h2>{escape(t('digest.heading.differences', lang))}</h2>")
    if digest.differences:
        items = "".join(
            f"<li>{escape(difference_line(digest, i))}</li>" for i in range(len(digest.differences))
        )
        h.append(f"<ul>{items}</ul>")
    else:
        h.append(f"<p>{escape(t('digest.none', lang))}</p>")
    built = t("digest.built", lang, created_at=local_time(digest))
    h.append(f"<hr><p class=note>{escape(built)}</p></body></html>")
    return "\n".join(h)
