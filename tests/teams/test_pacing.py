"""The pacer keeps Bot Connector requests under Teams' limits; an injected clock, no sleeping."""

from __future__ import annotations

import asyncio

import pytest

from bot.teams.pacing import Pacer, PacingMiddleware, TokenBucket, conversation_in
from bot.teams.sdk import common

# Teams' limits for a bot (TEAMS.md), written out here rather than taken from the module.
PER_TENANT_PER_SECOND = 50
PER_CONVERSATION = [(1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800)]


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def starts(pacer: Pacer, clock: Clock, count: int, conversation: str | None = None) -> list[float]:
    """The moments `count` requests, all asked for at the clock's now, may start (by the app's
    bucket, or by one conversation's)."""
    book = (lambda: pacer.for_conversation(conversation)) if conversation else pacer.for_app
    return [clock.now + book() for _ in range(count)]


def most_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for other in times if start <= other < start + window) for start in times)


def test_a_burst_goes_at_once_and_the_rest_follow_at_the_rate():
    clock = Clock()
    pacer = Pacer(app_rate=10, app_burst=3, clock=clock)
    delays = [pacer.for_app() for _ in range(6)]
    assert delays == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2, 0.3])


def test_a_fan_out_never_exceeds_fifty_requests_in_any_second():
    clock = Clock()
    pacer = Pacer(clock=clock)
    times = starts(pacer, clock, 600)
    assert most_in_window(times, 1.0) <= PER_TENANT_PER_SECOND
    # ... and is not much slower than the limit allows (12 s at exactly 50 a second, 17 s at 35).
    assert max(times) - clock.now < 17.5


def test_one_conversation_stays_under_each_of_its_limits():
    clock = Clock()
    pacer = Pacer(clock=clock)
    times = starts(pacer, clock, 2000, "a:chat-1")
    for window, limit in PER_CONVERSATION:
        assert most_in_window(times, window) <= limit, f"{window} s"


def test_a_busy_conversation_does_not_hold_up_the_others():
    clock = Clock()
    pacer = Pacer(clock=clock)
    starts(pacer, clock, 20, "19:digests@thread.tacv2")
    assert pacer.for_conversation("a:chat-2") == 0.0
    assert pacer.for_app() == 0.0


def test_the_buckets_fill_again_as_time_passes():
    clock = Clock()
    pacer = Pacer(app_rate=10, app_burst=3, clock=clock)
    starts(pacer, clock, 10, "a:chat-1")
    clock.now += 3600
    assert [pacer.for_conversation("a:chat-1") for _ in range(5)] == pytest.approx(
        [0.0] * 5, abs=1e-6
    )
    assert [pacer.for_app() for _ in range(3)] == pytest.approx([0.0] * 3, abs=1e-6)


def test_forgetting_idle_conversations_keeps_a_busy_one_paced():
    clock = Clock()
    pacer = Pacer(clock=clock)
    starts(pacer, clock, 8, "a:busy")
    for n in range(1100):  # a fan-out: one message to each of 1,100 chats
        pacer.for_conversation(f"a:chat-{n}")
    clock.now += 3.0
    pacer.for_conversation("a:one-more")  # the idle chats' buckets are dropped here
    # The busy chat's bucket is still empty: its next message waits.
    assert pacer.for_conversation("a:busy") > 1.0


@pytest.mark.parametrize(
    ("url", "conversation"),
    [
        ("http://x/v3/conversations/a%3Achat-1/activities", "a:chat-1"),
        ("http://x/v3/conversations/a:chat-1/activities/17", "a:chat-1"),
        (
            "http://x/v3/conversations/19:c@thread.tacv2;messageid=17/activities",
            "19:c@thread.tacv2",
        ),
        (
            "http://x/v3/conversations/19%3Ac%40thread.tacv2%3Bmessageid%3D17/activities",
            "19:c@thread.tacv2",
        ),
        ("http://x/v3/conversations", None),
    ],
)
def test_the_conversation_of_a_connector_url(url, conversation):
    assert conversation_in(url) == conversation


def test_a_bucket_needs_a_rate_and_a_burst():
    with pytest.raises(ValueError):
        TokenBucket(0, 1)
    with pytest.raises(ValueError):
        TokenBucket(1, 0)


def test_the_middleware_paces_connector_requests_through_the_sdk_client(connector):
    clock, waits = Clock(), []
    pacer = Pacer(app_rate=10, app_burst=2, clock=clock)
    client = common.Client(common.ClientOptions())
    client.use(PacingMiddleware(pacer, wait=waits.append))

    async def send_all() -> list[int]:
        answers = []
        for n in range(4):
            url = f"{connector.url}/v3/conversations/a:chat-{n}/activities"
            answers.append((await client.post(url, json={"type": "message"})).status_code)
        # Not a Bot Connector write: never paced.
        upload = await client.put(connector.upload_url("report.csv"), content=b"x")
        answers.append(upload.status_code)
        return answers

    assert asyncio.run(send_all()) == [201, 201, 201, 201, 201]
    # Four chats, one message each: only the app's bucket (2 at once, then 10 a second) waits.
    assert waits == pytest.approx([0.1, 0.2])
    assert len(connector.sent()) == 4
