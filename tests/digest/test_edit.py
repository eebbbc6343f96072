"""The facilitator has the last word: rename themes and leave quotes out before sharing."""

from datetime import timedelta

import pytest

from bot.core.access import AccessDenied
from bot.core.rounds import RoundError
from bot.digest.checks import assert_digest_is_honest
from bot.digest.model import Digest
from bot.digest.render import render
from bot.digest.service import DigestService
from bot.digest.sources import round_answers
from tests.digest_helpers import demo_answers


@pytest.fixture
def digests(rounds, db, network, messenger, clock):
    service = DigestService(db, network, rounds, messenger, clock=clock)
    rounds.on_closed = service.on_round_closed
    return service


@pytest.fixture
def draft(rounds, library, network, clock, digests):
    prompt = library.get("inddragelse-05")
    round = rounds.start_round(prompt, "all", clock() + timedelta(days=5), "U0FACI001")
    for member, sample in zip([m.id for m in network.brokers()], demo_answers(), strict=False):
        rounds.record_answer(round.id, member, sample.texts, quotable=sample.quotable)
    rounds.close_round(round.id, "U0FACI001")
    return digests.latest(round.id)


def test_a_renamed_theme_and_a_left_out_quote_change_the_stored_draft_in_place(
    draft, digests, db, messenger, network, clock
):
    engine_label = draft.themes[0].label
    dropped = draft.themes[0].quotes[0]
    drafts_before = len(messenger.of_kind("digest_draft"))
    clock.advance(minutes=5)
    edited = digests.edit(draft.id, "U0FACI002", {0: "  Borgerens egen plan "}, {dropped.key})

    assert (edited.id, edited.status) == (draft.id, "draft")
    assert len(db.round_digests(draft.round_id)) == 1  # no copy: the same row, changed
    stored = digests.load(draft.id)
    assert stored.themes[0].label == "Borgerens egen plan"
    assert stored.themes[0].terms == draft.themes[0].terms  # the engine's words stay as data
    assert dropped.key not in {q.key for q in stored.all_quotes()}
    assert len(stored.all_quotes()) == len(draft.all_quotes()) - 1
    assert "“Borgerens egen plan”" in stored.overview and f"“{engine_label}”" not in stored.overview
    assert stored.edit is not None and stored.edit.replaces is None
    assert [(e.theme, e.engine, e.facilitator) for e in stored.edit.labels] == [
        (0, engine_label, "Borgerens egen plan")
    ]
    [gone] = stored.edit.left_out
    assert (gone.section, gone.theme, gone.answer_id, gone.start) == (
        "themes",
        0,
        dropped.answer_id,
        dropped.start,
    )
    assert_digest_is_honest(
        stored, round_answers(db, draft.round_id), forbidden=[m.name for m in network.members]
    )
    # Every facilitator gets the edited draft (the same digest id).
    facilitators = [m for m in network.members if m.has_role("facilitator")]
    sent = messenger.of_kind("digest_draft")[drafts_before:]
    assert len(sent) == len(facilitators)
    assert {s.detail["digest"].id for s in sent} == {draft.id}
    assert all(s.detail["digest"].themes[0].label == "Borgerens egen plan" for s in sent)
    [entry] = [e for e in db.audit_entries() if e["action"] == "digest_edited"]
    assert entry["actor"] == "U0FACI002" and entry["subject"] == str(draft.id)
    assert entry["detail"] == {"renamed": [0], "left_out": [["themes", 0]]}


def test_each_edit_is_kept_in_the_history_with_who_and_when(draft, digests, clock):
    first_at = clock.advance(minutes=5)
    digests.edit(draft.id, "U0FACI002", {0: "Første bud"})
    second_at = clock.advance(minutes=7)
    dropped = draft.dilemmas[0]
    digests.edit(draft.id, "U0FACI003", {0: "Andet bud"}, {dropped.key})
    history = digests.edit_history(draft.id)
    assert [(h["at"], h["by"]) for h in history] == [
        (first_at, "U0FACI002"),
        (second_at, "U0FACI003"),
    ]
    assert history[0]["renamed"] == [
        {"theme": 0, "before": draft.themes[0].label, "after": "Første bud"}
    ]
    assert history[0]["left_out"] == []
    assert history[1]["renamed"] == [{"theme": 0, "before": "Første bud", "after": "Andet bud"}]
    assert [(g["section"], g["answer_id"]) for g in history[1]["left_out"]] == [
        ("dilemmas", dropped.answer_id)
    ]
    assert "U0FACI" not in digests.load(draft.id).model_dump_json()  # who is in the audit only


def test_an_edit_that_loses_the_race_to_a_decision_changes_nothing(draft, digests, db):
    from bot.store.digests import update_digest_content

    digests.approve(draft.id, "U0FACI001")
    before = db.digest(draft.id).content
    assert update_digest_content(db, draft.id, {"title": "x"}) is False
    assert db.digest(draft.id).content == before


def test_the_edit_is_kept_with_the_stored_digest_and_shown_in_every_rendering(draft, digests):
    dropped = draft.dilemmas[0]
    edited = digests.edit(draft.id, "U0FACI001", {1: "Tid og rammer"}, {dropped.key})
    stored = digests.load(edited.id)
    assert stored.edit == edited.edit and stored.id == draft.id
    as_json = Digest.model_validate_json(render(stored, "json"))
    assert as_json.edit.labels[0].facilitator == "Tid og rammer"
    engine = draft.themes[1].label
    for fmt in ("md", "html"):
        text = render(stored, fmt)
        assert "Tid og rammer" in text
        assert "Facilitatoren har omdøbt temaet" in text and engine in text
        assert "Citater udeladt af facilitatoren: 1." in text
    # The overview's count of dilemmas follows what the digest shows.
    assert f"{len(stored.dilemmas)} udsagn vejer" in stored.overview
    assert len(stored.dilemmas) == len(draft.dilemmas) - 1


def test_editing_an_edited_draft_keeps_the_engines_label_and_adds_up(draft, digests):
    engine_label = draft.themes[0].label
    first = digests.edit(draft.id, "U0FACI001", {0: "Første bud"}, {draft.questions[0].key})
    second = digests.edit(first.id, "U0FACI003", {0: "Andet bud"}, {first.dilemmas[0].key})
    assert [(e.engine, e.facilitator) for e in second.edit.labels] == [(engine_label, "Andet bud")]
    assert [g.section for g in second.edit.left_out] == ["questions", "dilemmas"]
    assert second.id == first.id == draft.id and len(second.edit.history) == 2


def test_an_edit_that_changes_nothing_keeps_the_draft(draft, digests, db):
    same = digests.edit(draft.id, "U0FACI001", {0: draft.themes[0].label}, set())
    assert same.id == draft.id and db.digest(draft.id).status == "draft"
    assert len(db.round_digests(draft.round_id)) == 1


@pytest.mark.parametrize(
    ("labels", "left_out", "key"),
    [
        ({0: "   "}, set(), "digest_label_empty"),
        ({0: "x" * 81}, set(), "digest_label_too_long"),
        ({0: "Det {name} sagde"}, set(), "digest_label_names_person"),
        ({99: "Et tema"}, set(), "digest_edit_no_theme"),
        ({}, {"no-such|q1|0-10"}, "digest_edit_unknown_quote"),
    ],
)
def test_an_edit_that_cannot_be_used_is_refused_and_nothing_changes(
    draft, digests, db, network, labels, left_out, key
):
    first_name = network.members[0].name.split()[0]  # a member's first name, in any label
    labels = {i: label.replace("{name}", first_name) for i, label in labels.items()}
    with pytest.raises(RoundError) as raised:
        digests.edit(draft.id, "U0FACI001", labels, left_out)
    assert raised.value.key == key
    assert db.digest(draft.id).status == "draft"
    assert len(db.round_digests(draft.round_id)) == 1


def test_only_a_reviewer_edits_and_only_a_draft(draft, digests, network):
    broker = next(m.id for m in network.brokers() if not m.has_role("facilitator"))
    with pytest.raises(AccessDenied):
        digests.edit(draft.id, broker, {0: "Et tema"})
    digests.approve(draft.id, "U0FACI001")
    with pytest.raises(RoundError) as raised:
        digests.edit(draft.id, "U0FACI001", {0: "Et tema"})
    assert raised.value.key == "digest_decided"


def test_the_approved_edited_draft_is_what_the_channel_gets(draft, digests, messenger):
    edited = digests.edit(draft.id, "U0FACI001", {0: "Borgerens egen plan"})
    digests.approve(edited.id, "U0FACI002")
    [post] = messenger.of_kind("digest")
    assert post.detail["digest_id"] == edited.id


def test_erasing_a_member_also_drops_where_their_left_out_quote_stood(draft, digests, db):
    from bot.privacy.erasure import strip_quotes

    dropped = draft.themes[0].quotes[0]
    edited = digests.edit(draft.id, "U0FACI001", {}, {dropped.key})
    content = db.digest(edited.id).content
    stripped, _ = strip_quotes(content, {int(dropped.answer_id)})
    after = Digest.model_validate(stripped)
    assert after.edit is not None and after.edit.left_out == []
    assert dropped.answer_id not in {q.answer_id for q in after.all_quotes()}
