"""Picking verbatim quotes: representative sentences, dilemmas in play, open questions.

Every quote is a (start, end) span of one answer's text for one question, so it can be checked
against the stored answer. Only answers that may be quoted are ever looked at here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.digest.model import Answer
from bot.digest.text import sentences, stem, words

MIN_QUOTE = 25
MAX_QUOTE = 400
MAX_CANDIDATES = 200

# Words and phrases with which brokers weigh two goods against each other (da, nb, en).
# Strong markers name the tension; weak ones ("men", "but") often do, but not always.
STRONG_MARKERS = re.compile(
    r"\b(dilemma\w*|spændingsfelt\w*|spenningsfelt\w*|på den ene side|på den anden side|"
    r"på den ene siden|på den andre siden|samtidig|afvej\w*|avvei\w*|balance\w*|balanse\w*|"
    r"modsætning\w*|motsetning\w*|on the one hand|on the other hand|tension|trade-off|at the same time)\b",
    re.IGNORECASE,
)
# Cheap substring test before the regex: most answers name none of these.
STRONG_WORDS = (
    "dilemma",
    "spændingsfelt",
    "spenningsfelt",
    "side",
    "samtidig",
    "afvej",
    "avvei",
    "balance",
    "balanse",
    "modsætning",
    "motsetning",
    "hand",
    "tension",
    "trade-off",
    "same time",
)
WEAK_MARKERS = re.compile(
    r"\b(men|but|alligevel|likevel|selvom|selv om|however|dog)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Span:
    answer: Answer
    question_id: str
    start: int
    end: int
    score: float

    @property
    def text(self) -> str:
        return self.answer.texts[self.question_id][self.start : self.end]


def _spans(answer: Answer) -> Iterable[tuple[str, int, int, str]]:
    for question_id, text in answer.texts.items():
        for start, end in sentences(text):
            if MIN_QUOTE <= end - start <= MAX_QUOTE:
                yield question_id, start, end, text[start:end]


def best_sentence(answer: Answer, theme_stems: set[str]) -> Span | None:
    """The sentence of an answer that shares most words with its theme (the first one on a tie)."""
    best: Span | None = None
    for question_id, start, end, sentence in _spans(answer):
        overlap = len({stem(w) for w in words(sentence)} & theme_stems)
        if best is None or overlap > best.score:
            best = Span(answer, question_id, start, end, overlap)
    return best


def _names_tension(lower: str) -> bool:
    return any(word in lower for word in STRONG_WORDS)


def _dilemma_spans(answer: Answer) -> Iterable[Span]:
    for question_id, start, end, sentence in _spans(answer):
        score = 2 * len(STRONG_MARKERS.findall(sentence)) + len(WEAK_MARKERS.findall(sentence))
        if score >= 2 or (score == 1 and len(sentence) >= 60):
            yield Span(answer, question_id, start, end, score)


def dilemma_sentences(answers: Iterable[Answer]) -> list[Span]:
    """Sentences that weigh two things against each other, strongest first. Answers naming the
    tension outright are read first; reading stops at MAX_CANDIDATES sentences, which keeps a
    digest of 100,000 answers fast and is plenty to pick a handful from."""
    answers = list(answers)
    found: list[Span] = []
    strong = [a for a in answers if _names_tension(a.text.lower())]
    seen = set()
    for group in (strong, answers):
        for answer in group:
            if len(found) >= MAX_CANDIDATES:
                break
            if answer.id in seen:
                continue
            seen.add(answer.id)
            if STRONG_MARKERS.search(answer.text) or WEAK_MARKERS.search(answer.text):
                found.extend(_dilemma_spans(answer))
    return sorted(found, key=lambda s: -s.score)


def question_sentences(answers: Iterable[Answer]) -> list[Span]:
    """Questions the brokers raised (sentences ending in a question mark, four words or more),
    the first MAX_CANDIDATES of them."""
    found = []
    for answer in answers:
        if len(found) >= MAX_CANDIDATES:
            break
        if "?" not in answer.text:
            continue
        for question_id, start, end, sentence in _spans(answer):
            if sentence.endswith("?") and len(words(sentence)) >= 4:
                found.append(Span(answer, question_id, start, end, 1.0))
    return found


def spread(spans: list[Span], limit: int, group: Callable[[Answer], str]) -> list[Span]:
    """Up to `limit` spans in their order, taking one per municipality in turn, one per answer."""
    chosen: list[Span] = []
    used_answers: set[str] = set()
    seen_text: set[str] = set()
    rounds_left = True
    while len(chosen) < limit and rounds_left:
        rounds_left = False
        groups_this_round: set[str] = set()
        for span in spans:
            key = group(span.answer)
            if span.answer.id in used_answers or key in groups_this_round:
                continue
            if span.text.casefold() in seen_text:
                continue
            chosen.append(span)
            used_answers.add(span.answer.id)
            seen_text.add(span.text.casefold())
            groups_this_round.add(key)
            rounds_left = True
            if len(chosen) == limit:
                break
    return chosen
