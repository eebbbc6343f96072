"""What is coming: `upcoming()` (for /flip status) and `flipbot schedule`."""

import json
from datetime import UTC, date, datetime

from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.services import EXAMPLE_NETWORK
from bot.schedule.jobs import ScheduleJobs
from bot.schedule.view import describe, upcoming
from bot.store.database import Store
from bot.store.schedule import ScheduleStore
from tests.schedule_helpers import programme, utc


def test_programme_runs_are_listed_in_local_time_honouring_holidays_and_end(services_for):
    services = services_for(
        programme(id="xmas", schedule="0 9 * * *", skip_holidays=True, end=date(2026, 12, 28))
    )
    items = upcoming(services, utc(2026, 12, 23, 12, 0), runs=5)
    runs = [i for i in items if i.kind == "programme"]
    assert [f"{i.due:%d %H:%M %Z}" for i in runs] == [
        "24 09:00 CET",
        "27 09:00 CET",  # 25 and 26 are holidays
        "28 09:00 CET",
    ]
    assert runs[0].prompt_id == "samtale-01" and runs[1].prompt_id is None
    # The 24th is a Thursday: DMs go at once. The 27th is a Sunday: they wait until Monday 08:00.
    assert runs[0].at == runs[0].due
    assert f"{runs[1].at:%a %d %H:%M}" == "Mon 28 08:00"
    assert runs[0].members == 50
    assert describe(runs[0], services) == (
        "torsdag den 24. december kl. 09.00: ny runde i xmas (Samtaleflip) til 50 vidensmæglere"
    )
    assert describe(runs[0], services, "nb") == (
        "torsdag 24. desember kl. 09.00: ny runde i xmas (Samtaleflip) til 50 kunnskapsmeglere"
    )


def test_pending_reminders_waiting_prompts_and_closes_are_listed(services_for, clock):
    services = services_for(
        programme(id="sat", schedule="0 10 * * sat", audience=["herning"], respond_within="4d")
    )
    clock.now = utc(2026, 11, 28, 10, 0)
    ScheduleJobs(services).run_programme("sat")
    now = utc(2026, 11, 28, 12, 0)
    items = upcoming(services, now, runs=1)
    assert [(i.kind, f"{i.at:%a %d.%m. %H:%M}", i.members) for i in items] == [
        ("waiting", "Mon 30.11. 08:00", 10),  # started Saturday: the DMs wait for Monday
        ("close", "Fri 04.12. 08:00", 0),  # four days from Monday's DMs, not from Saturday
        ("programme", "Mon 07.12. 08:00", 10),  # next Saturday's round, its DMs on Monday
    ]
    assert items[0].round_id == 1 and items[0].programme_id == "sat"


def test_a_deferred_reminder_shows_when_it_will_go(services_for, clock):
    services = services_for(
        programme(id="mon", schedule="0 9 * * mon", audience=["silkeborg"], respond_within="3d")
    )
    clock.now = utc(2026, 11, 23, 9, 0)
    ScheduleJobs(services).run_programme("mon")
    services.rounds.snooze(1, "U0SILK003")
    items = [i for i in upcoming(services, utc(2026, 11, 25, 17, 0), runs=1) if i.round_id]
    assert [(i.kind, f"{i.due:%a %H:%M}", f"{i.at:%a %H:%M}", i.members) for i in items] == [
        ("snoozed", "Tue 08:30", "Thu 08:00", 1),
        ("reminder", "Wed 09:00", "Thu 08:00", 9),
        ("close", "Thu 09:00", "Thu 09:00", 0),
    ]
    assert describe(items[1], services) == (
        "torsdag den 26. november kl. 08.00: påmindelse i runde 1 til 9 vidensmæglere, "
        "der ikke har svaret endnu"
    )
    assert describe(items[2], services, "en") == "Thursday 26 November at 09:00: round 1 closes"


def test_flipbot_schedule_lists_runs_and_pending_work(tmp_path, monkeypatch):
    runner = CliRunner()
    result = runner.invoke(cli, ["schedule", "--runs", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Scheduler: not running on this database." in result.output
    assert result.output.count("new round") == 4  # two programmes in the example network
    assert "programme samtale-efteraar" in result.output
    payload = json.loads(
        runner.invoke(cli, ["schedule", "--format", "json"], catch_exceptions=False).output
    )
    runs = [u for u in payload["upcoming"] if u["programme"] == "inddragelse-vest"]
    assert len(runs) == 3
    assert all(u["due"].endswith(("+01:00", "+02:00")) for u in runs)  # local time


def test_an_unknown_prompt_id_is_reported_with_file_and_line(tmp_path, monkeypatch):
    text = EXAMPLE_NETWORK.read_text(encoding="utf-8").replace(
        "    remind_before_close: 1d\n",
        "    remind_before_close: 1d\n    prompts: [samtale-01, samtale-77]\n",
        1,
    )
    path = tmp_path / "network.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    prompts: [samtale-01, samtale-77]") + 1
    monkeypatch.setenv("FLIPBOT_CONFIG", str(path))
    runner = CliRunner()
    for command in (["network", "check", str(path)], ["schedule"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 1, command
        assert f"{path}:{line}: programmes[0].prompts[1]:" in result.output
        assert "unknown prompt id 'samtale-77'" in result.output


def test_flipbot_schedule_names_the_process_that_holds_the_scheduler(db_path):
    store = Store(db_path)  # FLIPBOT_DB points here (see conftest)
    store.migrate()
    now = datetime.now(UTC)
    assert ScheduleStore(store).acquire_lock("bot-host:4711:abcd", now, now)
    result = CliRunner().invoke(cli, ["schedule"], catch_exceptions=False)
    assert "Scheduler: running in bot-host:4711:abcd (last heartbeat" in result.output
