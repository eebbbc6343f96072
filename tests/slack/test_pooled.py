"""The Web API over pooled connections (bot/slack/pooled.py), against the fake Slack. Runs only
where aiohttp is installed: without it flipbot uses the sync WebClient (every other test)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.core.messenger import DeliveryFailed, MessageRef
from bot.core.rounds import RoundService
from bot.slack.app import build_client, build_sender
from bot.slack.messenger import SlackMessenger
from bot.slack.pooled import PooledWebClient, aiohttp_installed
from bot.store.database import Store
from tests.slack.conftest import slack_settings

pytestmark = pytest.mark.skipif(not aiohttp_installed(), reason="aiohttp is not installed")


@pytest.fixture
def pooled(fake, tmp_path):
    settings = slack_settings(fake, tmp_path)
    sender = build_sender(settings, build_client(settings))
    assert isinstance(sender, PooledWebClient)
    yield sender
    sender.close()


def test_a_fan_out_through_the_pool_sends_exactly_one_dm_each_under_a_429_storm(
    pooled, fake, tmp_path, network, library
):
    fake.fail("chat.postMessage", status=429, retry_after=0, every=7)
    store = Store(tmp_path / "pooled.db")
    store.migrate()
    rounds = RoundService(store, network, library, SlackMessenger(pooled, network), max_workers=8)
    round = rounds.start_round(library.get("samtale-01"), "all", None, "U0FACI001")
    brokers = {m.slack for m in network.brokers()}
    dms = Counter(
        c.args["channel"] for c in fake.calls_to("chat.postMessage") if c.args.get("metadata")
    )
    assert set(dms) == brokers and set(dms.values()) == {1}
    assert [c for c in fake.calls_to("chat.postMessage", ok_only=False) if c.status == 429]
    assert len(store.deliveries(round.id)) == len(brokers)


def test_slacks_refusal_through_the_pool_becomes_delivery_failed(pooled, fake, network):
    fake.fail("chat.update", error="message_not_found")
    messenger = SlackMessenger(pooled, network)
    with pytest.raises(DeliveryFailed) as failed:
        messenger.update_message(MessageRef("slack", "D1", "1.2"), "tekst", [])
    assert failed.value.detail == "message_not_found"


def test_close_ends_the_loop_thread(fake, tmp_path):
    settings = slack_settings(fake, tmp_path)
    sender = build_sender(settings, build_client(settings))
    assert sender.chat_postMessage(channel="U0SILK001", text="hej").data["ok"] is True
    sender.close()
    assert not sender._thread.is_alive()
