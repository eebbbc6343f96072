from datetime import timedelta

import pytest

from bot.core.access import AccessDenied
from bot.core.messenger import DeliveryFailed, LocalMessenger
from bot.core.rounds import RoundError, RoundService
from bot.digest.checks import assert_digest_is_honest
from bot.digest.service import DigestService
from bot.digest.sources import round_answers
from tests.digest_helpers import demo_answers

FACILITATORS = {"U0FACI001", "U0FACI002", "U0FACI003"}


@pytest.fixture
def digests(rounds, db, network, messenger, clock):
    service = DigestService(db, network, rounds, messenger, clock=clock)
    rounds.on_closed = service.on_round_closed
    return service


@pytest.fixture
def closed_round(rounds, library, network, clock, digests):
    prompt = library.get("inddragelse-05")
    round = rounds.start_round(prompt, "all", clock() + timedelta(days=5), "U0FACI001")
    brokers = [m.id for m in network.brokers()]
    for member, sample in zip(brokers, demo_answers(), strict=False):
        rounds.record_answer(round.id, member, sample.texts, quotable=sample.quotable)
    rounds.close_round(round.id, "U0FACI001")
    return round


def test_closing_a_round_sends_an_honest_draft_to_every_facilitator(
    closed_round, digests, messenger, db, network
):
    drafts = messenger.of_kind("digest_draft")
    assert {d.member_id for d in drafts} == {
        m.id for m in network.members if m.has_role("facilitator")
    }
    digest = drafts[0].detail["digest"]
    assert digest.id is not None and digest.status == "draft"
    assert_digest_is_honest(
        digest, round_answers(db, closed_round.id), forbidden=[m.name for m in network.members]
    )
    assert digest.total.delivered == 50 and digest.total.answered == 40
    assert messenger.of_kind("digest") == []
    assert db.digest(digest.id).status == "draft"


def test_approve_posts_to_the_digests_channel_once(closed_round, digests, messenger, db):
    draft = digests.latest(closed_round.id)
    approved = digests.approve(draft.id, "U0FACI002")
    assert approved.status == "approved"
    posts = messenger.of_kind("digest")
    assert len(posts) == 1 and posts[0].detail["channel"] == "C0DIGESTS"
    assert posts[0].detail["digest_id"] == draft.id
    record = db.digest(draft.id)
    assert record.decided_by == "U0FACI002" and record.decided_at is not None
    with pytest.raises(RoundError) as raised:
        digests.approve(draft.id, "U0FACI001")
    assert raised.value.key == "digest_decided"
    assert len(messenger.of_kind("digest")) == 1


def test_reject_keeps_the_draft_unshared(closed_round, digests, messenger, db):
    draft = digests.latest(closed_round.id)
    assert digests.reject(draft.id, "U0FACI001").status == "rejected"
    assert messenger.of_kind("digest") == []
    with pytest.raises(RoundError):
        digests.approve(draft.id, "U0FACI001")


def test_rebuild_replaces_the_draft_with_a_new_one(closed_round, digests, messenger, db):
    draft = digests.latest(closed_round.id)
    fresh = digests.rebuild(draft.id, "U0FACI003")
    assert fresh.id != draft.id and fresh.status == "draft"
    assert db.digest(draft.id).status == "rejected"
    assert len(messenger.of_kind("digest_draft")) == 2 * len(FACILITATORS)
    assert digests.latest(closed_round.id).id == fresh.id
    actions = [e["action"] for e in db.audit_entries()]
    assert "digest_rebuilt" in actions


def test_only_facilitators_and_admins_review(closed_round, digests):
    draft = digests.latest(closed_round.id)
    for member in ("U0SILK001", "U0RESE001", "U0NOBODY1"):
        with pytest.raises(AccessDenied):
            digests.approve(draft.id, member)
    with pytest.raises(RoundError):
        digests.approve(9999, "U0FACI001")


def test_a_failed_post_leaves_the_draft_to_try_again(closed_round, db, network, rounds, clock):
    class Refusing(LocalMessenger):
        def post_digest(self, channel, round, digest):
            raise DeliveryFailed("not_found", "channel_not_found")

    service = DigestService(db, network, rounds, Refusing(), clock=clock)
    draft = service.latest(closed_round.id)
    with pytest.raises(DeliveryFailed):
        service.approve(draft.id, "U0FACI001")
    assert db.digest(draft.id).status == "draft"


def test_without_review_the_digest_is_posted_when_the_round_closes(
    db, network, library, clock, messenger
):
    from bot.core.rounds import RoundService

    open_network = network.model_copy(update={"digest_review": False})
    db.sync_members(open_network, clock())
    rounds = RoundService(db, open_network, library, messenger, clock=clock, max_workers=2)
    service = DigestService(db, open_network, rounds, messenger, clock=clock)
    rounds.on_closed = service.on_round_closed
    round = rounds.start_round(
        library.get("samtale-01"), ["herning"], clock() + timedelta(days=2), "U0FACI001"
    )
    for member in ("U0HERN001", "U0HERN002", "U0HERN003"):
        rounds.record_answer(round.id, member, {"q1": "Vi taler med borgeren, men tiden er knap."})
    rounds.close_round(round.id, "U0FACI001")
    assert messenger.of_kind("digest_draft") == []
    posted = messenger.of_kind("digest")
    assert len(posted) == 1 and posted[0].detail["digest"].status == "approved"
    assert messenger.of_kind("summary") == []  # the digest carries the participation figures


@pytest.mark.parametrize("review", [True, False])
def test_a_digest_failure_does_not_stop_the_round_closing_or_its_summary(
    db, network, library, clock, messenger, review
):
    reviewed = network.model_copy(update={"digest_review": review})
    db.sync_members(reviewed, clock())
    rounds = RoundService(db, reviewed, library, messenger, clock=clock, max_workers=2)

    def broken(round):
        raise RuntimeError("engine down")

    rounds.on_closed = broken
    round = rounds.start_round(
        library.get("samtale-01"), ["herning"], clock() + timedelta(days=2), "U0FACI001"
    )
    rounds.close_round(round.id, "U0FACI001")
    assert not rounds.get_round(round.id).is_open
    # Without review the digest would have stood in for the summary; it failed, so the summary goes.
    assert [s.detail["channel"] for s in messenger.of_kind("summary")] == ["C0DIGESTS"]


def test_a_failed_rebuild_leaves_the_old_draft(closed_round, digests, db, monkeypatch):
    draft = digests.latest(closed_round.id)

    def broken(round_id):
        raise RuntimeError("engine down")

    monkeypatch.setattr(digests, "build", broken)
    with pytest.raises(RuntimeError):
        digests.rebuild(draft.id, "U0FACI001")
    assert db.digest(draft.id).status == "draft"
    assert digests.latest(closed_round.id).id == draft.id


def test_a_facilitator_can_ask_for_a_draft_when_building_at_close_failed(
    rounds, library, clock, db, network, messenger
):
    rounds.on_closed = lambda round: (_ for _ in ()).throw(RuntimeError("engine down"))
    round = rounds.start_round(
        library.get("samtale-01"), ["herning"], clock() + timedelta(days=2), "U0FACI001"
    )
    rounds.record_answer(round.id, "U0HERN001", {"q1": "Vi taler med borgeren, men tiden er knap."})
    rounds.close_round(round.id, "U0FACI001")
    service = DigestService(db, network, rounds, messenger, clock=clock)
    assert service.latest(round.id) is None
    with pytest.raises(AccessDenied):
        service.draft_round(round.id, "U0HERN001")
    draft = service.draft_round(round.id, "U0FACI002")
    assert draft.status == "draft" and service.latest(round.id).id == draft.id
    assert len(messenger.of_kind("digest_draft")) == len(FACILITATORS)


def test_no_draft_of_an_open_round(rounds, library, clock, digests):
    round = rounds.start_round(
        library.get("samtale-01"), ["herning"], clock() + timedelta(days=2), "U0FACI001"
    )
    with pytest.raises(RoundError) as raised:
        digests.draft_round(round.id, "U0FACI001")
    assert raised.value.key == "round_open"
