"""The close summary Slack posts in the digest channel names no municipality with too few
answers (the core groups it; see tests/export/test_close_summary.py)."""

from __future__ import annotations

from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import FACILITATOR


def test_slack_posts_no_small_municipality_in_the_digest_channel(flip):
    fake, server, services = flip.fake, flip.server, flip.services
    assert server.command(FACILITATOR, "start samtale-01 --closes 5d").status == 200
    round_id = 1
    fake.wait_for("chat.postMessage", 50, where=lambda c: bool(c.args.get("metadata")))
    assert wait_idle()  # the fan-out has recorded its deliveries
    for member in ("U0SILK001", "U0SILK002", "U0SILK003", "U0VIBO001"):
        services.rounds.record_answer(round_id, member, {"q1": "Et svar."})
    reply = server.command(FACILITATOR, f"close {round_id}")
    assert reply.status == 200
    [summary] = fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("channel") == "C0DIGESTS"
    )
    posted = str(summary.args["blocks"])
    assert "Silkeborg Kommune: 3 svar af 10" in posted
    assert "andre kommuner: 1 svar af 10" in posted
    assert "Viborg" not in posted
