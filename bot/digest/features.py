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
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

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


@dataclass
class Features:
    terms: list[str]  # column names: stems
    counts: sparse.csr_matrix  # answers x terms

    def tfidf(self, rows: np.ndarray | slice, transformer: TfidfTransformer | None = None):
        """TF-IDF rows for some answers; fits the IDF when no transformer is given."""
        part = self.counts[rows]
        if transformer is None:
            transformer = TfidfTransformer(sublinear_tf=True).fit(part)
        return transformer.transform(part).astype(np.float32), transformer


def build_features(texts: list[str]) -> Features:
    """Count the terms of every answer. Raises ValueError when no answer has a content word."""
    min_df = 2 if len(texts) >= MIN_DF_FROM else 1
    analyzer = analyze
    try:
        vectorizer = CountVectorizer(analyzer=analyzer, dtype=np.int32, min_df=min_df)
        counts = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # no stem shared by two answers: fall back to every stem
        vectorizer = CountVectorizer(analyzer=analyzer, dtype=np.int32)
        counts = vectorizer.fit_transform(texts).tocsr()
    return Features(list(vectorizer.get_feature_names_out()), counts)
