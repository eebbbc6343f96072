"""Inbound activities through the real SDK: signed ones reach handlers, anything else gets 401."""

from __future__ import annotations

import json

import pytest

from bot.teams import sdk
from bot.teams.sdk import ActivityContext, MessageActivity
from tests.teams.activities import (
    APP_ID,
    TENANT_ID,
    USER_AAD_ID,
    message_activity,
    sign_activity,
)


def post(adapter, activity: dict, authorization: str | None):
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return adapter.handle_activity(json.dumps(activity).encode(), headers)


@pytest.fixture
def heard(teams_app):
    """The messages the app's handler received; the handler answers each with "tak"."""
    received: list[MessageActivity] = []

    @teams_app.on_message
    async def message_received(ctx: ActivityContext[MessageActivity]) -> None:
        received.append(ctx.activity)
        await ctx.send("tak")

    return received


def test_a_signed_message_reaches_the_handler_and_its_reply_reaches_the_connector(
    teams_app, adapter, heard, connector, identity, signing_key
):
    activity = message_activity("Hej flipbot", service_url=connector.url)

    status, _, _ = post(adapter, activity, sign_activity(activity, key=signing_key))

    assert status == 200
    assert [m.text for m in heard] == ["Hej flipbot"]
    assert heard[0].from_.aad_object_id == USER_AAD_ID
    assert sdk.activity_tenant_id(heard[0]) == TENANT_ID
    [reply] = connector.sent()
    assert reply.json["text"] == "tak"
    assert reply.path == f"/v3/conversations/{activity['conversation']['id']}/activities"
    [token_call] = identity.token_calls()
    assert token_call.form == {
        "grant_type": "client_credentials",
        "client_id": APP_ID,
        "client_secret": "not-a-real-secret",
        "scope": "https://api.botframework.com/.default",
    }
    assert reply.authorization == f"Bearer {identity.issued_tokens()[0]}"


def forged(activity, key, other_key):
    return sign_activity(activity, key=other_key)


def expired(activity, key, other_key):
    # Beyond the SDK's 300 s clock-skew leeway.
    return sign_activity(activity, key=key, exp_in=-600)


def wrong_audience(activity, key, other_key):
    return sign_activity(activity, key=key, aud="some-other-bot")


def wrong_issuer(activity, key, other_key):
    return sign_activity(activity, key=key, iss="https://evil.example")


def other_service_url(activity, key, other_key):
    return sign_activity(activity, key=key, service_url="https://smba.evil.example/")


def unknown_key_id(activity, key, other_key):
    return sign_activity(activity, key=other_key, kid="not-published")


def not_a_jwt(activity, key, other_key):
    return "Bearer not-a-jwt"


def no_bearer(activity, key, other_key):
    return sign_activity(activity, key=key).removeprefix("Bearer ")


@pytest.mark.parametrize(
    "authorize",
    [
        forged,
        expired,
        wrong_audience,
        wrong_issuer,
        other_service_url,
        unknown_key_id,
        not_a_jwt,
        no_bearer,
    ],
)
def test_a_badly_signed_message_gets_401_and_reaches_no_handler(
    teams_app, adapter, heard, connector, signing_key, other_key, authorize
):
    activity = message_activity("Hej", service_url=connector.url)

    status, _, _ = post(adapter, activity, authorize(activity, signing_key, other_key))

    assert status == 401
    assert heard == []
    assert connector.calls == []


def test_an_unsigned_message_gets_401(teams_app, adapter, heard, connector):
    status, _, _ = post(adapter, message_activity("Hej", service_url=connector.url), None)

    assert status == 401
    assert heard == []


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"', b""])
def test_a_body_that_is_not_an_activity_gets_400(teams_app, adapter, heard, body):
    status, _, _ = adapter.handle_activity(body, {"Authorization": "Bearer x"})

    assert status == 400
    assert heard == []
