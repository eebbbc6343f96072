import csv
import json

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.digest.checks import assert_digest_is_honest
from bot.digest.model import Digest
from bot.digest.sources import read_answers_csv
from tests.digest_helpers import demo_answers


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def answers_csv(tmp_path):
    path = tmp_path / "mode.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "municipality", "text", "quotable", "question"])
        for answer in demo_answers():
            writer.writerow(
                [
                    f"m-{answer.id}",
                    answer.municipality,
                    answer.texts["q1"],
                    "ja" if answer.quotable else "nej",
                    "q1",
                ]
            )
    return path


def test_digest_from_csv_lists_every_answer_under_its_theme(runner, answers_csv, tmp_path):
    out = tmp_path / "digest.json"
    result = runner.invoke(
        cli,
        ["digest", "--input", str(answers_csv), "--format", "json", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "digest of 40 answers" in result.output
    digest = Digest.model_validate_json(out.read_text(encoding="utf-8"))
    answers = read_answers_csv(answers_csv)
    assert_digest_is_honest(digest, answers)
    grouped = [i for theme in digest.themes for i in theme.answer_ids]
    assert sorted(grouped) == sorted(a.id for a in answers)
    assert all(theme.answers == len(theme.answer_ids) for theme in digest.themes)
    quoted = {q.answer_id for q in digest.all_quotes()}
    assert not quoted & {a.id for a in answers if not a.quotable}


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_digest_from_csv_prints_markdown_or_html(runner, answers_csv, fmt):
    result = runner.invoke(
        cli, ["digest", "--input", str(answers_csv), "--format", fmt], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert "Dilemmaer i spil" in result.output


def test_bad_rows_are_all_reported_with_file_line_column_and_value(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "id;municipality;text;quotable\n"
        "a1;herning;Et fint svar om borgerens plan.;ja\n"
        "a2;;Et svar uden kommune.;1\n"
        "a1;viborg;Samme id igen.;måske\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["digest", "--input", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{path}:3: municipality: municipality is empty" in lines
    assert f"{path}:4: id: id 'a1' was used before, on line 2" in lines
    assert f"{path}:4: quotable: quotable must be yes/no, true/false or 1/0, not 'måske'" in lines
    assert "3 problem(s) found." in lines


def test_a_missing_column_is_named(runner, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("id,kommune,text\n1,herning,hej\n", encoding="utf-8")
    result = runner.invoke(cli, ["digest", "--input", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1: municipality: column municipality is missing" in result.output


def test_an_empty_file_is_a_clear_error(runner, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("id,municipality,text\n", encoding="utf-8")
    result = runner.invoke(cli, ["digest", "--input", str(path)])
    assert result.exit_code == 1 and "the file has no answers" in result.output


def test_json_digest_from_csv_round_trips(runner, answers_csv):
    result = runner.invoke(
        cli, ["digest", "--input", str(answers_csv), "--format", "json"], catch_exceptions=False
    )
    data = json.loads(result.output)
    assert {"themes", "dilemmas", "questions", "participation", "overview"} <= set(data)


def test_digest_of_a_round_and_of_a_theme_period_from_the_database(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "demo.db"
    runner.invoke(cli, ["demo", "--db", str(db)], catch_exceptions=False)
    monkeypatch.setenv("FLIPBOT_DB", str(db))
    by_round = runner.invoke(
        cli, ["digest", "--round", "1", "--format", "json"], catch_exceptions=False
    )
    assert by_round.exit_code == 0, by_round.output
    digest = Digest.model_validate_json(by_round.output)
    assert digest.round_id == 1 and digest.total.delivered == 50
    # The demo round is answered now, on the network's calendar (Copenhagen), which runs ahead of
    # UTC: between 23:00 and midnight UTC the brokers' "today" is already tomorrow.
    from datetime import datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date().isoformat()
    by_theme = runner.invoke(
        cli,
        [
            "digest",
            "--theme",
            "inddragelse",
            "--since",
            "2020-01-01",
            "--until",
            today,
            "--format",
            "json",
        ],
        catch_exceptions=False,
    )
    assert by_theme.exit_code == 0, by_theme.output
    period = Digest.model_validate_json(by_theme.output)
    assert period.flip_theme == "inddragelse" and period.total.answered == 40
    assert period.title.startswith("FLIP-opsamling: Inddragelsesflip, 1. jan. 2020 til ")
    assert "Inddragelsesflip" in period.title
    assert runner.invoke(cli, ["digest", "--round", "99"]).exit_code == 2
    both = runner.invoke(cli, ["digest", "--round", "1", "--theme", "helhed"])
    assert both.exit_code == 2 and "exactly one of" in both.output
    assert runner.invoke(cli, ["digest", "--theme", "helhed"]).exit_code == 2
