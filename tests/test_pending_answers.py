"""An answer that seems to name a citizen waits for the broker's Fjern / Behold (issue 15)."""

import json
from datetime import timedelta

import pytest
from sqlite_utils import Database

from bot.core.answering import FlagsFound, RoundError
from bot.privacy.erasure import erase_member, run_retention
from bot.store.migrations import migrations
from bot.store.pending import pending_of

BROKER = "U0SILK001"
FACILITATOR = "U0FACI001"
NAMED = "Mira Hansen vil gerne i praktik, men hun har angst."


@pytest.fixture
def round_(rounds, library, clock):
    prompt = library.get("inddragelse-05")
    return rounds.start_round(prompt, ["silkeborg"], clock() + timedelta(days=5), FACILITATOR)


@pytest.fixture
def q(rounds, round_):
    return rounds.prompt_of(round_).questions[0].id


def ask(rounds, round_, q, text=NAMED, **kwargs):
    with pytest.raises(FlagsFound) as caught:
        rounds.record_answer(round_.id, BROKER, {q: text}, ask_first=True, **kwargs)
    return caught.value.pending


def everything_in(db) -> str:
    return "\n".join(db.db.conn.iterdump())


def test_the_pending_table_is_pinned():
    db = Database(memory=True)
    migrations.apply(db)
    assert [c.name for c in db["pending_answers"].columns] == [
        "id",
        "round_id",
        "member_id",
        "answers",
        "flags",
        "quotable",
        "source",
        "redacted",
        "created_at",
        "expires_at",
    ]


def test_a_flagged_answer_is_not_stored_until_the_broker_chooses(rounds, round_, q, db):
    pending = ask(rounds, round_, q)
    assert pending.flagged == ["Mira Hansen", "angst"]
    assert pending.kinds == {"name": 1, "health": 1}
    assert db.response(round_.id, BROKER) is None
    assert db.delivery(round_.id, BROKER).status != "answered"


def test_fjern_stores_placeholders_and_audits_without_text(rounds, round_, q, db):
    pending = ask(rounds, round_, q)
    result = rounds.resolve_pending(pending.id, BROKER, remove=True)
    assert result.outcome == "created"
    assert db.response(round_.id, BROKER).answers[q] == (
        "[NAVN] vil gerne i praktik, men hun har [HELBRED]."
    )
    assert "Mira" not in everything_in(db)
    entry = db.audit_entries()[-1]
    assert entry["action"] == "flags_removed"
    assert entry["detail"] == {"round_id": round_.id, "kinds": {"name": 1, "health": 1}}
    assert pending_of(db, round_.id, BROKER) is None


def test_behold_stores_the_answer_as_typed(rounds, round_, q, db):
    pending = ask(rounds, round_, q)
    rounds.resolve_pending(pending.id, BROKER, remove=False)
    assert db.response(round_.id, BROKER).answers[q] == NAMED
    entry = db.audit_entries()[-1]
    assert entry["action"] == "flags_kept" and "Mira" not in json.dumps(entry["detail"])
    # Kept once, not asked again when the answer is sent again or edited around it.
    result = rounds.record_answer(round_.id, BROKER, {q: NAMED + " Vi prøver."}, ask_first=True)
    assert result.outcome == "edited"


def test_redaction_still_comes_first_and_is_counted(rounds, round_, q, db):
    pending = ask(rounds, round_, q, text="Mira ringede fra 22 33 44 55 om sagsnr. 2024-012345.")
    assert pending.answers[q] == "Mira ringede fra [TLF] om sagsnr. [SAGSNR]."
    assert "22 33 44 55" not in everything_in(db)
    result = rounds.resolve_pending(pending.id, BROKER, remove=True)
    assert result.redacted == {"phone": 1, "sagsnummer": 1}
    assert (
        db.response(round_.id, BROKER).answers[q] == "[NAVN] ringede fra [TLF] om sagsnr. [SAGSNR]."
    )


def test_a_clean_answer_is_stored_at_once(rounds, round_, q, db):
    result = rounds.record_answer(
        round_.id, BROKER, {q: "Vi holder fast i aftalen."}, ask_first=True
    )
    assert result.outcome == "created"


def test_without_ask_first_nothing_changes(rounds, round_, q, db):
    rounds.record_answer(round_.id, BROKER, {q: NAMED})
    assert db.response(round_.id, BROKER).answers[q] == NAMED


def test_a_second_answer_replaces_the_one_waiting(rounds, round_, q, db):
    first = ask(rounds, round_, q)
    second = ask(rounds, round_, q, text="Kim Larsen vil hellere have løntilskud.")
    assert pending_of(db, round_.id, BROKER)["id"] == second.id
    with pytest.raises(RoundError) as gone:
        rounds.resolve_pending(first.id, BROKER, remove=True)
    assert gone.value.key == "pending_gone"
    rounds.resolve_pending(second.id, BROKER, remove=True)
    assert db.response(round_.id, BROKER).answers[q] == "[NAVN] vil hellere have løntilskud."
    with pytest.raises(RoundError):
        rounds.resolve_pending(second.id, BROKER, remove=False)  # chosen once


def test_only_the_member_who_answered_can_choose(rounds, round_, q, db):
    pending = ask(rounds, round_, q)
    with pytest.raises(RoundError):
        rounds.resolve_pending(pending.id, "U0SILK002", remove=False)
    assert rounds.pending_answer(pending.id, "U0SILK002") is None
    assert rounds.pending_answer(pending.id, BROKER) == pending


def test_an_answer_nobody_decides_on_gets_the_default_when_its_time_is_up(
    rounds, round_, q, db, clock
):
    pending = ask(rounds, round_, q)
    assert pending.expires_at == clock() + timedelta(hours=24)
    assert rounds.settle_pending_answers() == 0  # not yet
    clock.advance(hours=25)
    assert rounds.settle_pending_answers() == 1
    assert db.response(round_.id, BROKER).answers[q].startswith("[NAVN] vil gerne")
    assert db.audit_entries()[-1]["actor"] == "system"


def test_closing_the_round_stores_what_waits_with_the_default(rounds, round_, q, db):
    ask(rounds, round_, q)
    rounds.close_round(round_.id, FACILITATOR)
    assert db.response(round_.id, BROKER).answers[q].startswith("[NAVN]")
    assert "Mira" not in everything_in(db)


def test_a_thread_reply_is_asked_about_too(rounds, round_, q, db):
    rounds.add_to_answer(round_.id, BROKER, "Vi holder fast.", ask_first=True)
    with pytest.raises(FlagsFound) as caught:
        rounds.add_to_answer(round_.id, BROKER, "Borgeren Ahmed er enig.", ask_first=True)
    pending = caught.value.pending
    assert pending.flagged == ["Ahmed"]
    rounds.resolve_pending(pending.id, BROKER, remove=True)
    assert (
        db.response(round_.id, BROKER).answers[q] == "Vi holder fast.\n\nBorgeren [NAVN] er enig."
    )


def test_colleagues_names_from_the_network_file_are_flagged(rounds, round_, q):
    pending = ask(rounds, round_, q, text="Jeg spurgte Signe Andersen om råd.")
    assert pending.flagged == ["Signe Andersen"]


def test_erasure_removes_a_pending_answer(rounds, round_, q, db, clock):
    ask(rounds, round_, q)
    erase_member(db, BROKER, by=BROKER, at=clock())
    assert db._rows("select count(*) as n from pending_answers")[0]["n"] == 0
    assert "Mira" not in everything_in(db)


def test_retention_deletes_pending_rows_long_past_their_expiry(
    rounds, round_, q, db, clock, network
):
    ask(rounds, round_, q)
    run_retention(db, network, now=clock() + timedelta(hours=30))
    assert pending_of(db, round_.id, BROKER) is not None  # still within a day of its expiry
    run_retention(db, network, now=clock() + timedelta(hours=49))
    assert pending_of(db, round_.id, BROKER) is None
