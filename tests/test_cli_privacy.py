"""flipbot member erase/consent, db prune/backup and audit."""

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.messenger import LocalMessenger
from bot.core.models import MessageRef
from bot.core.rounds import RoundService
from bot.store.database import Store
from bot.store.privacy import has_consent
from tests.conftest import Clock
from tests.consent_helpers import consent_all

BROKER = "U0SILK001"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def filled(network, library):
    """The database at $FLIPBOT_DB with one round from 2020 answered by two brokers."""
    store = Store(os.environ["FLIPBOT_DB"])
    store.migrate()
    clock = Clock(datetime(2020, 3, 2, 8, 0, tzinfo=UTC))
    store.sync_members(network, clock())
    consent_all(store, network, clock())
    rounds = RoundService(store, network, library, LocalMessenger(), clock=clock)
    prompt = library.get("inddragelse-05")
    round_ = rounds.start_round(prompt, ["silkeborg"], clock() + timedelta(days=5), "U0FACI001")
    q = prompt.questions[0].id
    rounds.record_answer(round_.id, BROKER, {q: "mit svar"})
    rounds.record_answer(round_.id, "U0SILK002", {q: "andet svar"})
    yield store
    store.close()


def test_member_erase_asks_first_and_stops_on_no(runner, filled):
    result = runner.invoke(cli, ["member", "erase", BROKER], input="n\n")
    assert result.exit_code == 1
    assert "Erase Signe Andersen (U0SILK001, silkeborg): 1 answer(s)" in result.output
    assert filled.member(BROKER) is not None


def test_member_erase_with_yes_erases_and_audits(runner, filled):
    result = runner.invoke(cli, ["member", "erase", BROKER, "--yes"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Erased U0SILK001: 1 answer(s)" in result.output
    assert filled.member(BROKER) is None
    assert filled.audit_entries()[-1]["action"] == "erase_member"
    assert filled.audit_entries()[-1]["actor"].startswith("cli")


def test_member_readmit_lets_an_erased_member_back_in_and_audits(runner, filled, network):
    runner.invoke(cli, ["member", "erase", BROKER, "--yes"], catch_exceptions=False)
    filled.sync_members(network)
    assert filled.member(BROKER) is None  # still in the network file, but kept out
    result = runner.invoke(cli, ["member", "readmit", BROKER], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert filled.audit_entries()[-1]["action"] == "readmit_member"
    filled.sync_members(network)
    assert filled.member(BROKER)["name"] == "Signe Andersen"


def test_member_readmit_of_someone_not_erased_says_so(runner, filled):
    result = runner.invoke(cli, ["member", "readmit", BROKER])
    assert result.exit_code == 1
    assert f"{BROKER} has not been erased" in result.output


def test_member_erase_of_a_stranger_says_so(runner, filled):
    result = runner.invoke(cli, ["member", "erase", "U0NOBODY1", "--yes"])
    assert result.exit_code == 1
    assert "no member U0NOBODY1" in result.output


def test_commands_refuse_to_create_a_missing_database(runner, tmp_path, monkeypatch):
    missing = tmp_path / "nothing.db"
    monkeypatch.setenv("FLIPBOT_DB", str(missing))
    result = runner.invoke(cli, ["audit"])
    assert result.exit_code == 1
    assert f"no database at {missing}" in result.output
    assert not missing.exists()


def test_member_consent_is_recorded(runner, filled):
    result = runner.invoke(cli, ["member", "consent", BROKER, "no"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not has_consent(filled, BROKER)


def test_db_prune_dry_run_then_for_real(runner, filled):
    result = runner.invoke(cli, ["db", "prune", "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Would delete 2 answer(s)" in result.output
    assert len(filled.responses(1)) == 2
    result = runner.invoke(cli, ["db", "prune"], catch_exceptions=False)
    assert "Deleted 2 answer(s)" in result.output and "(730 days)" in result.output
    assert filled.responses(1) == []


def test_db_prune_keeps_answers_inside_a_longer_retention(runner, filled):
    result = runner.invoke(cli, ["db", "prune", "--retention-days", "36500"])
    assert "Deleted 0 answer(s)" in result.output
    assert len(filled.responses(1)) == 2


def test_db_backup_makes_a_consistent_copy_and_refuses_to_overwrite(runner, filled, tmp_path):
    target = tmp_path / "backup.db"
    result = runner.invoke(cli, ["db", "backup", str(target)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2 responses" in result.output
    assert not target.with_name("backup.db-wal").exists()
    raw = sqlite3.connect(target)
    assert raw.execute("pragma journal_mode").fetchone()[0] == "delete"
    assert raw.execute("select count(*) from responses").fetchone()[0] == 2
    raw.close()
    again = runner.invoke(cli, ["db", "backup", str(target)])
    assert again.exit_code == 1 and "use --force" in again.output
    forced = runner.invoke(cli, ["db", "backup", str(target), "--force"])
    assert forced.exit_code == 0


def test_db_backup_into_a_folder_names_the_file(runner, filled, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    result = runner.invoke(cli, ["db", "backup", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [made] = list(folder.iterdir())
    assert made.name.startswith("flipbot-") and made.suffix == ".db"


def test_audit_lists_entries_as_table_and_json(runner, filled):
    runner.invoke(cli, ["member", "consent", BROKER, "no"], catch_exceptions=False)
    table = runner.invoke(cli, ["audit"], catch_exceptions=False)
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert "start_round" in lines[0] and "U0FACI001" in lines[0]
    assert "consent" in lines[1] and BROKER in lines[1]
    assert lines[-1] == "2 entries."
    data = json.loads(runner.invoke(cli, ["audit", "--format", "json"]).output)
    assert [row["action"] for row in data] == ["start_round", "consent"]
    assert data[1]["detail"] == {
        "consent": False,
        "was": True,
        "quotes_removed": 0,
        "text_version": "command",
    }


def test_audit_since_filters_and_a_bad_date_is_named(runner, filled):
    runner.invoke(cli, ["member", "consent", BROKER, "no"], catch_exceptions=False)
    recent = runner.invoke(cli, ["audit", "--since", "2021-01-01", "--format", "json"])
    assert [row["action"] for row in json.loads(recent.output)] == ["consent"]
    bad = runner.invoke(cli, ["audit", "--since", "last tuesday"])
    assert bad.exit_code == 2 and "'last tuesday' is not a date" in bad.output


def test_a_corrupted_database_gives_one_clear_line(runner, tmp_path, monkeypatch):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not sqlite at all" * 100)
    monkeypatch.setenv("FLIPBOT_DB", str(broken))
    result = runner.invoke(cli, ["audit"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"flipbot: database: {broken}: the file is not a flipbot database or is corrupted; "
        "restore it from a backup"
    )


def test_member_erase_deletes_the_bots_thread_posts_of_their_answers(runner, filled, monkeypatch):
    from slack_sdk import WebClient

    from bot.store.privacy import record_answer_post
    from tests.slack.fake_slack import FakeSlack
    from tests.slack.harness import BOT_TOKEN

    with FakeSlack() as fake:
        posted = WebClient(token=BOT_TOKEN, base_url=fake.url).chat_postMessage(
            channel="C0FLIPSAM", text="Signe skrev: mit svar"
        )
        record_answer_post(filled, 1, BROKER, MessageRef("slack", "C0FLIPSAM", posted["ts"]))
        record_answer_post(
            filled, 1, BROKER, MessageRef("slack", "C0FLIPSAM", "1800000000.999999")
        )  # gone already
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("SLACK_API_URL", fake.url)
        result = runner.invoke(cli, ["member", "erase", BROKER, "--yes"], catch_exceptions=False)
        deleted = [c.args for c in fake.calls_to("chat.delete", ok_only=False)]
        still_there = fake.messages.get("C0FLIPSAM", [])
    assert result.exit_code == 0, result.output
    assert [(a["channel"], a["ts"]) for a in deleted] == [
        ("C0FLIPSAM", posted["ts"]),
        ("C0FLIPSAM", "1800000000.999999"),
    ]
    assert still_there == []
    assert "Deleted 1 post(s)" in result.output, result.output
    assert "please do it in Slack: channel C0FLIPSAM message 1800000000.999999" in result.output


def test_member_erase_without_a_token_says_which_posts_to_delete(runner, filled):
    from bot.store.privacy import record_answer_post

    record_answer_post(filled, 1, BROKER, MessageRef("slack", "C0FLIPSAM", "1800000000.000001"))
    result = runner.invoke(cli, ["member", "erase", BROKER, "--yes"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "SLACK_BOT_TOKEN is not set here" in result.output
    assert "channel C0FLIPSAM message 1800000000.000001" in result.output
