"""At LOG_LEVEL=DEBUG no answer text reaches the logs, through the real Slack client (slack_sdk
logs request bodies at DEBUG) against the fake Slack: answer, edit (the modal comes back filled
with the earlier answer), close and digest."""

from __future__ import annotations

import json
import logging

from bot.slack import blocks
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import BROKER, FACILITATOR
from tests.slack.harness import answer_values

FIRST = "Quirinius-svaret om tillid mellem borger og sagsbehandler i Hvalpsund"
EDITED = "Oktavia-rettelsen om samarbejdet med virksomhederne i Vesthimmerland"


def logged_text(caplog) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
    return "\n".join(parts)


def test_no_answer_text_in_the_logs_at_debug_level(flip, caplog):
    caplog.set_level(logging.DEBUG)
    fake, server, services = flip.fake, flip.server, flip.services
    server.command(FACILITATOR, "start samtale-01")
    assert wait_idle()
    delivery = services.store.delivery(1, BROKER)
    channel, ts = delivery.ref.conversation, delivery.ref.message

    server.click(BROKER, blocks.ANSWER, "1", channel, ts)
    view = fake.wait_for("views.open")[0].args["view"]
    assert server.submit(BROKER, view, answer_values(view, {"q1": FIRST})).status == 200
    assert wait_idle()
    server.click(BROKER, blocks.EDIT, "1", channel, ts)
    again = fake.wait_for("views.open", 2)[1].args["view"]
    assert server.submit(BROKER, again, answer_values(again, {"q1": EDITED})).status == 200
    server.command(FACILITATOR, "close 1")
    assert wait_idle()

    sent = json.dumps([c.args for c in fake.calls], ensure_ascii=False)
    # The texts did travel through the Slack client (so its DEBUG logging had them to log) ...
    assert FIRST in sent and EDITED in sent
    # ... and DEBUG logging was on for everyone else ...
    logging.getLogger("bot.slack").debug("debug probe")
    assert any(r.getMessage() == "debug probe" for r in caplog.records)
    # ... but no record holds either answer.
    logged = logged_text(caplog)
    assert FIRST not in logged and EDITED not in logged
