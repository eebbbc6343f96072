"""Every file the command line writes with answers in it is readable by its owner only (0600),
whatever the umask."""

from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner

from bot.cli.main import cli


@pytest.fixture
def open_umask():
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", ["csv", "json", "md", "html", "qdpx", "consent-log"])
def test_export_files_are_private(demo_db, tmp_path, open_umask, fmt):
    out = tmp_path / "out" / f"export.{fmt}"
    run("export", "--format", fmt, "--out", str(out))
    assert mode(out) == 0o600
    if fmt == "csv":
        assert mode(out.with_name("export.csv.manifest.json")) == 0o600


def test_an_existing_wider_export_file_is_narrowed_before_it_is_filled(
    demo_db, tmp_path, open_umask
):
    out = tmp_path / "old.json"
    out.write_text("old")
    os.chmod(out, 0o644)
    run("export", "--format", "json", "--out", str(out))
    assert mode(out) == 0o600 and out.read_text() != "old"


@pytest.mark.parametrize("fmt", ["md", "json", "html"])
def test_digest_files_are_private(demo_db, tmp_path, open_umask, fmt):
    out = tmp_path / f"digest.{fmt}"
    run("digest", "--round", "1", "--format", fmt, "--out", str(out))
    assert mode(out) == 0o600


def test_a_digest_of_a_csv_is_private_too(demo_db, tmp_path, open_umask):
    answers = tmp_path / "answers.csv"
    run("export", "--format", "csv", "--out", str(answers))
    out = tmp_path / "digest.md"
    run("digest", "--input", str(answers), "--out", str(out))
    assert mode(out) == 0o600


def test_backups_and_the_key_file_are_private(demo_db, tmp_path, open_umask):
    run("export", "--format", "json", "--out", str(tmp_path / "x.json"))
    assert mode(tmp_path / "demo.pseudonym-key") == 0o600
    run("db", "backup", str(tmp_path / "backup.db"))
    assert mode(tmp_path / "backup.db") == 0o600


def test_an_unwritable_place_is_a_message_not_a_traceback(demo_db, tmp_path):
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    out = not_a_folder / "export.json"
    result = CliRunner().invoke(cli, ["export", "--format", "json", "--out", str(out)])
    assert result.exit_code == 1
    assert f"cannot write {out}" in result.output
