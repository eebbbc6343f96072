"""'Ret overskrifter' end to end in Slack: the draft's button opens a modal, the facilitator
renames a theme and leaves a quote out, and the edited draft replaces the old one."""

from __future__ import annotations

from bot.slack.digest_blocks import (
    ACTION_APPROVE,
    ACTION_EDIT,
    EDIT_LABEL,
    EDIT_LEFT_OUT,
    EDIT_MODAL,
)
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import BROKER, FACILITATOR
from tests.slack.test_digest_review import (
    FACILITATORS,
    answered_round,
    click,
    close_and_wait,
    digest_posts,
    drafts,
    ephemerals_to,
    has_action,
)


def open_modal(flip, user: str = FACILITATOR) -> dict:
    before = len(flip.fake.calls_to("views.open"))
    click(flip, user, ACTION_EDIT, drafts(flip, FACILITATOR)[-1])
    return flip.fake.wait_for("views.open", before + 1)[-1].args["view"]


def values(view: dict, labels: dict[int, str], left_out: dict[str, list[str]]) -> dict:
    """The modal's state as Slack sends it: every label input, and the ticked quotes."""
    state: dict = {}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block_id.startswith("theme_"):
            value = labels.get(int(block_id[6:]), block["element"]["initial_value"])
            state[block_id] = {EDIT_LABEL: {"type": "plain_text_input", "value": value}}
        elif block_id.startswith("quotes_"):
            chosen = [{"value": v} for v in left_out.get(block_id, [])]
            state[block_id] = {EDIT_LEFT_OUT: {"type": "checkboxes", "selected_options": chosen}}
    return state


def test_a_facilitator_renames_a_theme_and_leaves_a_quote_out_before_sharing(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    draft = flip.services.digests.latest(round_id)
    view = open_modal(flip)
    assert view["callback_id"] == EDIT_MODAL
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["theme_0"]["element"]["initial_value"] == draft.themes[0].label
    options = [o["value"] for o in inputs["quotes_theme_0"]["element"]["options"]]
    assert options == [q.key for q in draft.themes[0].quotes]
    dropped = draft.themes[0].quotes[0]

    reply = flip.server.submit(
        FACILITATOR,
        view,
        values(view, {0: "Borgerens egen plan"}, {"quotes_theme_0": [dropped.key]}),
    )
    assert reply.status == 200 and reply.body == ""
    assert wait_idle()

    edited = flip.services.digests.latest(round_id)
    # Edited in place: the same digest, with the facilitator's heading.
    assert edited.id == draft.id and edited.themes[0].label == "Borgerens egen plan"
    assert dropped.key not in {q.key for q in edited.all_quotes()}
    name = flip.services.network.member(FACILITATOR).name
    for user in FACILITATORS:
        old, new = drafts(flip, user)
        assert f"Erstattet af en rettet kladde fra {name}" in str(old.blocks)
        assert not has_action(old.blocks, ACTION_APPROVE)
        assert "Borgerens egen plan" in str(new.blocks)
        assert "Facilitatoren har omdøbt temaet" in str(new.blocks)

    # Shared, the channel gets the facilitator's headings.
    click(flip, "U0FACI002", ACTION_APPROVE, drafts(flip, "U0FACI002")[-1])
    (post,) = digest_posts(flip)
    assert "Borgerens egen plan" in str(post.blocks)


def test_a_heading_that_names_a_member_is_refused_in_the_modal(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    view = open_modal(flip)
    member = flip.services.network.member(BROKER).name
    reply = flip.server.submit(FACILITATOR, view, values(view, {1: f"Det {member} sagde"}, {}))
    assert reply.json()["response_action"] == "errors"
    assert "nævner et medlem ved navn" in reply.json()["errors"]["theme_1"]
    assert wait_idle()
    assert len(flip.services.store.round_digests(round_id)) == 1


def test_a_broker_cannot_open_the_edit(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    click(flip, BROKER, ACTION_EDIT, drafts(flip, FACILITATOR)[0])
    assert any("ikke adgang" in text for text in ephemerals_to(flip, BROKER))
    assert flip.fake.calls_to("views.open") == []


def test_an_unchanged_submit_keeps_the_draft_and_says_so(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    view = open_modal(flip)
    flip.server.submit(FACILITATOR, view, values(view, {}, {}))
    assert wait_idle()
    assert len(flip.services.store.round_digests(round_id)) == 1
    assert any("ikke noget" in text for text in ephemerals_to(flip, FACILITATOR))
