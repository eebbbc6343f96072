"""Fixtures for the Teams edge: the Microsoft fakes, settings pointing at them, an app built from them."""

from __future__ import annotations

from textwrap import dedent

import pytest

from bot.cli.serve import build_process
from bot.core.settings import Settings
from bot.teams import sdk
from bot.teams.server import LoopThreadAdapter
from tests.consent_helpers import consent_all
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import AppServer
from tests.teams.activities import APP_ID, TENANT_ID
from tests.teams.fakes import FakeConnector, FakeIdentity, new_signing_key
from tests.teams.scenario import NETWORK, TENANT, Teams


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


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def mixed(tmp_path, identity, connector, slack, signing_key, waits, clock):
    """The mixed network served, its members having answered the consent request with yes."""
    yield from serve_mixed(tmp_path, identity, connector, slack, signing_key, waits, clock, True)


@pytest.fixture
def mixed_unasked(tmp_path, identity, connector, slack, signing_key, waits, clock):
    """The mixed network served before any member was asked for consent."""
    yield from serve_mixed(tmp_path, identity, connector, slack, signing_key, waits, clock, False)


def serve_mixed(tmp_path, identity, connector, slack, signing_key, waits, clock, consented):
    config = tmp_path / "network.yaml"
    config.write_text(dedent(NETWORK), encoding="utf-8")
    settings = Settings(
        flipbot_db=str(tmp_path / "flip.db"),
        flipbot_config=str(config),
        teams_app_id=APP_ID,
        teams_app_password="not-a-real-secret",
        teams_tenant_id=TENANT,
        teams_openid_metadata_url=identity.openid_metadata_url,
        teams_token_url=identity.token_url(TENANT),
        teams_service_url=connector.url,
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        slack_api_url=slack.url,
    )
    process = build_process(settings, teams_wait=waits, clock=clock)
    # The scheduler's sweep would also send waiting prompts, from its own thread and on the real
    # clock; its work is tested in tests/test_schedule*.py. Here each step waits for its own.
    process.services.scheduler.shutdown(wait=True)
    process.services.scheduler = None
    if consented:
        consent_all(process.services.store, process.services.network, clock())
    with AppServer(process.wsgi) as server:
        yield Teams(server, signing_key, connector, process.teams.wait_idle), process
    assert process.teams.wait_idle()
    process.close()
