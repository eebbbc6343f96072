"""The door in front of Bolt (bot.slack.guard): replays, oversized bodies and malformed input are
refused with a 4xx and one log line, and change nothing. Requests go through the running app."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import time
from urllib.parse import urlencode

import pytest

from bot.slack import blocks
from bot.slack.guard import SeenSignatures
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import BROKER, FACILITATOR
from tests.slack.harness import sign


def snapshot(flip) -> list[str]:
    with sqlite3.connect(flip.services.settings.flipbot_db) as db:
        return list(db.iterdump())


def warnings_and_worse(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def post_form(flip, form: dict, **kwargs):
    return flip.server.post(urlencode(form), "application/x-www-form-urlencoded", **kwargs)


def command_form(user: str, text: str, trigger: str) -> dict:
    return {
        "command": "/flip",
        "text": text,
        "user_id": user,
        "channel_id": "D0FACI001",
        "team_id": "T0FLIP",
        "response_url": "http://127.0.0.1:9/response",
        "trigger_id": trigger,
    }


# -- replays --------------------------------------------------------------------------------


def test_a_replayed_start_command_is_refused_and_starts_no_second_round(flip):
    body = urlencode(command_form(FACILITATOR, "start samtale-01", "trigger-once"))
    stamp = int(time.time())
    signature = sign(body, stamp)
    first = flip.server.post(
        body, "application/x-www-form-urlencoded", timestamp=stamp, signature=signature
    )
    assert first.status == 200
    assert wait_idle()
    again = flip.server.post(
        body, "application/x-www-form-urlencoded", timestamp=stamp, signature=signature
    )
    assert again.status == 409
    assert wait_idle()
    assert len(flip.services.store.rounds()) == 1


def test_a_replayed_consent_yes_after_no_does_not_turn_consent_back_on(flip):
    stamp = int(time.time())
    yes = urlencode(command_form(BROKER, "samtykke ja", "trigger-yes"))
    no = urlencode(command_form(BROKER, "samtykke nej", "trigger-no"))
    for body in (yes, no):
        reply = flip.server.post(
            body, "application/x-www-form-urlencoded", timestamp=stamp, signature=sign(body, stamp)
        )
        assert reply.status == 200
    replay = flip.server.post(
        yes, "application/x-www-form-urlencoded", timestamp=stamp, signature=sign(yes, stamp)
    )
    assert replay.status == 409
    assert wait_idle()
    assert flip.services.store.member(BROKER)["research_consent"] == 0


def test_seen_signatures_are_forgotten_once_their_window_has_passed():
    now = [1_000_000.0]
    seen = SeenSignatures(clock=lambda: now[0])
    assert seen.first_sight("v0=a", 1_000_000)
    assert not seen.first_sight("v0=a", 1_000_000)
    now[0] += 299
    assert not seen.first_sight("v0=a", 1_000_000)
    assert seen.first_sight("v0=b", int(now[0]))
    now[0] += 2  # a is past 1_000_000 + 300; Slack's window refuses its timestamp anyway
    assert seen.first_sight("v0=c", int(now[0]))
    assert len(seen) == 2  # a was dropped: memory is bounded by five minutes of traffic


# -- size -----------------------------------------------------------------------------------


def test_a_body_over_one_megabyte_is_refused_before_it_is_read(flip, caplog):
    """Headers announcing 2 MB and no body at all: the answer comes at once, without waiting."""
    host, port = flip.server.httpd.server_address[:2]
    stamp = int(time.time())
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(
            (
                "POST /slack/events HTTP/1.1\r\n"
                f"Host: {host}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {2 * 1024 * 1024}\r\n"
                f"X-Slack-Request-Timestamp: {stamp}\r\n"
                "X-Slack-Signature: v0=00\r\n\r\n"
            ).encode()
        )
        answer = conn.recv(200).decode()
    assert answer.startswith("HTTP/1.0 413") or answer.startswith("HTTP/1.1 413"), answer
    assert len(warnings_and_worse(caplog)) == 1


def test_a_signed_body_under_the_limit_reaches_the_command(flip):
    # 900 kB: the guard lets it through, and the command's own length cap answers.
    text = "status" + " " * (900 * 1024)
    reply = post_form(flip, command_form(FACILITATOR, text, "t-large"))
    assert reply.status == 200 and "for lang" in reply.json()["text"]


# -- malformed input ------------------------------------------------------------------------


def answer_view(flip) -> dict:
    flip.server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()
    delivery = flip.services.store.delivery(1, BROKER)
    flip.server.click(BROKER, blocks.ANSWER, "1", delivery.ref.conversation, delivery.ref.message)
    return flip.fake.wait_for("views.open")[0].args["view"]


def submission(view: dict, metadata: str) -> dict:
    return {
        "type": "view_submission",
        "team": {"id": "T0FLIP"},
        "user": {"id": BROKER},
        "api_app_id": "A0FLIP",
        "trigger_id": f"trigger-{metadata!r}",
        "view": {
            "id": "V0VIEW",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": metadata,
            "state": {"values": {"q_q1": {"answer": {"type": "x", "value": "Et svar"}}}},
        },
    }


MALFORMED = {
    "payload-not-json": lambda view: urlencode({"payload": "not json"}),
    "payload-list": lambda view: urlencode({"payload": "[]"}),
    "payload-null": lambda view: urlencode({"payload": "null"}),
    "block-actions-without-user": lambda view: urlencode(
        {
            "payload": json.dumps(
                {
                    "type": "block_actions",
                    "team": {"id": "T0FLIP"},
                    "api_app_id": "A0FLIP",
                    "actions": [{"action_id": blocks.SKIP, "value": "1", "type": "button"}],
                }
            )
        }
    ),
    "metadata-not-json": lambda view: urlencode(
        {"payload": json.dumps(submission(view, "{not json"))}
    ),
    "metadata-without-round": lambda view: urlencode(
        {"payload": json.dumps(submission(view, '{"channel": "D1"}'))}
    ),
    "metadata-round-not-a-number": lambda view: urlencode(
        {"payload": json.dumps(submission(view, '{"round_id": "eins"}'))}
    ),
    "metadata-a-list": lambda view: urlencode({"payload": json.dumps(submission(view, "[1]"))}),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_signed_input_is_a_4xx_with_one_log_line_and_stores_nothing(flip, caplog, name):
    view = answer_view(flip)
    assert wait_idle()
    before = snapshot(flip)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        reply = flip.server.post(MALFORMED[name](view), "application/x-www-form-urlencoded")
        assert wait_idle()
    assert 400 <= reply.status < 500, reply
    assert snapshot(flip) == before
    logged = warnings_and_worse(caplog)
    assert len(logged) == 1 and logged[0].exc_info is None, [r.getMessage() for r in logged]


def test_a_non_numeric_timestamp_is_a_400_before_authentication(flip, caplog):
    reply = flip.server.command(FACILITATOR, "start samtale-01", timestamp="soon")
    assert reply.status == 400
    assert flip.services.store.rounds() == []
    assert len(warnings_and_worse(caplog)) == 1


@pytest.mark.parametrize("body", ["[]", "null", "not json", '{"type": "event_callback"}'])
def test_a_malformed_signed_event_body_is_a_400(flip, body, caplog):
    reply = flip.server.post(body, "application/json")
    assert reply.status == 400
    assert len(warnings_and_worse(caplog)) == 1


def test_a_long_flip_text_is_refused_before_it_is_parsed(flip):
    # Without the cap, shlex would read this as "start samtale-01" and start a round.
    reply = flip.server.command(FACILITATOR, "start samtale-01" + " " * 2000)
    assert reply.status == 200
    assert "for lang" in reply.json()["text"]
    assert wait_idle()
    assert flip.services.store.rounds() == []
