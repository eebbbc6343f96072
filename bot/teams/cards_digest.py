"""Digests in Teams: the summary card for the channel, the draft card a facilitator reviews
(share / build again / do not share), the draft once decided, and the full digest as Markdown
text for the thread reply. Pure functions, like bot.teams.cards.

Quotes are verbatim; in the Markdown they are escaped so an answer cannot become a heading, a
link or HTML, and no mention entity is ever built.
"""

from __future__ import annotations

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement

from bot.core.i18n import t
from bot.digest.model import Digest, Quote
from bot.digest.render_md import difference_line, notes
from bot.teams import actions
from bot.teams.cards import execute, new_card, subtle, text
from bot.teams.cards_digest_edit import open_edit_dialog

# A Teams message holds about 28 KB; each thread reply stays well under it, counted in UTF-8.
MAX_MESSAGE_BYTES = 20_000
_MARKDOWN = "\\`*_[]<>#|~"


def escape_markdown(value: str) -> str:
    """People's text as literal Markdown: structure characters backslashed, on one line."""
    for char in _MARKDOWN:
        value = value.replace(char, "\\" + char)
    return " ".join(value.split())


def summary_text(digest: Digest) -> str:
    """The notification text of the channel post (the card's fallback)."""
    return t(
        "digest.posted_intro",
        digest.language,
        round_id=digest.round_id,
        answered=digest.total.answered,
    )


def summary_body(digest: Digest) -> list[CardElement]:
    """Title, overview, participation on one line, the themes with their counts, the notes."""
    lang = digest.language
    places = ", ".join(
        f"{r.name} {r.answered}/{r.delivered}" if r.delivered else f"{r.name} {r.answered}"
        for r in digest.participation
    )
    body: list[CardElement] = [
        text(digest.title, size="Large", weight="Bolder"),
        text(digest.overview),
        subtle(
            t(
                "teams.digest.participation",
                lang,
                heading=t("digest.heading.participation", lang),
                places=places,
            )
        ),
    ]
    if digest.themes:
        body.append(text(t("digest.heading.themes", lang), weight="Bolder"))
        for theme in digest.themes:
            meta = t("digest.theme_meta", lang, answers=theme.answers, places=theme.municipalities)
            body.append(
                text("• " + t("teams.digest.theme_line", lang, label=theme.label, meta=meta))
            )
    body += [subtle(line) for line in notes(digest)]
    return body


def build_digest_summary_card(digest: Digest) -> AdaptiveCard:
    """The channel post; the full digest follows as thread replies (build_digest_thread_text)."""
    return new_card(summary_body(digest), digest.language, fallback=summary_text(digest))


def build_digest_draft_card(digest: Digest) -> AdaptiveCard:
    """The facilitator's draft: what this is, the summary, and share / build again / rename
    themes (a dialog) / do not share."""
    if digest.id is None:
        raise ValueError("only a stored digest (with an id) can be reviewed")
    lang = digest.language
    intro = t("digest.draft_intro", lang, round_id=digest.round_id)
    buttons = [
        execute(
            actions.DIGEST_APPROVE,
            t("digest.button.approve", lang),
            digest_id=digest.id,
            style="positive",
        ),
        execute(actions.DIGEST_REBUILD, t("digest.button.rebuild", lang), digest_id=digest.id),
        open_edit_dialog(digest.id, lang),
        execute(
            actions.DIGEST_REJECT,
            t("digest.button.reject", lang),
            digest_id=digest.id,
            style="destructive",
        ),
    ]
    body = [text(intro), *summary_body(digest), ActionSet(actions=buttons)]
    return new_card(body, lang, fallback=intro)


def build_digest_reviewed_card(digest: Digest, note: str) -> AdaptiveCard:
    """The draft once decided (it replaces the draft in place): the summary, no buttons, and
    what became of it (`note`, already worded)."""
    lang = digest.language
    intro = t("digest.draft_intro", lang, round_id=digest.round_id)
    body = [text(intro), *summary_body(digest), text(note, weight="Bolder")]
    return new_card(body, lang, fallback=note)


def _quote(quote: Quote, lang: str) -> str:
    reference = t(
        "digest.reference", lang, answer_id=quote.answer_id, question_id=quote.question_id
    )
    line = t(
        "teams.digest.quote",
        lang,
        text=escape_markdown(quote.text),
        municipality=escape_markdown(quote.municipality_name),
        reference=escape_markdown(reference),
    )
    return f"> {line}"


def digest_sections(digest: Digest) -> list[str]:
    """The full digest as Markdown sections: each theme with its quotes, the dilemmas, the
    open questions and the differences between municipalities."""
    lang = digest.language
    sections = []
    for number, theme in enumerate(digest.themes, 1):
        meta = t("digest.theme_meta", lang, answers=theme.answers, places=theme.municipalities)
        lines = [f"**{number}. {escape_markdown(theme.label)}** ({meta})"]
        sections.append("\n\n".join(lines + [_quote(q, lang) for q in theme.quotes]))
    for key, quotes in (("dilemmas", digest.dilemmas), ("questions", digest.questions)):
        lines = [_quote(q, lang) for q in quotes] or [t("digest.none", lang)]
        sections.append("\n\n".join([f"**{t(f'digest.heading.{key}', lang)}**", *lines]))
    differences = [
        f"- {escape_markdown(difference_line(digest, i))}" for i in range(len(digest.differences))
    ] or [t("digest.none", lang)]
    sections.append("\n".join([f"**{t('digest.heading.differences', lang)}**", "", *differences]))
    return sections


def build_digest_thread_text(digest: Digest, budget: int = MAX_MESSAGE_BYTES) -> list[str]:
    """The full digest as thread replies in Markdown, each under `budget` bytes of UTF-8; a
    reply that is cut says that the digest goes on in the next."""
    more = "\n\n_" + t("teams.digest.more", digest.language) + "_"
    room = budget - len(more.encode())
    pieces: list[str] = []
    for section in digest_sections(digest):
        for paragraph in _fit(section, room):
            if pieces and _size(pieces[-1]) + _size(paragraph) + 2 <= room:
                pieces[-1] = f"{pieces[-1]}\n\n{paragraph}"
            else:
                pieces.append(paragraph)
    return [piece + more for piece in pieces[:-1]] + pieces[-1:]


def _size(value: str) -> int:
    return len(value.encode())


def _fit(section: str, room: int) -> list[str]:
    """A section as parts of at most `room` bytes: whole paragraphs, a huge one cut hard."""
    if _size(section) <= room:
        return [section]
    parts: list[str] = []
    for paragraph in section.split("\n\n"):
        while _size(paragraph) > room:
            cut = len(paragraph.encode()[:room].decode(errors="ignore"))
            parts.append(paragraph[:cut])
            paragraph = paragraph[cut:]
        if paragraph:
            parts.append(paragraph)
    return parts
