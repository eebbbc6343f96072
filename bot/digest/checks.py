"""The promises a digest makes, checked against the answers it was built from.

Every quote is a verbatim span of a stored answer, from an answer that may be quoted, by a member
with research consent, and names the municipality (or 'other municipalities'), never the person.
A theme or dilemma quote is a whole thought (see quotes.units): it neither starts in the middle
of a pair of sentences nor ends there; an open question is a real question.
Every theme lists real answers, and its label words come from those answers: lemmas of their
words, no stop words, no names. Tests call assert_digest_is_honest on every digest they build;
the review service calls it too before a draft is stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.digest.model import OTHER_MUNICIPALITIES, Answer, Digest
from bot.digest.quotes import is_real_question, units
from bot.digest.text import capitalised_words, lemma, stop_words, words


class DishonestDigest(AssertionError):
    """A digest broke one of its promises; the message lists each problem."""


def digest_problems(
    digest: Digest, answers: Iterable[Answer], forbidden: Iterable[str] = ()
) -> list[str]:
    """Everything wrong with a digest, as readable lines (empty when it is honest)."""
    by_id = {a.id: a for a in answers}
    named = {r.municipality for r in digest.participation if r.municipality != OTHER_MUNICIPALITIES}
    problems: list[str] = []
    statements = [q for theme in digest.themes for q in theme.quotes] + digest.dilemmas
    for quote, asks in [(q, False) for q in statements] + [(q, True) for q in digest.questions]:
        where = f"quote {quote.text[:40]!r} (answer {quote.answer_id})"
        answer = by_id.get(quote.answer_id)
        if answer is None:
            problems.append(f"{where}: no such answer")
            continue
        source = answer.texts.get(quote.question_id)
        if source is None or source[quote.start : quote.end] != quote.text or not quote.text:
            problems.append(f"{where}: not a verbatim span of question {quote.question_id}")
        elif asks:
            if not is_real_question(quote.text):
                problems.append(f"{where}: is not a real question")
        elif not _whole(source, quote.start, quote.end):
            problems.append(f"{where}: is not a whole thought (it needs the sentence around it)")
        if not answer.quotable:
            problems.append(f"{where}: the answer may not be quoted")
        if not answer.research_consent:
            problems.append(f"{where}: the member has not consented to research use")
        if quote.municipality == OTHER_MUNICIPALITIES:
            if answer.municipality in named:
                problems.append(f"{where}: hidden as other municipalities but its own is named")
        elif quote.municipality != answer.municipality or quote.municipality not in named:
            problems.append(f"{where}: names municipality {quote.municipality!r} wrongly")
    seen: set[str] = set()
    for theme in digest.themes:
        if theme.answers != len(theme.answer_ids):
            problems.append(
                f"theme {theme.label!r}: counts {theme.answers}, lists {len(theme.answer_ids)}"
            )
        for answer_id in theme.answer_ids:
            answer = by_id.get(answer_id)
            if answer is None:
                problems.append(f"theme {theme.label!r}: unknown answer {answer_id}")
            elif not answer.research_consent:
                problems.append(
                    f"theme {theme.label!r}: answer {answer_id} has no research consent"
                )
            if answer_id in seen:
                problems.append(f"theme {theme.label!r}: answer {answer_id} is in two themes")
            seen.add(answer_id)
        problems += _label_problems(digest, theme, by_id)
        for quote in theme.quotes:
            if quote.answer_id not in theme.answer_ids:
                problems.append(
                    f"theme {theme.label!r}: quotes answer {quote.answer_id} outside it"
                )
    for difference in digest.differences:
        if not 0 <= difference.theme < len(digest.themes):
            problems.append(
                f"difference for {difference.municipality}: no theme {difference.theme}"
            )
        elif difference.municipality not in named:
            problems.append(f"difference names municipality {difference.municipality!r} wrongly")
    for field in ("delivered", "answered", "skipped"):
        if getattr(digest.total, field) != sum(getattr(r, field) for r in digest.participation):
            problems.append(f"the total {field} is not the sum of the participation table")
    if sum(th.answers for th in digest.themes) > digest.answers_used:
        problems.append("the themes hold more answers than the digest used")
    if digest.answers_used + digest.left_out_no_consent != len(by_id):
        problems.append("answers used and left out do not add up to the answers given")
    for difference in digest.differences:
        if difference.size and difference.share != round(difference.count / difference.size, 3):
            problems.append(f"difference for {difference.municipality}: its counts disagree")
    dump = digest.model_dump_json()
    people = {a.member for a in by_id.values() if a.member} | set(forbidden)
    for person in sorted(p for p in people if p):
        if person in dump:
            problems.append(f"the digest names a person: {person!r}")
    return problems


def _whole(text: str, start: int, end: int) -> bool:
    found = units(text)
    starts = {s: whole for s, _, whole in found}
    return starts.get(start, False) and end in {e for _, e, _ in found}


def _label_problems(digest: Digest, theme, by_id: dict[str, Answer]) -> list[str]:
    """A theme's terms are lemmas of words in its own answers, neither fillers nor names."""
    lang = digest.language
    texts = [by_id[i].text for i in theme.answer_ids if i in by_id]
    found = {lemma(w, lang) for text in texts for w in words(text)}
    names = capitalised_words([a.text for a in by_id.values()])
    names |= {lemma(w, lang) for w in names}
    problems = []
    for term in theme.terms:
        if term not in found:
            problems.append(f"theme {theme.label!r}: {term!r} is not a word of its answers")
        if term in stop_words():
            problems.append(f"theme {theme.label!r}: {term!r} is a filler word")
        if term in names:
            problems.append(f"theme {theme.label!r}: {term!r} is a name")
    return problems


def assert_digest_is_honest(
    digest: Digest, responses: Iterable[Answer], forbidden: Iterable[str] = ()
) -> None:
    """Raise DishonestDigest listing every broken promise (see the module docstring)."""
    problems = digest_problems(digest, responses, forbidden)
    if problems:
        raise DishonestDigest("\n".join(problems))
