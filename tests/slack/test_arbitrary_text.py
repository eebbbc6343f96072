"""Arbitrary text (control characters, Slack markup, mentions, emoji, RTL, huge) thrown at the
/flip parser, at thread replies and at the answer modal through the running app: a clear
message or safe storage, never a crash, and nothing the bot posts (thread posts, confirmations,
App Home) can ping a channel."""

from __future__ import annotations

import itertools
import json
import re

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.core.answering import MAX_ANSWER_CHARS
from bot.core.command import parse_command
from bot.core.i18n import t
from bot.core.models import DeliveryStatus
from bot.privacy.redact import redact
from bot.slack import blocks
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import FACILITATOR
from tests.slack.harness import answer_values

CHANNEL = "C0FLIPTALK"
PIECES = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0TEAM|@team>",
    "@channel",
    "<@U0SILK002>",
    "<#C0FLIPTALK|flip>",
    "<https://evil.example|klik her>",
    "*fed* _kursiv_ ~streg~",
    "```kode```",
    "&amp; &lt; &gt;",
    "\u202eRTL-override",
    "שלום עולם",
    "مرحبا",
    "😀👩🏽‍💻🇩🇰",
    "\x00\x07\x1b[31m",
    "\r\n\t",
    "\u200b\ufeff",
    "010190-1234",
    "22 33 44 55",
    '"ikke lukket citat',
    "--closes",
    "start ",
    " samtale ",
    " silkeborg ",
    " ",
]
slack_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=40)), max_size=8).map(
    "".join
)

# What would ping or point at people if Slack read it as markup (the bot's own deadlines use
# Slack's <!date^…> formatting, which pings nobody).
PING = re.compile(r"<(?!!date\^)[!@#]")
FIXTURE = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def assert_no_ping(calls) -> None:
    for call in calls:
        for name in ("text", "blocks", "view"):
            if name in call.args:
                shown = json.dumps(call.args[name], ensure_ascii=False)
                assert not PING.search(shown), (call.method, shown)


@given(slack_text)
def test_the_parser_gives_a_command_or_help_it_can_word(text):
    command = parse_command(text)
    if command.problem:
        key, params = command.problem
        worded = t(key, "da", **params)
        assert worded and not PING.search(worded)


@settings(max_examples=40, **FIXTURE)
@given(text=slack_text)
def test_any_flip_command_gets_an_ephemeral_answer_that_pings_nobody(flip, text):
    for user in ("U0SILK001", FACILITATOR):
        before = len(flip.fake.calls)
        reply = flip.server.command(user, text)
        assert reply.status == 200, reply.body
        if reply.body:
            body = reply.json()
            assert body["response_type"] == "ephemeral"
            assert body["text"] != t("slack.error.generic", "da")
            assert not PING.search(json.dumps(body, ensure_ascii=False))
        assert wait_idle()
        assert_no_ping(flip.fake.calls[before:])


def channel_round(flip) -> str:
    flip.server.command(FACILITATOR, f"start samtale-01 --kanal <#{CHANNEL}|flip-samtale>")
    assert wait_idle()
    return flip.services.store.deliveries(1, [DeliveryStatus.SENT])[0].ref.message


def brokers(flip):
    return itertools.cycle(m.id for m in flip.services.network.members if "broker" in m.roles)


@settings(max_examples=40, **FIXTURE)
@given(text=slack_text)
def test_any_thread_reply_is_stored_redacted_or_explained(flip, text):
    if not hasattr(flip, "ts"):
        flip.ts, flip.brokers, flip.events = channel_round(flip), brokers(flip), itertools.count()
    user = next(flip.brokers)
    before_calls = len(flip.fake.calls)
    before = flip.services.store.response(1, user)
    reply = flip.server.event(
        {
            "type": "message",
            "channel_type": "channel",
            "channel": CHANNEL,
            "user": user,
            "text": text,
            "ts": f"1900000000.{next(flip.events):06d}",
            "thread_ts": flip.ts,
        }
    )
    assert reply.status == 200
    assert wait_idle()
    after = flip.services.store.response(1, user)
    cleaned = redact(text.strip()).text
    if after is not None and after != before:
        event("stored")
        assert after.answers["q1"].endswith(cleaned)
    else:
        # Nothing stored: the member was told why (empty, too long), only them.
        told = [c.args for c in flip.fake.calls[before_calls:]]
        assert told and all(c.get("user") == user for c in told)
    assert_no_ping(flip.fake.calls[before_calls:])


@settings(max_examples=30, **FIXTURE)
@given(text=slack_text)
def test_any_modal_answer_is_posted_escaped_or_refused_in_the_modal(flip, text):
    if not hasattr(flip, "ts"):
        flip.ts, flip.brokers = channel_round(flip), brokers(flip)
        flip.server.click("U0SILK001", blocks.ANSWER, "1", CHANNEL, flip.ts)
        flip.view = flip.fake.wait_for("views.open")[0].args["view"]
    user = next(flip.brokers)
    before_calls = len(flip.fake.calls)
    reply = flip.server.submit(user, flip.view, answer_values(flip.view, {"q1": text}))
    assert reply.status == 200
    assert wait_idle()
    stored = flip.services.store.response(1, user)
    if reply.body:
        event("refused in the modal")
        assert reply.json()["response_action"] == "errors"
        assert stored is None or stored.answers.get("q1") != redact(text.strip()).text
    else:
        event("stored")
        assert stored.answers["q1"] == redact(text.strip()).text
    # App Home shows the member's own answers again.
    flip.server.event({"type": "app_home_opened", "user": user, "tab": "home"})
    assert wait_idle()
    assert flip.fake.calls_to("views.publish")[-1].args["user_id"] == user
    assert_no_ping(flip.fake.calls[before_calls:])


def test_a_huge_thread_reply_is_explained_and_not_stored(flip):
    ts = channel_round(flip)
    flip.server.event(
        {
            "type": "message",
            "channel_type": "channel",
            "channel": CHANNEL,
            "user": "U0SILK001",
            "text": "<!channel> " + "å" * 40_000,
            "ts": "1900000000.000001",
            "thread_ts": ts,
        }
    )
    assert wait_idle()
    assert flip.services.store.response(1, "U0SILK001") is None
    told = flip.fake.calls_to("chat.postEphemeral")[-1].args
    assert told["user"] == "U0SILK001" and str(MAX_ANSWER_CHARS) in told["text"]
