"""Features for grouping answers into themes: Danish Snowball stems of content words that occur
in at least two answers, TF-IDF weighted (sublinear term frequency, l2-normalised).

Chosen by measurement on the labelled demo answers (docs/benchmarks.md, "## Digest"): stems
grouped them closer to their stances than lemmas (ARI 0.23 against 0.14 with the same stop
words), character 4-6-grams or stem bigrams. Themes are labelled with lemmas (themes.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bot.digest.text import content_words, lemma, stem

MIN_DF_FROM = 10  # with this many answers or more, a stem must occur in two answers to count


def analyze(text: str) -> list[str]:
    """An answer's terms: the stems of its content words."""
    return [stem(w) for w in content_words(text)]


def lemma_forms(texts: list[str], wanted: set[str], language: str) -> dict[str, list[str]]:
    """Per wanted stem, the lemmas of the words written with it in these texts: first those that
    are also written as they are (the dictionary sometimes takes a noun for a verb: "leder" for
    a form of "led"), then by frequency, alphabetical on a tie."""
    found: dict[str, Counter] = defaultdict(Counter)
    written: set[str] = set()
    for text in texts:
        for word in content_words(text):
            s = stem(word)
            if s in wanted:
                found[s][lemma(word, language)] += 1
                written.add(word)
    return {s: sorted(c, key=lambda w: (w not in written, -c[w], w)) for s, c in found.items()}


class Idf:
    """Inverse document frequencies fitted on some answers (smoothed, as scikit-learn's
    TfidfTransformer does: ln((1 + n) / (1 + df)) + 1)."""

    def __init__(self, counts: sparse.csr_matrix):
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float64)

    def transform(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sublinear TF (1 + ln tf) times IDF, each row scaled to unit length."""
        x = counts.astype(np.float64)
        x.data = 1 + np.log(x.data)
        x = x.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sparse.csr_matrix(sparse.diags(1 / norms) @ x)


@dataclass
class Features:
    terms: list[str]  # column names: stems
    counts: sparse.csr_matrix  # answers x terms

    def tfidf(self, rows: np.ndarray | slice, transformer: Idf | None = None):
        """TF-IDF rows for some answers; fits the IDF when no transformer is given."""
        part = self.counts[rows]
        if transformer is None:
            transformer = Idf(part)
        return transformer.transform(part).astype(np.float32), transformer


def _count(analyzed: list[list[str]], min_df: int) -> Features:
    df: Counter = Counter()
    for terms in analyzed:
        df.update(set(terms))
    vocabulary = sorted(term for term, count in df.items() if count >= min_df)
    if not vocabulary:
        raise ValueError("no terms")
    column = {term: i for i, term in enumerate(vocabulary)}
    indptr = [0]
    indices: list[int] = []
    data: list[int] = []
    for terms in analyzed:
        row = Counter(column[term] for term in terms if term in column)
        for col in sorted(row):
            indices.append(col)
            data.append(row[col])
        indptr.append(len(indices))
    counts = sparse.csr_matrix(
        (np.array(data, dtype=np.int32), np.array(indices, dtype=np.int32), np.array(indptr)),
        shape=(len(analyzed), len(vocabulary)),
    )
    return Features(vocabulary, counts)


def build_features(texts: list[str]) -> Features:
    """Count the terms of every answer. Raises ValueError when no answer has a content word."""
    min_df = 2 if len(texts) >= MIN_DF_FROM else 1
    analyzed = [analyze(text) for text in texts]
    try:
        return _count(analyzed, min_df)
    except ValueError:  # no stem shared by two answers: fall back to every stem
        return _count(analyzed, 1)
