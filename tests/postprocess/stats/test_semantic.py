"""Semantic diversity (`postprocess.stats.semantic`) against known truths and an independent eigenvalue
computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from postprocess.stats.semantic import semantic_distance, semantic_statistics, vendi_score


def independent_vendi(x: np.ndarray) -> float:
    """Friedman & Dieng's definition read directly: eigvalsh of the cosine kernel over n."""
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    lam = np.linalg.eigvalsh(unit @ unit.T / len(x))
    lam = lam[lam > 1e-12]
    return float(np.exp(-(lam * np.log(lam)).sum()))


@pytest.mark.parametrize("k", [2, 4, 16])
def test_k_identical_samples_give_distance_0_and_vendi_1(k):
    same = np.tile(np.random.default_rng(k).normal(size=(1, 8)), (k, 1))
    assert semantic_distance(same) == pytest.approx(0, abs=1e-12)
    assert vendi_score(same) == pytest.approx(1)


@pytest.mark.parametrize("k", [2, 5, 16])
def test_k_orthogonal_embeddings_give_vendi_k_and_distance_1(k):
    q, _ = np.linalg.qr(np.random.default_rng(k).normal(size=(32, k)))
    orthogonal = q.T * np.arange(1, k + 1)[:, None]  # scaled rows: the kernel is of cosines
    assert vendi_score(orthogonal) == pytest.approx(k)
    assert semantic_distance(orthogonal) == pytest.approx(1)


@pytest.mark.parametrize(("n", "dim"), [(3, 10), (20, 5), (50, 384)])
def test_vendi_equals_an_eigvalsh_computation_on_random_vectors(n, dim):
    x = np.random.default_rng(n * dim).normal(size=(n, dim))
    assert vendi_score(x) == pytest.approx(independent_vendi(x), rel=1e-9)
    assert 1 <= vendi_score(x) <= min(n, dim) + 1e-9


def test_distance_is_the_mean_over_pairs_by_hand():
    # cosines: (a, b) 0, (a, c) 1/√2, (b, c) 1/√2 → mean distance (1 + 2 (1 - 1/√2)) / 3
    x = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    assert semantic_distance(x) == pytest.approx((1 + 2 * (1 - 1 / math.sqrt(2))) / 3)


def test_too_few_texts_are_undefined():
    one = np.ones((1, 3))
    assert math.isnan(semantic_distance(one)) and vendi_score(one) == pytest.approx(1)
    empty = semantic_statistics(np.zeros((0, 3)))
    assert math.isnan(empty["semantic_distance"]) and math.isnan(empty["vendi_score"])
