"""'Ret overskrifter' in Teams: the dialog in which a facilitator renames a draft digest's themes
and ticks quotes to leave out (the same edit as Slack's modal, bot.digest.edit decides what is
allowed). Pure functions, like bot.teams.cards.

A quote's tick is named by its place in `Digest.all_quotes()` (themes' quotes, then dilemmas,
then open questions): the card never carries a quote's key, and the handler maps places back to
keys from the stored draft.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from microsoft_teams.cards import (
    AdaptiveCard,
    CardElement,
    SubmitAction,
    SubmitActionData,
    TaskFetchSubmitActionData,
    TextInput,
)

from bot.core.i18n import t
from bot.digest.edit import MAX_LABEL
from bot.digest.model import Digest, Quote
from bot.digest.render_md import source
from bot.teams import actions
from bot.teams.cards import heading, new_card, subtle, text, toggle

MAX_QUOTE_CHARS = 300  # a tick's title: enough to recognise the quote


def open_edit_dialog(digest_id: int, language: str) -> SubmitAction:
    """The draft card's button that makes Teams send task/fetch for the edit dialog."""
    data = SubmitActionData(
        **actions.dialog_data(actions.DIGEST_EDIT_DIALOG, digest_id=digest_id)
    ).with_msteams(TaskFetchSubmitActionData(type="task/fetch").model_dump(exclude_none=True))
    return SubmitAction(title=t("digest_review.button.edit", language)).with_data(data)


def edit_dialog_title(language: str) -> str:
    return t("digest_review.modal.title", language)


def left_out_keys(digest: Digest, places: Set[int]) -> set[str]:
    """The keys of the quotes ticked in the dialog (places outside the draft are ignored: the
    service would refuse an unknown key anyway)."""
    quotes = digest.all_quotes()
    return {quotes[p].key for p in places if 0 <= p < len(quotes)}


def build_digest_edit_dialog(
    digest: Digest,
    *,
    labels: Mapping[int, str] | None = None,
    left_out: Set[int] = frozenset(),
    problems: list[str] | None = None,
) -> AdaptiveCard:
    """One label input per theme (the engine's suggestion beside it once renamed), each theme's
    quotes to tick, then the dilemmas' and the questions'. `labels`, `left_out` and `problems`
    re-render what the facilitator typed with what is wrong."""
    if digest.id is None:
        raise ValueError("only a stored digest (with an id) can be edited")
    lang = digest.language
    engine = {e.theme: e.engine for e in digest.edit.labels} if digest.edit else {}
    body: list[CardElement] = []
    for problem in problems or []:
        body.append(text(t("teams.dialog.problem", lang, problem=problem), color="Attention"))
    body.append(text(t("digest_review.modal.intro", lang)))
    leave_out = t("digest_review.modal.leave_out", lang)
    place = 0

    def ticks(quotes: list[Quote]) -> list[CardElement]:
        nonlocal place
        found: list[CardElement] = []
        for quote in quotes:
            said = f"“{quote.text[:MAX_QUOTE_CHARS]}” ({source(quote, lang)})"
            found.append(toggle(f"{actions.LEFT_OUT_INPUT}{place}", said, place in left_out))
            place += 1
        return found

    for index, theme in enumerate(digest.themes):
        typed = (labels or {}).get(index)
        body.append(
            TextInput(
                id=f"{actions.THEME_INPUT}{index}",
                label=t("digest_review.modal.theme", lang, number=index + 1),
                max_length=MAX_LABEL,
                value=typed if typed is not None else theme.label[:MAX_LABEL],
            )
        )
        if index in engine:
            body.append(subtle(t("digest_review.modal.theme_hint", lang, engine=engine[index])))
        if theme.quotes:
            body.append(subtle(leave_out))
            body.extend(ticks(theme.quotes))
    for key, quotes in (("dilemmas", digest.dilemmas), ("questions", digest.questions)):
        if quotes:
            body.append(heading(f"{t(f'digest.heading.{key}', lang)}: {leave_out.lower()}"))
            body.extend(ticks(quotes))
    card = new_card(body, lang)
    submit = SubmitAction(title=t("digest_review.modal.submit", lang), style="positive")
    card.actions = [submit.with_data(SubmitActionData(**actions.edit_submit_data(digest.id)))]
    return card
