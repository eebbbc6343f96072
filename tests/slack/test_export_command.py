"""`/flip export`: a researcher's file reaches their DM through Slack's upload flow; everyone
else is refused and nothing is exported."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from bot.core.command import parse_command
from bot.export.collect import COLUMNS
from bot.slack.handlers.common import wait_idle
from tests.digest_helpers import demo_answers
from tests.slack.conftest import BROKER, RESEARCHER
from tests.slack.test_digest_review import answered_round

NO_CONSENT = "U0VIBO004"


def exports_audited(flip) -> list[dict]:
    return [e for e in flip.services.store.audit_entries() if e["action"] == "export"]


def test_a_researcher_gets_a_pseudonymised_csv_in_their_dm(flip):
    round_id = answered_round(flip)
    # A broker without research consent (in the example network) answers too.
    flip.services.rounds.record_answer(round_id, NO_CONSENT, demo_answers()[0].texts)
    reply = flip.server.command(RESEARCHER, f"export csv --runde {round_id}", channel="C0WORK")
    assert reply.json()["response_type"] == "ephemeral"
    assert "making the export as csv" in reply.json()["text"]
    assert wait_idle()

    (shared,) = flip.fake.shared
    assert shared["channel"] == flip.fake.dm_channel(RESEARCHER)
    assert shared["title"].startswith("flip-export-") and shared["title"].endswith(".csv")
    # The bytes that reached "Slack" are the export: one row per answered question, and no
    # names or Slack ids anywhere in the file.
    text = shared["content"].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0].keys()) == COLUMNS
    assert rows and {r["round"] for r in rows} == {str(round_id)}
    network = flip.services.network
    for member in network.members:
        assert member.name not in text
        assert member.id not in text
    assert all(r["pseudonym"] for r in rows)
    # Members without research consent are left out, and the comment says how many.
    answered = {d.member_id for d in flip.services.store.deliveries(round_id) if d.answered_at}
    consenting = {m.id for m in network.members if m.research_consent is not False} & answered
    assert answered - consenting == {NO_CONSENT}
    assert len({r["pseudonym"] for r in rows}) == len(consenting)
    assert "left out" in shared["initial_comment"]
    (entry,) = exports_audited(flip)
    assert entry["actor"] == RESEARCHER

    upload_call = flip.fake.calls_to("files.getUploadURLExternal")[0]
    assert int(upload_call.args["length"]) == len(shared["content"])


def test_json_export_with_a_theme_filter(flip):
    answered_round(flip)
    flip.server.command(RESEARCHER, "export json --tema inddragelse", channel="C0WORK")
    assert wait_idle()
    (shared,) = flip.fake.shared
    rows = json.loads(shared["content"])
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert rows and {r["theme"] for r in rows} == {"inddragelse"}


def test_a_broker_or_facilitator_is_refused_and_nothing_is_exported(flip):
    answered_round(flip)
    for user in (BROKER, "U0FACI002"):  # U0FACI001 is also admin, who may export
        reply = flip.server.command(user, "export csv", channel="C0WORK")
        assert "ikke adgang" in reply.json()["text"]
    assert wait_idle()
    assert flip.fake.calls_to("files.getUploadURLExternal", ok_only=False) == []
    assert flip.fake.shared == []
    assert exports_audited(flip) == []


def test_a_failed_upload_is_told_to_the_researcher(flip):
    answered_round(flip)
    flip.fake.fail("files.completeUploadExternal", error="not_allowed_token_type")
    flip.server.command(RESEARCHER, "export", channel="C0WORK")
    assert wait_idle()
    told = flip.fake.calls_to("chat.postMessage")
    assert any(
        c.args["channel"] == RESEARCHER and "not_allowed_token_type" in c.args["text"] for c in told
    )


def test_unknown_municipality_is_named_before_anything_is_made(flip):
    reply = flip.server.command(RESEARCHER, "export csv --kommune aarhus", channel="C0WORK")
    assert "aarhus" in reply.json()["text"]
    assert wait_idle()
    assert flip.fake.shared == [] and exports_audited(flip) == []


def test_export_parser():
    command = parse_command(
        "export json --runde 2 --tema samtale --fra 2026-01-01 --kommune Viborg"
    )
    assert command.name == "export"
    assert command.args == {
        "format": "json",
        "round_id": 2,
        "theme": "samtale",
        "since": date(2026, 1, 1),
        "municipality": "viborg",
    }
    assert parse_command("eksport").args == {"format": "csv"}
    bad = parse_command("export pdf")
    assert bad.name == "help" and bad.problem[0] == "export.parse.bad_format"
    assert parse_command("export csv --tema nope").problem[0] == "export.parse.bad_theme"
    assert parse_command("export csv xlsx").problem[0] == "slack.parse.unexpected"
