"""What `flipbot --help` and the serve path import (issue 16: start-up and memory), each checked
in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The digest engine: only building a digest needs it.
DIGEST_ENGINE = ("sklearn", "scipy", "simplemma")
# Slow to import, and --help needs none of them.
NOT_FOR_HELP = ("pydantic", "sqlite_utils", "numpy", "slack_sdk", "slack_bolt", "microsoft_teams")

SERVE_PATH = (
    "bot.cli.main",
    "bot.cli.serve",
    "bot.core.services",
    "bot.core.wsgi_server",
    "bot.slack.app",
    "bot.slack.handlers",
    "bot.slack.messenger",
    "bot.teams.app",
)


def top_level_modules_after(*imports: str) -> set[str]:
    code = "; ".join(f"import {name}" for name in imports)
    code += "; import sys, json; print(json.dumps(sorted(sys.modules)))"
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in json.loads(found.stdout)}


def test_help_imports_neither_pydantic_nor_the_store_nor_any_sdk():
    loaded = top_level_modules_after("bot.cli.main")
    assert loaded.isdisjoint(NOT_FOR_HELP), sorted(loaded & set(NOT_FOR_HELP))
    assert loaded.isdisjoint(DIGEST_ENGINE)


def test_the_serve_path_does_not_import_the_digest_engine():
    if not top_level_modules_after("bot.digest.service").isdisjoint(DIGEST_ENGINE):
        pytest.skip("bot.digest.service still imports its engine itself (the digest branch)")
    loaded = top_level_modules_after(*SERVE_PATH)
    assert loaded.isdisjoint(DIGEST_ENGINE), sorted(loaded & set(DIGEST_ENGINE))
    # sqlite-utils imports NumPy whenever it is installed; apart from that, nothing may.
    if "numpy" not in top_level_modules_after("sqlite_utils"):
        assert "numpy" not in loaded
