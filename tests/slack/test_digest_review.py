"""Digests end to end in Slack: closing a round DMs the draft to every facilitator, the review
buttons share / rebuild / reject it, and a network without review posts straight to the channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.slack import blocks
from bot.slack.app import build_slack, wsgi_app
from bot.slack.digest_blocks import ACTION_APPROVE, ACTION_REBUILD, ACTION_REJECT
from bot.slack.digest_post import DRAFT_EVENT
from bot.slack.handlers.common import wait_idle
from tests.digest_helpers import demo_answers
from tests.slack.conftest import BROKER, FACILITATOR, RESEARCHER, Flip, slack_settings
from tests.slack.harness import AppServer

FACILITATORS = ("U0FACI001", "U0FACI002", "U0FACI003")
DIGESTS = "C0DIGESTS"


def answered_round(flip: Flip) -> int:
    """A round with 40 answers, started through the services (its fan-out is not under test)."""
    services = flip.services
    prompt = services.library.get("inddragelse-05")
    round = services.rounds.start_round(
        prompt, "all", flip.clock() + timedelta(days=5), FACILITATOR
    )
    brokers = [m.id for m in services.network.brokers()]
    for member, sample in zip(brokers, demo_answers(), strict=False):
        services.rounds.record_answer(round.id, member, sample.texts, quotable=sample.quotable)
    return round.id


def has_action(blocks: list, action_id: str) -> bool:
    return any(
        e.get("action_id") == action_id
        for b in blocks
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    )


def drafts(flip: Flip, user: str) -> list:
    """The draft DMs a facilitator got (as they look now), oldest first."""
    return [
        m
        for m in flip.fake.messages.get(flip.fake.dm_channel(user), [])
        if (m.metadata or {}).get("event_type") == DRAFT_EVENT
    ]


def digest_posts(flip: Flip) -> list:
    return [
        m
        for m in flip.fake.messages.get(DIGESTS, [])
        if not m.thread_ts and m.text.startswith("Opsamling fra runde")
    ]


def close_and_wait(flip: Flip, round_id: int) -> None:
    reply = flip.server.command(FACILITATOR, f"close {round_id}")
    assert "lukker runde" in reply.json()["text"]
    assert wait_idle()


def click(flip: Flip, user: str, action: str, message, value: str | None = None) -> None:
    """Click a button on a message; `value` for a message whose buttons are already gone
    (Slack may deliver a second click on the old message)."""
    value = value or next(
        e["value"]
        for b in message.blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == action
    )
    reply = flip.server.click(user, action, value, message.channel, message.ts)
    assert reply.status == 200
    assert wait_idle()


def ephemerals_to(flip: Flip, user: str) -> list[str]:
    return [
        c.args.get("text", "")
        for c in flip.fake.calls_to("chat.postEphemeral")
        if c.args.get("user") == user
    ]


def test_close_drafts_to_every_facilitator_and_approve_posts_once(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)

    # Every facilitator (and no one else) got the draft with its three buttons and the full
    # digest in the DM's thread.
    for user in FACILITATORS:
        (draft,) = drafts(flip, user)
        for action in (ACTION_APPROVE, ACTION_REBUILD, ACTION_REJECT):
            assert has_action(draft.blocks, action)
        thread = [m for m in flip.fake.messages[draft.channel] if m.thread_ts == draft.ts]
        assert thread and "Dilemmaer i spil" in str(thread[0].blocks)
    assert not drafts(flip, BROKER) and not drafts(flip, RESEARCHER)
    assert digest_posts(flip) == []

    # "Del i kanalen": the summary goes to the channel, the full digest into its thread.
    draft = drafts(flip, "U0FACI002")[0]
    digest_id = str(flip.services.digests.latest(round_id).id)
    click(flip, "U0FACI002", ACTION_APPROVE, draft)
    (post,) = digest_posts(flip)
    assert "40 svar" in post.text
    thread = [m for m in flip.fake.messages[DIGESTS] if m.thread_ts == post.ts]
    digest = flip.services.digests.latest(round_id)
    quote = digest.themes[0].quotes[0]
    assert quote.municipality_name in str(thread[0].blocks)
    assert "Åbne spørgsmål til mødet" in str([m.blocks for m in thread])
    assert digest.status == "approved"

    # The clicked DM, and every other facilitator's copy, now say who shared it, without buttons.
    for user in FACILITATORS:
        (shown,) = drafts(flip, user)
        assert not has_action(shown.blocks, ACTION_APPROVE)
        assert "Delt i kanalen af Hanne Bach" in str(shown.blocks)

    # A second click (another facilitator, or the same one again on a stale message): told it
    # is decided, nothing posted again.
    click(flip, FACILITATOR, ACTION_APPROVE, drafts(flip, FACILITATOR)[0], value=digest_id)
    click(flip, "U0FACI002", ACTION_APPROVE, draft, value=digest_id)
    assert len(digest_posts(flip)) == 1
    assert any("allerede behandlet" in text for text in ephemerals_to(flip, FACILITATOR))


def test_reject_shares_nothing_and_says_so(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    draft = drafts(flip, "U0FACI003")[0]
    digest_id = str(flip.services.digests.latest(round_id).id)
    click(flip, "U0FACI003", ACTION_REJECT, draft)
    assert flip.services.digests.latest(round_id).status == "rejected"
    assert digest_posts(flip) == []
    updated = next(m for m in flip.fake.messages[draft.channel] if m.ts == draft.ts)
    assert "Ikke delt: Christian Mortensen valgte det fra" in str(updated.blocks)
    assert not has_action(updated.blocks, ACTION_REJECT)
    # Approving it afterwards is refused: a rejected draft is never posted.
    assert "Ikke delt: Christian Mortensen" in str(drafts(flip, FACILITATOR)[0].blocks)
    click(flip, FACILITATOR, ACTION_APPROVE, drafts(flip, FACILITATOR)[0], value=digest_id)
    assert digest_posts(flip) == []


def test_rebuild_sends_a_new_draft_and_retires_the_old_one(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    old = drafts(flip, FACILITATOR)[0]
    first_id = flip.services.digests.latest(round_id).id
    click(flip, FACILITATOR, ACTION_REBUILD, old)

    fresh = flip.services.digests.latest(round_id)
    assert fresh.id != first_id and fresh.status == "draft"
    assert flip.services.store.digest(first_id).status == "rejected"
    for user in FACILITATORS:
        newest = drafts(flip, user)[-1]
        values = [
            e["value"] for b in newest.blocks if b["type"] == "actions" for e in b["elements"]
        ]
        assert values == [str(fresh.id)] * 4
    for user in FACILITATORS:  # every copy of the old draft says it was replaced
        retired = drafts(flip, user)[0]
        assert "Erstattet af en ny kladde" in str(retired.blocks)
        assert not has_action(retired.blocks, ACTION_APPROVE)
    assert digest_posts(flip) == []

    # The new draft can be shared.
    click(flip, "U0FACI002", ACTION_APPROVE, drafts(flip, "U0FACI002")[-1])
    assert len(digest_posts(flip)) == 1


def test_a_broker_clicking_approve_is_refused_and_nothing_is_posted(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    draft = drafts(flip, FACILITATOR)[0]
    click(flip, BROKER, ACTION_APPROVE, draft)
    assert any("ikke adgang" in text for text in ephemerals_to(flip, BROKER))
    assert digest_posts(flip) == []
    assert flip.services.digests.latest(round_id).status == "draft"
    # The facilitator's draft still has its buttons.
    unchanged = next(m for m in flip.fake.messages[draft.channel] if m.ts == draft.ts)
    assert has_action(unchanged.blocks, ACTION_APPROVE)


@pytest.fixture
def flip_without_review(fake, clock, tmp_path, network, library):
    quiet = network.model_copy(update={"digest_review": False})
    app, services = build_slack(
        slack_settings(fake, tmp_path), clock=clock, network=quiet, library=library
    )
    with AppServer(wsgi_app(app)) as server:
        yield Flip(server, services, fake, clock)
        assert wait_idle(), "after-ack work did not finish"


def test_without_review_the_digest_goes_straight_to_the_channel(flip_without_review):
    flip = flip_without_review
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    for user in FACILITATORS:
        assert drafts(flip, user) == []
    (post,) = digest_posts(flip)
    assert any(m.thread_ts == post.ts for m in flip.fake.messages[DIGESTS])
    assert flip.services.digests.latest(round_id).status == "approved"
    # One message in the channel: the digest has the participation figures, no summary before it.
    assert [m for m in flip.fake.messages[DIGESTS] if not m.thread_ts] == [post]


def test_flip_digest_shows_the_latest_digest_only_to_the_member(flip):
    round_id = answered_round(flip)
    # While the round is open there is nothing to show yet.
    reply = flip.server.command(RESEARCHER, f"digest {round_id}", channel="C0WORK")
    assert "still open" in reply.json()["text"]
    close_and_wait(flip, round_id)

    reply = flip.server.command(RESEARCHER, "digest", channel="C0WORK")
    assert reply.json()["response_type"] == "ephemeral"
    assert wait_idle()
    shown = [c for c in flip.fake.calls_to("chat.postEphemeral") if c.args["user"] == RESEARCHER]
    assert shown and all(c.args["channel"] == "C0WORK" for c in shown)
    assert all(len(c.args["blocks"]) <= 50 for c in shown)
    assert "Kladde til gennemlæsning" in str(shown[0].args["blocks"])
    assert "Dilemmaer i spil" in str([c.args["blocks"] for c in shown])

    refused = flip.server.command(BROKER, "digest", channel="C0WORK")
    assert "ikke adgang" in refused.json()["text"]


def test_flip_digest_builds_an_unsaved_draft_for_a_closed_round_without_one(flip):
    round_id = answered_round(flip)
    flip.services.rounds.on_closed = None  # as if building at close had failed
    flip.services.rounds.close_round(round_id, FACILITATOR)
    assert wait_idle()
    reply = flip.server.command(FACILITATOR, f"digest {round_id}", channel="C0WORK")
    assert "ingen opsamling endnu" in reply.json()["text"]
    assert wait_idle()
    shown = [c for c in flip.fake.calls_to("chat.postEphemeral") if c.args["user"] == FACILITATOR]
    assert "hverken gemt eller delt" in str(shown[0].args["blocks"])
    assert flip.services.digests.latest(round_id) is None


def test_when_the_channel_refuses_the_draft_stays_and_the_button_works_again(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    draft = drafts(flip, FACILITATOR)[0]
    flip.fake.fail("chat.postMessage", error="not_in_channel", match={"channel": DIGESTS})
    click(flip, FACILITATOR, ACTION_APPROVE, draft)
    assert any("not_in_channel" in text for text in ephemerals_to(flip, FACILITATOR))
    assert flip.services.digests.latest(round_id).status == "draft"
    assert has_action(drafts(flip, FACILITATOR)[0].blocks, ACTION_APPROVE)

    flip.fake.heal("chat.postMessage")
    click(flip, FACILITATOR, ACTION_APPROVE, draft)
    assert len(digest_posts(flip)) == 1
    assert flip.services.digests.latest(round_id).status == "approved"


def test_closing_from_app_home_sends_the_drafts_too(flip):
    round_id = answered_round(flip)
    assert flip.server.click(FACILITATOR, blocks.HOME_CLOSE, str(round_id)).status == 200
    assert wait_idle()
    for user in FACILITATORS:
        assert len(drafts(flip, user)) == 1


def test_flip_digest_in_a_channel_without_flipbot_arrives_in_the_dm(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    flip.fake.fail("chat.postEphemeral", error="not_in_channel")
    flip.server.command(RESEARCHER, f"digest {round_id}", channel="C0ELSEWHERE")
    assert wait_idle()
    dm = [c for c in flip.fake.calls_to("chat.postMessage") if c.args["channel"] == RESEARCHER]
    assert dm and "Dilemmaer i spil" in str([c.args["blocks"] for c in dm])
    assert all(len(c.args["blocks"]) <= 50 for c in dm)


def test_a_failed_rebuild_keeps_the_old_draft(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    before = flip.services.digests.latest(round_id)

    def broken(round_id: int):
        raise RuntimeError("the engine fell over")

    flip.services.digests.build = broken  # our own core, not Slack's: a build that fails
    click(flip, FACILITATOR, ACTION_REBUILD, drafts(flip, FACILITATOR)[0])
    assert any("Kladden her gælder stadig" in text for text in ephemerals_to(flip, FACILITATOR))
    after = flip.services.digests.latest(round_id)
    assert after.id == before.id and after.status == "draft"
    assert has_action(drafts(flip, FACILITATOR)[0].blocks, ACTION_APPROVE)


def test_a_thread_slack_refuses_does_not_post_the_summary_twice(flip):
    round_id = answered_round(flip)
    close_and_wait(flip, round_id)
    # The summary goes through, the first thread message is refused.
    flip.fake.fail("chat.postMessage", error="invalid_blocks", every=2, times=1)
    click(flip, FACILITATOR, ACTION_APPROVE, drafts(flip, FACILITATOR)[0])
    refused = [c for c in flip.fake.calls_to("chat.postMessage", ok_only=False) if not c.ok]
    assert len(refused) == 1 and refused[0].args.get("thread_ts")
    assert len(digest_posts(flip)) == 1
    assert flip.services.digests.latest(round_id).status == "approved"
    assert "Delt i kanalen af Anne Lauridsen" in str(drafts(flip, FACILITATOR)[0].blocks)
