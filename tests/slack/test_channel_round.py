"""A round in a shared channel: one post, answers in its thread, participation as for DM rounds."""

from __future__ import annotations

from bot.core.models import DeliveryStatus
from bot.slack import blocks
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import FACILITATOR, RESEARCHER
from tests.slack.harness import answer_values

CHANNEL = "C0FLIPTALK"


def test_a_channel_round_from_start_to_close(flip):
    fake, server, services = flip.fake, flip.server, flip.services
    reply = server.command(FACILITATOR, f"start samtale-01 --kanal <#{CHANNEL}|flip-samtale>")
    assert "Runde 1 er startet" in reply.json()["text"]
    assert wait_idle()
    posts = [c for c in fake.calls_to("chat.postMessage") if c.args.get("metadata")]
    assert [c.args["channel"] for c in posts] == [CHANNEL]
    sent = services.store.deliveries(1, [DeliveryStatus.SENT])
    assert len(sent) == 50 and {d.ref.message for d in sent} == {sent[0].ref.message}
    ts = sent[0].ref.message

    # Answer in the modal: posted in the thread under the broker's name, thanks only to them.
    server.click("U0SILK001", blocks.ANSWER, "1", CHANNEL, ts)
    view = fake.wait_for("views.open")[0].args["view"]
    options = view["blocks"][-1]["element"]["options"]
    assert [o["value"] for o in options] == [blocks.QUOTABLE, blocks.PRIVATE]
    server.submit("U0SILK001", view, answer_values(view, {"q1": "Vi prøvede noget nyt"}))
    assert wait_idle()
    thread = [c for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == ts]
    assert len(thread) == 1 and "Signe Andersen" in thread[0].args["text"]
    assert fake.calls_to("chat.postEphemeral")[-1].args["user"] == "U0SILK001"

    # "Only for facilitators and researchers": stored, not posted.
    server.submit("U0SILK002", view, answer_values(view, {"q1": "Fortroligt"}, ticked=("private",)))
    assert wait_idle()
    assert services.store.response(1, "U0SILK002").answers == {"q1": "Fortroligt"}
    assert len([c for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == ts]) == 1

    # A member's reply in the thread counts; a colleague outside the round is just talking.
    for user, event_ts in (("U0SILK003", "1900000000.000100"), (RESEARCHER, "1900000000.000101")):
        server.event(
            {
                "type": "message",
                "channel_type": "channel",
                "channel": CHANNEL,
                "user": user,
                "text": "Godt spørgsmål",
                "ts": event_ts,
                "thread_ts": ts,
            }
        )
    assert wait_idle()
    assert services.store.response(1, "U0SILK003").source == "thread"
    assert services.store.response(1, RESEARCHER) is None
    assert services.rounds.participation(1).total.answered == 3

    # The shared message is not marked answered for everyone.
    assert not [c for c in fake.calls_to("chat.update") if c.args["ts"] == ts]

    # Reminders go by DM; closing updates the shared message once.
    server.command(FACILITATOR, "remind")
    assert wait_idle()
    direct = [
        c.args["channel"]
        for c in fake.calls_to("chat.postMessage")
        if c.args["channel"].startswith("U") and c.args["channel"] != FACILITATOR
    ]
    assert len(direct) == 47 and len(set(direct)) == 47
    server.command(FACILITATOR, "close")
    assert wait_idle()
    assert len([c for c in fake.calls_to("chat.update") if c.args["ts"] == ts]) == 1
    assert [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C0DIGESTS"]
