"""Adaptive Cards for the question asked before an answer that seems to name a citizen is
stored (issue 15): two Action.Execute buttons, Fjern (positive, the default) and Behold, whose
data carry the pending answer's id. Pure functions, like bot.teams.cards."""

from __future__ import annotations

from microsoft_teams.cards import ActionSet, AdaptiveCard, ExecuteAction

from bot.core.answering import PendingAnswer
from bot.core.i18n import t
from bot.privacy.flag import flag_question
from bot.teams.cards import new_card, subtle, text

# The verbs of the two buttons (routed by the SDK); the data's "pending" is checked by the core
# against the member who clicks.
FLAG_REMOVE = "flip.flag.remove"
FLAG_KEEP = "flip.flag.keep"
FLAG_VERBS = (FLAG_REMOVE, FLAG_KEEP)
PENDING_KEY = "pending"


def _button(verb: str, title: str, pending_id: str) -> ExecuteAction:
    return ExecuteAction(title=title, verb=verb, data={"action": verb, PENDING_KEY: pending_id})


def build_flag_card(pending: PendingAnswer, language: str) -> AdaptiveCard:
    """The question with Fjern / Behold."""
    question = flag_question(pending.flagged, pending.kinds, language)
    buttons = [
        _button(FLAG_REMOVE, t("flag.remove", language), pending.id).with_style("positive"),
        _button(FLAG_KEEP, t("flag.keep", language), pending.id),
    ]
    return new_card(
        [text(question), subtle(t("flag.explain", language)), ActionSet(actions=buttons)],
        language,
        fallback=question,
    )


def read_pending_id(data: object) -> str | None:
    """The pending answer's id from a button's data, or None if the data is not ours."""
    if not isinstance(data, dict):
        return None
    value = data.get(PENDING_KEY)
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        return None
    return value
