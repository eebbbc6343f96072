"""Redaction wired into the round core, consent, erasure, digest stripping and retention."""

import json
import logging
from datetime import timedelta

import pytest

from bot.core.messenger import LocalMessenger
from bot.core.models import DeliveryStatus
from bot.core.services import EXAMPLE_NETWORK, build_services
from bot.core.settings import Settings
from bot.privacy.erasure import (
    answer_fragments,
    erase_member,
    prune,
    run_retention,
    set_consent,
    strip_member_from_digests,
    strip_quotes,
)
from bot.privacy.redact import PrivacyError
from bot.store.database import Store
from bot.store.privacy import ERASED_NAME, consenting_member_ids, has_consent
from tests.consent_helpers import consent_all

BROKER = "U0SILK001"
OTHER = "U0SILK002"
FACILITATOR = "U0FACI001"


@pytest.fixture
def round_(rounds, library, clock):
    prompt = library.get("inddragelse-05")
    return rounds.start_round(prompt, ["silkeborg"], clock() + timedelta(days=5), FACILITATOR)


def first_question(rounds, round_):
    return rounds.prompt_of(round_).questions[0].id


# -- redaction in the core ------------------------------------------------------------------


def test_an_answer_is_redacted_before_it_is_stored(rounds, round_, db):
    q = first_question(rounds, round_)
    raw = "Borgeren (010190-1234) ringede fra 22 33 44 55 og bor på Vestergade 12."
    result = rounds.record_answer(round_.id, BROKER, {q: raw})
    assert result.redacted == {"cpr": 1, "phone": 1, "address": 1}
    stored = db.response(round_.id, BROKER)
    assert stored.answers[q] == "Borgeren ([CPR]) ringede fra [TLF] og bor på [ADRESSE]."
    dump = "\n".join(line for line in db.db.conn.iterdump())
    assert "010190" not in dump and "22 33 44 55" not in dump and "Vestergade" not in dump


def test_an_edit_keeps_only_redacted_text_in_the_history(rounds, round_, db):
    q = first_question(rounds, round_)
    rounds.record_answer(round_.id, BROKER, {q: "skriv til a@b.dk"})
    result = rounds.record_answer(round_.id, BROKER, {q: "skriv til c@d.dk i stedet"})
    assert result.outcome == "edited" and result.redacted == {"email": 1}
    history = db.response_history(result.response.id)
    assert history[0]["answers"] == {q: "skriv til [EMAIL]"}


def test_a_clean_answer_reports_nothing_removed(rounds, round_):
    q = first_question(rounds, round_)
    result = rounds.record_answer(round_.id, BROKER, {q: "Vi mødes 12-03-2026 kl. 10."})
    assert result.redacted == {}
    assert result.response.answers[q] == "Vi mødes 12-03-2026 kl. 10."


def test_a_thread_reply_is_redacted_and_a_repeat_is_not_added_twice(rounds, round_, db):
    q = first_question(rounds, round_)
    first = rounds.add_to_answer(round_.id, BROKER, "cpr 010190-1234, ring 22334455")
    assert first.redacted == {"cpr": 1, "phone": 1}
    again = rounds.add_to_answer(round_.id, BROKER, "cpr 010190-1234, ring 22334455")
    assert again.outcome == "unchanged"
    assert db.response(round_.id, BROKER).answers[q] == "cpr [CPR], ring [TLF]"
    more = rounds.add_to_answer(round_.id, BROKER, "og mail a@b.dk")
    assert more.redacted == {"email": 1}
    assert db.response(round_.id, BROKER).answers[q] == "cpr [CPR], ring [TLF]\n\nog mail [EMAIL]"


# -- consent --------------------------------------------------------------------------------


def test_migration_adds_consent_and_erasure_columns(db):
    columns = db.db["members"].columns_dict
    assert {"consent_source", "consent_changed_at", "erased_at"} <= set(columns)


def test_a_members_own_consent_survives_the_next_sync(db, network, clock):
    db.sync_members(network, clock())
    assert not has_consent(db, BROKER)  # nobody consents before they say so
    consent_all(db, network, clock())
    assert has_consent(db, BROKER)
    set_consent(db, BROKER, False, by=BROKER, at=clock())
    assert not has_consent(db, BROKER)
    db.sync_members(network, clock.advance(days=1))
    assert not has_consent(db, BROKER)
    assert BROKER not in consenting_member_ids(db)
    assert OTHER in consenting_member_ids(db)
    set_consent(db, BROKER, True, by=BROKER)
    db.sync_members(network, clock.advance(days=1))
    assert has_consent(db, BROKER)
    entry = db.audit_entries()[-1]
    assert (entry["actor"], entry["action"], entry["subject"]) == (BROKER, "consent", BROKER)
    assert entry["detail"]["consent"] is True and entry["detail"]["was"] is False


def test_without_an_own_choice_the_network_file_decides(db, network, clock):
    db.sync_members(network, clock())
    member = network.member(OTHER)
    changed = network.model_copy(
        update={
            "members": [
                m.model_copy(update={"research_consent": False}) if m is member else m
                for m in network.members
            ]
        }
    )
    db.sync_members(changed, clock())
    assert not has_consent(db, OTHER)


def test_consent_for_an_unknown_member_is_a_clear_error(db):
    with pytest.raises(PrivacyError) as caught:
        set_consent(db, "U0NOBODY1", True, by="admin")
    assert caught.value.key == "error.member_not_found"


def test_withdrawing_consent_removes_quotes_from_stored_digests(rounds, round_, db, clock):
    q = first_question(rounds, round_)
    mine = rounds.record_answer(round_.id, BROKER, {q: "mit svar"}).response
    theirs = rounds.record_answer(round_.id, OTHER, {q: "andet svar"}).response
    db.save_digest(
        round_id=round_.id,
        engine="extractive",
        status="posted",
        content={"quotes": [{"response_id": mine.id}, {"response_id": theirs.id}]},
        at=clock(),
    )
    assert set_consent(db, BROKER, False, by=BROKER) == 1
    content = json.loads(next(db.db.query("select content from digests"))["content"])
    assert content == {"quotes": [{"response_id": theirs.id}]}


# -- digest stripping -----------------------------------------------------------------------


def test_strip_quotes_finds_references_anywhere_in_the_json():
    content = {
        "title": "Runde 1",
        "sections": [
            {
                "theme": "samtale",
                "quotes": [
                    {"text": "a", "response_id": 1, "municipality": "silkeborg"},
                    {"text": "b", "response_id": "2"},
                    {"text": "c", "response_id": 3},
                ],
            },
            {"tension": {"text": "d", "response_id": 2}, "open": ["x", {"response_ids": [9, 2]}]},
        ],
        "counts": {"answered": 3},
    }
    stripped, removed = strip_quotes(content, {2})
    assert removed == 3
    assert stripped["sections"][0]["quotes"] == [
        {"text": "a", "response_id": 1, "municipality": "silkeborg"},
        {"text": "c", "response_id": 3},
    ]
    assert stripped["sections"][1] == {"tension": None, "open": ["x"]}
    assert stripped["counts"] == {"answered": 3}
    assert strip_quotes(content, {42}) == (content, 0)


def test_strip_member_from_digests_saves_only_changed_digests(db, rounds, round_, clock):
    db.save_digest(
        round_id=None, engine="e", status="s", content={"quotes": [{"response_id": 5}]}, at=clock()
    )
    db.save_digest(round_id=None, engine="e", status="s", content={"quotes": []}, at=clock())
    assert strip_member_from_digests(db, [5, 6]) == 1
    assert strip_member_from_digests(db, [5, 6]) == 0
    assert strip_member_from_digests(db, []) == 0


# -- erasure --------------------------------------------------------------------------------


def test_erasure_deletes_answers_and_keeps_counts(rounds, round_, db, clock):
    q = first_question(rounds, round_)
    mine = rounds.record_answer(round_.id, BROKER, {q: "første"}).response
    rounds.record_answer(round_.id, BROKER, {q: "rettet"})
    rounds.record_answer(round_.id, OTHER, {q: "andet svar"})
    db.save_digest(
        round_id=round_.id,
        engine="extractive",
        status="posted",
        content={"quotes": [{"response_id": mine.id, "text": "rettet"}]},
        at=clock(),
    )
    before = rounds.participation(round_.id).total

    result = erase_member(db, BROKER, by="U0ADMIN01", at=clock())

    assert (result.responses, result.history, result.quotes_removed) == (1, 1, 1)
    assert db.response(round_.id, BROKER) is None
    assert db.member(BROKER) is None
    assert db.response_history(mine.id) == []
    dump = "\n".join(db.db.conn.iterdump())
    assert "første" not in dump and "rettet" not in dump and "Signe Andersen" not in dump
    assert "andet svar" in dump
    after = rounds.participation(round_.id).total
    assert (after.members, after.answered) == (before.members, before.answered)
    erased = [row for row in db.db["members"].rows if row["erased_at"]]
    assert len(erased) == 1 and erased[0]["name"] == ERASED_NAME
    assert erased[0]["municipality"] == "silkeborg" and erased[0]["research_consent"] == 0
    statuses = [d.status for d in db.deliveries(round_.id) if d.member_id == erased[0]["id"]]
    assert statuses == [DeliveryStatus.ANSWERED]
    entry = db.audit_entries()[-1]
    assert (entry["action"], entry["subject"], entry["actor"]) == (
        "erase_member",
        BROKER,
        "U0ADMIN01",
    )
    assert entry["detail"]["responses"] == 1


def test_erasing_twice_or_a_stranger_is_a_clear_error(db, network, clock):
    db.sync_members(network, clock())
    erase_member(db, BROKER, by="admin")
    with pytest.raises(PrivacyError):
        erase_member(db, BROKER, by="admin")
    with pytest.raises(PrivacyError):
        erase_member(db, "U0NOBODY1", by="admin")


def test_an_erased_member_still_in_the_file_stays_out_until_readmitted(db, network, clock):
    db.sync_members(network, clock())
    erase_member(db, BROKER, by="admin")
    assert db.sync_members(network, clock())["erased"] == 1
    assert db.member(BROKER) is None
    db.audit("admin", "readmit_member", BROKER)
    assert db.sync_members(network, clock())["erased"] == 0
    assert db.member(BROKER)["name"] == "Signe Andersen"
    assert db.member_responses(BROKER) == []  # a new member: the erased answers stay gone


def test_starting_with_an_erased_member_in_the_file_names_them_in_a_warning(
    tmp_path, network, caplog
):
    settings = Settings(flipbot_db=str(tmp_path / "flip.db"), flipbot_config=str(EXAMPLE_NETWORK))
    store = Store(settings.flipbot_db)
    store.migrate()
    store.sync_members(network)
    erase_member(store, BROKER, by=BROKER)
    store.close()
    with caplog.at_level(logging.WARNING, logger="bot.core.services"):
        services = build_services(settings, LocalMessenger(), network=network)
    services.store.close()
    assert BROKER in caplog.text and "flipbot member readmit" in caplog.text


def test_a_round_started_after_an_erasure_does_not_prompt_the_erased_member(
    rounds, round_, db, clock
):
    erase_member(db, BROKER, by=BROKER)
    again = rounds.start_round(
        rounds.prompt_of(round_), ["silkeborg"], None, "U0FACI001", deliver=False
    )
    members = {d.member_id for d in db.deliveries(again.id)}
    assert BROKER not in members and "U0SILK002" in members


# -- retention ------------------------------------------------------------------------------


def test_prune_deletes_old_answers_and_history_and_keeps_digests(rounds, round_, db, clock):
    q = first_question(rounds, round_)
    old = rounds.record_answer(round_.id, BROKER, {q: "gammelt"}).response
    rounds.record_answer(round_.id, OTHER, {q: "version 1"})
    db.save_digest(
        round_id=round_.id,
        engine="e",
        status="s",
        content={"quotes": [{"response_id": old.id}]},
        at=clock(),
    )
    clock.advance(days=3)
    rounds.record_answer(round_.id, OTHER, {q: "version 2"})  # version 1 replaced on day 3
    clock.advance(days=400)
    edited = rounds.record_answer(round_.id, OTHER, {q: "version 3"}).response
    later = clock.now + timedelta(days=331)  # day 734: day 0 and day 3 are past 730 days

    dry = prune(db, later, 730, dry_run=True)
    assert (dry.responses, dry.history) == (1, 1)
    assert db.response(round_.id, BROKER) is not None

    done = prune(db, later, 730, by="admin")
    assert (done.responses, done.history) == (1, 1)
    assert db.response(round_.id, BROKER) is None
    kept = db.response(round_.id, OTHER)
    assert kept.answers[q] == "version 3"
    assert [h["answers"][q] for h in db.response_history(edited.id)] == ["version 2"]
    assert len(list(db.db["digests"].rows)) == 1
    assert rounds.participation(round_.id).total.answered == 2
    assert db.audit_entries()[-1]["action"] == "prune"

    again = prune(db, later, 730)
    assert (again.responses, again.history) == (0, 0)


def test_run_retention_uses_the_network_setting(rounds, round_, db, clock, network):
    q = first_question(rounds, round_)
    rounds.record_answer(round_.id, BROKER, {q: "svar"})
    assert run_retention(db, network, clock.now + timedelta(days=729)).responses == 0
    assert run_retention(db, network, clock.now + timedelta(days=731)).responses == 1


def test_prune_refuses_a_retention_below_one_day(db, clock):
    with pytest.raises(ValueError):
        prune(db, clock(), 0)


def test_digest_text_without_a_reference_is_recognised_by_whole_sentences():
    mine = "Jeg ville holde fast i planen, fordi tilliden er skrøbelig. Ja."
    content = {
        "overview": "Flere skrev: jeg ville holde fast i planen,   fordi tilliden er skrøbelig.",
        "tensions": [
            {"text": "Jeg ville holde fast i planen, fordi tilliden er skrøbelig.", "n": 2},
            {"text": "Ja."},
            "Jeg ville holde fast i planen, fordi tilliden er skrøbelig.",
            "Noget helt andet, som en anden vidensmægler skrev.",
        ],
    }
    stripped, removed = strip_quotes(content, set(), answer_fragments([mine]))
    assert removed == 3
    assert stripped == {
        "overview": None,
        "tensions": [{"text": "Ja."}, "Noget helt andet, som en anden vidensmægler skrev."],
    }
    assert answer_fragments(["Ja. Nej. Måske."]) == set()  # too short to be recognisable


def test_erasure_also_strips_unreferenced_quotes_of_earlier_versions(rounds, round_, db, clock):
    q = first_question(rounds, round_)
    first = "Vi burde inddrage borgeren meget tidligere i forløbet."
    rounds.record_answer(round_.id, BROKER, {q: first})
    rounds.record_answer(round_.id, BROKER, {q: "Helt nyt svar."})
    db.save_digest(
        round_id=round_.id,
        engine="llm",
        status="posted",
        content={"themes": [{"summary": first}, {"summary": "andet"}]},
        at=clock(),
    )
    assert erase_member(db, BROKER, by="admin").quotes_removed == 1
    content = json.loads(next(db.db.query("select content from digests"))["content"])
    assert content == {"themes": [{"summary": "andet"}]}


def test_prune_deletes_in_batches_until_nothing_old_is_left(rounds, round_, db, clock, monkeypatch):
    monkeypatch.setattr("bot.store.privacy.PRUNE_BATCH", 2)
    q = first_question(rounds, round_)
    brokers = ["U0SILK001", "U0SILK002", "U0SILK003", "U0SILK004", "U0SILK005"]
    for broker in brokers:
        rounds.record_answer(round_.id, broker, {q: "første"})
        rounds.record_answer(round_.id, broker, {q: "anden"})
    done = prune(db, clock.now + timedelta(days=731), 730)
    assert (done.responses, done.history) == (5, 5)
    assert db.responses(round_.id) == []


def test_surfaces_may_pass_their_services_instead_of_the_store(tmp_path, network, library, clock):
    from bot.core.messenger import LocalMessenger
    from bot.core.services import build_services
    from bot.core.settings import Settings

    services = build_services(
        Settings(flipbot_db=str(tmp_path / "s.db")),
        LocalMessenger(),
        network=network,
        library=library,
        clock=clock,
    )
    set_consent(services, BROKER, False, by=BROKER)
    assert not has_consent(services.store, BROKER)
    assert erase_member(services, BROKER, by=BROKER).responses == 0
    assert services.store.member(BROKER) is None


def test_only_consenting_members_quotable_answers_may_be_quoted(rounds, round_, db):
    from bot.privacy.erasure import quotable_responses

    q = first_question(rounds, round_)
    rounds.record_answer(round_.id, BROKER, {q: "må citeres"})
    rounds.record_answer(round_.id, OTHER, {q: "ikke citeres"}, quotable=False)
    rounds.record_answer(round_.id, "U0SILK003", {q: "samtykke trukket"})
    set_consent(db, "U0SILK003", False, by="U0SILK003")
    assert [r.member_id for r in quotable_responses(db, round_.id)] == [BROKER]
    assert rounds.participation(round_.id).total.answered == 3
