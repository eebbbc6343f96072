"""The Web API over pooled connections (bot/slack/pooled.py), against the fake Slack: the fan-out
sends through it (SlackMessenger.bulk), everything a person waits for through the sync client."""

from __future__ import annotations

import socket
import threading
from collections import Counter

import pytest

from bot.core.messenger import DeliveryFailed, MessageRef
from bot.core.rounds import RoundService
from bot.slack.app import build_client, build_sender
from bot.slack.messenger import SlackMessenger
from bot.slack.pooled import PooledWebClient
from bot.store.database import Store
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import FakeSlack


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
    messenger = SlackMessenger(pooled, network, bulk=pooled)
    rounds = RoundService(store, network, library, messenger, max_workers=8)
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


def test_the_fan_out_goes_through_the_pool_and_a_persons_calls_through_the_sync_client(
    fake, tmp_path, network, library
):
    with FakeSlack() as bulk_side:
        settings = slack_settings(fake, tmp_path)
        client = build_client(settings)
        pooled = build_sender(slack_settings(bulk_side, tmp_path), client)
        try:
            messenger = SlackMessenger(client, network, bulk=pooled)
            store = Store(tmp_path / "split.db")
            store.migrate()
            rounds = RoundService(store, network, library, messenger, max_workers=4)
            round = rounds.start_round(library.get("samtale-01"), "all", None, "U0FACI001")
            member = network.member("U0SILK001")
            delivery = store.delivery(round.id, member.id)
            # The DM was posted on the bulk side, which the sync side does not know: the point
            # is which side was asked.
            with pytest.raises(DeliveryFailed):
                messenger.update_prompt(
                    member, round, rounds.prompt_of(round), delivery.ref, "answered"
                )
            rounds.send_reminders([store.delivery(round.id, "U0SILK002")])
        finally:
            pooled.close()
        prompts = [c for c in bulk_side.calls_to("chat.postMessage") if c.args.get("metadata")]
        assert len(prompts) == len(network.brokers())
        assert [c.args.get("thread_ts") for c in bulk_side.calls_to("chat.postMessage")][-1]
        assert not fake.calls_to("chat.postMessage")  # no prompt or reminder the sync way
        assert len(fake.calls_to("chat.update", ok_only=False)) == 1
        assert not bulk_side.calls_to("chat.update", ok_only=False)


def test_a_connection_the_server_drops_becomes_delivery_failed(network):
    """aiohttp's ServerDisconnectedError is no OSError: it must still come out as a delivery
    that failed for a transient reason, not as an exception that ends a fan-out."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def hang_up() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(65536)
            conn.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    pooled = PooledWebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/", ssl=None)
    try:
        messenger = SlackMessenger(pooled, network, bulk=pooled)
        with pytest.raises(DeliveryFailed) as failed:
            messenger.post_text("U0SILK001", "hej")
        assert (failed.value.reason, failed.value.detail) == ("transient", "connection_error")
    finally:
        pooled.close()
        stop.set()
        thread.join(5)
        listener.close()


def test_the_loop_thread_starts_with_the_first_call_only(fake, tmp_path):
    settings = slack_settings(fake, tmp_path)
    sender = build_sender(settings, build_client(settings))
    assert sender._loop is None  # a process that never fans out never starts it
    assert sender.auth_test().data["ok"] is True
    assert sender._thread.is_alive()
    sender.close()
    assert not sender._thread.is_alive()
