"""Fixtures for the Slack edge: the fake Web API and flipbot served over HTTP in front of it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.core.services import EXAMPLE_NETWORK, Services
from bot.core.settings import Settings
from bot.slack.app import build_slack, wsgi_app
from bot.slack.handlers.common import wait_idle
from tests.consent_helpers import consent_all
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, AppServer

FACILITATOR = "U0FACI001"
BROKER = "U0SILK001"
RESEARCHER = "U0RESE001"


@pytest.fixture
def fake():
    with FakeSlack() as server:
        yield server


@dataclass
class Flip:
    """flipbot running in HTTP mode against the fake Slack."""

    server: AppServer
    services: Services
    fake: FakeSlack
    clock: object


def slack_settings(fake: FakeSlack, tmp_path) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.url,
        flipbot_db=str(tmp_path / "flip.db"),
        flipbot_config=str(EXAMPLE_NETWORK),
    )


@pytest.fixture
def flip(fake, clock, tmp_path, network, library):
    app, services = build_slack(
        slack_settings(fake, tmp_path), clock=clock, network=network, library=library
    )
    # The members answered the consent request with yes (tests/slack/test_consent.py asks).
    consent_all(services.store, network, clock())
    with AppServer(wsgi_app(app)) as server:
        server.response_url = fake.response_url
        yield Flip(server, services, fake, clock)
        # Work a test left running after its acknowledgement finishes before the fake stops.
        assert wait_idle(), "after-ack work did not finish"
    close_pool(services)


def close_pool(services: Services) -> None:
    """Stop the fan-out's pooled connections and their loop thread, as `flipbot serve` does."""
    services.rounds.messenger.on("slack").bulk.close()


def status_of(flip: Flip, user: str = FACILITATOR) -> str:
    """/flip status as the facilitator sees it: an empty acknowledgement, then the status on the
    command's response_url (possibly in several messages)."""
    before = len(flip.fake.calls_to("response"))
    reply = flip.server.command(user, "status")
    assert reply.status == 200, reply.body
    assert not reply.body or not reply.json().get("text"), reply.body
    assert wait_idle()
    return "\n".join(c.args["text"] for c in flip.fake.calls_to("response")[before:])
