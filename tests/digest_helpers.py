"""Answers for digest tests: the 40 labelled demo answers spread over the example municipalities."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.demo import sample_answers
from bot.digest.checks import assert_digest_is_honest
from bot.digest.extractive import build_digest
from bot.digest.model import Answer

MUNICIPALITIES = ["silkeborg", "herning", "holstebro", "vesthimmerland", "viborg"]
NAMES = {
    "silkeborg": "Silkeborg Kommune",
    "herning": "Herning Kommune",
    "holstebro": "Holstebro Kommune",
    "vesthimmerland": "Vesthimmerlands Kommune",
    "viborg": "Viborg Kommune",
}
WHEN = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def demo_answers() -> list[Answer]:
    return [
        Answer(
            id=str(i + 1),
            municipality=MUNICIPALITIES[i % 5],
            texts={k: v or "" for k, v in sample["answers"].items()},
            quotable=sample.get("quotable", True),
            member=f"U0TEST{i:03d}",
        )
        for i, sample in enumerate(sample_answers())
    ]


def build(answers: list[Answer], **kwargs):
    """Build a digest and check its promises (every digest a test builds is checked)."""
    kwargs.setdefault("title", "Test")
    kwargs.setdefault("created_at", WHEN)
    kwargs.setdefault("names", NAMES)
    digest = build_digest(answers, **kwargs)
    assert_digest_is_honest(digest, answers)
    return digest
