"""Text work for the digest: words, lemmas and stop words, names, sentences with offsets.

Offline only: the stop-word lists ship with the package, the stems come from snowballstemmer's
Danish algorithm and the lemmas from simplemma (pure Python, its Danish, Norwegian and English
dictionaries ship with it). Stems group answers (they measured better, docs/benchmarks.md);
lemmas label themes, because labels are read aloud: "borgerens" becomes "borger", never "borg".
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


LEMMA_LANGUAGES = ("da", "nb", "en")
# A word at the start of a sentence, or after one of these, is capitalised for grammar's sake.
_OPENERS = re.compile(r"""[:;(\[{"'“”„«»*_–—-]\s*$""")


def _dictionary(language: str) -> str:
    # One dictionary per digest: loading one takes a second, and answers are in its language.
    return language if language in LEMMA_LANGUAGES else "da"


@cache
def lemma(word: str, language: str = "da") -> str:
    """The dictionary form of a lower-case word in the digest's language; a word the dictionary
    does not know stays as written (cached: answers repeat their words)."""
    from bot.digest.lemmas import lemmatize

    return lemmatize(word, _dictionary(language)).lower()


@cache
def is_known(word: str, language: str = "da") -> bool:
    """Whether the language's dictionary knows the word (a typo or a name it does not)."""
    from bot.digest.lemmas import is_known as known

    return known(word, _dictionary(language))


def words(text: str) -> list[str]:
    """Lower-case words of two letters or more."""
    return WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """Words that are not stop words."""
    stops = stop_words()
    return [w for w in words(text) if w not in stops]


def capitalised_words(texts: list[str]) -> set[str]:
    """Lower-cased words written with a capital inside a sentence (not first, not after a colon
    or quote mark) anywhere in the texts: names of people and places, never theme words."""
    found: set[str] = set()
    for text in texts:
        for start, end in sentences(text):
            sentence = text[start:end]
            for match in WORD.finditer(sentence):
                if match.start() == 0 or not match.group()[0].isupper():
                    continue
                if _OPENERS.search(sentence[: match.start()]):
                    continue
                found.add(match.group().lower())
    return found


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
