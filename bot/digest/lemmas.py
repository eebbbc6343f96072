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
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from bot.store.lemma_cache import open_dictionary, write_dictionary

logger = logging.getLogger(__name__)

FORMAT = 1  # bump when the file's layout changes


def cache_dir() -> Path:
    configured = os.environ.get("FLIPBOT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "flipbot"


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

        name = f"simplemma-{simplemma.__version__}-{lang}-{FORMAT}.db"
        path = (self.folder or cache_dir()) / name
        found = open_dictionary(path)
        if found is not None:
            return found
        dictionary = DefaultDictionaryFactory().get_dictionary(lang)
        if not write_dictionary(path, dictionary):
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
