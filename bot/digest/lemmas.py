"""simplemma's lemmas without its start-up cost: its dictionaries, kept in an SQLite file.

simplemma decompresses and decodes a whole dictionary (788,000 Danish entries) before its first
lemma: two seconds, more than the rest of a 300-answer digest. The first time a language is
needed, its dictionary is written once to an SQLite table in the cache folder (FLIPBOT_CACHE_DIR,
else $XDG_CACHE_HOME/flipbot or ~/.cache/flipbot), named by simplemma's version; every later
process opens it in a millisecond and reads only the entries it looks up. Lemmas are simplemma's
own (its strategies over this dictionary). Where the folder cannot be written, simplemma's
in-memory dictionary is used as before.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

FORMAT = 1  # bump when the file's layout changes


def cache_dir() -> Path:
    configured = os.environ.get("FLIPBOT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "flipbot"


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


def _write(path: Path, dictionary: Mapping[str, str]) -> None:
    """Write the table next to its final name, then move it there (readers never see half)."""
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


class CachedDictionaries:
    """simplemma's DictionaryFactory, reading each language from its SQLite file."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self._found: dict[str, Mapping[str, str]] = {}
        self._lock = threading.Lock()

    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        with self._lock:
            if lang not in self._found:
                self._found[lang] = self._open(lang)
            return self._found[lang]

    def _open(self, lang: str) -> Mapping[str, str]:
        import simplemma
        from simplemma.strategies import DefaultDictionaryFactory

        path = (
            self.folder or cache_dir()
        ) / f"simplemma-{simplemma.__version__}-{lang}-{FORMAT}.db"
        if path.exists():
            try:
                return SqliteDictionary(path)
            except sqlite3.Error:
                logger.warning("unreadable lemma cache %s: using simplemma's own", path)
        dictionary = DefaultDictionaryFactory().get_dictionary(lang)
        try:
            _write(path, dictionary)
        except (OSError, sqlite3.Error):
            logger.warning("could not write the lemma cache %s: using simplemma's own", path)
        return dictionary


@cache
def _tools():
    import simplemma
    from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy

    factory = CachedDictionaries()
    lemmatizer = simplemma.Lemmatizer(
        lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)
    )
    return lemmatizer, DictionaryLookupStrategy(factory)


def lemmatize(word: str, lang: str) -> str:
    """simplemma.lemmatize(word, lang) over the cached dictionary."""
    return _tools()[0].lemmatize(word, lang)


def is_known(word: str, lang: str) -> bool:
    """simplemma.is_known(word, lang) over the cached dictionary."""
    import unicodedata

    return _tools()[1].get_lemma(unicodedata.normalize("NFC", word), lang) is not None
