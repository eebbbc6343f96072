"""Work a listener hands on after acknowledging starts only once the acknowledgement is sent:
started earlier, it competes for the interpreter with the thread still writing the response."""

from __future__ import annotations

import io
import time
from urllib.parse import urlencode

from bot.slack.app import build_slack, wsgi_app
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import FACILITATOR, slack_settings
from tests.slack.harness import sign


def signed_environ(body: str) -> dict:
    stamp = int(time.time())
    data = body.encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(stamp),
        "HTTP_X_SLACK_SIGNATURE": sign(body, stamp),
        "wsgi.input": io.BytesIO(data),
    }


def status_command(fake) -> str:
    return urlencode(
        {
            "team_id": "T0FLIP",
            "channel_id": "D0FACI001",
            "user_id": FACILITATOR,
            "command": "/flip",
            "text": "status",
            "response_url": fake.response_url,
            "trigger_id": "trigger",
        }
    )


def test_after_ack_work_waits_until_the_server_has_sent_the_response(
    fake, clock, tmp_path, network, library
):
    app, _ = build_slack(
        slack_settings(fake, tmp_path), clock=clock, network=network, library=library
    )
    application = wsgi_app(app)
    statuses: list[str] = []
    body = application(
        signed_environ(status_command(fake)), lambda status, headers: statuses.append(status)
    )
    assert statuses == ["200 OK"]
    assert b"".join(body) == b""  # the empty acknowledgement; the status follows on response_url
    # Sent but not yet closed by the server: the status reply is held back, not lost.
    assert not wait_idle(timeout=0.5)
    assert fake.calls_to("response") == []
    body.close()  # what every WSGI server does once the response is on the wire
    assert wait_idle()
    assert len(fake.calls_to("response")) >= 1


def test_a_refused_request_holds_nothing_back(fake, clock, tmp_path, network, library):
    app, _ = build_slack(
        slack_settings(fake, tmp_path), clock=clock, network=network, library=library
    )
    environ = signed_environ(status_command(fake))
    environ["HTTP_X_SLACK_SIGNATURE"] = "v0=" + "0" * 64
    statuses: list[str] = []
    body = wsgi_app(app)(environ, lambda status, headers: statuses.append(status))
    body.close()
    assert statuses[0].startswith("401")
    assert wait_idle()
    assert fake.calls_to("response") == []
