"""Outbound calls from sync code through the real SDK: proactive 1:1s, the token cache, retries, errors."""

from __future__ import annotations

import httpx
import pytest

from bot.teams import errors
from bot.teams.sdk import Account, CreateConversationParams, MessageActivityInput
from bot.teams.token import TeamsTokenError
from tests.teams.activities import TENANT_ID, USER_AAD_ID
from tests.teams.fakes import Answer, connector_error

CONVERSATION = "a:1personal-chat"
ACTIVITIES = rf"/v3/conversations/{CONVERSATION}/activities"


def send(app, adapter, text: str, conversation: str = CONVERSATION):
    return adapter.run(app.send(conversation, text))


def test_a_proactive_1_1_is_created_for_the_user_and_sent_to(teams_app, adapter, connector):
    params = CreateConversationParams(members=[Account(id=USER_AAD_ID)], tenant_id=TENANT_ID)

    conversation = adapter.run(teams_app.api.conversations.create(params))
    sent = send(teams_app, adapter, "Ny refleksion", conversation.id)

    [create] = connector.calls_to("POST", "/v3/conversations")
    assert create.json["members"] == [{"id": USER_AAD_ID}]
    assert create.json["tenantId"] == TENANT_ID
    assert conversation.id == "a:conversation-1"
    [message] = connector.sent(conversation.id)
    assert message.json["text"] == "Ny refleksion"
    assert sent.id == "activity-2"


def test_the_token_is_fetched_once_and_reused(teams_app, adapter, connector, identity):
    send(teams_app, adapter, "en")
    send(teams_app, adapter, "to")
    send(teams_app, adapter, "tre")

    assert len(identity.token_calls()) == 1
    bearer = f"Bearer {identity.issued_tokens()[0]}"
    assert [c.authorization for c in connector.sent()] == [bearer] * 3


def test_a_sent_message_is_updated_and_deleted_from_sync_code(teams_app, adapter, connector):
    sent = send(teams_app, adapter, "Runde åben")

    adapter.run(
        teams_app.api.conversations.update_activity(
            CONVERSATION, sent.id, MessageActivityInput(text="Runde lukket")
        )
    )
    adapter.run(teams_app.api.conversations.delete_activity(CONVERSATION, sent.id))

    [update] = connector.calls_to("PUT", rf"{ACTIVITIES}/{sent.id}")
    assert update.json["text"] == "Runde lukket"
    assert len(connector.calls_to("DELETE", rf"{ACTIVITIES}/{sent.id}")) == 1


def test_a_threaded_reply_goes_to_the_thread(teams_app, adapter, connector):
    adapter.run(teams_app.reply("19:channel@thread.tacv2", "1700000000000", "Svar i tråden"))

    [reply] = connector.sent()
    assert (
        reply.path == "/v3/conversations/19:channel@thread.tacv2;messageid=1700000000000/activities"
    )


def test_429_is_retried_after_the_advertised_wait_and_sends_one_message(
    teams_app, adapter, connector, waits
):
    connector.script("POST", ACTIVITIES, Answer(429, headers={"Retry-After": "3"}))

    send(teams_app, adapter, "Husk at svare")

    assert waits.seconds == [3.0]
    attempts = connector.sent()
    assert len(attempts) == 2
    assert connector.calls_to("POST", ACTIVITIES)[-1].json["text"] == "Husk at svare"


@pytest.mark.parametrize("status", [412, 502, 504])
def test_a_transient_answer_is_retried_with_a_growing_backoff(
    teams_app, adapter, connector, waits, status
):
    connector.script("POST", ACTIVITIES, Answer(status), Answer(status))

    send(teams_app, adapter, "Hej")

    assert len(waits.seconds) == 2
    assert 0 < waits.seconds[0] < waits.seconds[1] <= 5
    assert len(connector.sent()) == 3


def test_retries_are_bounded_and_then_the_error_is_rate_limited(
    teams_app, adapter, connector, waits
):
    connector.script("POST", ACTIVITIES, *[Answer(429, headers={"Retry-After": "1"})] * 10)

    with pytest.raises(httpx.HTTPStatusError) as raised:
        send(teams_app, adapter, "Hej")

    assert len(connector.sent()) == 4
    assert waits.seconds == [1.0, 1.0, 1.0]
    assert errors.failure_reason(raised.value) == errors.RATE_LIMITED


def test_a_retry_after_too_long_to_hold_is_not_waited_for(teams_app, adapter, connector, waits):
    connector.script("POST", ACTIVITIES, Answer(429, headers={"Retry-After": "3600"}))

    with pytest.raises(httpx.HTTPStatusError):
        send(teams_app, adapter, "Hej")

    assert waits.seconds == []
    assert len(connector.sent()) == 1


@pytest.mark.parametrize(
    "answer, reason",
    [
        (connector_error(403, "MessageWritesBlocked"), errors.BLOCKED),
        (connector_error(403, "ConversationBlockedByUser"), errors.BLOCKED),
        (connector_error(403, "BotNotInConversationRoster"), errors.NOT_INSTALLED),
        (connector_error(404, "ConversationNotFound"), errors.NOT_FOUND),
        (connector_error(500, "InternalServerError"), errors.TRANSIENT),
        (connector_error(400, "BadArgument"), None),
    ],
)
def test_a_refused_send_raises_an_error_that_maps_to_a_reason(
    teams_app, adapter, connector, waits, answer, reason
):
    connector.script("POST", ACTIVITIES, answer)

    with pytest.raises(httpx.HTTPStatusError) as raised:
        send(teams_app, adapter, "Hej")

    assert raised.value.response.status_code == answer.status
    assert errors.failure_reason(raised.value) == reason
    assert waits.seconds == []


@pytest.mark.parametrize(
    "answer, reason",
    [
        (Answer(401, {"error": "invalid_client"}), None),
        (Answer(503, {"error": "temporarily_unavailable"}), errors.TRANSIENT),
    ],
)
def test_a_failing_token_endpoint_raises_a_token_error_and_sends_nothing(
    teams_app, adapter, connector, identity, answer, reason
):
    identity.script("POST", r"/[^/]+/oauth2/v2\.0/token", answer)

    with pytest.raises(TeamsTokenError) as raised:
        send(teams_app, adapter, "Hej")

    assert raised.value.error == answer.body["error"]
    assert "not-a-real-secret" not in str(raised.value)
    assert errors.failure_reason(raised.value) == reason
    assert connector.calls == []


def test_an_unreachable_connector_is_transient(teams_app, adapter, connector):
    connector.stop()

    with pytest.raises(httpx.TransportError) as raised:
        send(teams_app, adapter, "Hej")

    assert errors.failure_reason(raised.value) == errors.TRANSIENT


def test_the_app_paces_its_requests_to_stay_under_teams_limits(
    teams_app, adapter, connector, waits
):
    # Teams allows a bot 7 messages a second per conversation (and fewer over longer windows):
    # past the pacer's burst, the next message to the same chat is told to wait.
    for number in range(8):
        send(teams_app, adapter, f"Besked {number}")
    assert len(connector.calls_to("POST", ACTIVITIES)) == 8
    assert any(wait >= 1.0 for wait in waits.seconds)
