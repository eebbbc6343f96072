"""App Home: a broker's open prompts and journal; a facilitator's rounds with remind and close."""

from __future__ import annotations

from bot.slack import blocks
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import BROKER, FACILITATOR


def open_home(flip, user: str) -> dict:
    before = len(flip.fake.calls_to("views.publish"))
    flip.server.event({"type": "app_home_opened", "user": user, "tab": "home"})
    assert wait_idle()
    calls = flip.fake.calls_to("views.publish")
    assert len(calls) == before + 1
    assert calls[-1].args["user_id"] == user
    return calls[-1].args["view"]


def action_ids(view: dict) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_broker_sees_open_prompts_and_their_own_answers_by_theme(flip):
    home = open_home(flip, BROKER)
    assert "ikke noget, der venter" in str(home) and blocks.HOME_START not in action_ids(home)
    flip.server.command(FACILITATOR, "start samtale-01")
    flip.server.command(FACILITATOR, "start helhed-01")
    assert wait_idle()
    flip.services.rounds.record_answer(1, BROKER, {"q1": "Mit svar <@U0FACI001>"})
    home = open_home(flip, BROKER)
    assert action_ids(home).count(blocks.ANSWER) == 1  # helhed-01 still open
    assert blocks.EDIT not in action_ids(home)  # the answered one moved to the journal
    text = str(home)
    assert "Mit svar &lt;@U0FACI001&gt;" in text  # escaped: no mention
    assert "Samtaleflip" in text


def test_a_facilitator_sees_rates_and_can_remind_and_close_from_home(flip):
    flip.server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()
    flip.services.rounds.record_answer(1, BROKER, {"q1": "svar"})
    home = open_home(flip, FACILITATOR)
    assert {blocks.HOME_START, blocks.HOME_REMIND, blocks.HOME_CLOSE} <= set(action_ids(home))
    assert "Silkeborg Kommune: 1/10 (10 %)" in str(home)
    flip.server.click(FACILITATOR, blocks.HOME_CLOSE, "1")
    assert wait_idle()
    assert not flip.services.rounds.get_round(1).is_open
    refreshed = flip.fake.calls_to("views.publish")[-1].args["view"]
    assert blocks.HOME_CLOSE not in action_ids(refreshed)


def test_home_buttons_are_checked_on_the_server(flip):
    flip.server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()
    flip.server.click(BROKER, blocks.HOME_CLOSE, "1")
    flip.server.click(BROKER, blocks.HOME_START, "")
    assert wait_idle()
    assert flip.services.rounds.get_round(1).is_open
    assert flip.fake.calls_to("views.open") == []
    refusals = [
        c
        for c in flip.fake.calls_to("chat.postMessage")
        if c.args["channel"] == BROKER and "adgang" in c.args.get("text", "")
    ]
    assert len(refusals) == 2


def test_a_paused_broker_sees_until_when(flip):
    flip.server.command(BROKER, "pause 2w")
    assert "pause til mandag den 7. december 2026" in str(open_home(flip, BROKER))
