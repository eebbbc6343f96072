"""Redaction quality and speed.

Quality: recall and false positives per kind on the labelled sentences in
tests/data/redaction_labelled.yaml. Speed: every answer passes through bot.privacy.redact.redact
before it is stored, so it must stay far below the time a Slack acknowledgement allows (3 s), also
for hostile input."""

from __future__ import annotations

import platform
import re
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.privacy.redact import KINDS, redact

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ROOT / "bot" / "demo" / "answers.yaml"
LABELLED = ROOT / "tests" / "data" / "redaction_labelled.yaml"

HOSTILE = {
    "3000 letters": "a" * 3000,
    "3000 digits": "1" * 3000,
    "dots before @": "a." * 1500 + "@",
    "capitalised words": "Aaa " * 749 + "1",
    "street modifiers": "Gammel " * 400 + "vej 1",
    "phone-like groups": "22 " * 1000,
    "addresses": "Vestergade 12, 2. th. " * 136,
}


def _time(text: str, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        redact(text)
    return (time.perf_counter() - start) / repeat


@dataclass
class KindScore:
    labelled: int = 0  # pieces of this kind in the labelled set
    found: int = 0  # of those, removed and counted as this kind
    false_positives: int = 0  # removals counted as this kind beyond what was there
    left_whole: int = 0  # labelled pieces still in the text exactly as typed
    partly_left: int = 0  # removed, but a run of 4+ of its digits is still in the text

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0


def score(entries: list[dict]) -> tuple[dict[str, KindScore], int, int]:
    """Per kind scores, and how many of the sentences without personal data were changed (of how
    many). A removal counted as the wrong kind is a miss for one kind and a false positive for the
    other."""
    scores = {kind: KindScore() for kind in KINDS}
    harmless = changed = 0
    for entry in entries:
        text = entry["text"]
        result = redact(text)
        if not any(entry.get(kind) for kind in KINDS):
            harmless += 1
            changed += result.text != text
        for kind in KINDS:
            pieces = entry.get(kind, [])
            whole = [p for p in pieces if p in result.text]
            partly = [
                p
                for p in pieces
                if p not in whole and any(run in result.text for run in re.findall(r"\d{4,}", p))
            ]
            removed = result.removed.get(kind, 0)
            found = min(len(pieces) - len(whole), removed)
            s = scores[kind]
            s.labelled += len(pieces)
            s.found += found
            s.false_positives += removed - found
            s.left_whole += len(whole)
            s.partly_left += len(partly)
    return scores, changed, harmless


def print_quality() -> None:
    entries = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    scores, changed, harmless = score(entries)
    print(f"labelled set: {len(entries)} sentences, {harmless} without personal data")
    print("| kind | labelled | found | recall | false positives | left as typed | partly left |")
    print("|---|---|---|---|---|---|---|")
    for kind, s in scores.items():
        print(
            f"| {kind} | {s.labelled} | {s.found} | {s.recall:.0%} | {s.false_positives}"
            f" | {s.left_whole} | {s.partly_left} |"
        )
    print(f"harmless sentences changed: {changed} of {harmless}")


def main() -> None:
    print_quality()
    samples = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))
    texts = [value for sample in samples for value in sample["answers"].values()]
    planted = [f"{t} Ring 22 33 44 55, cpr 010190-1234, Vestergade 12." for t in texts]
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    start = time.perf_counter()
    for text in texts * 50:
        redact(text)
    clean = (time.perf_counter() - start) / (len(texts) * 50)
    start = time.perf_counter()
    for text in planted * 50:
        redact(text)
    dirty = (time.perf_counter() - start) / (len(planted) * 50)
    print(f"demo answers ({len(texts)}), nothing to remove: {clean * 1e6:.0f} µs per answer")
    print(f"demo answers with CPR, phone and address: {dirty * 1e6:.0f} µs per answer")
    for name, text in HOSTILE.items():
        print(f"hostile, {name} ({len(text)} chars): {_time(text, 5) * 1e3:.1f} ms")
