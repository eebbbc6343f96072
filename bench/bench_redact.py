"""Redaction speed: every answer passes through bot.privacy.redact.redact before it is stored, so it must
stay far below the time a Slack acknowledgement allows (3 s), also for hostile input."""

from __future__ import annotations

import platform
import time
from pathlib import Path

import yaml

from bot.privacy.redact import redact

ANSWERS = Path(__file__).resolve().parents[1] / "bot" / "demo" / "answers.yaml"

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


def main() -> None:
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
