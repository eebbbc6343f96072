"""The digest engine's lemma dictionary as an SQLite file (see bot/digest/lemmas.py): written once
per language, then read entry by entry. A file of its own, not the bot's database: it is a cache,
shared by every flipbot process on the machine and safe to delete.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path


class SqliteDictionary(Mapping[str, str]):
    """A read-only word -> lemma mapping over one SQLite table (thread-safe: one lock). What was
    looked up is remembered: simplemma asks for the same endings again and again."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._seen: dict[str, str | None] = {}

    def get(self, key: str, default=None):  # type: ignore[override]
        try:
            value = self._seen[key]
        except KeyError:
            with self._lock:
                row = self._db.execute("select v from d where k = ?", (key,)).fetchone()
            value = self._seen[key] = row[0] if row else None
        return default if value is None else value

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            keys = [row[0] for row in self._db.execute("select k from d order by k")]
        return iter(keys)

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("select count(*) from d").fetchone()[0]


def open_dictionary(path: Path) -> SqliteDictionary | None:
    """The dictionary in this file, or None when there is none or it cannot be read."""
    if not path.exists():
        return None
    try:
        return SqliteDictionary(path)
    except sqlite3.Error:
        return None


def write_dictionary(path: Path, dictionary: Mapping[str, str]) -> bool:
    """Write the table next to its final name, then move it there (readers never see half);
    False when the folder cannot be written."""
    try:
        _write(path, dictionary)
    except (OSError, sqlite3.Error):
        return False
    return True


def _write(path: Path, dictionary: Mapping[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        db = sqlite3.connect(partial)
        with db:
            db.execute("pragma journal_mode = off")
            db.execute("create table d (k text primary key, v text not null) without rowid")
            db.executemany("insert into d values (?, ?)", dictionary.items())
        db.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
