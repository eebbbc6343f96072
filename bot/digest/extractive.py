"""The extractive engine: offline, deterministic, builds a Digest from answers alone."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime

import numpy as np

from bot.core.i18n import t
from bot.digest.model import (
    OTHER_MUNICIPALITIES,
    Answer,
    Difference,
    Digest,
    MunicipalityFigures,
    PromptShown,
    Quote,
    Theme,
)
from bot.digest.people import PeopleGuard
from bot.digest.prompt import library_prompt
from bot.digest.quotes import Span, best_sentence, dilemma_sentences, question_sentences, spread
from bot.digest.text import capitalised_words, lemma
from bot.digest.themes import group_answers

QUOTES_PER_THEME = 3
DILEMMAS = 6
QUESTIONS = 6
DIFFERENCE = 0.25  # a theme's share in one municipality vs all answers, to be worth naming
DIFFERENCE_FROM = 5  # a municipality with fewer answers in the themes is not compared
DIFFERENCE_COUNT = 3  # nor is a theme it has fewer answers in than this
MAX_DIFFERENCES = 5
_NUMBERED = re.compile(r"^q(\d+)$")


class Grouper:
    """Which name a municipality goes by in this digest: its own, or 'other municipalities' when
    fewer than min_group_size of its members answered with research consent (so no one can be
    singled out; a municipality where nobody answered is grouped too). A round's digest is given
    `hidden`, the round's recorded decision (bot/export/cells.py), so it hides exactly what the
    round's exports hide; answers typed up elsewhere are counted here."""

    def __init__(
        self,
        answers: list[Answer],
        names: dict[str, str],
        min_group_size: int,
        language: str,
        hidden: Collection[str] | None = None,
    ):
        members: dict[str, set[str]] = defaultdict(set)
        for answer in answers:
            if answer.research_consent:
                members[answer.municipality].add(answer.member or f"answer:{answer.id}")
        self.counts = {m: len(who) for m, who in members.items()}
        self.min_group_size = min_group_size
        self.hidden = None if hidden is None else set(hidden)
        self.names = names
        self.other_name = t("digest.other_municipalities", language)

    def is_small(self, municipality: str) -> bool:
        if self.hidden is not None:
            return municipality in self.hidden or not self.counts.get(municipality)
        return self.counts.get(municipality, 0) < self.min_group_size

    def key(self, municipality: str) -> str:
        return OTHER_MUNICIPALITIES if self.is_small(municipality) else municipality

    def name(self, municipality: str) -> str:
        key = self.key(municipality)
        return self.other_name if key == OTHER_MUNICIPALITIES else self.names.get(key, key)


def build_digest(
    answers: list[Answer],
    *,
    title: str,
    created_at: datetime,
    language: str = "da",
    names: dict[str, str] | None = None,
    participation: list[MunicipalityFigures] | None = None,
    min_group_size: int = 3,
    round_id: int | None = None,
    prompt_id: str | None = None,
    flip_theme: str | None = None,
    k: int | None = None,
    people: Iterable[str] = (),
    prompt: PromptShown | None = None,
    questions: list[str] | None = None,
    timezone: str = "Europe/Copenhagen",
    hidden: Collection[str] | None = None,
) -> Digest:
    """Build a digest: the prompt, participation, themes with quotes, dilemmas, open questions,
    differences. `people` are members' names: quotes that mention one are not used (see
    people.py). `prompt` and `questions` (its question ids in order) are what the brokers were
    asked; without them the built-in library's prompt of `prompt_id` is used. Participation
    follows the order of `names` (the network file's). `hidden`: the municipalities the round's
    exports show as 'other municipalities' (else fewer than min_group_size members decide)."""
    names = names or {}
    if prompt is None and prompt_id is not None:
        found = library_prompt(prompt_id, language)
        if found is not None:
            prompt, questions = found[0], questions or found[1]
    number = _question_numbers(questions)
    guard = PeopleGuard(people)
    grouper = Grouper(answers, names, min_group_size, language, hidden)
    consenting = [a for a in answers if a.research_consent]
    quotable = [a for a in consenting if a.quotable]
    figures, total = _participation(answers, participation, grouper, language)
    texts = [a.text for a in consenting]
    # A word capitalised as a name in any answer (consenting or not) is a name everywhere.
    everyone = [a.text for a in answers]
    grouping = group_answers(texts, k, language=language, is_name=_names(everyone, guard, language))
    themes = _themes(consenting, grouping, grouper, guard, number)
    # Each piece of an answer is quoted once: the dilemmas and questions skip what overlaps a
    # quote already shown.
    shown = [(q.answer_id, q.question_id, q.start, q.end) for th in themes for q in th.quotes]

    def usable(span: Span) -> bool:
        overlapping = any(
            a == span.answer.id and qid == span.question_id and s < span.end and span.start < e
            for a, qid, s, e in shown
        )
        return not overlapping and not guard.mentions(span.text)

    dilemma_spans = [s for s in dilemma_sentences(quotable) if usable(s)]
    dilemmas = [
        _quote(s, grouper, number) for s in spread(dilemma_spans, DILEMMAS, _group(grouper))
    ]
    shown += [(q.answer_id, q.question_id, q.start, q.end) for q in dilemmas]
    question_spans = [s for s in question_sentences(quotable) if usable(s)]
    asked = [_quote(s, grouper, number) for s in spread(question_spans, QUESTIONS, _group(grouper))]
    differences = _differences(consenting, themes, grouper)
    digest = Digest(
        title=title,
        language=language,
        round_id=round_id,
        prompt_id=prompt_id,
        flip_theme=flip_theme,
        prompt=prompt,
        created_at=created_at,
        timezone=timezone,
        participation=figures,
        total=total,
        overview="",
        themes=themes,
        dilemmas=dilemmas,
        questions=asked,
        differences=differences,
        answers_used=len(consenting),
        left_out_no_consent=len(answers) - len(consenting),
        not_quotable=len(consenting) - len(quotable),
    )
    digest.overview = overview(digest, _places(answers, participation))
    return digest


def _question_numbers(order: list[str] | None):
    """A question's number as brokers saw it: its place in the prompt, else the number in an
    id like "q2", else None."""
    place = {qid: i for i, qid in enumerate(order or [], 1)}

    def number(question_id: str) -> int | None:
        return place[question_id] if question_id in place else number_in_id(question_id)

    return number


def number_in_id(question_id: str) -> int | None:
    """The number in a question id like "q2", else None."""
    match = _NUMBERED.match(question_id)
    return int(match.group(1)) if match else None


def _places(answers: list[Answer], given: list[MunicipalityFigures] | None) -> int:
    """How many municipalities answered (the small ones too: a count names no one)."""
    if given is None:
        return len({a.municipality for a in answers})
    return len({row.municipality for row in given if row.answered})


def _names(texts: list[str], guard: PeopleGuard, language: str):
    """Which lemmas are names: members' names, and words the answers capitalise mid-sentence
    (the citizen in a case, a colleague, a place), in any of their forms."""
    capitalised = capitalised_words(texts)
    names = capitalised | {lemma(w, language) for w in capitalised}
    return lambda word: word in names or guard.mentions(word)


def _group(grouper: Grouper):
    return lambda answer: grouper.key(answer.municipality)


def _quote(span: Span, grouper: Grouper, number) -> Quote:
    return Quote(
        text=span.text,
        municipality=grouper.key(span.answer.municipality),
        municipality_name=grouper.name(span.answer.municipality),
        answer_id=span.answer.id,
        question_id=span.question_id,
        question_number=number(span.question_id),
        start=span.start,
        end=span.end,
    )


def _participation(
    answers: list[Answer],
    given: list[MunicipalityFigures] | None,
    grouper: Grouper,
    language: str,
) -> tuple[list[MunicipalityFigures], MunicipalityFigures]:
    """Figures per municipality, small ones merged into 'other municipalities'. Without figures
    from a round (answers typed up elsewhere) only the answers are counted."""
    if given is None:
        counts = Counter(a.municipality for a in answers)
        given = [
            MunicipalityFigures(municipality=m, name=m, delivered=0, answered=n)
            for m, n in counts.items()
        ]
    merged: dict[str, MunicipalityFigures] = {}
    for row in given:
        key = grouper.key(row.municipality)
        entry = merged.setdefault(
            key, MunicipalityFigures(municipality=key, name=grouper.name(row.municipality))
        )
        entry.delivered += row.delivered
        entry.answered += row.answered
        entry.skipped += row.skipped
    # The network file's order, never a ranking by answers (the network does not evaluate).
    place = {m: i for i, m in enumerate(grouper.names)}
    rows = sorted(
        merged.values(),
        key=lambda r: (
            r.municipality == OTHER_MUNICIPALITIES,
            place.get(r.municipality, len(place)),
        ),
    )
    total = MunicipalityFigures(
        municipality="*",
        name=t("digest.total", language),
        delivered=sum(r.delivered for r in rows),
        answered=sum(r.answered for r in rows),
        skipped=sum(r.skipped for r in rows),
    )
    return rows, total


def _themes(
    answers: list[Answer], grouping, grouper: Grouper, guard: PeopleGuard, number
) -> list[Theme]:
    themes = []
    for index, terms in enumerate(grouping.terms):
        members = np.flatnonzero(grouping.theme_of == index)
        if members.size == 0:
            continue
        ranked = sorted(members, key=lambda i: (-grouping.strength[i], i))
        candidates = []
        for i in ranked:
            answer = answers[i]
            if not answer.quotable:
                continue
            span = best_sentence(answer, grouping.term_stems[index])
            if span is not None and not guard.mentions(span.text):
                candidates.append(span)
            if len(candidates) >= 10 * QUOTES_PER_THEME:
                break
        chosen = spread(candidates, QUOTES_PER_THEME, _group(grouper))
        quotes = [_quote(s, grouper, number) for s in chosen]
        themes.append(
            Theme(
                label=" · ".join(terms) if terms else "…",
                terms=terms,
                answers=int(members.size),
                municipalities=len({grouper.key(answers[i].municipality) for i in members}),
                answer_ids=[answers[i].id for i in members],
                quotes=quotes,
            )
        )
    return sorted(themes, key=lambda th: (-th.answers, th.label))


def _differences(answers: list[Answer], themes: list[Theme], grouper: Grouper) -> list[Difference]:
    """Themes that fill a clearly larger share of one municipality's answers than of all, where
    the municipality has enough answers for that to mean something. Told in counts; a theme a
    municipality wrote little about is left unsaid (that would read as a verdict)."""
    if len(themes) < 2:
        return []
    theme_of = {answer_id: index for index, th in enumerate(themes) for answer_id in th.answer_ids}
    per_place: dict[str, Counter] = defaultdict(Counter)
    for answer in answers:
        if answer.id in theme_of:
            per_place[grouper.key(answer.municipality)][theme_of[answer.id]] += 1
    total = sum(th.answers for th in themes)
    found = []
    for place, counts in per_place.items():
        size = sum(counts.values())
        if place == OTHER_MUNICIPALITIES or size < DIFFERENCE_FROM:
            continue
        for index, theme in enumerate(themes):
            share, overall = counts[index] / size, theme.answers / total
            if counts[index] >= DIFFERENCE_COUNT and share - overall >= DIFFERENCE:
                found.append(
                    Difference(
                        municipality=place,
                        municipality_name=grouper.names.get(place, place),
                        theme=index,
                        share=round(share, 3),
                        overall=round(overall, 3),
                        count=counts[index],
                        size=size,
                        theme_answers=theme.answers,
                        answers=total,
                    )
                )
    found.sort(key=lambda d: (-(d.share - d.overall), d.municipality_name, d.theme))
    return found[:MAX_DIFFERENCES]


def overview(digest: Digest, places: int) -> str:
    """A short, neutral paragraph made only of counts and theme labels (no verdicts); its count
    of answers is the participation table's."""
    lang = digest.language
    parts = [t("digest.overview.answers", lang, answered=digest.total.answered, places=places)]
    if digest.themes:
        labels = "; ".join(f"“{th.label}”" for th in digest.themes[:4])
        parts.append(t("digest.overview.themes", lang, count=len(digest.themes), labels=labels))
    parts.append(
        t(
            "digest.overview.dilemmas",
            lang,
            dilemmas=len(digest.dilemmas),
            questions=len(digest.questions),
        )
    )
    return " ".join(parts)
