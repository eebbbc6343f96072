"""/flip commands, role refusals, pause/resume, reminders, reopen and the start modal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.models import DeliveryStatus
from bot.slack import blocks
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import BROKER, FACILITATOR, RESEARCHER, status_of


def text_of(reply) -> str:
    assert reply.status == 200, reply.body
    return reply.json()["text"]


@pytest.mark.parametrize(
    "command",
    ["start samtale-01", "start", "status", "remind 1", "close 1", "reopen 1"],
)
@pytest.mark.parametrize("user", [BROKER, RESEARCHER, "U0STRANGER"])
def test_facilitator_commands_are_refused_politely_and_change_nothing(flip, command, user):
    raw = flip.server.command(user, command)
    assert raw.json()["response_type"] == "ephemeral"
    reply = text_of(raw)
    assert "ikke adgang" in reply or "access" in reply
    assert wait_idle()
    assert flip.services.store.rounds() == []
    assert flip.fake.calls_to("chat.postMessage") == []
    assert flip.fake.calls_to("views.open") == []


def test_refusal_on_an_open_round_leaves_it_open(flip):
    flip.server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()
    before = len(flip.fake.calls)
    assert "ikke adgang" in text_of(flip.server.command(BROKER, "close 1"))
    assert "ikke adgang" in text_of(flip.server.command(BROKER, "remind"))
    assert wait_idle()
    assert flip.services.rounds.get_round(1).is_open
    assert len(flip.fake.calls) == before


@pytest.mark.parametrize(
    "text", ["", "help", "bogus", "start --closes", "pause forever", "close x"]
)
def test_unknown_or_malformed_input_gets_the_help_text(flip, text):
    reply = text_of(flip.server.command(BROKER, text))
    assert "Sådan bruger du flipbot" in reply
    if text not in ("", "help"):
        assert "Det forstod jeg ikke" in reply


@pytest.mark.parametrize("word", ["hjem", "home"])
def test_home_points_to_the_home_tab_and_brings_it_up_to_date(flip, word):
    reply = text_of(flip.server.command(BROKER, word))
    assert reply.startswith("Din oversigt ligger under fanen *Home* hos flipbot")
    assert wait_idle()
    assert [c.args["user_id"] for c in flip.fake.calls_to("views.publish")] == [BROKER]


def test_start_by_theme_for_some_municipalities_picks_an_unused_prompt(flip):
    reply = text_of(flip.server.command(FACILITATOR, "start samtale silkeborg herning --closes 2d"))
    assert "Runde 1 er startet" in reply
    round = flip.services.rounds.get_round(1)
    assert round.prompt_id == "samtale-01" and round.audience == ["silkeborg", "herning"]
    assert round.closes_at == flip.clock() + timedelta(days=2)
    flip.server.command(FACILITATOR, "start samtale silkeborg herning")
    assert flip.services.rounds.get_round(2).prompt_id == "samtale-09"  # the newest comes second
    assert wait_idle()


def test_start_with_an_unknown_target_or_municipality_says_what_is_wrong(flip):
    assert "nopenope" in text_of(flip.server.command(FACILITATOR, "start nopenope"))
    assert "atlantis" in text_of(flip.server.command(FACILITATOR, "start samtale atlantis"))
    assert flip.services.store.rounds() == []


def test_status_shows_open_rounds_per_municipality(flip):
    assert "ingen åbne runder" in status_of(flip)
    flip.server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()
    flip.services.rounds.record_answer(1, BROKER, {"q1": "svar"})
    status = status_of(flip)
    assert "Runde 1" in status
    assert "Silkeborg Kommune: 1 svar, 0 sprunget over, 9 venter" in status


def test_status_shows_what_the_scheduler_does_next(flip):
    # The example network runs samtale-efteraar on Tuesdays 09:00 and closes rounds on their own.
    flip.server.command(FACILITATOR, "start samtale-01 --closes 2d")
    assert wait_idle()
    status = status_of(flip)
    coming = status.split("Det næste, der sker:")[1]
    assert (
        "tirsdag den 24. november kl. 09.00" in coming and "samtale-efteraar" in coming
    )  # next Tuesday, local time
    assert (
        "onsdag den 25. november kl. 09.00: runde 1 lukker" in coming
    )  # round 1 closes two days after Monday 09:00 local


def test_remind_sends_one_reminder_in_each_waiting_thread(flip):
    flip.server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()
    flip.services.rounds.record_answer(1, BROKER, {"q1": "svar"})
    assert "påmindelser" in text_of(flip.server.command(FACILITATOR, "remind"))
    assert wait_idle()
    reminders = [c for c in flip.fake.calls_to("chat.postMessage") if c.args.get("reply_broadcast")]
    assert len(reminders) == 49
    assert all(c.args["thread_ts"] for c in reminders)
    assert flip.services.store.audit_entries()[-1]["action"] == "remind"


def test_close_then_reopen_gives_the_buttons_back(flip):
    flip.server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()
    flip.server.command(FACILITATOR, "close")
    assert wait_idle()
    assert "allerede" not in text_of(flip.server.command(FACILITATOR, "reopen 1 --closes 2d"))
    assert flip.services.rounds.get_round(1).is_open
    assert wait_idle()
    delivery = flip.services.store.delivery(1, BROKER)
    last = [c for c in flip.fake.calls_to("chat.update") if c.args["ts"] == delivery.ref.message][
        -1
    ]
    assert any(b["type"] == "actions" for b in last.args["blocks"])
    assert "allerede åben" in text_of(flip.server.command(FACILITATOR, "reopen 1"))
    actions = [e["action"] for e in flip.services.store.audit_entries()]
    assert actions == ["start_round", "close_round", "reopen_round"]


def test_close_without_an_open_round_says_so(flip):
    assert "ingen åben runde" in text_of(flip.server.command(FACILITATOR, "close"))


def test_prompts_lists_a_theme(flip):
    reply = text_of(flip.server.command(BROKER, "prompts samtale"))
    assert "`samtale-01`" in reply and "strategi-01" not in reply


def test_pause_skips_a_member_in_the_next_round_and_resume_brings_them_back(flip):
    assert "pause til mandag den 7. december 2026" in text_of(
        flip.server.command(BROKER, "pause 2w")
    )
    reply = text_of(flip.server.command(FACILITATOR, "start samtale-01"))
    assert "49 vidensmæglere" in reply and "1 vidensmægler er på pause" in reply
    assert wait_idle()
    assert flip.services.store.delivery(1, BROKER).status == DeliveryStatus.PAUSED
    assert flip.services.rounds.participation(1).total.paused == 1
    assert not [c for c in flip.fake.calls_to("chat.postMessage") if c.args["channel"] == BROKER]
    assert "Velkommen tilbage" in text_of(flip.server.command(BROKER, "resume"))
    assert "ikke på pause" in text_of(flip.server.command(BROKER, "resume"))
    flip.server.command(FACILITATOR, "start samtale-02")
    assert flip.services.store.delivery(2, BROKER).status != DeliveryStatus.PAUSED
    assert wait_idle()


def test_pause_until_a_date_and_a_date_in_the_past(flip):
    assert "tirsdag den 1. december 2026" in text_of(
        flip.server.command(BROKER, "pause until 2026-12-01")
    )
    until = flip.services.store.paused_until(BROKER)
    assert until == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert "passeret" in text_of(flip.server.command(BROKER, "pause until 2020-01-01"))


def test_start_alone_opens_the_start_modal_and_submitting_it_starts_a_round(flip):
    assert flip.server.command(FACILITATOR, "start").body == ""
    view = flip.fake.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == blocks.START_MODAL
    values = {
        blocks.START_PROMPT: {blocks.START_PROMPT: {"selected_option": {"value": "helhed-01"}}},
        blocks.START_AUDIENCE: {blocks.START_AUDIENCE: {"selected_options": [{"value": "viborg"}]}},
        blocks.START_CLOSES: {blocks.START_CLOSES: {"selected_date": "2020-01-01"}},
    }
    refused = flip.server.submit(FACILITATOR, view, values).json()
    assert blocks.START_CLOSES in refused["errors"]
    values[blocks.START_CLOSES][blocks.START_CLOSES]["selected_date"] = "2026-11-27"
    assert flip.server.submit(FACILITATOR, view, values).body == ""
    round = flip.services.rounds.get_round(1)
    assert round.prompt_id == "helhed-01" and round.audience == ["viborg"]
    assert round.closes_at == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert wait_idle()
    assert len(flip.services.store.deliveries(1, [DeliveryStatus.SENT])) == 10


def test_skip_and_snooze_buttons_update_the_dm(flip):
    flip.server.command(FACILITATOR, "start samtale-01 --closes 5d")
    assert wait_idle()
    delivery = flip.services.store.delivery(1, BROKER)
    flip.server.click(BROKER, blocks.SNOOZE, "1", delivery.ref.conversation, delivery.ref.message)
    assert wait_idle()
    assert flip.services.store.delivery(1, BROKER).snoozed
    flip.server.click(BROKER, blocks.SKIP, "1", delivery.ref.conversation, delivery.ref.message)
    assert wait_idle()
    assert flip.services.store.delivery(1, BROKER).status == DeliveryStatus.SKIPPED
    flip.server.click(
        BROKER, blocks.SKIP, "1", delivery.ref.conversation, delivery.ref.message
    )  # again
    assert wait_idle()
    updates = [c for c in flip.fake.calls_to("chat.update") if c.args["ts"] == delivery.ref.message]
    texts = [str(c.args["blocks"]) for c in updates]
    assert len(texts) == 2
    assert "i morgen tidlig" in texts[0] and "sprunget den over" in texts[1]
    # A second snooze is refused, ephemerally.
    flip.server.click(BROKER, blocks.SNOOZE, "1", delivery.ref.conversation, delivery.ref.message)
    assert wait_idle()
    assert "allerede" in flip.fake.calls_to("chat.postEphemeral")[-1].args["text"]


def test_a_dm_outside_a_thread_gets_help(flip):
    flip.server.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0SILK001",
            "user": BROKER,
            "text": "hej",
            "ts": "1.2",
        }
    )
    call = flip.fake.wait_for("chat.postMessage")[0]
    assert call.args["channel"] == "D0SILK001" and "/flip hjælp" in call.args["text"]


def test_digest_shows_a_rounds_participation_to_facilitators_and_researchers(flip):
    flip.server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()
    flip.services.rounds.record_answer(1, BROKER, {"q1": "svar"})
    reply = text_of(flip.server.command(RESEARCHER, "digest 1"))
    assert "(open)" in reply and "1 answer of 50" in reply  # the researcher reads English
    assert "ikke adgang" in text_of(flip.server.command(BROKER, "digest"))


def test_a_status_too_long_for_one_message_continues_in_a_second(flip):
    library = flip.services.library
    for prompt in library.all()[:30]:
        flip.services.rounds.start_round(prompt, "all", None, FACILITATOR, deliver=False)
    status_of(flip)
    replies = [c.args["text"] for c in flip.fake.calls_to("response")]
    assert len(replies) >= 2
    assert all(len(text) <= blocks.MESSAGE_TEXT_BUDGET for text in replies)
    assert "Runde 1*" in replies[0] and "Runde 30*" in replies[-1]
    assert all(c.args.get("response_type") == "ephemeral" for c in flip.fake.calls_to("response"))
