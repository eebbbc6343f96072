"""Slack Block Kit for digests (an edge module: it may use slack_sdk's block models).

Within Slack's limits: at most 50 blocks per message and 3,000 characters per section. The
channel message carries the summary; the full digest goes in its thread, split over several
messages; when even that would run past MAX_THREAD_MESSAGES, the last one links to the file.
All text from answers (quotes, theme labels) is escaped for mrkdwn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.i18n import t
from bot.core.text import escape_mrkdwn
from bot.digest.edit import MAX_LABEL
from bot.digest.model import Digest, Quote
from bot.digest.render_md import difference_line, notes, source

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_THREAD_MESSAGES = 4

# Shared with the Slack handlers that answer the draft's buttons (the value is the digest id).
ACTION_APPROVE = "digest_approve"  # "Del i kanalen"
ACTION_REBUILD = "digest_rebuild"  # "Byg igen"
ACTION_REJECT = "digest_reject"  # "Del ikke"
ACTION_EDIT = "digest_edit"  # "Ret overskrifter": opens EDIT_MODAL
EDIT_MODAL = "digest_edit_modal"
EDIT_LABEL = "label"  # action id of a theme's label input
EDIT_LEFT_OUT = "left_out"  # action id of a section's "leave out" checkboxes
MAX_OPTIONS = 10  # Slack's limit of checkboxes in one element
MAX_OPTION_TEXT = 75


def _sections(text: str) -> list[SectionBlock]:
    """One or more sections holding text, split at line ends so none exceeds 3,000 characters."""
    blocks, current = [], ""
    for line in text.split("\n"):
        while len(line) > MAX_SECTION:  # a single overlong line: cut it hard
            if current:
                blocks.append(current)
                current = ""
            blocks.append(line[:MAX_SECTION])
            line = line[MAX_SECTION:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION:
            blocks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        blocks.append(current)
    return [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in blocks if chunk.strip()]


def _quote(quote: Quote, lang: str) -> str:
    """A quote cited as the room knows it ("Herning Kommune, spørgsmål 1"); the answer's ids
    stay in the JSON and the exports."""
    text = " ".join(escape_mrkdwn(quote.text).split())
    return f">“{text}”\n>— {escape_mrkdwn(source(quote, lang))}"


def _header(text: str) -> HeaderBlock:
    if len(text) > MAX_HEADER:
        text = text[: MAX_HEADER - 1] + "…"
    return HeaderBlock(text=PlainTextObject(text=text))


def build_digest_summary(digest: Digest) -> list[Block]:
    """The channel message: title, overview, participation in one line, the themes with counts."""
    lang = digest.language
    blocks: list[Block] = [_header(digest.title)]
    blocks += _sections(escape_mrkdwn(digest.overview))
    places = ", ".join(
        f"{escape_mrkdwn(r.name)} {r.answered}/{r.delivered}"
        if r.delivered
        else f"{escape_mrkdwn(r.name)} {r.answered}"
        for r in digest.participation
    )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"*{t('digest.heading.participation', lang)}:* {places}"[:MAX_SECTION]
                )
            ]
        )
    )
    if digest.themes:
        lines = [
            f"• *{escape_mrkdwn(th.label)}* — "
            + t("digest.theme_meta", lang, answers=th.answers, places=th.municipalities)
            for th in digest.themes
        ]
        blocks += _sections(f"*{t('digest.heading.themes', lang)}*\n" + "\n".join(lines))
    for line in notes(digest):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape_mrkdwn(line))]))
    return blocks


def _full_blocks(digest: Digest) -> list[Block]:
    lang = digest.language
    blocks: list[Block] = []
    for number, theme in enumerate(digest.themes, 1):
        meta = t("digest.theme_meta", lang, answers=theme.answers, places=theme.municipalities)
        text = f"*{number}. {escape_mrkdwn(theme.label)}* — _{meta}_"
        blocks += _sections("\n".join([text, *(_quote(q, lang) for q in theme.quotes)]))
    for key, quotes in (("dilemmas", digest.dilemmas), ("questions", digest.questions)):
        blocks.append(DividerBlock())
        body = [_quote(q, lang) for q in quotes] or [t("digest.none", lang)]
        blocks += _sections(f"*{t(f'digest.heading.{key}', lang)}*\n" + "\n".join(body))
    blocks.append(DividerBlock())
    lines = [
        f"• {escape_mrkdwn(difference_line(digest, i))}" for i in range(len(digest.differences))
    ] or [t("digest.none", lang)]
    blocks += _sections(f"*{t('digest.heading.differences', lang)}*\n" + "\n".join(lines))
    return blocks


def build_digest_thread(digest: Digest, file_url: str | None = None) -> list[list[Block]]:
    """The full digest as thread messages of at most 50 blocks each. Past MAX_THREAD_MESSAGES
    the rest is left to the file: the last message says so (with the link when there is one)."""
    blocks = _full_blocks(digest)
    room = MAX_BLOCKS
    messages = [blocks[i : i + room] for i in range(0, len(blocks), room)] or [[]]
    if len(messages) > MAX_THREAD_MESSAGES:
        messages = messages[:MAX_THREAD_MESSAGES]
        text = t("digest.more_in_file", digest.language)
        if file_url:
            text += f" <{file_url}|{escape_mrkdwn(digest.title)}>"
        messages[-1] = messages[-1][: MAX_BLOCKS - 1] + [
            ContextBlock(elements=[MarkdownTextObject(text=text)])
        ]
    return messages


def thread_is_cut(digest: Digest) -> bool:
    """True when the full digest does not fit in MAX_THREAD_MESSAGES messages (the file must
    go along with it)."""
    return len(_full_blocks(digest)) > MAX_BLOCKS * MAX_THREAD_MESSAGES


def build_digest_draft(digest: Digest) -> list[Block]:
    """The DM to a facilitator: what this is, the summary, and the review buttons (share, edit
    the headings, rebuild, do not share)."""
    lang = digest.language
    value = str(digest.id)
    intro = t("digest.draft_intro", lang, round_id=digest.round_id)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=intro))]
    blocks += build_digest_summary(digest)[: MAX_BLOCKS - 2]
    blocks.append(
        ActionsBlock(
            block_id=f"digest_review_{value}",
            elements=[
                ButtonElement(
                    text=t("digest.button.approve", lang),
                    action_id=ACTION_APPROVE,
                    value=value,
                    style="primary",
                ),
                ButtonElement(
                    text=t("digest_review.button.edit", lang), action_id=ACTION_EDIT, value=value
                ),
                ButtonElement(
                    text=t("digest.button.rebuild", lang), action_id=ACTION_REBUILD, value=value
                ),
                ButtonElement(
                    text=t("digest.button.reject", lang),
                    action_id=ACTION_REJECT,
                    value=value,
                    style="danger",
                ),
            ],
        )
    )
    return blocks


def summary_text(digest: Digest) -> str:
    """The notification text (fallback) of the channel message."""
    return t(
        "digest.posted_intro",
        digest.language,
        round_id=digest.round_id,
        answered=digest.total.answered,
    )


def build_digest_reviewed(digest: Digest, note: str) -> list[Block]:
    """The draft DM once decided: the same summary without buttons, and what became of it."""
    lang = digest.language
    intro = t("digest.draft_intro", lang, round_id=digest.round_id)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=intro))]
    blocks += build_digest_summary(digest)[: MAX_BLOCKS - 2]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape_mrkdwn(note))]))
    return blocks


def build_digest_private(digest: Digest, note: str) -> list[list[Block]]:
    """A digest shown to one member (/flip digest): the summary with a status line, then the
    full digest, as messages of at most 50 blocks each."""
    first = build_digest_summary(digest)[: MAX_BLOCKS - 1]
    first.append(ContextBlock(elements=[MarkdownTextObject(text=escape_mrkdwn(note))]))
    return [first, *build_digest_thread(digest)]


# -- "Ret overskrifter": the facilitator's edit ---------------------------------------------


@dataclass(frozen=True)
class EditContext:
    """What the edit modal carries in private_metadata: the draft and the DM it came from."""

    digest_id: int
    channel: str | None = None
    ts: str | None = None

    def dump(self) -> str:
        return json.dumps({"digest_id": self.digest_id, "channel": self.channel, "ts": self.ts})

    @classmethod
    def load(cls, text: str) -> EditContext:
        data = json.loads(text or "{}")
        return cls(int(data["digest_id"]), data.get("channel"), data.get("ts"))


def label_block_id(index: int) -> str:
    return f"theme_{index}"


def _short(text: str, limit: int = MAX_OPTION_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _leave_out(block_id: str, label: str, quotes: list[Quote], lang: str) -> InputBlock:
    options = [
        Option(value=q.key, label=_short(f"“{q.text}”"), description=_short(source(q, lang)))
        for q in quotes[:MAX_OPTIONS]
    ]
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        element=CheckboxesElement(action_id=EDIT_LEFT_OUT, options=options),
    )


def build_digest_edit_modal(digest: Digest, context: EditContext) -> View:
    """One input per theme (its label, the engine's suggestion as a hint once renamed) with
    its quotes to leave out beside it, then the dilemmas' and the questions' quotes."""
    lang = digest.language
    engine = {e.theme: e.engine for e in digest.edit.labels} if digest.edit else {}
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=t("digest_review.modal.intro", lang)))
    ]
    leave_out = t("digest_review.modal.leave_out", lang)
    for index, theme in enumerate(digest.themes):
        hint = (
            t("digest_review.modal.theme_hint", lang, engine=_short(engine[index], 140))
            if index in engine
            else None
        )
        blocks.append(
            InputBlock(
                block_id=label_block_id(index),
                label=t("digest_review.modal.theme", lang, number=index + 1),
                hint=hint,
                element=PlainTextInputElement(
                    action_id=EDIT_LABEL,
                    initial_value=theme.label[:MAX_LABEL],
                    max_length=MAX_LABEL,
                ),
            )
        )
        if theme.quotes:
            blocks.append(_leave_out(f"quotes_theme_{index}", leave_out, theme.quotes, lang))
    for key, quotes in (("dilemmas", digest.dilemmas), ("questions", digest.questions)):
        if quotes:
            heading = f"{t(f'digest.heading.{key}', lang)}: {leave_out.lower()}"
            blocks.append(_leave_out(f"quotes_{key}", _short(heading, 2000), quotes, lang))
    return View(
        type="modal",
        callback_id=EDIT_MODAL,
        private_metadata=context.dump(),
        title=t("digest_review.modal.title", lang),
        submit=t("digest_review.modal.submit", lang),
        close=t("digest_review.modal.close", lang),
        blocks=blocks[:100],
    )


def read_digest_edit_modal(values: dict) -> tuple[dict[int, str], set[str]]:
    """(theme index -> label, keys of the quotes to leave out) from a submitted edit modal."""
    labels: dict[int, str] = {}
    left_out: set[str] = set()
    for block_id, actions in values.items():
        if block_id.startswith("theme_") and block_id[6:].isdigit():
            labels[int(block_id[6:])] = (actions.get(EDIT_LABEL) or {}).get("value") or ""
        elif block_id.startswith("quotes_"):
            chosen = (actions.get(EDIT_LEFT_OUT) or {}).get("selected_options") or []
            left_out |= {o["value"] for o in chosen}
    return labels, left_out
