"""Non-negative matrix factorisation for grouping answers, in NumPy: the method scikit-learn's
NMF uses by default (NNDSVDA start, coordinate descent, Frobenius loss, no regularisation),
without importing scikit-learn (and with it SciPy's statistics), which took longer to import than
the whole digest of 300 answers took to build.

Deterministic: the randomized SVD of the start draws from a seeded generator.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

EPS = 1e-6


def _orthonormal(m: np.ndarray) -> np.ndarray:
    # In double precision: LAPACK's single-precision QR was slower on these thin matrices.
    q, _ = np.linalg.qr(np.asarray(m, dtype=np.float64))
    return q.astype(m.dtype, copy=False)


def _svd(x, k: int, seed: int = 0, oversample: int = 10):
    """The k leading singular triplets of x: Halko et al.'s randomized SVD with the choices
    scikit-learn makes (power iterations 7 or 4, the wide side transposed, signs flipped so the
    largest entry of each left vector is positive); QR between the power iterations."""
    rng = np.random.RandomState(seed)
    power = 7 if k < 0.1 * min(x.shape) else 4
    transposed = x.shape[0] < x.shape[1]
    a = x.T if transposed else x
    q = rng.normal(size=(a.shape[1], k + oversample))
    if a.dtype.kind == "f":
        q = q.astype(a.dtype, copy=False)
    for _ in range(power):
        q = _orthonormal(a @ q)
        q = _orthonormal(a.T @ q)
    q = _orthonormal(a @ q)
    b = np.asarray((a.T @ q).T)
    u_small, s, vt = np.linalg.svd(b, full_matrices=False)
    u = q @ u_small
    # svd_flip: decided on u, or on v for a transposed matrix (the caller's u).
    if transposed:
        signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    else:
        signs = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])])
    signs[signs == 0] = 1
    u, vt = u * signs, vt * signs[:, None]
    if transposed:
        return vt[:k].T, s[:k], u[:, :k].T
    return u[:, :k], s[:k], vt[:k]


def nndsvda(x, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Boutsidis and Gallopoulos' NNDSVD start, its zeros filled with the mean of x."""
    u, s, v = _svd(x, k)
    w = np.zeros((x.shape[0], k), dtype=x.dtype)
    h = np.zeros((k, x.shape[1]), dtype=x.dtype)
    w[:, 0] = np.sqrt(s[0]) * np.abs(u[:, 0])
    h[0, :] = np.sqrt(s[0]) * np.abs(v[0, :])
    for j in range(1, k):
        col, row = u[:, j], v[j, :]
        col_p, row_p = np.maximum(col, 0), np.maximum(row, 0)
        col_n, row_n = np.abs(np.minimum(col, 0)), np.abs(np.minimum(row, 0))
        p = np.linalg.norm(col_p) * np.linalg.norm(row_p)
        n = np.linalg.norm(col_n) * np.linalg.norm(row_n)
        if p > n:
            uu, vv, sigma = col_p / np.linalg.norm(col_p), row_p / np.linalg.norm(row_p), p
        else:
            uu, vv, sigma = col_n / np.linalg.norm(col_n), row_n / np.linalg.norm(row_n), n
        scale = np.sqrt(s[j] * sigma)
        w[:, j] = scale * uu
        h[j, :] = scale * vv
    w[w < EPS] = 0
    h[h < EPS] = 0
    mean = x.mean()
    w[w == 0] = mean
    h[h == 0] = mean
    return np.nan_to_num(w), np.nan_to_num(h)


def _sweep(w: np.ndarray, hht: np.ndarray, xht: np.ndarray) -> float:
    """One pass of coordinate descent over the columns of w (rows are independent, so each
    column is updated for all rows at once); returns the projected gradient's size."""
    violation = 0.0
    for t in range(w.shape[1]):
        grad = w @ hht[t] - xht[:, t]
        projected = np.where(w[:, t] == 0, np.minimum(grad, 0), grad)
        violation += float(np.abs(projected).sum())
        if hht[t, t] != 0:
            w[:, t] = np.maximum(w[:, t] - grad / hht[t, t], 0)
    return violation


def nmf(x, k: int, max_iter: int = 300, tol: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """W (answers x k) and H (k x terms) with x ~ W H, both non-negative."""
    w, h = nndsvda(x, k)
    ht = np.ascontiguousarray(h.T)
    xt = x.T.tocsr() if sparse.issparse(x) else x.T
    first = None
    for _ in range(max_iter):
        violation = _sweep(w, ht.T @ ht, np.asarray(x @ ht))
        violation += _sweep(ht, w.T @ w, np.asarray(xt @ w))
        if first is None:
            first = violation
            if first == 0:
                break
        if violation / first <= tol:
            break
    return w, np.ascontiguousarray(ht.T)
