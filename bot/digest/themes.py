"""Grouping answers into themes: NMF (nmf.py) on the stem TF-IDF, labelled by the lemmas of
distinctive stems.

Deterministic: NMF starts from NNDSVDA (no random start) and ties are broken by answer order.
Large inputs: the themes are learnt from an evenly spread sample of FIT_SAMPLE answers and every
answer is then placed in the theme whose component it projects onto most (linear in the answers).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.digest.features import Features, build_features, lemma_forms
from bot.digest.nmf import nmf
from bot.digest.text import is_known, stop_words

MAX_THEMES = 6
FIT_SAMPLE = 3000
CHUNK = 5000
LABEL_TERMS = 3
LABEL_CANDIDATES = 10
KNOWN_BY_USE = 3  # a word no dictionary knows is a label word once this many answers use it


@dataclass
class Grouping:
    """Theme of every answer (-1: no words to group by), strength of that membership, labels."""

    theme_of: np.ndarray
    strength: np.ndarray
    terms: list[list[str]]  # per theme, its label words (lemmas), most distinctive first
    term_stems: list[set[str]]  # per theme, its distinctive stems (for picking quotes)


def theme_count(n: int) -> int:
    """A handful of themes, growing slowly with the number of answers: 1 for a few, 6 at most."""
    if n < 4:
        return 1
    return max(2, min(MAX_THEMES, round(math.sqrt(n) / 2)))


def group_answers(
    texts: list[str],
    k: int | None = None,
    *,
    language: str = "da",
    is_name: Callable[[str], bool] = lambda word: False,
) -> Grouping:
    """Group texts into k themes (chosen from their number when not given). `is_name` tells
    which lemmas name a person or place: those never label a theme."""
    n = len(texts)
    empty = Grouping(np.full(n, -1), np.zeros(n), [], [])
    if n == 0:
        return empty
    try:
        features = build_features(texts)
    except ValueError:  # no content word in any answer
        return empty
    k = min(k or theme_count(n), n)
    sample = np.arange(n) if n <= FIT_SAMPLE else np.linspace(0, n - 1, FIT_SAMPLE).astype(int)
    fit_rows, transformer = features.tfidf(sample)
    with warnings.catch_warnings():
        # NNDSVDA on near-identical answers can take a square root of a rounding error below 0.
        warnings.simplefilter("ignore", RuntimeWarning)
        weights, components = nmf(fit_rows, k, max_iter=300, tol=1e-4)
        weights = np.nan_to_num(weights)
    if n <= FIT_SAMPLE:
        theme_of, strength = _assign(weights)
    else:
        components = components / (np.linalg.norm(components, axis=1)[:, None] + 1e-12)
        theme_of = np.empty(n, dtype=int)
        strength = np.empty(n)
        for start in range(0, n, CHUNK):
            rows, _ = features.tfidf(slice(start, start + CHUNK), transformer)
            theme_of[start : start + CHUNK], strength[start : start + CHUNK] = _assign(
                np.asarray(rows @ components.T)
            )
    terms, stems = _labels(features, theme_of, k, texts, language, is_name)
    return Grouping(theme_of, strength, terms, stems)


def _assign(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    totals = weights.sum(axis=1)
    theme_of = np.where(totals > 0, weights.argmax(axis=1), -1)
    strength = np.where(totals > 0, weights.max(axis=1) / np.maximum(totals, 1e-12), 0.0)
    return theme_of, strength


def _labels(
    features: Features,
    theme_of: np.ndarray,
    k: int,
    texts: list[str],
    language: str,
    is_name: Callable[[str], bool],
) -> tuple[list[list[str]], list[set[str]]]:
    """Per theme, the stems found in many of its answers and rarely in the others (by lift
    times frequency), shown as the lemma their words most often have in the theme's answers.
    Label words are real words (the dictionary knows them, or several answers use them), no
    fillers and no names; every one is the lemma of a word in the theme's own answers."""
    stops = stop_words()
    unigram = np.array([len(term) >= 3 for term in features.terms])
    present = (features.counts > 0).astype(np.float32).tocsr()
    overall = np.asarray(present.sum(axis=0)).ravel()
    n = max(1, int((theme_of >= 0).sum()))
    terms: list[list[str]] = []
    stems: list[set[str]] = []
    for theme in range(k):
        rows = np.flatnonzero(theme_of == theme)
        if rows.size == 0:
            terms.append([])
            stems.append(set())
            continue
        inside = np.asarray(present[rows].sum(axis=0)).ravel()
        least = 2 if rows.size >= 3 else 1
        score = np.where(
            unigram & (inside >= least),
            inside * (inside / rows.size) / (np.maximum(overall, 1) / n),
            0.0,
        )
        candidates = np.flatnonzero(score)
        ranked = sorted(candidates, key=lambda col: (-score[col], features.terms[col]))
        stems.append({features.terms[col] for col in ranked[:LABEL_CANDIDATES]})
        # The lemmas are read from (at most) the first 300 answers of the theme.
        wanted = ranked[: 4 * LABEL_CANDIDATES]
        forms = lemma_forms(
            [texts[i] for i in rows[:300]], {features.terms[c] for c in wanted}, language
        )
        label: list[str] = []
        for col in wanted:
            word = next(iter(forms.get(features.terms[col], [])), None)
            if word is None or word in label or word in stops or is_name(word):
                continue
            if not (is_known(word, language) or overall[col] >= KNOWN_BY_USE):
                continue
            label.append(word)
            if len(label) == LABEL_TERMS:
                break
        terms.append(label)
    return terms, stems
