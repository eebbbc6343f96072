"""Fixtures for the Teams edge: the Microsoft fakes, settings pointing at them, an app built from them."""

from __future__ import annotations

import pytest

from bot.core.settings import Settings
from bot.teams import sdk
from bot.teams.server import LoopThreadAdapter
from tests.teams.activities import APP_ID, TENANT_ID
from tests.teams.fakes import FakeConnector, FakeIdentity, new_signing_key


@pytest.fixture(scope="session")
def signing_key():
    return new_signing_key()


@pytest.fixture(scope="session")
def other_key():
    """A key the fake JWKS does not publish: a forger's."""
    return new_signing_key()


@pytest.fixture
def identity(signing_key):
    fake = FakeIdentity(signing_key).start()
    yield fake
    fake.stop()


@pytest.fixture
def connector():
    fake = FakeConnector().start()
    yield fake
    fake.stop()


@pytest.fixture
def teams_settings(identity, connector):
    return Settings(
        teams_app_id=APP_ID,
        teams_app_password="not-a-real-secret",
        teams_tenant_id=TENANT_ID,
        teams_openid_metadata_url=identity.openid_metadata_url,
        teams_token_url=identity.token_url(TENANT_ID),
        teams_service_url=connector.url,
    )


class Waits:
    """The retry middleware's wait function: records the waits instead of sleeping."""

    def __init__(self):
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def waits():
    return Waits()


@pytest.fixture
def adapter():
    loop_adapter = LoopThreadAdapter(timeout=10)
    yield loop_adapter
    loop_adapter.close()


@pytest.fixture
def teams_app(teams_settings, adapter, waits):
    """The real SDK App, built by flipbot from settings that point at the fakes."""
    return sdk.build_teams_app(teams_settings, adapter=adapter, wait=waits)
