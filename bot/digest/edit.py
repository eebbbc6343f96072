"""The facilitator's last word: rename themes and leave quotes out of a draft digest.

Pure functions on the Digest model, so every edge (Slack's modal, Teams' dialog) and the
service share one rule. The engine's labels are kept beside the facilitator's, and left-out
quotes are remembered by where they stood (never their text).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.core.answering import RoundError
from bot.core.i18n import t
from bot.digest.model import Digest, DigestEdit, EditStep, LabelEdit, LeftOut, Quote, Renamed
from bot.digest.people import PeopleGuard

MAX_LABEL = 80  # a heading read aloud; also within Slack's and Teams' input limits


def label_problem(label: str, people: Iterable[str] = ()) -> str | None:
    """Why a facilitator's label cannot be used (an error key), or None when it can."""
    label = " ".join(label.split())
    if not label:
        return "digest_label_empty"
    if len(label) > MAX_LABEL:
        return "digest_label_too_long"
    if PeopleGuard(people).mentions(label):
        return "digest_label_names_person"
    return None


def apply_edit(
    digest: Digest,
    labels: Mapping[int, str],
    left_out: Iterable[str],
    *,
    at: datetime,
    replaces: int | None = None,
    people: Iterable[str] = (),
) -> Digest:
    """The digest with these themes renamed (theme index -> label) and these quotes (by
    Quote.key) left out. Raises RoundError for an unknown theme or quote or a label that
    cannot be used. Edits add up: an edited draft edited again keeps the engine's labels, and
    each edit that changes something adds a step to the edit's history. The copy keeps the
    digest's id and status (the service stores it in place)."""
    people = list(people)
    earlier = digest.edit or DigestEdit(at=at)
    engine_label = {e.theme: e.engine for e in earlier.labels}
    renamed = {e.theme: e for e in earlier.labels}
    themes = [th.model_copy(deep=True) for th in digest.themes]
    overview = digest.overview
    step_renamed: list[Renamed] = []
    for index, label in labels.items():
        if not 0 <= index < len(themes):
            raise RoundError("digest_edit_no_theme", theme=index + 1)
        label = " ".join(label.split())
        problem = label_problem(label, people)
        if problem is not None:
            raise RoundError(problem, theme=index + 1, limit=MAX_LABEL)
        old = themes[index].label
        if label == old:
            continue
        step_renamed.append(Renamed(theme=index, before=old, after=label))
        # The extractive overview names the labels in quotation marks; follow the rename.
        overview = overview.replace(f"“{old}”", f"“{label}”")
        themes[index].label = label
        renamed[index] = LabelEdit(
            theme=index, engine=engine_label.get(index, old), facilitator=label
        )
    wanted = set(left_out)
    gone: list[LeftOut] = list(earlier.left_out)
    found: set[str] = set()

    def keep(quotes: list[Quote], section: str, theme: int | None = None) -> list[Quote]:
        kept = []
        for quote in quotes:
            if quote.key in wanted:
                found.add(quote.key)
                gone.append(
                    LeftOut(
                        section=section,
                        theme=theme,
                        answer_id=quote.answer_id,
                        question_id=quote.question_id,
                        start=quote.start,
                        end=quote.end,
                    )
                )
            else:
                kept.append(quote)
        return kept

    for index, theme in enumerate(themes):
        theme.quotes = keep(theme.quotes, "themes", index)
    dilemmas = keep(digest.dilemmas, "dilemmas")
    questions = keep(digest.questions, "questions")
    unknown = wanted - found
    if unknown:
        raise RoundError("digest_edit_unknown_quote", count=len(unknown))
    overview = _recount(digest, overview, len(dilemmas), len(questions))
    step = EditStep(at=at, renamed=step_renamed, left_out=gone[len(earlier.left_out) :])
    history = list(earlier.history)
    if step.renamed or step.left_out:
        history.append(step)
    edit = DigestEdit(
        at=at,
        replaces=replaces if replaces is not None else earlier.replaces,
        labels=sorted(renamed.values(), key=lambda e: e.theme),
        left_out=gone,
        history=history,
    )
    return digest.model_copy(
        update={
            "themes": themes,
            "dilemmas": dilemmas,
            "questions": questions,
            "overview": overview,
            "edit": edit,
        }
    )


def _recount(digest: Digest, overview: str, dilemmas: int, questions: int) -> str:
    """Keep the overview's count of dilemmas and questions equal to what the digest shows."""
    before = t(
        "digest.overview.dilemmas",
        digest.language,
        dilemmas=len(digest.dilemmas),
        questions=len(digest.questions),
    )
    after = t("digest.overview.dilemmas", digest.language, dilemmas=dilemmas, questions=questions)
    return overview.replace(before, after)
