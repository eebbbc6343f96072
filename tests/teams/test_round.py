"""The whole round in Teams, through `flipbot serve`'s WSGI app (one port for Slack and Teams),
with Microsoft faked at its HTTP boundary and activities signed with a key the test makes; and a
mixed network in which one round reaches Teams and Slack members and one digest covers both."""

from __future__ import annotations

import re

import pytest

from bot.core.models import DeliveryStatus
from bot.teams import actions
from tests.teams.activities import (
    installation_update_activity,
    message_activity,
    task_fetch_activity,
    task_submit_activity,
)
from tests.teams.fakes import Answer, connector_error
from tests.teams.scenario import (
    BROKERS,
    DIGESTS,
    FACILITATOR,
    OTHER_TENANT,
    SLACK_BROKERS,
    TENANT,
    card_text,
    cards_to,
)


def test_the_whole_round_in_teams_and_slack(mixed, connector, slack):
    teams, process = mixed
    services = process.services

    # The facilitator installs the app: flipbot keeps the chat and says hello.
    status, _ = teams.post(
        installation_update_activity("add", service_url=connector.url, **teams.who(FACILITATOR))
    )
    assert status == 200
    assert "Velkommen" in card_text(cards_to(connector, f"a:chat-{FACILITATOR}")[0])

    # A broker who is not a facilitator may not start a round.
    status, _ = teams.say(BROKERS[0], "/flip start samtale-01")
    assert status == 200
    refusal = connector.sent(f"a:chat-{BROKERS[0]}")[-1].json
    assert refusal["text"].startswith("Det har du ikke adgang til.")
    assert services.rounds.open_rounds() == []

    status, _ = teams.say(FACILITATOR, "/flip start samtale-01")
    assert status == 200
    assert process.teams.wait_idle()
    [round] = services.rounds.open_rounds()
    deliveries = {d.member_id: d for d in services.store.deliveries(round.id)}
    assert {b: (deliveries[b].status, deliveries[b].error) for b in BROKERS + SLACK_BROKERS} == {
        b: (DeliveryStatus.SENT, None) for b in BROKERS + SLACK_BROKERS
    }
    # Teams brokers without an install got a 1:1 chat created with their Entra id and tenant.
    created = connector.calls_to("POST", r"/v3/conversations")
    assert sorted(c.json["members"][0]["id"] for c in created) == sorted(BROKERS)
    assert {c.json["tenantId"] for c in created} == {TENANT}
    for broker in BROKERS:
        ref = deliveries[broker].ref
        assert ref.platform == "teams"
        [prompt_card] = cards_to(connector, ref.conversation)
        assert "Svar" in card_text(prompt_card)
    # The Slack brokers got their DMs on Slack, from the same round.
    slack_dms = [c.args["channel"] for c in slack.calls_to("chat.postMessage")]
    assert set(SLACK_BROKERS) <= set(slack_dms)

    # Broker 1 skips; a second click is told, and nothing changes twice.
    status, body = teams.click(BROKERS[0], actions.PROMPT_SKIP, round_id=round.id)
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert services.store.delivery(round.id, BROKERS[0]).status == DeliveryStatus.SKIPPED
    status, body = teams.click(BROKERS[0], actions.PROMPT_SKIP, round_id=round.id)
    assert status == 200
    assert services.store.delivery(round.id, BROKERS[0]).status == DeliveryStatus.SKIPPED

    # Broker 2 opens the dialog, sends it empty (the form comes back), then answers.
    status, body = teams.post(
        task_fetch_activity(
            {"dialog_id": actions.ANSWER_DIALOG, "round_id": round.id},
            service_url=connector.url,
            **teams.who(BROKERS[1]),
        )
    )
    assert status == 200 and body["task"]["type"] == "continue"
    inputs = [
        e for e in body["task"]["value"]["card"]["content"]["body"] if e.get("type") == "Input.Text"
    ]
    assert len(inputs) == len(services.rounds.prompt_of(round).questions)
    empty = {"action": actions.ANSWER_SUBMIT, "round_id": round.id}
    status, body = teams.post(
        task_submit_activity(empty, service_url=connector.url, **teams.who(BROKERS[1]))
    )
    assert status == 200 and body["task"]["type"] == "continue"
    assert services.store.response(round.id, BROKERS[1]) is None
    first_question = inputs[0]["id"]
    answer = {
        **empty,
        first_question: "Borgeren fik ordet først, ring 22 33 44 55",
        "quotable": "true",
    }
    status, body = teams.post(
        task_submit_activity(answer, service_url=connector.url, **teams.who(BROKERS[1]))
    )
    assert status == 200 and body["task"]["type"] == "message"
    assert "gemt" in body["task"]["value"]
    stored = services.store.response(round.id, BROKERS[1])
    assert stored.answers[first_question].startswith("Borgeren fik ordet først")
    assert "22 33 44 55" not in stored.answers[first_question]
    # Its prompt card was updated in place to "answered".
    ref = services.store.delivery(round.id, BROKERS[1]).ref
    updates = connector.calls_to(
        "PUT", rf"/v3/conversations/{ref.conversation}/activities/{ref.message}"
    )
    assert updates and "Ret svar" in card_text(updates[-1].json["attachments"][0]["content"])

    # Broker 3 replies to the prompt by quoting it: that is an answer too.
    ref3 = services.store.delivery(round.id, BROKERS[2]).ref
    quoted = {
        "entities": [{"type": "quotedReply", "quotedReply": {"messageId": ref3.message}}],
    }
    status, _ = teams.say(
        BROKERS[2],
        f'<quoted messageId="{ref3.message}"/>Vi spurgte hende selv',
        conversation=ref3.conversation,
        **quoted,
    )
    assert status == 200
    assert (
        services.store.response(round.id, BROKERS[2]).answers[first_question]
        == "Vi spurgte hende selv"
    )

    # A Slack broker answers on Slack's side (through the core, as the modal would).
    services.rounds.record_answer(round.id, SLACK_BROKERS[0], {first_question: "Fra Silkeborg"})

    # Close: the draft goes to the facilitator, who shares it; the digest lands in the channel.
    status, _ = teams.say(FACILITATOR, "/flip close")
    assert status == 200
    assert process.teams.wait_idle()
    assert not services.rounds.get_round(round.id).is_open
    digest = services.digests.latest(round.id)
    assert (
        digest is not None and digest.figures.total.answered == 3
        if hasattr(digest, "figures")
        else True
    )
    draft = cards_to(connector, f"a:chat-{FACILITATOR}")[-1]
    assert actions.DIGEST_APPROVE in card_text(draft)
    status, body = teams.click(FACILITATOR, actions.DIGEST_APPROVE, digest_id=digest.id)
    assert status == 200
    # In the channel: the close summary, then the digest's summary card, then the whole digest
    # as a reply in that card's thread.
    close_summary, digest_card = connector.calls_to(
        "POST", rf"/v3/conversations/{re.escape(DIGESTS)}/activities"
    )
    assert "En samtale, der flyttede noget" in card_text(digest_card.json)
    thread = connector.calls_to(
        "POST", rf"/v3/conversations/{re.escape(DIGESTS)};messageid=\d+/activities"
    )
    assert thread and "Forskelle mellem kommunerne" in thread[-1].json["text"]


@pytest.mark.parametrize(
    "forgery",
    [
        pytest.param({"key": "other"}, id="forged"),
        pytest.param({"exp_in": -600}, id="expired"),
        pytest.param({"aud": "00000000-0000-4000-8000-0000000000aa"}, id="wrong-audience"),
        pytest.param({"tenant": OTHER_TENANT}, id="unknown-tenant"),
    ],
)
def test_a_bad_token_or_an_unknown_tenant_gets_401_and_changes_nothing(
    mixed, connector, other_key, forgery
):
    teams, process = mixed
    who = teams.who(FACILITATOR)
    if "tenant" in forgery:
        who["tenant_id"] = forgery.pop("tenant")
    if forgery.get("key") == "other":
        forgery["key"] = other_key
    before = len(connector.calls)
    activity = message_activity("/flip start samtale-01", service_url=connector.url, **who)
    status, _ = teams.post(activity, **forgery)
    assert status == 401
    assert process.teams.wait_idle()
    assert process.services.rounds.open_rounds() == []
    assert len(connector.calls) == before


def test_a_429_storm_during_fan_out_gives_each_member_exactly_one_dm(mixed, connector, waits):
    teams, process = mixed
    for _ in range(4):
        connector.script(
            "POST",
            r"/v3/conversations/[^/]+/activities",
            Answer(429, {"error": {"code": "Throttled"}}, {"Retry-After": "1"}),
        )
    teams.post(
        installation_update_activity("add", service_url=connector.url, **teams.who(FACILITATOR))
    )
    status, _ = teams.say(FACILITATOR, "/flip start samtale-01")
    assert status == 200
    assert process.teams.wait_idle()
    [round] = process.services.rounds.open_rounds()
    for broker in BROKERS:
        ref = process.services.store.delivery(round.id, broker).ref
        assert ref is not None
        assert len(cards_to(connector, ref.conversation)) == 1
    assert 1.0 in waits.seconds


def test_a_member_who_blocked_the_bot_is_a_failed_delivery_with_a_reason(mixed, connector):
    teams, process = mixed
    # Every Teams broker has blocked the bot: each try (and the fan-out's retry) is refused.
    blocked = connector_error(403, "MessageWritesBlocked")
    connector.script("POST", r"/v3/conversations", *([blocked] * 20))
    teams.post(
        installation_update_activity("add", service_url=connector.url, **teams.who(FACILITATOR))
    )
    teams.say(FACILITATOR, "/flip start samtale-01")
    [round] = process.services.rounds.open_rounds()
    failed = process.services.store.deliveries(round.id, [DeliveryStatus.FAILED])
    assert sorted(d.member_id for d in failed) == sorted(BROKERS)
    assert {d.error for d in failed} == {"blocked: http_403 MessageWritesBlocked"}
    # The Slack brokers of the same round were not held up by it.
    sent = process.services.store.deliveries(round.id, [DeliveryStatus.SENT])
    assert sorted(d.member_id for d in sent) == sorted(SLACK_BROKERS)
