"""Semantic diversity of a set of texts from their sentence embeddings: mean pairwise cosine distance and the
Vendi score.

Lexical diversity (distinct-n, EAD, self-BLEU) is fooled by paraphrase: a policy that says one thing in many
words looks diverse. Kirk et al. 2024 add the mean pairwise cosine distance of sentence embeddings; Karouzos et
al. 2026 the Vendi score (Friedman & Dieng 2023, "The Vendi score: a diversity evaluation metric for machine
learning"): with K the n x n cosine-similarity kernel, exp of the Shannon entropy of the eigenvalues of K/n,
"the effective number of distinct texts": 1 when all n are the same, n when they are mutually orthogonal.

Inputs are embedding matrices (one row per non-empty text; the caller leaves empty texts out as for the
lexical statistics). Rows are normalised here, so any non-zero vectors work.

Examples
--------
>>> e = np.eye(3)
>>> round(vendi_score(e), 6), semantic_distance(e)
(3.0, 1.0)
>>> same = np.ones((4, 2))
>>> round(vendi_score(same), 6), round(semantic_distance(same), 6)
(1.0, 0.0)
"""

from __future__ import annotations

import math

import numpy as np

SEMANTIC = ("semantic_distance", "vendi_score")


def cosine_kernel(embeddings: np.ndarray) -> np.ndarray:
    """The n x n matrix of cosine similarities of the rows."""
    e = np.asarray(embeddings, dtype=float)
    unit = e / np.linalg.norm(e, axis=1, keepdims=True)
    return unit @ unit.T


def semantic_distance(embeddings: np.ndarray) -> float:
    """Mean over pairs i < j of 1 - cos(e_i, e_j) (NaN with fewer than 2 rows)."""
    n = len(embeddings)
    if n < 2:
        return math.nan
    k = cosine_kernel(embeddings)
    upper = k[np.triu_indices(n, 1)]
    return float(np.mean(1.0 - upper))


def vendi_score(embeddings: np.ndarray) -> float:
    """exp(-Σ λ log λ) over the eigenvalues λ of K/n, K the cosine kernel (0 log 0 = 0; NaN for no row); the
    eigenvalues sum to 1 (trace K = n).

    Hand-worked: two orthogonal vectors give K = I, eigenvalues of K/2 are 1/2, 1/2: exp(log 2) = 2.
    """
    n = len(embeddings)
    if n == 0:
        return math.nan
    e = np.asarray(embeddings, dtype=float)
    unit = e / np.linalg.norm(e, axis=1, keepdims=True)
    # The eigenvalues of K/n = U U^T / n are the squared singular values of U/√n (cheaper when dim < n).
    eigenvalues = np.linalg.svd(unit / math.sqrt(n), compute_uv=False) ** 2
    eigenvalues = eigenvalues[eigenvalues > 1e-12]  # 0 log 0 = 0; round-off leaves tiny values where K is singular
    return float(np.exp(-np.sum(eigenvalues * np.log(eigenvalues))))


def semantic_statistics(embeddings: np.ndarray) -> dict[str, float]:
    """Each statistic of `SEMANTIC` of one set of embeddings."""
    return {"semantic_distance": semantic_distance(embeddings), "vendi_score": vendi_score(embeddings)}
