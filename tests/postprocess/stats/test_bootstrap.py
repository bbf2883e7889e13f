"""Cluster bootstrap: whole clusters are drawn, seeds reproduce, vectorised paths equal scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from postprocess.compare.paired import mean_difference
from postprocess.report.generation_statistics import mean_stat
from postprocess.stats.agreement import agreement
from postprocess.stats.bootstrap import (
    FALLBACK_NOTE,
    ClusterResamples,
    Settings,
    cluster_bootstrap,
    percentile_interval,
    resampled,
)
from postprocess.stats.diversity import BOUNDS
from postprocess.stats.weighted import (
    weighted_spearman,
)


def test_draw_counts_rows_sum_to_number_of_clusters():
    r = ClusterResamples.draw(["b", "a", "a", "c"], n_resamples=50, seed=0)
    assert r.labels.tolist() == ["a", "b", "c"]
    assert r.counts.shape == (50, 3)
    assert np.all(r.counts.sum(axis=1) == 3)


def test_same_seed_same_draws_different_seed_different():
    posts = np.repeat(np.arange(40), 3)
    a = ClusterResamples.draw(posts, 100, seed=7)
    b = ClusterResamples.draw(posts, 100, seed=7)
    c = ClusterResamples.draw(posts, 100, seed=8)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert not np.array_equal(a.counts, c.counts)
    x = np.arange(len(posts), dtype=float)
    ia = cluster_bootstrap(lambda i: x[i].mean(), posts, 200, seed=7)
    ib = cluster_bootstrap(lambda i: x[i].mean(), posts, 200, seed=7)
    ic = cluster_bootstrap(lambda i: x[i].mean(), posts, 200, seed=8)
    assert (ia.low, ia.high) == (ib.low, ib.high)
    assert (ia.low, ia.high) != (ic.low, ic.high)


def test_drawn_index_sets_are_unions_of_whole_clusters():
    posts = np.array([5, 5, 5, 9, 9, 2, 7, 7, 7, 7])
    r = ClusterResamples.draw(posts, 30, seed=1)
    for b in range(30):
        idx = r.indices(posts, b)
        drawn = r.counts[b][r.codes(posts)]
        # Each row appears exactly as often as its cluster was drawn: whole clusters come along.
        np.testing.assert_array_equal(np.bincount(idx, minlength=len(posts)), drawn)
        for p in np.unique(posts):
            rows = np.flatnonzero(posts == p)
            assert len(set(np.bincount(idx, minlength=len(posts))[rows])) == 1


def test_cluster_bootstrap_is_wider_than_row_bootstrap_when_clusters_are_duplicates():
    # 20 posts, each carrying 10 identical rows: the information is 20 values, not 200. The cluster
    # bootstrap of the mean must match a row bootstrap of the 20 post values (same spread), and be
    # about sqrt(10) wider than a naive row bootstrap of the 200 rows.
    rng = np.random.default_rng(0)
    post_values = rng.normal(size=20)
    posts = np.repeat(np.arange(20), 10)
    x = post_values[posts]
    cl = cluster_bootstrap(lambda i: x[i].mean(), posts, 2000, seed=0)
    rows = cluster_bootstrap(lambda i: x[i].mean(), np.arange(200), 2000, seed=0)
    per_post = cluster_bootstrap(lambda i: post_values[i].mean(), np.arange(20), 2000, seed=0)
    width = cl.high - cl.low
    assert width == pytest.approx(per_post.high - per_post.low, rel=1e-12)
    assert width / (rows.high - rows.low) == pytest.approx(np.sqrt(10), rel=0.2)


def test_percentile_interval_drops_nan_and_counts_them():
    iv = percentile_interval([np.nan, 1.0, 2.0, 3.0, np.nan], confidence=0.5)
    assert iv.n_dropped == 2 and iv.n_resamples == 5
    assert (iv.low, iv.high) == (1.5, 2.5)  # quartiles of 1, 2, 3 (linear interpolation)
    empty = percentile_interval([np.nan, np.nan])
    assert empty.low is None and empty.high is None and empty.n_dropped == 2
    with pytest.raises(ValueError):
        percentile_interval([1.0], confidence=1.5)


def test_interval_contains_estimate_on_well_behaved_data():
    rng = np.random.default_rng(1)
    posts = np.repeat(np.arange(100), 5)
    x = rng.normal(size=500) + rng.normal(size=100)[posts]
    iv = cluster_bootstrap(lambda i: x[i].mean(), posts, 500, seed=0)
    assert iv.low < x.mean() < iv.high


def test_labels_outside_the_draw_raise():
    r = ClusterResamples.draw([1, 2, 3], 5, seed=0)
    with pytest.raises(ValueError):
        r.codes([1, 4])


def test_row_subset_reuses_the_same_cluster_draws():
    posts = np.array([0, 0, 1, 1, 2, 2])
    r = ClusterResamples.draw(posts, 10, seed=0)
    sub = posts[[0, 2, 4]]
    np.testing.assert_array_equal(r.row_weights(sub), r.counts)


def test_paired_bootstrap_uses_the_same_draws():
    # Model B = model A + constant shift on the same rows: the paired difference of means is the
    # shift in every resample, so its interval is a point, unlike the unpaired spread.
    rng = np.random.default_rng(0)
    posts = np.repeat(np.arange(50), 4)
    a = rng.normal(size=200)
    b = a + 0.3
    paired = cluster_bootstrap(lambda i: b[i].mean() - a[i].mean(), posts, 300, seed=0)
    assert paired.low == pytest.approx(0.3) and paired.high == pytest.approx(0.3)
    # The vectorised path: replicates of two statistics from one set of draws, subtracted.
    r = ClusterResamples.draw(posts, 300, seed=0)
    y = a + rng.normal(size=200)
    ra = resampled(lambda w: weighted_spearman(a, y, w), posts, r)
    rb = resampled(lambda w: weighted_spearman(b, y, w), posts, r)
    diff = percentile_interval(rb - ra)
    assert diff.low == 0.0 and diff.high == 0.0  # a monotone shift leaves every rank unchanged
    generic = cluster_bootstrap(
        lambda i: sps.spearmanr(b[i], y[i])[0] - sps.spearmanr(a[i], y[i])[0], posts, resamples=r
    )
    assert generic.low == pytest.approx(0.0, abs=1e-12)


def test_with_one_post_the_method_names_the_percentile_interval_it_computed_not_the_cr2_one():
    """One post: no CR2 SE, so the interval is the percentile interval of the resampled post; `method` says so."""
    rate = agreement([2.0, 1.0, 2.0], [1.0, 2.0, 1.0], [0, 0, 0], [7, 7, 7], n_resamples=50, seed=0,
                     p_method="cluster")
    assert "Wilson" not in rate.method and "t-test" not in rate.method
    assert FALLBACK_NOTE in rate.method and "p: cluster bootstrap, inverts the percentile interval" in rate.method
    assert rate.ci_low == rate.ci_high == pytest.approx(2 / 3)  # every resample is the one post
    diff = mean_difference([0.1, 0.2], [0.3, 0.5], [4, 4], n_resamples=50, seed=0)[2]
    assert "t on the CR2" not in diff.method and FALLBACK_NOTE in diff.method
    assert "p: bootstrap two-sided" in diff.method
    two_posts = agreement([2.0, 1.0, 2.0], [1.0, 2.0, 1.0], [0, 0, 1], [7, 7, 8], n_resamples=50, seed=0,
                          p_method="cluster")
    assert "Wilson" in two_posts.method and FALLBACK_NOTE not in two_posts.method


def test_a_bounded_mean_keeps_its_t_interval_within_the_statistics_range_and_says_so():
    """distinct-n and the share of empty samples lie in [0, 1]: the t interval of a mean near 0 is clipped there."""
    values = pd.Series([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5], index=[f"p{g}" for g in range(7)])
    settings = Settings(n_resamples=50, seed=0)
    draws = settings.draws(values.index.to_numpy())["resamples"]
    clipped = mean_stat(values, draws, settings, "empty share", BOUNDS["empty_share"])
    free = mean_stat(values, draws, settings, "empty share")
    assert free.ci_low < 0 and clipped.ci_low == 0.0 and clipped.ci_high == pytest.approx(free.ci_high)
    assert "ci clipped to the statistic's range [0, 1]" in clipped.method and "clipped" not in free.method
    inside = mean_stat(values + 0.4, draws, settings, "distinct-2", BOUNDS["distinct_2"])
    assert "clipped" not in inside.method
