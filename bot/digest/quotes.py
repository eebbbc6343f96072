"""Picking verbatim quotes: representative thoughts, dilemmas in play, open questions.

Every quote is a (start, end) span of one answer's text for one question, so it can be checked
against the stored answer. Only answers that may be quoted are ever looked at here.

A quote is read aloud on its own, so it is a whole thought: a sentence that answers the one
before it ("Men samtidig …", "På den anden side …", "Det er et klassisk spændingsfelt.") is
quoted together with it, and "På den ene side …" with the sentence after it. Such a pair is one
unit: it is quoted whole or not at all, so an answer's two sides never land in two sections.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.digest.model import Answer
from bot.digest.text import sentences, stem, words

MIN_QUOTE = 25
MIN_WORDS = 6
MAX_QUOTE = 500
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


# A sentence that starts like this answers the sentence before it (da, nb, en).
_ANSWERS_BEFORE = re.compile(
    r"^(men|samtidig|på den anden side|på den andre siden|alligevel|likevel|omvendt|dog|"
    r"but|however|yet|at the same time|on the other hand|er det|is it)\b",
    re.IGNORECASE,
)
# "Det er et klassisk spændingsfelt." names a tension it does not state: it needs its sentence.
_POINTS_BACK = re.compile(r"^(det|dette|den|this|that|it)\b", re.IGNORECASE)
_OPENS_PAIR = re.compile(r"\b(på den ene side|på den ene siden|on the one hand)\b", re.IGNORECASE)
_LEADING = "\"'“”„«»*_–—-( "


# "Jeg kender spændingsfeltet alt for godt." names a tension in a few words without stating it.
_TENSION_NOUN = re.compile(r"\b(dilemma\w*|spændingsfelt\w*|spenningsfelt\w*|tension)", re.I)
SHORT_SENTENCE = 10


def answers_before(sentence: str) -> bool:
    """Whether a sentence only makes sense after the one before it."""
    opening = sentence.lstrip(_LEADING)
    if _ANSWERS_BEFORE.match(opening):
        return True
    if _TENSION_NOUN.search(opening) and len(words(opening)) < SHORT_SENTENCE:
        return True
    return bool(_POINTS_BACK.match(opening) and STRONG_MARKERS.search(opening))


def units(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, whole) of the thoughts of a text: its sentences, a sentence that answers the
    one before joined to it, "on the one hand" joined to the sentence after. A thought that
    answers a sentence it does not have (the first of a text) is not whole."""
    found: list[list] = []
    join_next = False
    for start, end in sentences(text):
        sentence = text[start:end]
        if found and (join_next or answers_before(sentence)):
            found[-1][1] = end
        else:
            found.append([start, end, not answers_before(sentence)])
        join_next = bool(_OPENS_PAIR.search(sentence))
    return [(start, end, whole) for start, end, whole in found]


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


def whole_thought(text: str) -> bool:
    """Long enough to say something: MIN_QUOTE characters and MIN_WORDS words."""
    return len(text) >= MIN_QUOTE and len(words(text)) >= MIN_WORDS


def _spans(answer: Answer) -> Iterable[tuple[str, int, int, str]]:
    """The whole thoughts of an answer that are short enough to read out."""
    for question_id, text in answer.texts.items():
        for start, end, whole in units(text):
            piece = text[start:end]
            if whole and end - start <= MAX_QUOTE and whole_thought(piece):
                yield question_id, start, end, piece


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


# A real question asks: it opens with a question word or a verb (after "men", "og" or a colon
# at most), and is not a tag on a statement ("…, ikke?").
_QUESTION_WORD = (
    r"hvem|hvad|hvor|hvorfor|hvordan|hvornår|hvilken|hvilket|hvilke|hva|hvorledes|når|"
    r"who|what|where|why|how|when|which"
)
_QUESTION_VERB = (
    r"er|var|kan|kunne|skal|skulle|vil|ville|har|havde|bør|burde|må|gør|gjør|får|ved|vet|"
    r"findes|finnes|giver|gir|hjælper|hjelper|virker|betyder|betyr|"
    r"is|are|was|can|could|should|would|will|do|does|did|have|has"
)
_ASKS = re.compile(
    rf"(^|:\s*)((men|og|så|and|but|so)\s+)?({_QUESTION_WORD}|{_QUESTION_VERB})\b", re.IGNORECASE
)
# "Kunne FLIP være det?" asks about something said before it.
_ENDS_POINTING_BACK = re.compile(r"\b(det|den|dem|dette|that|it|this)\s*\?+$", re.IGNORECASE)
_TAG = re.compile(
    r",\s*(ikke|ikke sandt|ikke sant|ik|vel|eller hvad|eller hva|right|no)\s*\?+$", re.I
)


def is_real_question(sentence: str) -> bool:
    """A sentence that asks something: it ends in a question mark, has four words or more,
    opens with a question word or verb (or has one after a colon), is no tag question and
    does not end on a word pointing back at what was said before."""
    sentence = sentence.strip()
    if not sentence.endswith("?") or len(words(sentence)) < 5:
        return False
    if _TAG.search(sentence) or _ENDS_POINTING_BACK.search(sentence):
        return False
    return bool(_ASKS.search(sentence.lstrip(_LEADING)))


def question_sentences(answers: Iterable[Answer]) -> list[Span]:
    """Questions the brokers raised (see is_real_question), the first MAX_CANDIDATES of them."""
    found = []
    for answer in answers:
        if len(found) >= MAX_CANDIDATES:
            break
        if "?" not in answer.text:
            continue
        for question_id, text in answer.texts.items():
            for start, end in sentences(text):
                sentence = text[start:end]
                if end - start <= MAX_QUOTE and is_real_question(sentence):
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
