"""The frequency-weighted correlations (one row of weights per resample) equal scipy on the expanded sample; a
constant resample gives NaN, not garbage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from postprocess.stats.bootstrap import ClusterResamples, resampled
from postprocess.stats.weighted import (
    _ranks,
    partial_from_pairwise,
    weighted_kendall,
    weighted_partial_spearman,
    weighted_pearson,
    weighted_spearman,
)


@pytest.fixture(scope="module")
def clustered_data():
    rng = np.random.default_rng(3)
    posts = np.repeat(np.arange(30), rng.integers(1, 8, size=30))
    n = len(posts)
    x = rng.normal(size=n)
    x[:6] = x[6:12]  # ties in x
    y = rng.integers(1, 8, size=n).astype(float)  # Likert-like, heavy ties
    z = x + rng.normal(size=n)
    return posts, x, y, z


@pytest.mark.parametrize(
    "stat, reference",
    [
        (lambda x, y, z, w: weighted_pearson(x, y, w), lambda x, y, z: sps.pearsonr(x, y)[0]),
        (lambda x, y, z, w: weighted_spearman(x, y, w), lambda x, y, z: sps.spearmanr(x, y)[0]),
        (lambda x, y, z, w: weighted_kendall(x, y, w), lambda x, y, z: sps.kendalltau(x, y)[0]),
        (lambda x, y, z, w: weighted_kendall(y, x, w), lambda x, y, z: sps.kendalltau(x, y)[0]),
        (lambda x, y, z, w: weighted_kendall(x, z, w), lambda x, y, z: sps.kendalltau(x, z)[0]),
    ],
    ids=["pearson", "spearman", "kendall", "kendall-swapped", "kendall-continuous"],
)
def test_vectorised_statistics_equal_scipy_on_expanded_resamples(clustered_data, stat, reference):
    posts, x, y, z = clustered_data
    r = ClusterResamples.draw(posts, 40, seed=2)
    reps = resampled(lambda w: stat(x, y, z, w), posts, r, chunk_cells=len(x) * 7)
    expected = [reference(*(v[r.indices(posts, b)] for v in (x, y, z))) for b in range(40)]
    np.testing.assert_allclose(reps, expected, rtol=0, atol=1e-12)


def test_kendall_falls_back_to_scipy_for_many_levels(clustered_data, monkeypatch):
    import postprocess.stats.weighted as wmod

    posts, x, _, z = clustered_data
    r = ClusterResamples.draw(posts, 10, seed=0)
    fast = resampled(lambda w: weighted_kendall(x, z, w), posts, r)
    monkeypatch.setattr(wmod, "KENDALL_MAX_LEVELS", 1)
    slow = resampled(lambda w: weighted_kendall(x, z, w), posts, r)
    np.testing.assert_allclose(fast, slow, atol=1e-12)


def test_weighted_partial_spearman_matches_formula(clustered_data):
    posts, x, y, z = clustered_data
    r = ClusterResamples.draw(posts, 10, seed=4)
    reps = weighted_partial_spearman(x, y, z, r.row_weights(posts))
    for b in range(10):
        i = r.indices(posts, b)
        rxy, rxz, ryz = (sps.spearmanr(a[i], c[i])[0] for a, c in ((x, y), (x, z), (y, z)))
        expected = (rxy - rxz * ryz) / np.sqrt((1 - rxz**2) * (1 - ryz**2))
        assert reps[b] == pytest.approx(expected, abs=1e-12)


def test_ranks_are_midranks_of_expanded_sample():
    # values 3, 1, 3 with weights 1, 2, 1: expanded sample 3, 1, 1, 3 -> midranks 3.5, 1.5, 3.5
    ranks, ties = _ranks(np.array([3.0, 1.0, 3.0]), np.array([[1.0, 2.0, 1.0]]))
    np.testing.assert_array_equal(ranks, [[3.5, 1.5, 3.5]])
    np.testing.assert_array_equal(ties, [(2**3 - 2) + (2**3 - 2)])  # two tie groups of total weight 2


def test_constant_resample_gives_nan_not_garbage():
    # Resample weight only on rows where y is constant.
    x, y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 5.0, 6.0, 7.0])
    w = np.array([[2, 1, 0, 0], [1, 1, 1, 1]])
    for f in (weighted_pearson, weighted_spearman, weighted_kendall):
        out = f(x, y, w)
        assert np.isnan(out[0]) and np.isfinite(out[1])
    assert np.isnan(partial_from_pairwise(0.5, 1.0, 0.2))
