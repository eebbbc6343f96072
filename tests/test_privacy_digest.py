"""Erasure and consent reach into digests built by the real digest engine."""

import json

from bot.digest.checks import assert_digest_is_honest
from bot.digest.sources import round_answers
from bot.privacy.erasure import erase_member, set_consent
from tests.test_digest_service import FACILITATORS, closed_round, digests  # noqa: F401

__all__ = ["FACILITATORS"]


def quoted_members(db, digest_id, response_by_member):
    content = json.dumps(db.digest(digest_id).model_dump(mode="json"), ensure_ascii=False)
    return {m for m, rid in response_by_member.items() if f'"answer_id": "{rid}"' in content}


def test_erasing_a_quoted_member_leaves_no_trace_in_stored_digests(closed_round, digests, db):  # noqa: F811
    draft = digests.latest(closed_round.id)
    response_by_member = {r.member_id: r.id for r in db.responses(closed_round.id)}
    quoted = quoted_members(db, draft.id, response_by_member)
    assert quoted, "the demo digest quotes someone"
    member = sorted(quoted)[0]
    response_id = str(response_by_member[member])
    texts = [t for t in db.response(closed_round.id, member).answers.values()]

    erase_member(db, member, by="U0FACI001")

    stored = json.dumps(db.digest(draft.id).model_dump(mode="json"), ensure_ascii=False)
    assert f'"answer_id": "{response_id}"' not in stored
    assert f'"{response_id}"' not in stored  # not even in a theme's list of grouped answers
    for text in texts:
        for sentence in [s for s in text.split(". ") if len(s) > 40]:
            assert sentence not in stored
    assert db.digest(draft.id).content["total"]["answered"] == 40  # counts stay


def test_a_digest_built_after_consent_is_withdrawn_quotes_nothing_of_theirs(
    closed_round,  # noqa: F811
    digests,  # noqa: F811
    db,
):
    draft = digests.latest(closed_round.id)
    response_by_member = {r.member_id: r.id for r in db.responses(closed_round.id)}
    member = sorted(quoted_members(db, draft.id, response_by_member))[0]
    set_consent(db, member, False, by=member)
    assert member not in quoted_members(db, draft.id, response_by_member)
    rebuilt = digests.rebuild(draft.id, "U0FACI001")
    assert member not in quoted_members(db, rebuilt.id, response_by_member)
    assert_digest_is_honest(rebuilt, round_answers(db, closed_round.id))
