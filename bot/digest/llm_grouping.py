"""The LLM's proposal of themes: which answers (A1, A2, …) go together, each theme's label and a
few quotes. The proposal replaces the extractive themes only when it keeps every promise of the
offline digest: every answer placed once, quotes verbatim from quotable answers of consenting
members (cut to whole thoughts), labels made of the answers' words and never a name, the small
groups hidden as before (municipalities come from the extractive digest's participation table).
Anything else is refused with a reason the digest shows (bot/locales/*/digest_more.yaml).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.i18n import t
from bot.digest.model import OTHER_MUNICIPALITIES, Answer, Digest, Quote, Theme
from bot.digest.people import PeopleGuard
from bot.digest.quotes import Span, best_sentence, spread, units
from bot.digest.text import capitalised_words, lemma, stem, stop_words, words  # simplemma: lazy

MAX_ANSWERS = 150  # more than this and the model only names the extractive themes
MAX_THEMES = 8
QUOTES_PER_THEME = 3
_QUOTE_MARKS = "\"'“”„«» "


class GroupingRefused(Exception):
    """The model's grouping breaks a promise; `reason` is the text the digest shows."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class ProposedQuote(BaseModel):
    model_config = ConfigDict(extra="ignore")

    answer: str
    text: str = Field(min_length=1, max_length=2000)


class ProposedTheme(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: str
    answers: list[str]
    quotes: list[ProposedQuote] = []

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        value = " ".join(value.split())
        if not 1 <= len(value) <= 60:
            raise ValueError("a label needs 1 to 60 characters")
        return value


class Proposal(BaseModel):
    """What the model may answer when asked to group (overview checked by llm.LlmAnswer)."""

    model_config = ConfigDict(extra="ignore")

    themes: list[ProposedTheme] = Field(min_length=1, max_length=MAX_THEMES)


def placed_answers(digest: Digest) -> list[str]:
    """The answers the extractive digest placed in themes, in its order: the model gets these."""
    return [answer_id for theme in digest.themes for answer_id in theme.answer_ids]


def parse_proposal(data: dict) -> Proposal:
    try:
        return Proposal.model_validate(data)
    except ValidationError:
        raise GroupingRefused("invalid answer") from None


def apply_proposal(
    digest: Digest,
    answers: list[Answer],
    proposal: Proposal,
    labels: dict[str, str],
    language: str,
    people: Iterable[str] = (),
) -> Digest:
    """The digest with the model's themes (labels A1… -> answer ids in `labels`); raises
    GroupingRefused naming the first broken promise."""
    lang = digest.language
    by_id = {a.id: a for a in answers}
    guard = PeopleGuard(people)
    names = capitalised_words([a.text for a in answers])
    names |= {lemma(w, language) for w in names}
    seen: dict[str, int] = {}
    for index, theme in enumerate(proposal.themes):
        for label in theme.answers:
            if label not in labels:
                raise GroupingRefused(t("digest_more.llm.unknown_answer", lang, answer=label))
            if label in seen:
                raise GroupingRefused(t("digest_more.llm.answer_twice", lang, answer=label))
            seen[label] = index
    missing = [label for label in labels if label not in seen]
    if missing:
        raise GroupingRefused(
            t("digest_more.llm.answer_missing", lang, count=len(missing), first=missing[0])
        )
    places = _Places(digest, lang)
    number = _numbers(digest)
    themes = []
    for proposed in proposal.themes:
        ids = [labels[label] for label in proposed.answers]
        if not ids:
            continue
        terms = _terms(proposed.label, [by_id[i] for i in ids], names, guard, language, lang)
        quotes = [
            _quote(q, labels, set(ids), by_id, places, number, guard, lang)
            for q in proposed.quotes[:QUOTES_PER_THEME]
        ]
        if not quotes:
            quotes = _extractive_quotes([by_id[i] for i in ids], terms, places, number, guard)
        themes.append(
            Theme(
                label=proposed.label,
                terms=terms,
                answers=len(ids),
                municipalities=len({places.key(by_id[i].municipality) for i in ids}),
                answer_ids=ids,
                quotes=quotes,
            )
        )
    themes.sort(key=lambda th: (-th.answers, th.label))
    quoted = [q for th in themes for q in th.quotes]

    def apart(quote: Quote) -> bool:
        return not any(
            q.answer_id == quote.answer_id
            and q.question_id == quote.question_id
            and q.start < quote.end
            and quote.start < q.end
            for q in quoted
        )

    from bot.digest.extractive import _differences

    consenting = [a for a in answers if a.research_consent]
    return digest.model_copy(
        update={
            "themes": themes,
            "dilemmas": [q for q in digest.dilemmas if apart(q)],
            "questions": [q for q in digest.questions if apart(q)],
            "differences": _differences(consenting, themes, places),
        }
    )


class _Places:
    """A municipality's key and name as the extractive digest decided them (small ones hidden)."""

    def __init__(self, digest: Digest, lang: str):
        self.names = {
            r.municipality: r.name
            for r in digest.participation
            if r.municipality != OTHER_MUNICIPALITIES
        }
        self.other = t("digest.other_municipalities", lang)

    def key(self, municipality: str) -> str:
        return municipality if municipality in self.names else OTHER_MUNICIPALITIES

    def name(self, municipality: str) -> str:
        return self.names.get(municipality, self.other)


def _numbers(digest: Digest):
    """A question's number as the extractive digest's quotes have it, else the id's number."""
    from bot.digest.extractive import number_in_id

    known = {q.question_id: q.question_number for q in digest.all_quotes()}
    return lambda question_id: (
        known[question_id] if question_id in known else number_in_id(question_id)
    )


def _terms(
    label: str,
    members: list[Answer],
    names: set[str],
    guard: PeopleGuard,
    language: str,
    lang: str,
) -> list[str]:
    """The label's words as lemmas found in the theme's answers (the digest's `terms`); a label
    that names someone, or shares no word with its answers, is refused."""
    if guard.mentions(label):
        raise GroupingRefused(t("digest_more.llm.label_is_name", lang, label=label))
    found = {lemma(w, language) for a in members for w in words(a.text)}
    stops = stop_words()
    terms: list[str] = []
    for word in words(label):
        form = lemma(word, language)
        if word in names or form in names:
            raise GroupingRefused(t("digest_more.llm.label_is_name", lang, label=label))
        if form in found and form not in stops and form not in terms:
            terms.append(form)
    if not terms:
        raise GroupingRefused(t("digest_more.llm.label_not_in_answers", lang, label=label))
    return terms


def _quote(
    proposed: ProposedQuote,
    labels: dict[str, str],
    ids: set[str],
    by_id: dict[str, Answer],
    places: _Places,
    number,
    guard: PeopleGuard,
    lang: str,
) -> Quote:
    """A model's quote as a verbatim span of its answer, widened to whole thoughts."""
    text = proposed.text.strip(_QUOTE_MARKS)
    answer_id = labels.get(proposed.answer)
    if answer_id is None or answer_id not in ids:
        raise GroupingRefused(t("digest_more.llm.quote_outside", lang, answer=proposed.answer))
    answer = by_id[answer_id]
    if not answer.quotable or not answer.research_consent:
        raise GroupingRefused(t("digest_more.llm.quote_not_allowed", lang, answer=proposed.answer))
    for question_id, source in answer.texts.items():
        at = source.find(text) if text else -1
        if at < 0:
            continue
        span = _whole(source, at, at + len(text))
        if span is None:
            break
        start, end = span
        if guard.mentions(source[start:end]):
            raise GroupingRefused(t("digest_more.llm.quote_names", lang, answer=proposed.answer))
        return Quote(
            text=source[start:end],
            municipality=places.key(answer.municipality),
            municipality_name=places.name(answer.municipality),
            answer_id=answer.id,
            question_id=question_id,
            question_number=number(question_id),
            start=start,
            end=end,
        )
    raise GroupingRefused(t("digest_more.llm.invented_quote", lang, answer=proposed.answer))


def _whole(source: str, start: int, end: int) -> tuple[int, int] | None:
    """The whole thoughts (quotes.units) that cover [start, end), or None when the first of them
    needs a sentence the answer does not have."""
    covering = [(s, e, whole) for s, e, whole in units(source) if s < end and start < e]
    if not covering or not covering[0][2]:
        return None
    return covering[0][0], covering[-1][1]


def _extractive_quotes(members, terms, places: _Places, number, guard: PeopleGuard) -> list[Quote]:
    from bot.digest.extractive import _quote as quote_of

    stems = {stem(term) for term in terms}
    candidates: list[Span] = []
    for answer in members:
        if not (answer.quotable and answer.research_consent):
            continue
        span = best_sentence(answer, stems)
        if span is not None and not guard.mentions(span.text):
            candidates.append(span)
    candidates.sort(key=lambda s: -s.score)
    chosen = spread(candidates, QUOTES_PER_THEME, lambda a: places.key(a.municipality))
    return [quote_of(s, places, number) for s in chosen]
