"""`flipbot digest --round N` shows the round's stored digest; `--rebuild` builds a fresh one."""

import sqlite3

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.digest.model import Digest
from bot.store.database import Store


@pytest.fixture
def demo_db(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "demo.db"
    CliRunner().invoke(cli, ["demo", "--db", str(db)], catch_exceptions=False)
    monkeypatch.setenv("FLIPBOT_DB", str(db))
    return db


def _round_json(*extra: str) -> Digest:
    result = CliRunner().invoke(
        cli, ["digest", "--round", "1", "--format", "json", *extra], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return Digest.model_validate_json(result.stdout)


def _store_digest(db, status: str, title: str) -> int:
    """Store a copy of round 1's digest under another title (what a reviewer's copy would be)."""
    fresh = _round_json("--rebuild")
    content = fresh.model_dump(mode="json", exclude={"id", "status"}) | {"title": title}
    store = Store(str(db))
    return store.save_digest(
        round_id=1, engine="extractive", status=status, content=content, at=fresh.created_at
    ).id


def test_the_approved_digest_is_shown_even_when_a_newer_draft_exists(demo_db):
    approved = _store_digest(demo_db, "approved", "Den delte digest")
    _store_digest(demo_db, "draft", "En senere kladde")
    shown = _round_json()
    assert (shown.id, shown.status, shown.title) == (approved, "approved", "Den delte digest")


def test_without_an_approved_digest_the_newest_stored_one_is_shown(demo_db):
    _store_digest(demo_db, "rejected", "Den afviste")
    newest = _store_digest(demo_db, "draft", "Den nyeste kladde")
    shown = _round_json()
    assert (shown.id, shown.title) == (newest, "Den nyeste kladde")


def test_rebuild_builds_a_fresh_unsaved_digest(demo_db):
    _store_digest(demo_db, "approved", "Den delte digest")
    stored = len(Store(str(demo_db)).round_digests(1))
    fresh = _round_json("--rebuild")
    assert fresh.id is None and fresh.title != "Den delte digest"
    assert len(Store(str(demo_db)).round_digests(1)) == stored  # nothing new was stored


def test_a_round_without_a_stored_digest_is_built_and_says_so(demo_db):
    with sqlite3.connect(demo_db) as conn:  # as if building the draft at close had failed
        conn.execute("delete from digests")
    result = CliRunner().invoke(
        cli, ["digest", "--round", "1", "--format", "json"], catch_exceptions=False
    )
    assert "has no stored digest" in result.stderr
    assert Digest.model_validate_json(result.stdout).id is None


def test_rebuild_needs_a_round(demo_db):
    result = CliRunner().invoke(cli, ["digest", "--theme", "helhed", "--rebuild"])
    assert result.exit_code == 2
