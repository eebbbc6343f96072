"""Kollegial sparring in the core: share, confirm, review, send, answers to the owner, close,
erasure, over the LocalMessenger."""

from __future__ import annotations

import pytest

from bot.core.access import AccessDenied
from bot.core.i18n import t
from bot.core.models import CaseStatus, DeliveryStatus, RoundStatus
from bot.core.rounds import RoundError
from bot.core.services import build_services
from bot.core.settings import load_settings
from bot.core.sparring import CaseText
from bot.privacy.erasure import erase_member
from bot.store.sparring import SparringStore
from tests.schedule_helpers import network_with

OWNER = "U0HERN001"  # Søren Møller, Herning
SILKEBORG_BROKER = "U0SILK001"  # Signe Andersen
HERNING_COLLEAGUE = "U0HERN002"
FACILITATOR = "U0FACI002"
RESEARCHER = "U0RESE002"

CASE = CaseText(
    title="Borger vil ikke i praktik",
    situation=(
        "En borger (tlf. 20 30 40 50) siger nej til praktik hos Hansen ApS, Østergade 12, "
        "7400 Herning. Hvordan holder jeg samtalen åben?"
    ),
    questions=["Hvad ville du sige?", "Hvem ville du tage med ind?"],
)


@pytest.fixture
def services(db, network, library, messenger, clock):
    return build_services(
        load_settings(), messenger, network=network, library=library, store=db, clock=clock
    )


def shared_and_approved(services):
    sparring = services.sparring
    preview = sparring.share(OWNER, CASE)
    sparring.confirm(preview.case.id, OWNER)
    return sparring.approve(preview.case.id, FACILITATOR)


def test_share_redacts_the_case_and_says_what_was_removed(services, db):
    preview = services.sparring.share(OWNER, CASE)
    assert preview.removed == {"phone": 1, "address": 1}
    assert "20 30 40 50" not in preview.case.situation
    assert "Østergade 12" not in preview.case.situation
    assert preview.case.status == CaseStatus.DRAFT
    # Nothing of the text in the audit or the events.
    assert "praktik" not in str(db.audit_entries())
    assert "praktik" not in str(SparringStore(db).events(preview.case.id))


@pytest.mark.parametrize(
    "text, key",
    [
        (CaseText("", "x", ["q"]), "sparring_title_missing"),
        (CaseText("t" * 121, "x", ["q"]), "sparring_title_too_long"),
        (CaseText("t", " ", ["q"]), "sparring_situation_missing"),
        (CaseText("t", "x", ["", " "]), "sparring_questions_missing"),
        (CaseText("t", "x", ["a", "b", "c", "d"]), "sparring_too_many_questions"),
        (CaseText("t", "x", ["a", "b" * 301]), "sparring_question_too_long"),
    ],
)
def test_bad_case_text_is_refused_with_what_is_wrong(services, text, key):
    with pytest.raises(RoundError) as caught:
        services.sparring.share(OWNER, text)
    assert caught.value.key == key
    # Every key has a Danish text.
    assert t(f"error.{key}", "da", **caught.value.params)


def test_a_researcher_cannot_share_and_a_broker_cannot_approve(services):
    with pytest.raises(AccessDenied):
        services.sparring.share(RESEARCHER, CASE)
    preview = services.sparring.share(OWNER, CASE)
    services.sparring.confirm(preview.case.id, OWNER)
    with pytest.raises(AccessDenied):
        services.sparring.approve(preview.case.id, SILKEBORG_BROKER)


def test_confirm_sends_the_draft_to_facilitators_not_to_brokers(services, messenger):
    preview = services.sparring.share(OWNER, CASE)
    case = services.sparring.confirm(preview.case.id, OWNER)
    assert case.status == CaseStatus.REVIEW
    drafted = {s.member_id for s in messenger.of_kind("sparring_draft")}
    assert drafted == {"U0FACI001", "U0FACI002", "U0FACI003"}
    assert not messenger.of_kind("prompt")
    assert messenger.of_kind("sparring_thread")[0].member_id == OWNER


def test_approve_sends_to_brokers_in_other_municipalities_never_the_owner(services, messenger):
    case = shared_and_approved(services)
    assert case.status == CaseStatus.RUNNING
    sent_to = {s.member_id for s in messenger.of_kind("prompt")}
    network = services.network
    assert OWNER not in sent_to and HERNING_COLLEAGUE not in sent_to
    assert SILKEBORG_BROKER in sent_to
    assert {network.member(m).municipality for m in sent_to} == {
        "silkeborg",
        "holstebro",
        "vesthimmerland",
        "viborg",
    }
    round = services.rounds.get_round(case.round_id)
    prompt = services.rounds.prompt_of(round)
    assert prompt.kind == "sparring" and prompt.title == CASE.title
    assert prompt.asked_by is None and prompt.asked_from == "Herning Kommune"
    # Five working days: Monday 23 November -> Monday 30 November at the end of the day.
    assert round.closes_at.astimezone(network.tz).date().isoformat() == "2026-11-30"


def test_audience_all_still_leaves_the_owner_out(services, messenger):
    preview = services.sparring.share(OWNER, CASE, audience="all", show_name=True)
    services.sparring.confirm(preview.case.id, OWNER)
    case = services.sparring.approve(preview.case.id, FACILITATOR)
    sent_to = {s.member_id for s in messenger.of_kind("prompt")}
    assert HERNING_COLLEAGUE in sent_to and OWNER not in sent_to
    prompt = services.rounds.prompt_of(services.rounds.get_round(case.round_id))
    assert prompt.asked_by == "Søren Møller"


def test_answers_reach_the_owner_as_the_answerer_chose(services, messenger):
    case = shared_and_approved(services)
    rounds = services.rounds
    result = rounds.record_answer(case.round_id, SILKEBORG_BROKER, {"q1": "Lyt først."})
    rounds.confirm_answer(result)
    services.sparring.set_show_name(case.round_id, "U0HOLS001", True)
    result = rounds.record_answer(case.round_id, "U0HOLS001", {"q2": "Virksomhedskonsulenten."})
    rounds.confirm_answer(result)
    forwarded = messenger.of_kind("sparring_answer")
    assert [s.member_id for s in forwarded] == [OWNER, OWNER]
    assert forwarded[0].detail["attribution"] == "En kollega fra Silkeborg Kommune"
    assert forwarded[0].detail["text"] == "Lyt først."
    holstebro = services.network.member("U0HOLS001")
    assert forwarded[1].detail["attribution"] == f"{holstebro.name} fra Holstebro Kommune"
    # Thanks reach the answerer once.
    assert services.sparring.thank(case.id, OWNER, SILKEBORG_BROKER)
    assert not services.sparring.thank(case.id, OWNER, SILKEBORG_BROKER)
    thanks = [s for s in messenger.of_kind("notice") if s.member_id == SILKEBORG_BROKER]
    assert len(thanks) == 1
    with pytest.raises(RoundError):
        services.sparring.thank(case.id, SILKEBORG_BROKER, "U0HOLS001")


def test_close_sends_the_owner_a_digest_and_the_facilitators_when_agreed(services, messenger):
    case = shared_and_approved(services)
    rounds = services.rounds
    for member in ("U0SILK001", "U0SILK002", "U0HOLS001"):
        rounds.confirm_answer(
            rounds.record_answer(case.round_id, member, {"q1": "Tal om det, der er svært."})
        )
    rounds.close_round(case.round_id, FACILITATOR)
    assert services.sparring.get(case.id).status == CaseStatus.CLOSED
    digests = messenger.of_kind("sparring_digest")
    assert {s.member_id for s in digests} == {OWNER, "U0FACI001", "U0FACI002", "U0FACI003"}
    assert digests[0].detail["digest"].round_id == case.round_id
    assert [d.status for d in services.store.round_digests(case.round_id)] == ["approved"]
    # No ordinary review draft, no summary in the channel for a sparring round.
    assert not messenger.of_kind("digest_draft") and not messenger.of_kind("summary")


def test_owner_who_keeps_the_digest_gets_it_alone(services, messenger):
    preview = services.sparring.share(OWNER, CASE, share_digest=False)
    services.sparring.confirm(preview.case.id, OWNER)
    case = services.sparring.approve(preview.case.id, FACILITATOR)
    services.rounds.close_round(case.round_id, FACILITATOR)
    assert [s.member_id for s in messenger.of_kind("sparring_digest")] == [OWNER]
    # Not stored either, so no /flip digest can show it to anyone else.
    assert services.store.round_digests(case.round_id) == []


def test_a_rejected_case_tells_the_owner_why_and_goes_nowhere(services, messenger):
    preview = services.sparring.share(OWNER, CASE)
    services.sparring.confirm(preview.case.id, OWNER)
    with pytest.raises(RoundError) as caught:
        services.sparring.reject(preview.case.id, FACILITATOR, "  ")
    assert caught.value.key == "sparring_reason_missing"
    case = services.sparring.reject(preview.case.id, FACILITATOR, "Den ligner sag 3 for meget.")
    assert case.status == CaseStatus.REJECTED
    told = [s.detail["text"] for s in messenger.of_kind("notice") if s.member_id == OWNER]
    assert told == [
        "Din sag “Borger vil ikke i praktik” bliver ikke sendt ud denne gang. "
        "Facilitatorens begrundelse: Den ligner sag 3 for meget."
    ]
    assert not messenger.of_kind("prompt")
    with pytest.raises(RoundError) as caught:
        services.sparring.approve(preview.case.id, "U0FACI001")
    assert caught.value.key == "sparring_decided"


def test_the_cap_keeps_a_case_waiting_until_a_round_closes(db, network, library, messenger, clock):
    capped = network_with(network, sparring={"review": True, "max_running": 1})
    services = build_services(
        load_settings(), messenger, network=capped, library=library, store=db, clock=clock
    )
    first = shared_and_approved(services)
    second = shared_and_approved(services)
    assert second.status == CaseStatus.APPROVED and second.round_id is None
    services.rounds.close_round(first.round_id, FACILITATOR)
    assert services.sparring.get(second.id).status == CaseStatus.RUNNING


def test_without_review_a_confirmed_case_goes_straight_out(db, network, library, messenger, clock):
    open_network = network_with(network, sparring={"review": False})
    services = build_services(
        load_settings(), messenger, network=open_network, library=library, store=db, clock=clock
    )
    preview = services.sparring.share(OWNER, CASE)
    case = services.sparring.confirm(preview.case.id, OWNER)
    assert case.status == CaseStatus.RUNNING
    assert not messenger.of_kind("sparring_draft")
    assert messenger.of_kind("prompt")


def test_erasing_the_owner_erases_the_case_and_its_answers(services, db):
    case = shared_and_approved(services)
    services.rounds.record_answer(case.round_id, SILKEBORG_BROKER, {"q1": "Lyt først."})
    erase_member(db, OWNER, by="U0FACI001")
    gone = SparringStore(db).case(case.id)
    assert gone.status == CaseStatus.ERASED
    assert gone.title == "" and gone.situation == "" and gone.owner_id != OWNER
    assert db.response(case.round_id, SILKEBORG_BROKER) is None
    assert services.sparring.owned_by(OWNER) == []
    # The round still has its counts and a prompt to show.
    round = services.rounds.get_round(case.round_id)
    assert services.rounds.prompt_of(round).kind == "sparring"
    assert db.delivery(case.round_id, SILKEBORG_BROKER).status == DeliveryStatus.ANSWERED


def test_erasing_an_answerer_removes_their_answer_and_choice(services, db, messenger):
    case = shared_and_approved(services)
    services.sparring.set_show_name(case.round_id, SILKEBORG_BROKER, True)
    rounds = services.rounds
    rounds.confirm_answer(rounds.record_answer(case.round_id, SILKEBORG_BROKER, {"q1": "Lyt."}))
    erase_member(db, SILKEBORG_BROKER, by="U0FACI001")
    assert not SparringStore(db).shows_name(case.id, SILKEBORG_BROKER)
    assert db.response(case.round_id, SILKEBORG_BROKER) is None
    assert services.sparring.get(case.id).status == CaseStatus.RUNNING
    assert rounds.get_round(case.round_id).status == RoundStatus.OPEN


def test_the_owner_can_withdraw_before_it_goes_out(services):
    preview = services.sparring.share(OWNER, CASE)
    services.sparring.confirm(preview.case.id, OWNER)
    with pytest.raises(RoundError):
        services.sparring.withdraw(preview.case.id, SILKEBORG_BROKER)
    assert services.sparring.withdraw(preview.case.id, OWNER).status == CaseStatus.WITHDRAWN


def test_a_sparring_programme_slot_takes_the_oldest_approved_case(
    db, network, library, messenger, clock
):
    from bot.schedule.jobs import ScheduleJobs
    from tests.schedule_helpers import programme, utc

    slots = programme(id="sparring-tue", kind="sparring", theme="vidensmobilisering")
    scheduled = network_with(network, slots)
    services = build_services(
        load_settings(), messenger, network=scheduled, library=library, store=db, clock=clock
    )
    jobs = ScheduleJobs(services)
    clock.now = utc(2026, 11, 24, 9, 0, 5)
    # No case waits: the slot is recorded as empty, nothing is sent.
    assert [o.status for o in jobs.run_programme("sparring-tue")] == ["empty"]
    # Approved cases wait for the slot (the owner is told so), the oldest goes first.
    first = shared_and_approved(services)
    second = shared_and_approved(services)
    assert first.status == second.status == CaseStatus.APPROVED
    told = [s.detail["text"] for s in messenger.of_kind("notice") if s.member_id == OWNER]
    assert "ved næste sparringsrunde i netværkets program" in told[-1]
    clock.now = utc(2026, 12, 1, 9, 0, 5)
    [outcome] = jobs.run_programme("sparring-tue")
    assert outcome.status == "started"
    assert services.sparring.get(first.id).round_id == outcome.round_id
    assert services.sparring.get(second.id).status == CaseStatus.APPROVED
    round = services.rounds.get_round(outcome.round_id)
    assert round.programme_id == "sparring-tue" and round.started_by == "scheduler"
    assert {s.member_id for s in messenger.of_kind("prompt")} >= {SILKEBORG_BROKER}
    # Closing it sends no case on by itself: the next slot does.
    services.rounds.close_round(outcome.round_id, FACILITATOR)
    assert services.sparring.get(second.id).status == CaseStatus.APPROVED


def test_exports_mark_a_sparring_round_and_its_owner_only_with_consent(services, db):
    from bot.export.collect import ExportFilter, collect, project_key, pseudonym
    from bot.privacy.erasure import set_consent

    for member in (OWNER, SILKEBORG_BROKER):  # research use only with the member's own yes
        set_consent(db, member, True, by=member)
    case = shared_and_approved(services)
    services.rounds.record_answer(case.round_id, SILKEBORG_BROKER, {"q1": "Lyt først."})
    network, library = services.network, services.library
    rows = collect(db, network, library, ExportFilter(round_id=case.round_id)).rows
    [row] = rows
    assert row.kind == "sparring" and row.prompt_title == CASE.title
    assert row.owner_pseudonym == pseudonym(project_key(db), OWNER)
    assert row.owner_pseudonym != row.pseudonym
    set_consent(db, OWNER, False, by=OWNER)
    [row] = collect(db, network, library, ExportFilter(round_id=case.round_id)).rows
    assert row.owner_pseudonym is None and row.kind == "sparring"


def test_retention_takes_the_text_of_cases_that_ended_long_ago(services, db, network, clock):
    from datetime import timedelta

    from bot.privacy.erasure import run_retention

    case = shared_and_approved(services)
    services.rounds.close_round(case.round_id, FACILITATOR)
    running = shared_and_approved(services)
    run_retention(db, network, clock() + timedelta(days=network.retention_days - 1))
    assert services.sparring.get(case.id).title == CASE.title  # not old enough yet
    run_retention(db, network, clock() + timedelta(days=network.retention_days + 1))
    pruned = SparringStore(db).case(case.id)
    assert pruned.status == CaseStatus.ERASED and pruned.situation == "" and pruned.title == ""
    assert services.sparring.get(running.id).situation  # a running case keeps its text
