"""What `/flip export` sent is recorded: the file's name, when, to whom and how precisely."""

from __future__ import annotations

from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import RESEARCHER
from tests.slack.test_digest_review import answered_round


def test_the_audit_names_the_file_sent_to_the_researchers_dm(flip):
    round_id = answered_round(flip)
    reply = flip.server.command(RESEARCHER, f"export json --runde {round_id}", channel="C0WORK")
    assert reply.status == 200
    assert wait_idle()
    (shared,) = flip.fake.shared
    (entry,) = [e for e in flip.services.store.audit_entries() if e["action"] == "export"]
    assert (entry["actor"], entry["subject"]) == (RESEARCHER, RESEARCHER)
    assert entry["detail"]["file"] == shared["title"]
    assert entry["detail"]["sent_to"] == "chat_dm"
    assert entry["detail"]["time_precision"] == "day"
