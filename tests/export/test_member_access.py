"""`flipbot member access ID --out FILE`: everything about one member in one private JSON file."""

from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.privacy.erasure import erase_member, set_consent
from tests.export.helpers import silkeborg_round_at_flipbot_db

MEMBER = "U0SILK001"


@pytest.fixture
def filled(network, library):
    store, rounds, round_, q, clock = silkeborg_round_at_flipbot_db(network, library)
    rounds.record_answer(round_.id, MEMBER, {q: "Første udgave"})
    clock.advance(minutes=10)
    rounds.record_answer(round_.id, MEMBER, {q: "Rettet udgave"})
    rounds.record_answer(round_.id, "U0SILK002", {q: "En andens svar"})
    clock.advance(hours=1)
    set_consent(store, MEMBER, False, by=MEMBER, at=clock())
    yield store
    store.close()


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_access_gives_the_member_their_answers_history_deliveries_and_consent(filled, tmp_path):
    out = tmp_path / "access.json"
    result = run("member", "access", MEMBER, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 1 answer(s), 1 delivery record(s)" in result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["member"]["name"] == "Signe Andersen"
    assert data["member"]["municipality"] == "silkeborg"
    assert data["member"]["research_consent"] is False
    (answer,) = data["answers"]
    assert answer["prompt_id"] == "inddragelse-05" and answer["prompt_title"]
    assert list(answer["answers"].values()) == ["Rettet udgave"]
    assert [list(v["answers"].values()) for v in answer["earlier_versions"]] == [["Første udgave"]]
    assert answer["answered_at"] == "2026-03-02T08:00:00+00:00"
    assert [d["round_id"] for d in data["deliveries"]] == [1]
    assert [(e["event"], e["at"]) for e in data["consent_log"]] == [
        ("consent_withdrawn", "2026-03-02T09:10:00+00:00")
    ]
    assert data["consent_log"][0]["pseudonym"] == data["export_pseudonym"]
    assert [(e["actor"], e["action"], e["subject"]) for e in data["audit"]] == [
        (MEMBER, "consent", MEMBER)
    ]
    assert "En andens svar" not in out.read_text(encoding="utf-8")
    assert filled.audit_entries()[-1]["action"] == "member_access"


def test_access_refuses_an_unknown_or_erased_member_and_an_existing_file(filled, tmp_path):
    out = tmp_path / "access.json"
    result = CliRunner().invoke(cli, ["member", "access", "U0NOBODY", "--out", str(out)])
    assert result.exit_code == 1 and "no member U0NOBODY" in result.output
    assert not out.exists()
    out.write_text("keep")
    result = CliRunner().invoke(cli, ["member", "access", MEMBER, "--out", str(out)])
    assert result.exit_code == 1 and "exists; use --force" in result.output
    assert out.read_text() == "keep"
    erase_member(filled, MEMBER, by="test")
    result = CliRunner().invoke(cli, ["member", "access", MEMBER, "--out", str(out), "--force"])
    assert result.exit_code == 1 and "an erased member has nothing left" in result.output
