"""Helpers for the scheduler tests: a network with chosen programmes and services over any store."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.messenger import LocalMessenger
from bot.core.network import Network, Programme
from bot.core.rounds import RoundService
from bot.core.services import Services
from bot.core.settings import load_settings
from bot.store.database import Store
from tests.consent_helpers import consent_all

CPH = ZoneInfo("Europe/Copenhagen")


def local(*args: int) -> datetime:
    """A Copenhagen wall-clock time (first of two in the October hour)."""
    return datetime(*args, tzinfo=CPH)


def utc(*args: int) -> datetime:
    """The instant of a Copenhagen wall-clock time, in UTC."""
    return local(*args).astimezone(UTC)


def programme(**fields) -> Programme:
    values = {"id": "test-prog", "theme": "samtale", "schedule": "0 9 * * tue"}
    values.update(fields)
    return Programme.model_validate(values)


def network_with(network: Network, *programmes: Programme, **changes) -> Network:
    """The example network with these programmes (and other top-level fields changed)."""
    data = network.model_dump()
    data["programmes"] = [p.model_dump() for p in programmes]
    data.update(
        {k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in changes.items()}
    )
    return Network.model_validate(data)


def make_services(store: Store, network: Network, library, messenger, clock) -> Services:
    """Services over a migrated store; one fan-out worker so a crash mid fan-out is predictable."""
    store.migrate()
    store.sync_members(network, clock())
    consent_all(store, network, clock())
    rounds = RoundService(store, network, library, messenger, clock=clock, max_workers=1)
    return Services(load_settings(), store, network, library, rounds)


def prompts_per_member(messenger: LocalMessenger, round_id: int | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sent in messenger.of_kind("prompt"):
        if round_id is None or sent.round_id == round_id:
            counts[sent.member_id] = counts.get(sent.member_id, 0) + 1
    return counts
