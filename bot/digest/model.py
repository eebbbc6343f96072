"""The FLIP digest as data: what a digest holds, whatever engine built it and whatever renders it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

OTHER_MUNICIPALITIES = "_andre"  # where members of municipalities too small to name are counted


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Answer(_Part):
    """One answer the digest is built from: a stored response, or a row typed up from a meeting.

    `texts` holds the answer per question (question id -> text); quotes point into these texts.
    `member` is only used to count members per municipality and never leaves the engine.
    """

    id: str
    municipality: str
    texts: dict[str, str]
    quotable: bool = True
    research_consent: bool = True
    member: str | None = None

    @cached_property
    def text(self) -> str:
        """All answered questions as one text (computed once: the engine reads it often)."""
        return "\n\n".join(v for v in self.texts.values() if v.strip())

    def model_copy(self, *, update=None, deep: bool = False) -> Answer:
        """A copy; the cached text is dropped so a copy with other texts reads its own."""
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("text", None)
        return copied


class Quote(_Part):
    """A verbatim piece of an answer: answers[answer_id].texts[question_id][start:end] == text."""

    text: str
    municipality: str  # municipality id, or OTHER_MUNICIPALITIES
    municipality_name: str
    answer_id: str
    question_id: str
    question_number: int | None = None  # the question's number as brokers saw it (1, 2, …)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    # The answer's export id ('A-…', the rows of CSV/JSON/QDPX exports): set when the digest is
    # written as JSON (see with_export_ids), never stored, so erasure has nothing more to find.
    export_id: str | None = None

    @property
    def key(self) -> str:
        """Which quote this is, short enough for a button's value: answer, question, span."""
        return quote_key(self.answer_id, self.question_id, self.start, self.end)


def quote_key(answer_id: str, question_id: str, start: int, end: int) -> str:
    return f"{answer_id}|{question_id}|{start}-{end}"


class Theme(_Part):
    label: str
    terms: list[str]
    answers: int
    municipalities: int
    answer_ids: list[str]
    quotes: list[Quote]
    export_ids: list[str] | None = None  # answer_ids as export ids, in JSON only (see Quote)


class MunicipalityFigures(_Part):
    municipality: str
    name: str
    delivered: int = 0
    answered: int = 0
    skipped: int = 0


class Difference(_Part):
    """A theme that fills a much larger share of one municipality's answers than of all: told in
    counts ("5 af 7 svar"), never as a percentage of a handful."""

    municipality: str
    municipality_name: str
    theme: int  # index into Digest.themes (its label may be rewritten by the LLM engine)
    share: float
    overall: float
    count: int = 0  # the municipality's answers in the theme
    size: int = 0  # the municipality's answers in any theme
    theme_answers: int = 0  # all answers in the theme
    answers: int = 0  # all answers in any theme


class PromptShown(_Part):
    """The prompt or dilemma the brokers answered, in the digest's language."""

    title: str
    body: str
    questions: list[str] = []  # the questions' labels, in the order brokers saw them


class LabelEdit(_Part):
    """A theme the facilitator renamed: what the engine called it, what the facilitator did."""

    theme: int  # index into Digest.themes
    engine: str
    facilitator: str


class LeftOut(_Part):
    """A quote the facilitator left out: where it stood, never its text (it is no longer in
    the digest; erasure finds these by answer_id like any quote)."""

    section: str  # "themes", "dilemmas" or "questions"
    theme: int | None = None
    answer_id: str
    question_id: str
    start: int
    end: int


class Renamed(_Part):
    """One rename in one edit: the label before and after it."""

    theme: int  # index into Digest.themes
    before: str
    after: str


class EditStep(_Part):
    """One save of 'Ret overskrifter': when, and what it changed (who is in the audit trail,
    bot/store/digests.py, so no member id is in the digest)."""

    at: datetime
    renamed: list[Renamed] = []
    left_out: list[LeftOut] = []


class DigestEdit(_Part):
    """The facilitator's last word on a draft, kept with the digest and shown in its exports:
    the sum of every edit (labels, left_out) and each edit on its own (history)."""

    at: datetime  # the last edit
    replaces: int | None = None  # digests edited before edits were in place: the copied draft
    labels: list[LabelEdit] = []
    left_out: list[LeftOut] = []
    history: list[EditStep] = []


class Digest(_Part):
    id: int | None = None  # the stored digest's id, once saved
    status: str | None = None  # draft / approved / rejected, once saved
    title: str
    language: str = "da"
    round_id: int | None = None
    prompt_id: str | None = None
    flip_theme: str | None = None
    prompt: PromptShown | None = None
    created_at: datetime
    timezone: str = "Europe/Copenhagen"  # the network's: times are shown in it
    engine: str = "extractive"
    engine_note: str | None = None  # e.g. why the LLM engine was not used
    llm_grouping: bool = False  # the LLM engine's themes (checked) replaced the extractive ones
    participation: list[MunicipalityFigures]
    total: MunicipalityFigures
    overview: str
    themes: list[Theme]
    dilemmas: list[Quote]
    questions: list[Quote]
    differences: list[Difference]
    answers_used: int
    left_out_no_consent: int = 0
    not_quotable: int = 0
    edit: DigestEdit | None = None

    def with_export_ids(self, ids: Mapping[str, str]) -> Digest:
        """A copy whose quotes and themes carry their answers' export ids (answer id -> export
        id); an answer missing from `ids` (erased since) gets none."""
        copy = self.model_copy(deep=True)
        for quote in copy.all_quotes():
            quote.export_id = ids.get(quote.answer_id)
        for theme in copy.themes:
            theme.export_ids = [ids[i] for i in theme.answer_ids if i in ids]
        return copy

    def stored_content(self) -> dict:
        """What the store keeps of a digest: everything but its id, status and export ids."""
        content = self.model_dump(mode="json", exclude={"id", "status"})
        for section in ("dilemmas", "questions"):
            for quote in content[section]:
                quote.pop("export_id", None)
        for theme in content["themes"]:
            theme.pop("export_ids", None)
            for quote in theme["quotes"]:
                quote.pop("export_id", None)
        return content

    def all_quotes(self) -> list[Quote]:
        """Every quote anywhere in the digest (themes, dilemmas, open questions)."""
        return [q for theme in self.themes for q in theme.quotes] + self.dilemmas + self.questions
