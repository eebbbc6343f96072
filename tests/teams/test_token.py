"""Our client-credentials token source against the fake token endpoint."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.teams.token import ClientCredentialsToken, TeamsTokenError
from tests.teams.activities import APP_ID, TENANT_ID
from tests.teams.fakes import Answer

TOKEN_PATH = r"/[^/]+/oauth2/v2\.0/token"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def tokens(identity, clock):
    return ClientCredentialsToken(identity.token_url(TENANT_ID), APP_ID, "s3cret", clock=clock)


def test_the_token_is_cached_until_shortly_before_it_expires(tokens, identity, clock):
    first = tokens.get()
    clock.now += 3600 - 301  # lifetime 3600 s, refreshed 300 s early
    assert tokens.get() == first
    assert len(identity.token_calls()) == 1

    clock.now += 2
    second = tokens.get()

    assert second != first
    assert identity.issued_tokens() == [first, second]


def test_a_short_lived_token_is_refreshed_half_way(identity, clock):
    identity.token_lifetime = 60
    tokens = ClientCredentialsToken(identity.token_url(TENANT_ID), APP_ID, "s3cret", clock=clock)
    tokens.get()
    clock.now += 29
    tokens.get()
    clock.now += 2
    tokens.get()

    assert len(identity.token_calls()) == 2


def test_threads_asking_at_once_cause_one_fetch(tokens, identity):
    barrier = threading.Barrier(8)
    got = []

    def ask():
        barrier.wait()
        got.append(tokens.get())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(identity.token_calls()) == 1
    assert got == identity.issued_tokens() * 8


def test_the_sdk_callback_returns_the_jwt_for_the_asked_scope(tokens, identity):
    value = asyncio.run(tokens("https://api.botframework.com/.default", TENANT_ID))

    assert value == identity.issued_tokens()[0]
    assert value.count(".") == 2  # the SDK decodes it as a JWT
    assert identity.token_calls()[0].form["scope"] == "https://api.botframework.com/.default"


@pytest.mark.parametrize(
    "answer, error",
    [
        (Answer(400, {"error": "invalid_client"}), "invalid_client"),
        (Answer(200, {"token_type": "Bearer"}), "no access_token or expires_in in the answer"),
        (Answer(200, {"access_token": "x.y.z", "expires_in": "soon"}), "no access_token"),
        (Answer(502), "no error code"),
    ],
)
def test_a_bad_answer_raises_without_the_secret(tokens, identity, answer, error):
    identity.script("POST", TOKEN_PATH, answer)

    with pytest.raises(TeamsTokenError) as raised:
        tokens.get()

    assert error in str(raised.value)
    assert "s3cret" not in str(raised.value) + repr(tokens)


def test_a_failed_fetch_is_not_cached(tokens, identity):
    identity.script("POST", TOKEN_PATH, Answer(503, {"error": "temporarily_unavailable"}))
    with pytest.raises(TeamsTokenError):
        tokens.get()

    assert tokens.get() == identity.issued_tokens()[0]
