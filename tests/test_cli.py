import json

import click
import pytest
from click.testing import CliRunner

from bot.cli.main import cli, reports_errors
from bot.core.services import EXAMPLE_NETWORK
from bot.core.settings import load_settings


@pytest.fixture
def runner():
    return CliRunner()


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


def test_every_command_has_help_text():
    missing = [
        " ".join(path) for path, command in all_commands(cli) if not (command.help or "").strip()
    ]
    assert missing == []
    for path, command in all_commands(cli):
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in ("help", "version"):
                assert param.help, f"{' '.join(path)} {param.name}"


def test_demo_runs_offline_and_prints_participation(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "demo.db"
    result = runner.invoke(cli, ["demo", "--db", str(db)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "sendt til 50 vidensmæglere" in out
    assert "40 har svaret, 4 har sprunget over, 6 har ikke nået det." in out
    for name in (
        "Silkeborg Kommune",
        "Herning Kommune",
        "Holstebro Kommune",
        "Vesthimmerlands Kommune",
    ):
        assert name in out
    assert "I alt" in out and "80%" in out
    assert db.exists()
    # The digest follows: printed, and written to out/ in the current directory.
    for heading in ("Overblik", "Temaer", "Dilemmaer i spil", "Åbne spørgsmål til mødet"):
        assert heading in out
    assert "Opsamlingen ligger i out/digest.md og out/digest.html." in out
    md = (tmp_path / "out" / "digest.md").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "digest.html").read_text(encoding="utf-8")
    assert md.startswith("# FLIP-opsamling: ") and "## Dilemmaer i spil" in md
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 2
    assert "Signe Andersen" not in md + html + out  # a broker's name never appears


def test_demo_refuses_an_existing_database(runner, tmp_path):
    db = tmp_path / "demo.db"
    db.write_text("keep me")
    result = runner.invoke(cli, ["demo", "--db", str(db)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert db.read_text() == "keep me"


def test_network_check_prints_a_summary(runner):
    result = runner.invoke(cli, ["network", "check", str(EXAMPLE_NETWORK)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output
    assert "Silkeborg Kommune" in result.output
    assert result.output.count("next: ") == 6


def test_network_check_defaults_to_flipbot_config(runner):
    result = runner.invoke(cli, ["network", "check"], catch_exceptions=False)
    assert result.exit_code == 0 and str(EXAMPLE_NETWORK) in result.output


def test_network_check_lists_every_problem_and_exits_1(runner, tmp_path):
    bad = tmp_path / "network.yaml"
    text = EXAMPLE_NETWORK.read_text(encoding="utf-8")
    bad.write_text(
        text.replace("municipality: herning", "municipality: hernig", 1).replace(
            "theme: samtale", "theme: snak", 1
        ),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["network", "check", str(bad)])
    assert result.exit_code == 1
    assert "members[10].municipality: unknown municipality 'hernig'" in result.output
    assert "programmes[0].theme" in result.output
    assert "2 problem(s) found." in result.output


def test_prompts_list_and_check(runner):
    result = runner.invoke(cli, ["prompts", "list", "--theme", "samtale"], catch_exceptions=False)
    assert (
        result.exit_code == 0 and "samtale-01" in result.output and "helhed-01" not in result.output
    )
    as_json = runner.invoke(cli, ["prompts", "list", "--format", "json"], catch_exceptions=False)
    items = json.loads(as_json.output)
    assert len(items) >= 36 and {"id", "kind", "theme", "questions"} <= set(items[0])
    checked = runner.invoke(cli, ["prompts", "check"], catch_exceptions=False)
    assert checked.exit_code == 0 and "prompts are valid" in checked.output
    wrong = runner.invoke(cli, ["prompts", "list", "--theme", "snak"])
    assert wrong.exit_code == 2 and "unknown theme 'snak'" in wrong.output


def test_prompts_check_reports_a_bad_extra_folder(runner, tmp_path, monkeypatch):
    folder = tmp_path / "egne"
    folder.mkdir()
    (folder / "x.yaml").write_text("- id: Bad Id\n", encoding="utf-8")
    monkeypatch.setenv("FLIPBOT_PROMPTS", str(folder))
    result = runner.invoke(cli, ["prompts", "check"])
    assert result.exit_code == 1
    assert "x.yaml:1: [0].id:" in result.output


def test_db_migrate_creates_then_reports_up_to_date(runner):
    first = runner.invoke(cli, ["db", "migrate"], catch_exceptions=False)
    assert "applied m001_create_members_rounds_deliveries" in first.output
    second = runner.invoke(cli, ["db", "migrate"], catch_exceptions=False)
    assert "up to date" in second.output


def test_a_missing_setting_is_one_line_naming_it_and_exit_2(runner):
    @click.command()
    @reports_errors
    def needs_token():
        """Needs a token."""
        load_settings().require("SLACK_BOT_TOKEN", "the bot token")

    result = runner.invoke(needs_token, [])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "flipbot: missing setting: SLACK_BOT_TOKEN is not set (the bot token)"
    )


def test_secrets_never_show_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-very-secret")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-very-secret")
    monkeypatch.setenv("FLIPBOT_LLM_KEY", "llm-very-secret")
    settings = load_settings()
    assert settings.slack_bot_token == "xoxb-very-secret"
    shown = repr(settings) + str(settings)
    assert "very-secret" not in shown


def test_the_demo_ends_with_commands_that_export_its_round(runner, tmp_path, monkeypatch):
    import shlex

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "demo.db"
    shown = runner.invoke(cli, ["demo", "--db", str(db)], catch_exceptions=False).output
    lines = [line.strip() for line in shown.splitlines() if "FLIPBOT_DB=" in line]
    assert len(lines) == 3
    for line in lines:
        words = shlex.split(line)
        env = dict(word.split("=", 1) for word in words[:2])
        assert env["FLIPBOT_DB"] == str(db)
        result = runner.invoke(cli, words[3:], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "flip-export.csv").read_text(encoding="utf-8").count("\n") > 30
    assert (tmp_path / "out" / "flip-export.qdpx").stat().st_size > 1000
    assert "Miras plan og lovens frist" in (tmp_path / "out" / "digest-round-1.md").read_text(
        encoding="utf-8"
    )
