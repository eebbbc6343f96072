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
    kind: Literal["reflection", "dilemma"]
    theme: ThemeId
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=2500)
    questions: list[Question] = Field(min_length=1, max_length=5)
    tags: list[str] = Field(default_factory=list)
    translations: dict[Literal["en", "nb"], PromptText] = Field(default_factory=dict)

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
