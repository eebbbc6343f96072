"""A member who edits their reply in a prompt's thread edits their stored answer with it."""

from __future__ import annotations

import pytest

from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import BROKER, FACILITATOR

REPLY_TS = "1900000000.000009"


@pytest.fixture
def delivery(flip):
    assert flip.server.command(FACILITATOR, "start samtale-01").status == 200
    assert wait_idle()
    return flip.services.store.delivery(1, BROKER)


def reply(flip, delivery, text: str) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": delivery.ref.conversation,
        "user": BROKER,
        "text": text,
        "ts": REPLY_TS,
        "thread_ts": delivery.ref.message,
    }
    assert flip.server.event(event).status == 200
    assert wait_idle()


def changed(channel: str, message: dict, before: dict) -> dict:
    """What Slack sends when a message changes: the new message and the one it replaced."""
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "channel_type": "im",
        "message": message,
        "previous_message": before,
        "event_ts": "1900000100.000001",
        "ts": "1900000100.000001",
    }


def edit(flip, delivery, before: str, after: str) -> None:
    common = {"type": "message", "user": BROKER, "ts": REPLY_TS, "thread_ts": delivery.ref.message}
    event = changed(
        delivery.ref.conversation,
        {**common, "text": after, "edited": {"user": BROKER, "ts": "1900000100.000000"}},
        {**common, "text": before},
    )
    assert flip.server.event(event).status == 200
    assert wait_idle()


def thread_posts(flip, delivery) -> list[str]:
    return [
        c.args.get("text", "")
        for c in flip.fake.calls_to("chat.postMessage")
        if c.args.get("thread_ts") == delivery.ref.message
    ]


def test_an_edited_reply_edits_the_answer_and_says_so(flip, delivery):
    reply(flip, delivery, "Borgeren blev glad.")
    edit(flip, delivery, "Borgeren blev glad.", "Borgeren blev glad og lettet.")
    stored = flip.services.store.response(1, BROKER)
    assert stored.answers == {"q1": "Borgeren blev glad og lettet."}
    assert stored.edits == 1
    assert thread_posts(flip, delivery)[-1] == "Tak, dit svar er rettet."


def test_an_edit_that_adds_personal_data_is_redacted_and_the_member_told(flip, delivery):
    reply(flip, delivery, "Jeg ringer til borgeren.")
    edit(flip, delivery, "Jeg ringer til borgeren.", "Jeg ringer til borgeren på 22 34 56 78.")
    assert "22 34 56 78" not in flip.services.store.response(1, BROKER).answers["q1"]
    told = thread_posts(flip, delivery)[-1]
    assert told.startswith("Tak, dit svar er rettet.") and "Slet den gerne" in told


def test_an_edit_after_the_answer_was_rewritten_in_the_modal_is_not_applied(flip, delivery):
    reply(flip, delivery, "Første tanke.")
    flip.services.rounds.record_answer(1, BROKER, {"q1": "Skrevet om i modalen."})
    edit(flip, delivery, "Første tanke.", "Noget helt andet.")
    assert flip.services.store.response(1, BROKER).answers == {"q1": "Skrevet om i modalen."}
    assert "Ret svar" in thread_posts(flip, delivery)[-1]


def test_an_edit_after_the_round_closed_is_answered_and_not_stored(flip, delivery):
    reply(flip, delivery, "Første tanke.")
    assert flip.server.command(FACILITATOR, "close 1").status == 200
    assert wait_idle()
    edit(flip, delivery, "Første tanke.", "For sent rettet.")
    assert flip.services.store.response(1, BROKER).answers == {"q1": "Første tanke."}
    assert "lukket" in thread_posts(flip, delivery)[-1]


@pytest.mark.parametrize("whose", ["the bot's prompt", "the thread's parent"])
def test_changes_that_are_not_a_members_reply_are_left_alone(flip, delivery, whose):
    reply(flip, delivery, "Første tanke.")
    posts = len(flip.fake.calls_to("chat.postMessage"))
    if whose == "the bot's prompt":
        message = {"type": "message", "bot_id": "B0FLIPBOT", "text": "Besvaret ✓"}
        message["ts"] = delivery.ref.message
    else:  # Slack marks the parent changed when a reply arrives
        message = {"type": "message", "user": BROKER, "text": "Oplæg", "reply_count": 1}
        message.update(ts=delivery.ref.message, thread_ts=delivery.ref.message)
    event = changed(delivery.ref.conversation, message, {**message, "text": "Før"})
    assert flip.server.event(event).status == 200
    assert wait_idle()
    assert flip.services.store.response(1, BROKER).answers == {"q1": "Første tanke."}
    assert len(flip.fake.calls_to("chat.postMessage")) == posts
