"""The 'Ret overskrifter' dialog: what it shows, and the submit read back into labels and the
quotes to leave out (by place, mapped to the stored draft's quote keys)."""

from __future__ import annotations

import pytest

from bot.teams import actions
from bot.teams.actions import MalformedAction, parse_action
from bot.teams.cards import card_dict
from bot.teams.cards_digest_edit import build_digest_edit_dialog, left_out_keys
from tests.digest_helpers import build, demo_answers


@pytest.fixture
def digest():
    return build(demo_answers()).model_copy(update={"id": 17, "round_id": 3})


def inputs(digest, **kw) -> dict[str, dict]:
    body = card_dict(build_digest_edit_dialog(digest, **kw))["body"]
    return {e["id"]: e for e in body if "id" in e}


def test_the_dialog_has_a_label_per_theme_and_a_tick_per_quote(digest):
    found = inputs(digest)
    assert [found[f"theme_{i}"]["value"] for i in range(len(digest.themes))] == [
        th.label for th in digest.themes
    ]
    ticks = [k for k in found if k.startswith("out_")]
    assert len(ticks) == len(digest.all_quotes()) > 0
    assert {found[k]["value"] for k in ticks} == {"false"}


def test_a_rerendered_dialog_keeps_what_was_typed_and_ticked(digest):
    found = inputs(digest, labels={0: "Ny overskrift"}, left_out={1}, problems=["Galt"])
    assert found["theme_0"]["value"] == "Ny overskrift"
    assert found["out_1"]["value"] == "true" and found["out_0"]["value"] == "false"


def test_the_submit_reads_back_to_labels_and_quote_keys(digest):
    data = {
        "action": actions.DIGEST_EDIT_SUBMIT,
        "digest_id": 17,
        "theme_0": "Borgeren først",
        "out_0": "true",
        "out_1": "false",
        "out_999": "true",
    }
    action = parse_action(data)
    assert (action.digest_id, action.labels, action.left_out) == (
        17,
        {0: "Borgeren først"},
        frozenset({0, 999}),
    )
    assert left_out_keys(digest, action.left_out) == {digest.all_quotes()[0].key}


@pytest.mark.parametrize("extra", [{"theme_0": 5}, {"out_0": "yes"}, {"theme_0": "x" * 20_001}])
def test_a_submit_flipbot_did_not_build_is_malformed(extra):
    with pytest.raises(MalformedAction):
        parse_action({"action": actions.DIGEST_EDIT_SUBMIT, "digest_id": 17, **extra})
