"""Features for grouping answers into themes: Danish Snowball stems of content words plus stem
bigrams, TF-IDF weighted (sublinear term frequency, l2-normalised).

Chosen by measurement on the labelled demo answers (docs/benchmarks.md, "## Digest"): on that set
stems with bigrams grouped the answers closer to their labels than character 4-6-grams, and they
are several times cheaper to compute.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from bot.digest.text import content_words, stem


@dataclass
class Analyzer:
    """Turns an answer into stem and stem-bigram terms, remembering how each stem was written."""

    forms: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def __call__(self, text: str) -> list[str]:
        found = content_words(text)
        stems = [stem(w) for w in found]
        for word, s in zip(found, stems, strict=True):
            self.forms[s][word] += 1
        return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)]

    def surface(self, term: str) -> str:
        """The most frequent written form of a stem (shortest, then alphabetical, on a tie)."""
        counts = self.forms.get(term)
        if not counts:
            return term
        return min(counts.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]


@dataclass
class Features:
    terms: list[str]  # column names: stems and "stem stem" bigrams
    counts: sparse.csr_matrix  # answers x terms
    analyzer: Analyzer

    def tfidf(self, rows: np.ndarray | slice, transformer: TfidfTransformer | None = None):
        """TF-IDF rows for some answers; fits the IDF when no transformer is given."""
        part = self.counts[rows]
        if transformer is None:
            transformer = TfidfTransformer(sublinear_tf=True).fit(part)
        return transformer.transform(part).astype(np.float32), transformer


def build_features(texts: list[str]) -> Features:
    """Count the terms of every answer. Raises ValueError when no answer has a content word."""
    analyzer = Analyzer()
    vectorizer = CountVectorizer(analyzer=analyzer, dtype=np.int32)
    counts = vectorizer.fit_transform(texts).tocsr()
    return Features(list(vectorizer.get_feature_names_out()), counts, analyzer)
