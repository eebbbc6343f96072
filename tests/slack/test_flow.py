"""The whole round through signed HTTP requests and the fake Slack: start, DMs, answer, edit,
thread reply, close, summary."""

from __future__ import annotations

from bot.core.models import DeliveryStatus
from bot.slack import blocks
from tests.slack.conftest import BROKER, FACILITATOR
from tests.slack.harness import answer_values

BROKERS = 50


def prompt_dm(fake, user):
    channel = fake.dm_channel(user)
    calls = fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("channel") == user and c.args.get("metadata")
    )
    return channel, calls[0]


def test_a_whole_round_from_start_to_summary(flip):
    fake, server, services = flip.fake, flip.server, flip.services

    reply = server.command(FACILITATOR, "start samtale-01 --closes 5d")
    assert reply.status == 200
    assert "Runde 1 er startet" in reply.json()["text"]

    # One DM per broker, each with the round in its metadata and the three buttons.
    dms = fake.wait_for("chat.postMessage", BROKERS, where=lambda c: bool(c.args.get("metadata")))
    assert len({c.args["channel"] for c in dms}) == BROKERS
    mine = next(c for c in dms if c.args["channel"] == BROKER)
    assert mine.args["metadata"]["event_payload"] == {"round_id": 1, "member_id": BROKER}
    actions = [b for b in mine.args["blocks"] if b["type"] == "actions"][0]
    assert [e["action_id"] for e in actions["elements"]] == [
        blocks.ANSWER,
        blocks.SKIP,
        blocks.SNOOZE,
    ]
    assert actions["elements"][0]["style"] == "primary"
    fake.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == FACILITATOR)

    delivery = services.store.delivery(1, BROKER)
    assert delivery.status == DeliveryStatus.SENT
    channel, ts = delivery.ref.conversation, delivery.ref.message

    # The answer button opens the modal.
    assert server.click(BROKER, blocks.ANSWER, "1", channel, ts).status == 200
    view = fake.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == blocks.ANSWER_MODAL
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"][:3] == [
        "q_q1",
        "q_q2",
        "q_q3",
    ]

    # Submitting stores the answer before the acknowledgement, then the DM turns 'answered'.
    reply = server.submit(
        BROKER, view, answer_values(view, {"q1": "Borgeren tog selv <!channel> ordet"})
    )
    assert reply.status == 200 and reply.body == ""
    stored = services.store.response(1, BROKER)
    assert stored.answers == {"q1": "Borgeren tog selv <!channel> ordet"} and stored.quotable
    update = fake.wait_for("chat.update", where=lambda c: c.args["ts"] == ts)[0]
    edit = [b for b in update.args["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [e["action_id"] for e in edit] == [blocks.EDIT]

    # "Ret svar" re-opens the modal filled with the stored answer; an edit keeps the history.
    server.click(BROKER, blocks.EDIT, "1", channel, ts)
    again = fake.wait_for("views.open", 2)[1].args["view"]
    assert again["blocks"][1]["element"]["initial_value"] == "Borgeren tog selv <!channel> ordet"
    server.submit(BROKER, again, answer_values(again, {"q1": "Rettet svar"}, ticked=()))
    stored = services.store.response(1, BROKER)
    assert stored.answers == {"q1": "Rettet svar"} and not stored.quotable and stored.edits == 1
    assert services.store.response_history(stored.id)[0]["answers"]["q1"].startswith("Borgeren")

    # A reply in the prompt's thread adds to the answer and is confirmed in the thread.
    other = "U0SILK002"
    other_delivery = services.store.delivery(1, other)
    reply = server.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": other_delivery.ref.conversation,
            "user": other,
            "text": "Jeg svarer i tråden",
            "ts": "1900000000.000001",
            "thread_ts": other_delivery.ref.message,
        }
    )
    assert reply.status == 200
    assert services.store.response(1, other).answers == {"q1": "Jeg svarer i tråden"}
    fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.args.get("thread_ts") == other_delivery.ref.message
            and "gemt" in c.args.get("text", "")
        ),
    )

    # Close: open DMs say so, the summary goes to the digest channel.
    reply = server.command(FACILITATOR, "close 1")
    assert "lukker runde 1" in reply.json()["text"]
    summary = fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("channel") == "C0DIGESTS"
    )[0]
    assert "2 svar af 50" in str(summary.args["blocks"])
    closed_updates = fake.wait_for(
        "chat.update",
        BROKERS - 2,
        where=lambda c: not [b for b in c.args["blocks"] if b["type"] == "actions"],
    )
    assert len(closed_updates) == BROKERS - 2
    assert not services.rounds.get_round(1).is_open

    # A late thread reply gets a friendly "closed" and changes nothing.
    late = services.store.delivery(1, "U0SILK003")
    server.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": late.ref.conversation,
            "user": "U0SILK003",
            "text": "For sent",
            "ts": "1900000000.000002",
            "thread_ts": late.ref.message,
        }
    )
    fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.args.get("thread_ts") == late.ref.message and "lukket" in c.args.get("text", "")
        ),
    )
    assert services.store.response(1, "U0SILK003") is None


def test_a_member_gets_the_prompt_and_buttons_in_their_own_language(flip):
    flip.server.command(FACILITATOR, "start samtale-01")
    english = flip.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("channel") == "U0HERN007"
    )[0]
    text = str(english.args["blocks"])
    assert "A conversation that moved something" in text and "Remind me tomorrow" in text
    danish = flip.fake.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == BROKER)
    assert "Mind mig i morgen" in str(danish[0].args["blocks"])
