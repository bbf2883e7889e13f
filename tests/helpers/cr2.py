"""Independent routes to the cluster-robust t and Wilson intervals, for the tests of every estimator that uses them:
CR2 written out with n x n matrices, the Wilson interval as the roots of its quadratic."""

from __future__ import annotations

import numpy as np
import scipy.linalg
from scipy import stats as sps


def cluster_labels(seed: int, n_posts: int = 9) -> np.ndarray:
    """Post labels 0..n_posts - 1, each repeated 2 to 10 times (unequal clusters), drawn from `seed`."""
    rng = np.random.default_rng(seed)
    return np.repeat(np.arange(n_posts), rng.integers(2, 11, n_posts))


def dense_cr2(X, u, clusters, coef=0):
    """CR2 and the Bell-McCaffrey df written out with n x n matrices: V = Σ_g (e'P X_g' A_g u_g)²,
    A_g = (I - H_gg)^(-1/2); df = (Σλ)² / Σλ², λ the eigenvalues of Γ'Γ, Γ_g = (I - H)[:, g] A_g X_g P e."""
    X = np.asarray(X, dtype=float).reshape(len(u), -1)
    P = np.linalg.inv(X.T @ X)
    M = np.eye(len(u)) - X @ P @ X.T
    V, columns = 0.0, []
    for g in np.unique(clusters):
        rows = clusters == g
        A = np.real(scipy.linalg.sqrtm(np.linalg.inv(M[np.ix_(rows, rows)])))
        w = A @ X[rows] @ P[:, coef]
        V += float(w @ u[rows]) ** 2
        columns.append(M[:, rows] @ w)
    lam = np.linalg.eigvalsh(np.column_stack(columns).T @ np.column_stack(columns))
    return np.sqrt(V), lam.sum() ** 2 / np.sum(lam**2)


def score_roots(p_hat: float, se: float, df: float, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson interval as the set of p0 where (p_hat - p0)² <= q² se² p0(1 - p0) / (p_hat(1 - p_hat)): the two
    roots of that quadratic in p0, by numpy (an independent route to `wilson_t_interval`'s closed form)."""
    k = sps.t.ppf(0.5 + confidence / 2, df) ** 2 * se**2 / (p_hat * (1 - p_hat))
    return tuple(sorted(np.roots([1 + k, -(2 * p_hat + k), p_hat**2]).real))
