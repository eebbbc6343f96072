"""The optional LLM engine: an OpenAI-compatible chat-completions endpoint proposes the grouping
of an extractive digest's answers into themes, their labels and quotes, and writes the overview
(llm_grouping.py checks the proposal against every promise of the offline digest). A model that
answers with labels only renames the extractive themes. Dilemmas, open questions and counts stay
extractive. The model sees redacted answer text under neutral labels (A1, A2, …), never member
ids; on any error, time-out or broken promise the extractive digest is kept and says why.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.i18n import t
from bot.core.settings import Settings
from bot.digest.llm_grouping import MAX_ANSWERS, GroupingRefused, placed_answers
from bot.digest.model import Answer, Digest
from bot.digest.people import PeopleGuard
from bot.privacy import redact as privacy

logger = logging.getLogger(__name__)

TIMEOUT = 30.0
ANSWERS_PER_THEME = 8
CHARS_PER_ANSWER = 600
QUOTE_MARKS = ('"', "“", "”", "„", "«", "»")

# Beyond what bot.privacy.redact.redact removes before storage: links and Slack mentions.
_REDACTIONS = [
    (re.compile(r"https?://\S+"), "[link]"),
    (re.compile(r"<@[UW][A-Z0-9]+>"), "[person]"),
]

SYSTEM_GROUPING = (
    "You help facilitators of a Danish knowledge-broker network (FLIP). You get answers from "
    "job-centre brokers, labelled A1, A2, …. Group them into 2 to 6 themes by the stance they "
    "take; put every label in exactly one theme. Write in {language}. Never judge, never "
    "recommend, never invent facts. A theme's label is 2-5 words the answers themselves use, "
    "never the name of a person or a place. A theme may have up to 3 quotes, each copied "
    "character for character from one of its answers; never quote an answer marked "
    "(not to be quoted). Reply with JSON only: "
    '{{"overview": "<3-5 neutral sentences, no quotation marks>", "themes": [{{"label": "...", '
    '"answers": ["A1", "A4"], "quotes": [{{"answer": "A1", "text": "..."}}]}}]}}'
)

SYSTEM = (
    "You help facilitators of a Danish knowledge-broker network (FLIP). You get answers from "
    "job-centre brokers, already grouped into themes. Write in {language}. Never judge, never "
    "recommend, never invent facts, never quote; describe the range of views. Reply with JSON only: "
    '{{"overview": "<3-5 neutral sentences>", "labels": ["<2-5 word label per theme, in order>"]}}'
)


class LlmUnavailable(Exception):
    """The endpoint could not give a usable answer; the message is short and safe to show."""


class LlmAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    overview: str = Field(min_length=20, max_length=1500)
    labels: list[str] = []
    themes: list[dict] | None = None  # a proposed grouping (checked by llm_grouping)

    @field_validator("overview")
    @classmethod
    def _no_quotes(cls, value: str) -> str:
        # Quotes come only from the extractive layer: a quotation in the overview could be invented.
        if any(mark in value for mark in QUOTE_MARKS):
            raise ValueError("the overview may not quote")
        return " ".join(value.split())

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(label.split()) for label in value]
        if any(not 1 <= len(label) <= 60 for label in cleaned):
            raise ValueError("every label needs 1 to 60 characters")
        return cleaned


def redact(text: str) -> str:
    """Take out what could identify someone (e-mails, links, CPR and phone numbers, addresses,
    mentions): the stored answers are redacted already; CSV input may not be."""
    text = privacy.redact(text).text
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _language(digest: Digest) -> str:
    return {"da": "Danish", "nb": "Norwegian (bokmål)", "en": "English"}.get(
        digest.language, "Danish"
    )


def request_messages(
    digest: Digest, answers: list[Answer], guard: PeopleGuard | None = None
) -> list[dict]:
    """The chat messages sent: themes with a few redacted answers each, under neutral labels."""
    guard = guard or PeopleGuard()
    by_id = {a.id: a for a in answers}
    parts = []
    counter = 0
    for number, theme in enumerate(digest.themes, 1):
        parts.append(
            f"Theme {number} (key terms: {', '.join(theme.terms)}; {theme.answers} answers)"
        )
        for answer_id in theme.answer_ids[:ANSWERS_PER_THEME]:
            counter += 1
            text = guard.redact(redact(by_id[answer_id].text))[:CHARS_PER_ANSWER]
            parts.append(f"A{counter}: {' '.join(text.split())}")
    return [
        {"role": "system", "content": SYSTEM.format(language=_language(digest))},
        {"role": "user", "content": "\n".join(parts)},
    ]


def grouping_messages(
    digest: Digest, answers: list[Answer], guard: PeopleGuard | None = None
) -> tuple[list[dict], dict[str, str]]:
    """The chat messages that ask for a grouping of every placed answer, and the labels used
    (A1 -> answer id). Answers are redacted, names taken out, no member id or municipality."""
    guard = guard or PeopleGuard()
    by_id = {a.id: a for a in answers}
    labels: dict[str, str] = {}
    parts = []
    for number, answer_id in enumerate(placed_answers(digest), 1):
        label = f"A{number}"
        labels[label] = answer_id
        answer = by_id[answer_id]
        text = " ".join(guard.redact(redact(answer.text))[:CHARS_PER_ANSWER].split())
        mark = "" if answer.quotable else " (not to be quoted)"
        parts.append(f"{label}{mark}: {text}")
    messages = [
        {"role": "system", "content": SYSTEM_GROUPING.format(language=_language(digest))},
        {"role": "user", "content": "\n".join(parts)},
    ]
    return messages, labels


def parse_answer(body: dict, themes: int) -> LlmAnswer:
    """Validate a chat-completions response body; raise LlmUnavailable when it is not usable.
    It holds either a grouping (`themes`) or one label per extractive theme."""
    try:
        content = body["choices"][0]["message"]["content"]
        content = re.sub(r"^```(?:json)?\s*|\s*```$", "", content.strip())
        answer = LlmAnswer.model_validate(json.loads(content))
    except (KeyError, IndexError, TypeError, ValueError, ValidationError):
        raise LlmUnavailable("invalid answer") from None
    if answer.themes is None and len(answer.labels) != themes:
        raise LlmUnavailable("invalid answer")
    return answer


class LlmEngine:
    """Calls the endpoint once per digest (no retries: the extractive digest is a fine fallback)."""

    def __init__(self, url: str, key: str | None, model: str, timeout: float = TIMEOUT):
        base = url.rstrip("/")
        self.url = base if base.endswith("/chat/completions") else base + "/chat/completions"
        self.key = key
        self.model = model
        self.timeout = timeout

    def _post(self, payload: dict) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(
            self.url, data=json.dumps(payload).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise LlmUnavailable(f"HTTP {exc.code}") from None
        except TimeoutError:
            raise LlmUnavailable("time-out") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise LlmUnavailable("time-out") from None
            raise LlmUnavailable("no connection") from None
        except (http.client.HTTPException, OSError):
            # The server hung up mid-answer (RemoteDisconnected, a reset): not an HTTP error page.
            raise LlmUnavailable("no connection") from None
        except (ValueError, UnicodeDecodeError):
            raise LlmUnavailable("invalid answer") from None

    def __call__(self, digest: Digest, answers: list[Answer], people: Iterable[str] = ()) -> Digest:
        """The digest with the model's overview and labels, or unchanged with a note on failure.
        Members' names are taken out of what is sent and may not appear in what comes back."""
        if not digest.themes:
            return digest
        people = list(people)
        guard = PeopleGuard(people)
        grouping = len(placed_answers(digest)) <= MAX_ANSWERS
        if grouping:
            messages, labels = grouping_messages(digest, answers, guard)
        else:
            messages, labels = request_messages(digest, answers, guard), {}
        payload = {
            "model": self.model,
            "messages": messages,
            "temperature": 0.2,
            "response_format": {"type": "json_object"},
        }
        try:
            answer = parse_answer(self._post(payload), len(digest.themes))
            if any(guard.mentions(text) for text in [answer.overview, *answer.labels]):
                raise LlmUnavailable("invalid answer")
            if answer.themes is not None:
                from bot.digest.checks import digest_problems
                from bot.digest.llm_grouping import apply_proposal, parse_proposal

                if not grouping:
                    raise LlmUnavailable("invalid answer")
                proposal = parse_proposal({"themes": answer.themes})
                grouped = apply_proposal(digest, answers, proposal, labels, digest.language, people)
                problems = digest_problems(grouped, answers, forbidden=people)
                if problems:
                    logger.warning("LLM grouping refused: %s", problems[0])
                    raise GroupingRefused(
                        t("digest_more.llm.checks_failed", digest.language, count=len(problems))
                    )
                return grouped.model_copy(
                    update={"overview": answer.overview, "engine": "llm", "llm_grouping": True}
                )
        except (LlmUnavailable, GroupingRefused) as exc:
            reason = exc.reason if isinstance(exc, GroupingRefused) else str(exc)
            logger.warning("LLM engine not used: %s", reason)
            return digest.model_copy(update={"engine_note": reason})
        themes = [
            theme.model_copy(update={"label": label})
            for theme, label in zip(digest.themes, answer.labels, strict=True)
        ]
        return digest.model_copy(
            update={"overview": answer.overview, "themes": themes, "engine": "llm"}
        )


def llm_enhancer(settings: Settings) -> LlmEngine | None:
    """The LLM engine when FLIPBOT_LLM_URL and FLIPBOT_LLM_MODEL are set, else None (extractive)."""
    if not settings.flipbot_llm_url or not settings.flipbot_llm_model:
        return None
    return LlmEngine(settings.flipbot_llm_url, settings.flipbot_llm_key, settings.flipbot_llm_model)
