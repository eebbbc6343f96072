"""Socket Mode: the same app, reached over a WebSocket instead of signed HTTP requests."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.slack.app import build_slack
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import FACILITATOR, slack_settings
from tests.slack.fake_socket_mode import FakeSocketMode


def test_a_round_starts_and_an_answer_is_stored_over_socket_mode(
    fake, clock, tmp_path, network, library
):
    with FakeSocketMode() as socket_mode:
        fake.methods["apps.connections.open"] = lambda args: {"url": socket_mode.url}
        settings = slack_settings(fake, tmp_path).model_copy(
            update={"slack_signing_secret": None, "slack_app_token": "xapp-test"}
        )
        app, services = build_slack(settings, clock=clock, network=network, library=library)
        handler = SocketModeHandler(app, settings.slack_app_token)
        handler.connect()
        try:
            ack = socket_mode.send(
                "slash_commands",
                {
                    "command": "/flip",
                    "text": "start samtale-01",
                    "user_id": FACILITATOR,
                    "channel_id": "D0FACI001",
                },
            )
            assert "Runde 1 er startet" in ack["payload"]["text"]
            assert wait_idle()
            assert (
                len([c for c in fake.calls_to("chat.postMessage") if c.args.get("metadata")]) == 50
            )

            delivery = services.store.delivery(1, "U0SILK001")
            socket_mode.send(
                "events_api",
                {
                    "type": "event_callback",
                    "event_id": "Ev1",
                    "team_id": "T0FLIP",
                    "event": {
                        "type": "message",
                        "channel_type": "im",
                        "channel": delivery.ref.conversation,
                        "user": "U0SILK001",
                        "text": "Svar over Socket Mode",
                        "ts": "1900000000.000001",
                        "thread_ts": delivery.ref.message,
                    },
                },
            )
            assert services.store.response(1, "U0SILK001").answers == {
                "q1": "Svar over Socket Mode"
            }
            assert wait_idle()
        finally:
            handler.close()
