"""Which prompt `/flip start <tema>` and a programme take next: the least recently used where
the round reaches, with ties in an order that mixes the library's old and new prompts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from bot.core.rounds import RoundService
from bot.prompts import load_library

IDS = ["samtale-01", "samtale-02", "samtale-03", "samtale-04", "samtale-05"]


@pytest.fixture
def five(tmp_path):
    """A theme of five prompts in file order 01..05 (05 the newest, added last)."""
    items = [
        {
            "id": prompt_id,
            "kind": "dilemma",
            "theme": "samtale",
            "title": f"Dilemma {prompt_id[-2:]}",
            "body": "En borger og en frist trækker hver sin vej.",
            "questions": [{"id": "q1", "label": "Hvad trækker i dig her?"}],
        }
        for prompt_id in IDS
    ]
    (tmp_path / "samtale.yaml").write_text(yaml.safe_dump(items, allow_unicode=True))
    return load_library(tmp_path, builtin=False)


@pytest.fixture
def service(db, network, five, messenger, clock):
    db.sync_members(network, clock())
    return RoundService(db, network, five, messenger, clock=clock, max_workers=2)


def run(service, clock, audience="all"):
    prompt = service.next_prompt("samtale", audience)
    service.start_round(prompt, audience, clock() + timedelta(days=5), "U0FACI001")
    clock.advance(hours=1)
    return prompt.id


def test_new_prompts_come_up_between_the_old_ones_and_then_the_least_recently_used(service, clock):
    picked = [run(service, clock) for _ in range(7)]
    assert picked == [
        "samtale-01",
        "samtale-05",
        "samtale-02",
        "samtale-04",
        "samtale-03",
        "samtale-01",  # all used: the one used longest ago
        "samtale-05",
    ]


def test_a_prompt_started_by_hand_counts_as_used(service, five, clock):
    service.start_round(five.get("samtale-05"), "all", clock() + timedelta(days=5), "U0FACI001")
    clock.advance(hours=1)
    assert [run(service, clock) for _ in range(2)] == ["samtale-01", "samtale-02"]


def test_a_round_elsewhere_in_the_network_does_not_use_up_a_prompt_here(service, clock):
    assert run(service, clock, ["herning"]) == "samtale-01"
    # Silkeborg never had samtale-01; a round for all reached Herning and Silkeborg alike.
    assert run(service, clock, ["silkeborg"]) == "samtale-01"
    assert run(service, clock) == "samtale-05"
    assert run(service, clock, ["herning"]) == "samtale-02"
