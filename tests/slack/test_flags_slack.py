"""Slack: an answer that seems to name a citizen is not stored until the broker chooses Fjern or
Behold (issue 15); through the real app, signed requests and the fake Slack."""

from __future__ import annotations

import json

from bot.export.collect import ExportFilter, collect
from bot.slack import blocks, blocks_flags
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import BROKER, FACILITATOR
from tests.slack.harness import answer_values

NAMED = "Mira Hansen vil gerne i praktik hos en tømrer."
QUESTION = "Dit svar ser ud til at nævne en borger (Mira Hansen). Vil du fjerne navnet?"


def start(flip) -> None:
    flip.server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()


def prompt_of(flip, user: str):
    delivery = flip.services.store.delivery(1, user)
    return delivery.ref.conversation, delivery.ref.message


def submit_answer(flip, user: str, text: str):
    channel, ts = prompt_of(flip, user)
    flip.server.click(user, blocks.ANSWER, "1", channel, ts)
    view = flip.fake.wait_for("views.open", where=lambda c: c.args["trigger_id"].endswith(user))
    view = view[-1].args["view"]
    reply = flip.server.submit(user, view, answer_values(view, {"q1": text}))
    assert reply.status == 200
    return reply


def click_in_modal(flip, user: str, view: dict, action_id: str):
    """A button in the flag modal, as Slack sends it (the view comes along)."""
    button = next(
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    return flip.server.interaction(
        {
            "type": "block_actions",
            "team": {"id": "T0FLIP"},
            "user": {"id": user},
            "api_app_id": "A0FLIP",
            "trigger_id": flip.server.trigger(user),
            "container": {"type": "view", "view_id": "V0FLAG"},
            "view": {
                "id": "V0FLAG",
                "type": "modal",
                "callback_id": view["callback_id"],
                "private_metadata": view["private_metadata"],
                "state": {"values": {}},
            },
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": blocks_flags.FLAG_BLOCK,
                    "value": button["value"],
                    "type": "button",
                }
            ],
        }
    )


def buttons(view_or_blocks) -> list[tuple[str, str | None]]:
    found = view_or_blocks["blocks"] if isinstance(view_or_blocks, dict) else view_or_blocks
    return [
        (e["text"]["text"], e.get("style"))
        for b in found
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def everything_posted(fake) -> str:
    return "\n".join(json.dumps(c.args, ensure_ascii=False) for c in fake.calls)


def test_the_modal_asks_first_and_fjern_stores_the_placeholder_everywhere(flip):
    start(flip)
    reply = submit_answer(flip, BROKER, NAMED)
    body = reply.json()
    assert body["response_action"] == "update"
    view = body["view"]
    assert view["callback_id"] == blocks_flags.FLAG_MODAL
    assert QUESTION in json.dumps(view, ensure_ascii=False)
    assert buttons(view) == [("Fjern", "primary"), ("Behold", None)]
    assert flip.services.store.response(1, BROKER) is None  # nothing stored yet

    assert click_in_modal(flip, BROKER, view, blocks_flags.FLAG_REMOVE).status == 200
    assert wait_idle()
    stored = flip.services.store.response(1, BROKER)
    assert stored.answers == {"q1": "[NAVN] vil gerne i praktik hos en tømrer."}
    done = flip.fake.wait_for("views.update", where=lambda c: c.args["view_id"] == "V0FLAG")[-1]
    assert "Tak, dit svar er gemt uden det markerede." in json.dumps(
        done.args["view"], ensure_ascii=False
    )
    # The prompt turns "answered" and nothing sent to Slack since holds the name.
    flip.fake.wait_for("chat.update")
    assert "Mira" not in everything_posted(flip.fake)

    # The digest built at close and the researchers' export carry the placeholder.
    flip.server.command(FACILITATOR, "close 1")
    assert wait_idle()
    digests = [row["content"] for row in flip.services.store._rows("select content from digests")]
    assert digests and not any("Mira" in content for content in digests)
    services = flip.services
    export = collect(services.store, services.network, services.library, ExportFilter(round_id=1))
    assert [row.text for row in export.rows] == ["[NAVN] vil gerne i praktik hos en tømrer."]
    dump = "\n".join(services.store.db.conn.iterdump())
    assert "Mira" not in dump


def test_behold_in_the_modal_stores_the_answer_as_typed(flip):
    start(flip)
    view = submit_answer(flip, BROKER, NAMED).json()["view"]
    click_in_modal(flip, BROKER, view, blocks_flags.FLAG_KEEP)
    assert wait_idle()
    assert flip.services.store.response(1, BROKER).answers == {"q1": NAMED}
    done = flip.fake.wait_for("views.update")[-1]
    assert "gemt, som du skrev det" in json.dumps(done.args["view"], ensure_ascii=False)


def test_a_clean_modal_answer_is_stored_at_once(flip):
    start(flip)
    reply = submit_answer(flip, BROKER, "Vi holder fast i aftalen med virksomheden.")
    assert reply.body == ""
    assert flip.services.store.response(1, BROKER) is not None


def test_a_thread_reply_is_asked_about_in_the_thread(flip):
    start(flip)
    channel, ts = prompt_of(flip, BROKER)
    flip.server.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": channel,
            "user": BROKER,
            "text": NAMED,
            "ts": "1900000000.000100",
            "thread_ts": ts,
        }
    )
    assert wait_idle()
    assert flip.services.store.response(1, BROKER) is None
    asked = flip.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("thread_ts") == ts and "blocks" in c.args
    )[-1]
    assert asked.args["text"] == QUESTION
    assert buttons(asked.args["blocks"]) == [("Fjern", "primary"), ("Behold", None)]
    value = next(
        e["value"] for b in asked.args["blocks"] if b["type"] == "actions" for e in b["elements"]
    )
    reply = flip.server.interaction(
        {
            "type": "block_actions",
            "team": {"id": "T0FLIP"},
            "user": {"id": BROKER},
            "api_app_id": "A0FLIP",
            "trigger_id": flip.server.trigger(BROKER),
            "container": {"type": "message", "channel_id": channel, "message_ts": "1.1"},
            "channel": {"id": channel},
            "response_url": flip.server.response_url,
            "actions": [
                {
                    "action_id": blocks_flags.FLAG_REMOVE,
                    "block_id": "b",
                    "value": value,
                    "type": "button",
                }
            ],
        }
    )
    assert reply.status == 200
    assert wait_idle()
    assert flip.services.store.response(1, BROKER).answers == {
        "q1": "[NAVN] vil gerne i praktik hos en tømrer."
    }
    told = flip.fake.wait_for("response")[-1].args
    assert told["replace_original"] is True
    assert "Din egen besked står stadig i Slack" in told["text"]


def test_someone_else_cannot_choose_for_the_broker(flip):
    start(flip)
    view = submit_answer(flip, BROKER, NAMED).json()["view"]
    click_in_modal(flip, "U0SILK002", view, blocks_flags.FLAG_KEEP)
    assert wait_idle()
    assert flip.services.store.response(1, BROKER) is None
    assert flip.services.store.response(1, "U0SILK002") is None
