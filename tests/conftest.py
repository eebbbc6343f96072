"""Shared fixtures: a clean environment, an in-memory or on-disk store, the example network."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.messenger import LocalMessenger
from bot.core.network import load_network
from bot.core.rounds import RoundService
from bot.core.services import EXAMPLE_NETWORK
from bot.prompts import load_library
from bot.store.database import Store
from tests.consent_helpers import consent_all
from tests.schedule_helpers import make_services, network_with

# Variables the Teams SDK reads by itself; a developer's shell must not reach a test through them.
TEAMS_SDK_ENV = {
    "CLIENT_ID",
    "CLIENT_SECRET",
    "TENANT_ID",
    "SERVICE_URL",
    "CLOUD",
    "OAUTH_URL",
    "MANAGED_IDENTITY_CLIENT_ID",
}


@pytest.fixture(scope="session", autouse=True)
def lemma_dictionaries():
    """Build the lemma cache (bot.digest.lemmas) before the first test: on a fresh machine it is
    written on first use, which would otherwise fall inside one test's wait for a digest."""
    from bot.digest.lemmas import lemmatize

    for language in ("da", "nb", "en"):
        lemmatize("huse", language)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No real Slack or Teams credentials or databases reach a test."""
    for name in list(os.environ):
        if (
            name.startswith(("SLACK_", "FLIPBOT_", "TEAMS_", "DANGEROUSLY_"))
            or name in TEAMS_SDK_ENV
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FLIPBOT_DB", str(tmp_path / "flipbot.db"))
    monkeypatch.setenv("FLIPBOT_CONFIG", str(EXAMPLE_NETWORK))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock():
    # A Monday morning in Copenhagen (08:00 UTC = 09:00 local).
    return Clock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def network():
    return load_network(EXAMPLE_NETWORK)


@pytest.fixture(scope="session")
def library():
    return load_library()


@pytest.fixture
def db():
    store = Store(":memory:")
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "flipbot.db"


@pytest.fixture
def messenger():
    return LocalMessenger()


@pytest.fixture
def rounds(db, network, library, messenger, clock):
    db.sync_members(network, clock())
    consent_all(db, network, clock())
    return RoundService(db, network, library, messenger, clock=clock, max_workers=4)


@pytest.fixture
def services_for(db, network, library, messenger, clock):
    """Build services over the example network with these programmes (scheduler tests)."""

    def build(*programmes, **changes):
        return make_services(
            db, network_with(network, *programmes, **changes), library, messenger, clock
        )

    return build
