"""Text work for the digest: words, Danish-aware stems and stop words, sentences with offsets.

Offline only: the stop-word lists ship with the package and the stemmer is snowballstemmer's
Danish algorithm (pure Python, no data to download).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import snowballstemmer

_HERE = Path(__file__).parent
WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# A sentence ends at . ! or ? followed by white space (or the end), or at a line break; the mark
# stays in the sentence. "fx." or "3.5" or "<!channel>" inside a sentence do not end it.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n")


@cache
def stop_words() -> frozenset[str]:
    """Danish, Norwegian and English stop words together: answers mix them, and a word that is a
    function word in one of the three is rarely a theme word in another."""
    words: set[str] = set()
    for name in ("stopwords_da.txt", "stopwords_nb.txt", "stopwords_en.txt"):
        for line in (_HERE / name).read_text(encoding="utf-8").splitlines():
            line = line.strip().lower()
            if line and not line.startswith("#"):
                words.add(line)
    return frozenset(words)


_stemmer = snowballstemmer.stemmer("danish")


@cache
def stem(word: str) -> str:
    """The Danish Snowball stem of a lower-case word (cached: answers repeat their words)."""
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-case words of two letters or more."""
    return WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """Words that are not stop words."""
    stops = stop_words()
    return [w for w in words(text) if w not in stops]


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of a text, trimmed of surrounding white space."""
    spans = []
    bounds, begin = [], 0
    for match in _SENTENCE_END.finditer(text):
        bounds.append((begin, match.end()))
        begin = match.end()
    bounds.append((begin, len(text)))
    for start, end in bounds:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans
