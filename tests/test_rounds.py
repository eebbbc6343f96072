from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.messenger import DeliveryFailed
from bot.core.rounds import RoundError, RoundService


@pytest.fixture
def prompt(library):
    return library.get("samtale-01")


def start(rounds, prompt, clock, audience="all", **kwargs):
    return rounds.start_round(prompt, audience, clock() + timedelta(days=5), "U0FACI001", **kwargs)


def test_start_sends_one_prompt_per_broker_in_the_audience(rounds, prompt, clock, messenger):
    round = start(rounds, prompt, clock, ["silkeborg", "herning"])
    prompts = messenger.of_kind("prompt")
    assert len(prompts) == 20
    assert {p.member_id[:6] for p in prompts} == {"U0SILK", "U0HERN"}
    deliveries = rounds.store.deliveries(round.id)
    assert {d.status for d in deliveries} == {"sent"}
    assert all(d.ref.message and d.ref.conversation and d.attempts == 1 for d in deliveries)
    assert round.remind_at == round.closes_at - timedelta(days=1)


def test_deliver_again_sends_nothing_twice(rounds, prompt, clock, messenger):
    round = start(rounds, prompt, clock)
    assert rounds.deliver(round.id).sent == 0
    assert len(messenger.of_kind("prompt")) == 50


def test_a_failed_delivery_is_recorded_and_retried(rounds, prompt, clock, messenger):
    messenger.fail_for = {"U0SILK001", "U0SILK002"}
    round = start(rounds, prompt, clock)
    failed = rounds.store.deliveries(round.id, ["failed"])
    assert [(d.member_id, d.error) for d in failed] == [
        ("U0SILK001", "not_found: user_not_found"),
        ("U0SILK002", "not_found: user_not_found"),
    ]
    assert rounds.participation(round.id).total.failed == 2
    messenger.fail_for = set()
    assert rounds.deliver(round.id).sent == 2
    assert rounds.store.delivery(round.id, "U0SILK001").attempts == 2
    assert len(messenger.of_kind("prompt")) == 50


def test_paused_members_get_no_prompt_and_are_counted(rounds, prompt, clock, messenger):
    round = start(rounds, prompt, clock, ["silkeborg"], paused={"U0SILK003"})
    assert len(messenger.of_kind("prompt")) == 9
    silkeborg = rounds.participation(round.id).municipalities[0]
    assert (silkeborg.paused, silkeborg.delivered) == (1, 9)


@pytest.mark.parametrize(
    ("audience", "closes_in", "key"),
    [
        (["aarhus"], timedelta(days=1), "unknown_municipality"),
        ("all", timedelta(days=-1), "closes_in_past"),
    ],
)
def test_start_refuses_bad_requests(rounds, prompt, clock, audience, closes_in, key):
    with pytest.raises(RoundError) as caught:
        rounds.start_round(prompt, audience, clock() + closes_in, "U0FACI001")
    assert caught.value.key == key
    assert rounds.store.rounds() == []


def test_answer_is_stored_once_and_an_edit_keeps_history(rounds, prompt, clock):
    round = start(rounds, prompt, clock)
    answers = {prompt.questions[0].id: "  Vi lyttede mere end vi talte.  "}
    first = rounds.record_answer(round.id, "U0SILK001", answers)
    again = rounds.record_answer(round.id, "U0SILK001", answers)
    assert (first.outcome, again.outcome) == ("created", "unchanged")
    assert first.response.answers == {prompt.questions[0].id: "Vi lyttede mere end vi talte."}
    clock.advance(hours=1)
    edit = rounds.record_answer(round.id, "U0SILK001", {prompt.questions[0].id: "Noget andet"})
    assert edit.outcome == "edited"
    assert len(rounds.store.response_history(edit.response.id)) == 1
    assert rounds.store.delivery(round.id, "U0SILK001").status == "answered"


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"q1": "   "}, "answer_empty"),
        ({}, "answer_empty"),
        ({"q9": "svar"}, "unknown_question"),
        ({"q1": "x" * 3001}, "answer_too_long"),
    ],
)
def test_bad_answers_are_refused_with_a_reason(rounds, prompt, clock, answers, key):
    round = start(rounds, prompt, clock)
    with pytest.raises(RoundError) as caught:
        rounds.record_answer(round.id, "U0SILK001", answers)
    assert caught.value.key == key
    assert rounds.store.response(round.id, "U0SILK001") is None


def test_only_members_of_the_round_can_answer(rounds, prompt, clock):
    round = start(rounds, prompt, clock, ["herning"])
    with pytest.raises(RoundError) as caught:
        rounds.record_answer(round.id, "U0SILK001", {"q1": "svar"})
    assert caught.value.key == "not_in_round"


def test_thread_replies_become_and_extend_the_answer(rounds, prompt, clock):
    round = start(rounds, prompt, clock)
    first = prompt.questions[0].id
    rounds.add_to_answer(round.id, "U0SILK001", "Første tanke.")
    result = rounds.add_to_answer(round.id, "U0SILK001", "Og en til.")
    assert result.response.answers[first] == "Første tanke.\n\nOg en til."
    assert rounds.add_to_answer(round.id, "U0SILK001", "Og en til.").outcome == "unchanged"


def test_an_edited_thread_reply_changes_only_its_own_part_of_the_answer(rounds, prompt, clock):
    round = start(rounds, prompt, clock)
    first = prompt.questions[0].id
    rounds.add_to_answer(round.id, "U0SILK001", "Første tanke.")
    rounds.add_to_answer(round.id, "U0SILK001", "Og en til.")
    result = rounds.edit_reply(round.id, "U0SILK001", "Første tanke.", "Første tanke, rettet.")
    assert result.outcome == "edited"
    assert result.response.answers[first] == "Første tanke, rettet.\n\nOg en til."
    history = rounds.store.response_history(result.response.id)
    assert history[-1]["answers"][first] == "Første tanke.\n\nOg en til."


def test_an_edit_is_redacted_and_found_by_its_redacted_text(rounds, prompt, clock):
    round = start(rounds, prompt, clock)
    first = prompt.questions[0].id
    rounds.add_to_answer(round.id, "U0SILK001", "Ring på 22 34 56 78 i morgen.")
    result = rounds.edit_reply(
        round.id, "U0SILK001", "Ring på 22 34 56 78 i morgen.", "Skriv til a@b.dk i morgen."
    )
    stored = result.response.answers[first]
    assert (
        "a@b.dk" not in stored
        and "i morgen" in stored
        and "22 34" not in stored
        and "[TLF]" not in stored
    )
    assert result.redacted.get("email") == 1


def test_an_edit_of_a_reply_no_longer_in_the_answer_changes_nothing(rounds, prompt, clock):
    round = start(rounds, prompt, clock)
    first = prompt.questions[0].id
    rounds.add_to_answer(round.id, "U0SILK001", "Første tanke.")
    rounds.record_answer(round.id, "U0SILK001", {first: "Skrevet om i modalen."})
    with pytest.raises(RoundError, match="reply_not_found"):
        rounds.edit_reply(round.id, "U0SILK001", "Første tanke.", "Noget andet.")
    assert rounds.store.response(round.id, "U0SILK001").answers == {first: "Skrevet om i modalen."}


def test_skip_and_undo(rounds, prompt, clock):
    round = start(rounds, prompt, clock)
    assert rounds.skip(round.id, "U0SILK001").status == "skipped"
    assert rounds.participation(round.id).total.skipped == 1
    assert rounds.unskip(round.id, "U0SILK001").status == "sent"
    rounds.record_answer(round.id, "U0SILK001", {"q1": "svar"})
    with pytest.raises(RoundError, match="already_answered"):
        rounds.skip(round.id, "U0SILK001")


def test_snooze_comes_back_the_next_working_morning_once(rounds, prompt, clock, messenger):
    clock.now = clock.now.replace(day=27, hour=12)  # Friday 13:00 in Copenhagen
    round = start(rounds, prompt, clock)
    delivery = rounds.snooze(round.id, "U0SILK001")
    monday_morning = datetime(2026, 11, 30, 8, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert delivery.snoozed_until == monday_morning
    with pytest.raises(RoundError, match="already_snoozed"):
        rounds.snooze(round.id, "U0SILK001")
    assert rounds.due_reminders(clock()) == []
    clock.now = delivery.snoozed_until
    due = rounds.due_reminders(clock())
    assert [d.member_id for d in due] == ["U0SILK001"]
    assert rounds.send_reminders(due).sent == 1
    assert rounds.due_reminders(clock()) == []


def test_snooze_over_easter_comes_back_after_the_holidays(rounds, prompt, clock):
    clock.now = datetime(2026, 4, 1, 11, 0, tzinfo=UTC)  # Wednesday before Skærtorsdag
    round = rounds.start_round(prompt, "all", clock() + timedelta(days=10), "U0FACI001")
    delivery = rounds.snooze(round.id, "U0SILK001")
    tuesday_morning = datetime(2026, 4, 7, 8, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert delivery.snoozed_until == tuesday_morning


def test_a_reminder_that_would_wait_past_the_close_moves_to_the_last_working_morning(
    rounds, prompt, clock
):
    cph = ZoneInfo("Europe/Copenhagen")
    monday_morning = datetime(2026, 11, 30, 8, 0, tzinfo=cph)
    round = rounds.start_round(prompt, "all", monday_morning, "U0FACI001")
    # A day before would be Sunday 08:00, held back until Monday 08:00: the close itself.
    assert round.remind_at == datetime(2026, 11, 27, 8, 0, tzinfo=cph)
    later = rounds.start_round(prompt, "all", datetime(2026, 12, 2, 12, 0, tzinfo=cph), "U0FACI001")
    assert later.remind_at == datetime(2026, 12, 1, 12, 0, tzinfo=cph)  # a Tuesday: unchanged


def test_reminder_goes_once_to_those_who_neither_answered_nor_skipped(
    rounds, prompt, clock, messenger
):
    round = start(rounds, prompt, clock, ["silkeborg"])
    rounds.record_answer(round.id, "U0SILK001", {"q1": "svar"})
    rounds.skip(round.id, "U0SILK002")
    assert rounds.due_reminders(clock()) == []
    clock.now = round.remind_at
    due = rounds.due_reminders(clock())
    assert len(due) == 8 and {"U0SILK001", "U0SILK002"}.isdisjoint(d.member_id for d in due)
    assert rounds.send_reminders(due).sent == 8
    assert rounds.send_reminders(due).sent == 0
    assert rounds.due_reminders(clock()) == []
    assert len(messenger.of_kind("reminder")) == 8


def test_facilitator_remind_now_and_failure_is_kept(rounds, prompt, clock, messenger):
    round = start(rounds, prompt, clock, ["silkeborg"])
    messenger.fail_for = {"U0SILK004"}
    result = rounds.remind(round.id, "U0FACI001")
    assert (result.sent, result.failed) == (9, 1)
    assert rounds.store.delivery(round.id, "U0SILK004").error == "not_found: user_not_found"


def test_close_updates_open_prompts_posts_summary_and_refuses_late_answers(
    rounds, prompt, clock, messenger
):
    round = start(rounds, prompt, clock, ["silkeborg", "herning"])
    rounds.record_answer(round.id, "U0SILK001", {"q1": "svar"})
    rounds.record_answer(round.id, "U0HERN001", {"q1": "svar"})
    rounds.skip(round.id, "U0HERN002")
    participation = rounds.close_round(round.id, "U0FACI001")
    by_municipality = {c.municipality: c for c in participation.municipalities}
    assert (by_municipality["silkeborg"].answered, by_municipality["silkeborg"].waiting) == (1, 9)
    assert (by_municipality["herning"].answered, by_municipality["herning"].skipped) == (1, 1)
    assert participation.total.delivered == 20
    assert len([u for u in messenger.of_kind("update") if u.detail["state"] == "closed"]) == 17
    summary = messenger.of_kind("summary")
    assert summary[0].detail["channel"] == "C0DIGESTS"
    with pytest.raises(RoundError, match="round_closed"):
        rounds.record_answer(round.id, "U0SILK002", {"q1": "for sent"})
    with pytest.raises(RoundError, match="round_closed"):
        rounds.close_round(round.id, "U0FACI001")


def test_reopen_lets_answers_in_again(rounds, prompt, clock):
    round = start(rounds, prompt, clock)
    rounds.close_round(round.id, "U0FACI001")
    reopened = rounds.reopen_round(round.id, clock() + timedelta(days=2), "U0FACI001")
    assert reopened.is_open
    assert rounds.record_answer(round.id, "U0SILK002", {"q1": "svar"}).outcome == "created"


def test_next_prompt_rotates_through_the_theme(rounds, library, clock):
    used = []
    for _ in range(len(library.by_theme("samtale")) + 1):
        prompt = rounds.next_prompt("samtale")
        used.append(prompt.id)
        start(rounds, prompt, clock)
        clock.advance(minutes=1)
    theme_ids = [p.id for p in library.by_theme("samtale")]
    assert sorted(used[:-1]) == sorted(
        theme_ids
    )  # each once (the order: tests/test_next_prompt.py)
    assert used[-1] == used[0]  # all used: start again from the least recently used


class ExplodingMessenger:
    def send_prompt(self, member, round, prompt):
        raise DeliveryFailed("rate_limited", "ratelimited")


def test_fan_out_over_threads_records_every_delivery(db, network, library, clock):
    db.sync_members(network, clock())
    rounds = RoundService(db, network, library, ExplodingMessenger(), clock=clock, max_workers=8)
    round = rounds.start_round(
        library.get("samtale-01"), "all", clock() + timedelta(days=1), "U0FACI001"
    )
    assert len(db.deliveries(round.id, ["failed"])) == 50


def test_facilitator_actions_are_audited_without_answer_text(rounds, prompt, clock):
    round = start(rounds, prompt, clock, ["silkeborg"])
    rounds.record_answer(round.id, "U0SILK001", {"q1": "hemmelig tekst"})
    rounds.remind(round.id, "U0FACI002")
    rounds.close_round(round.id, "U0FACI001")
    entries = rounds.store.audit_entries()
    assert [(e["actor"], e["action"], e["subject"]) for e in entries] == [
        ("U0FACI001", "start_round", str(round.id)),
        ("U0FACI002", "remind", str(round.id)),
        ("U0FACI001", "close_round", str(round.id)),
    ]
    assert entries[1]["detail"] == {"sent": 9, "failed": 0}
    assert "hemmelig" not in repr(entries)
    assert rounds.store.audit_entries(since=clock() + timedelta(seconds=1)) == []
