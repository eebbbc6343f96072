"""Fixtures of the export tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli.main import cli


@pytest.fixture
def demo_db(tmp_path, monkeypatch):
    path = tmp_path / "demo.db"
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(cli, ["demo", "--db", str(path)], catch_exceptions=False)
    monkeypatch.setenv("FLIPBOT_DB", str(path))
    return path
