"""The files waiting for a member's consent: capped, expiring, only for their member, taken once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.teams.files import FileTooLarge, PendingFiles

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_a_file_is_taken_once_and_only_by_its_member():
    pending = PendingFiles()
    consent = pending.add("m1", "a.csv", b"abc", now=NOW)
    assert pending.take(consent, "m2", now=NOW) is None
    taken = pending.take(consent, "m1", now=NOW)
    assert (taken.filename, taken.data) == ("a.csv", b"abc")
    assert pending.take(consent, "m1", now=NOW) is None
    assert pending.take(None, "m1", now=NOW) is None


def test_a_file_expires():
    pending = PendingFiles(keep_for=timedelta(hours=1))
    consent = pending.add("m1", "a.csv", b"abc", now=NOW)
    assert pending.take(consent, "m1", now=NOW + timedelta(hours=1)) is None
    assert len(pending) == 0


def test_the_size_caps_hold_per_file_and_in_all():
    pending = PendingFiles(max_file=10, max_total=15)
    with pytest.raises(FileTooLarge):
        pending.add("m1", "big.csv", b"x" * 11, now=NOW)
    pending.add("m1", "a.csv", b"x" * 10, now=NOW)
    with pytest.raises(FileTooLarge):
        pending.add("m2", "b.csv", b"x" * 6, now=NOW)
    assert pending.add("m2", "c.csv", b"x" * 5, now=NOW)
