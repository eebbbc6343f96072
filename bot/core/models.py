"""Domain records: Prompt (written by people, strict), Round, Delivery, Response, DigestRecord."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.core.themes import ThemeId

PROMPT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
QUESTION_ID = re.compile(r"^[a-z0-9_]{1,30}$")


class _Written(BaseModel):
    """Records people write in files: a typo in a key is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Written):
    id: str
    label: str = Field(min_length=1, max_length=300)
    hint: str | None = Field(None, max_length=150)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not QUESTION_ID.match(value):
            raise ValueError(
                f"question id {value!r} must be short lowercase letters, digits or '_'"
            )
        return value


class PromptText(_Written):
    """A prompt's words in one language."""

    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=2500)
    questions: list[Question] = Field(min_length=1, max_length=5)


class Prompt(_Written):
    id: str
    kind: Literal["reflection", "dilemma", "sparring"]
    theme: ThemeId
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=2500)
    questions: list[Question] = Field(min_length=1, max_length=5)
    tags: list[str] = Field(default_factory=list)
    translations: dict[Literal["en", "nb"], PromptText] = Field(default_factory=dict)
    # Set only on a sparring case's prompt (never in the library): who asks, as the owner chose
    # to be shown (their name, or None for "a colleague from"), and their municipality's name.
    # Kept apart from the body so digests, which must not name people, never carry it.
    asked_by: str | None = Field(None, max_length=120)
    asked_from: str | None = Field(None, max_length=120)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not PROMPT_ID.match(value):
            raise ValueError(f"prompt id {value!r} must be lowercase letters, digits, '-' or '_'")
        return value

    @model_validator(mode="after")
    def _questions_match(self) -> Prompt:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"question ids are not unique: {ids}")
        for language, text in self.translations.items():
            translated = [q.id for q in text.questions]
            if translated != ids:
                raise ValueError(
                    f"translation {language!r} has questions {translated}, the Danish has {ids}"
                )
        return self

    def text(self, language: str) -> PromptText:
        """The prompt in a language, falling back to the Danish original."""
        if language in self.translations:
            return self.translations[language]  # type: ignore[index]
        return PromptText(title=self.title, body=self.body, questions=self.questions)


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet sent
    SENDING = "sending"  # claimed by one sender; keeps two threads from sending the same DM
    SENT = "sent"
    ANSWERED = "answered"
    SKIPPED = "skipped"
    FAILED = "failed"  # Slack refused or could not be reached; retried later
    PAUSED = "paused"  # the member was on leave when the round started


class CaseStatus(StrEnum):
    """A sparring case's life: written, confirmed by its owner, decided by a facilitator, run."""

    DRAFT = "draft"  # redacted and shown to the owner, not yet confirmed
    REVIEW = "review"  # confirmed; waiting for a facilitator
    APPROVED = "approved"  # approved, waiting for a free place (the cap) or a programme slot
    RUNNING = "running"  # its round is open
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ERASED = "erased"  # the owner was erased: the text is gone, the row keeps the counts


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Round(_Record):
    id: int
    prompt_id: str
    theme: str
    audience: Literal["all"] | list[str]
    started_by: str
    started_at: datetime
    closes_at: datetime
    status: RoundStatus
    closed_at: datetime | None = None
    programme_id: str | None = None
    channel: str | None = None
    remind_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


@dataclass(frozen=True)
class MessageRef:
    """Where a sent message landed, opaque to the core: the platform, the conversation and message
    ids there, and whatever else that platform needs to change the message later (Teams: the
    service URL of the member's region). Slack: (channel, ts)."""

    platform: str
    conversation: str
    message: str
    extra: str = ""


class Delivery(_Record):
    id: int
    round_id: int
    member_id: str
    status: DeliveryStatus
    ref: MessageRef | None = None
    error: str | None = None
    attempts: int = 0
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    skipped_at: datetime | None = None
    snoozed_until: datetime | None = None
    snoozed: bool = False
    reminded_at: datetime | None = None


class Response(_Record):
    id: int
    round_id: int
    member_id: str
    answers: dict[str, str]
    quotable: bool
    source: str
    created_at: datetime
    updated_at: datetime
    edits: int = 0

    @property
    def text(self) -> str:
        """All answered questions as one text, in question order."""
        return "\n\n".join(value for value in self.answers.values() if value.strip())


class DigestRecord(_Record):
    id: int
    round_id: int | None
    created_at: datetime
    engine: str
    status: str
    content: dict
    decided_by: str | None = None
    decided_at: datetime | None = None


SPARRING_PREFIX = "sparring-"


class SparringCase(_Record):
    """A broker's own dilemma put to colleagues (bot.core.sparring). Its text is already redacted."""

    id: int
    owner_id: str
    municipality: str
    title: str
    situation: str
    questions: list[str]
    # "others": brokers outside the owner's municipality; "all"; or chosen municipality ids.
    audience: Literal["others", "all"] | list[str]
    show_name: bool
    share_digest: bool
    theme: str
    deadline_days: int
    status: CaseStatus
    created_at: datetime
    updated_at: datetime
    round_id: int | None = None
    reason: str | None = None
    decided_by: str | None = None
    owner_ref: MessageRef | None = None
    library_owner: bool = False
    library_facilitator: str | None = None
    library_prompt_id: str | None = None

    @property
    def prompt_id(self) -> str:
        return f"{SPARRING_PREFIX}{self.id}"

    def prompt(self, asked_by: str | None, asked_from: str | None) -> Prompt:
        """The case as a round's prompt (kind sparring), one question per question asked."""
        return Prompt(
            id=self.prompt_id,
            kind="sparring",
            theme=self.theme,  # type: ignore[arg-type]
            title=self.title or "-",
            body=self.situation or "-",
            questions=[
                Question(id=f"q{i}", label=label)
                for i, label in enumerate(self.questions or ["-"], 1)
            ],
            asked_by=asked_by,
            asked_from=asked_from,
        )
