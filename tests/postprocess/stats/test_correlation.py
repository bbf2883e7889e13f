"""Correlations against scipy and hand-worked cases; degenerate inputs are undefined with a reason and never raise."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats as sps

from postprocess.stats import (
    ClusterResamples,
    kendall,
    partial_spearman,
    pearson,
    spearman,
)
from postprocess.stats.correlation import partial_pearson

CORRELATIONS = [spearman, pearson, kendall]


SCIPY = {spearman: sps.spearmanr, pearson: sps.pearsonr, kendall: sps.kendalltau}


@pytest.fixture(scope="module")
def ratings():
    rng = np.random.default_rng(0)
    posts = np.repeat(np.arange(60), rng.integers(2, 9, size=60))
    n = len(posts)
    quality = rng.normal(size=n) + 0.5 * rng.normal(size=60)[posts]
    length = rng.integers(50, 300, size=n).astype(float)
    measure = -length + 40 * quality + rng.normal(0, 30, size=n)
    rating = np.clip(np.round(4 + quality + rng.normal(0, 1, size=n)), 1, 7)
    measure[[3, 10]] = np.nan
    rating[[10, 20, 21]] = np.nan
    return measure, rating, length, posts


def test_spearman_p_above_500_pairs_is_scipys_t_approximation():
    rng = np.random.default_rng(3)
    x = rng.normal(size=501)
    y = np.round(x + 3 * rng.normal(size=501))
    s = spearman(x, y, n_resamples=0)
    assert s.p_value == sps.spearmanr(x, y).pvalue and "t-approximation" in s.method


@pytest.mark.parametrize("fn", CORRELATIONS, ids=lambda f: f.__name__)
def test_estimate_and_p_equal_scipy_and_nan_pairs_are_dropped(fn, ratings):
    x, y, _, posts = ratings
    s = fn(x, y, posts, n_resamples=200)
    keep = np.isfinite(x) & np.isfinite(y)
    ref = SCIPY[fn](x[keep], y[keep])
    p_value = ref.pvalue
    if fn is spearman:  # n <= 500: a permutation test of the pairing, seeded like the bootstrap
        p_value = sps.permutation_test((x[keep],), lambda a: sps.spearmanr(a, y[keep]).statistic,
                                       permutation_type="pairings", n_resamples=9999,
                                       rng=np.random.default_rng(0)).pvalue
    np.testing.assert_allclose([s.estimate, s.p_value], [ref.statistic, p_value], rtol=1e-12)
    assert (s.n, s.n_dropped) == (keep.sum(), 4)
    assert s.ci_low < s.estimate < s.ci_high
    assert s.details["n_resamples"] == 200 and s.details["n_clusters"] == 60


@pytest.mark.parametrize("fn", CORRELATIONS, ids=lambda f: f.__name__)
def test_ci_is_deterministic_per_seed_and_reusable_draws_match(fn, ratings):
    x, y, _, posts = ratings
    a = fn(x, y, posts, n_resamples=100, seed=5)
    b = fn(x, y, posts, n_resamples=100, seed=5)
    c = fn(x, y, posts, n_resamples=100, seed=6)
    percentile = ("percentile_ci_low", "percentile_ci_high")
    a_pct, b_pct, c_pct = ([s.details[k] for k in percentile] for s in (a, b, c))
    assert a_pct == b_pct != c_pct
    # The printed interval (the jackknife's) does not draw at all.
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high) == (c.ci_low, c.ci_high)
    draws = ClusterResamples.draw(posts, 100, seed=5)
    d = fn(x, y, posts, resamples=draws)
    assert (d.ci_low, d.ci_high) == (a.ci_low, a.ci_high)
    assert [d.details[k] for k in percentile] == [a.details[k] for k in percentile]


@pytest.mark.parametrize("fn", CORRELATIONS, ids=lambda f: f.__name__)
def test_vectorised_ci_equals_generic_bootstrap(fn, ratings):
    from postprocess.stats.bootstrap import cluster_bootstrap

    x, y, _, posts = ratings
    keep = np.isfinite(x) & np.isfinite(y)
    draws = ClusterResamples.draw(posts, 60, seed=1)
    s = fn(x, y, posts, resamples=draws)
    xk, yk = x[keep], y[keep]
    generic = cluster_bootstrap(lambda i: SCIPY[fn](xk[i], yk[i])[0], posts[keep], resamples=draws)
    assert s.details["percentile_ci_low"] == pytest.approx(generic.low, abs=1e-12)
    assert s.details["percentile_ci_high"] == pytest.approx(generic.high, abs=1e-12)


@pytest.mark.parametrize("fn", [*CORRELATIONS, partial_spearman], ids=lambda f: f.__name__)
def test_interval_is_t_on_the_jackknife_se_of_fisher_z(fn, ratings):
    """The interval written out: scipy's statistic without each post in turn, atanh, the jackknife SE
    sqrt((G - 1) / G Σ (z_g - z̄)²), atanh(r) ± t(G - 1) SE, tanh; p the t-test of z = 0."""
    x, y, length, posts = ratings
    keep = np.isfinite(x) & np.isfinite(y)
    xk, yk, lk, pk = x[keep], y[keep], length[keep], posts[keep]
    if fn is partial_spearman:
        s = fn(x, y, length, posts, n_resamples=50, p_method="cluster")

        def point(i):
            return partial_spearman(xk[i], yk[i], lk[i], n_resamples=0).estimate
    else:
        s = fn(x, y, posts, n_resamples=50, p_method="cluster")

        def point(i):
            return SCIPY[fn](xk[i], yk[i])[0]
    labels = np.unique(pk)
    z = np.arctanh([point(pk != g) for g in labels])
    g = len(labels)
    se = np.sqrt((g - 1) / g * np.sum((z - z.mean()) ** 2))
    q = sps.t.ppf(0.975, g - 1)
    centre = np.arctanh(s.estimate)
    assert s.details["se_jackknife_z"] == pytest.approx(se, rel=1e-9) and s.details["df"] == g - 1
    assert (s.ci_low, s.ci_high) == pytest.approx((np.tanh(centre - q * se), np.tanh(centre + q * se)), rel=1e-9)
    assert s.p_value == pytest.approx(2 * sps.t.sf(abs(centre) / se, g - 1), rel=1e-9)
    assert "jackknife" in s.method and "Fisher" in s.method


def test_correlation_keeps_the_percentile_interval_above_the_jackknife_limit(monkeypatch, ratings):
    import postprocess.stats.correlation as correlation
    from postprocess.stats.bootstrap import cluster_bootstrap

    monkeypatch.setattr(correlation, "JACKKNIFE_MAX_CLUSTERS", 10)
    x, y, _, posts = ratings
    s = spearman(x, y, posts, n_resamples=60, seed=1)
    assert "bootstrap percentile (more than 10 clusters)" in s.method and "se_jackknife_z" not in s.details
    keep = np.isfinite(x) & np.isfinite(y)
    xk, yk = x[keep], y[keep]
    generic = cluster_bootstrap(lambda i: sps.spearmanr(xk[i], yk[i])[0], posts[keep],
                                resamples=ClusterResamples.draw(posts, 60, seed=1))
    assert (s.ci_low, s.ci_high) == pytest.approx((generic.low, generic.high), abs=1e-12)


@pytest.mark.parametrize("fn", [*CORRELATIONS, partial_spearman], ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "x, y, why",
    [
        ([], [], "no complete pairs"),
        ([np.nan] * 6, [1.0] * 6, "no complete pairs"),
        ([1.0, 2.0, 3.0], [3.0, 1.0, 2.0], "only 3 complete pairs"),
        ([1.0, 2.0, 3.0, np.nan, 5.0], [2.0, 1.0, 3.0, 4.0, np.nan], "only 3 complete pairs"),
        ([1.0, 2.0, 3.0, 4.0, 5.0], [4.0] * 5, "y is constant"),
        ([7.0] * 5, [1.0, 2.0, 3.0, 4.0, 5.0], "x is constant"),
    ],
)
def test_degenerate_inputs_are_undefined_with_reason_and_no_warning(fn, x, y, why):
    args = (x, y, np.arange(len(x), dtype=float)) if fn is partial_spearman else (x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = fn(*args, n_resamples=50)
    assert not s.defined and s.p_value is None and s.ci_low is None
    assert why in s.reason
    assert s.to_dict()["estimate"] is None


@pytest.mark.parametrize("fn", CORRELATIONS, ids=lambda f: f.__name__)
def test_perfect_correlation_is_defined(fn):
    s = fn([1, 2, 3, 4, 5, 6], [-1, 1, 3, 5, 7, 9], n_resamples=100)
    assert s.estimate == pytest.approx(1.0) and s.p_value < 0.05
    assert s.ci_low == pytest.approx(1.0) and s.ci_high == pytest.approx(1.0)
    # Some resamples draw a single distinct row, where r is undefined: they are dropped and counted.
    assert 0 <= s.details["n_resamples_dropped"] < 100


def test_heavy_ties_match_scipy():
    x = [1, 1, 2, 2, 3, 3, 3, 4]
    y = [2, 1, 2, 2, 3, 5, 5, 5]
    for fn in CORRELATIONS:
        assert fn(x, y, n_resamples=0).estimate == pytest.approx(SCIPY[fn](x, y)[0], abs=1e-14)
    assert kendall(x, y, n_resamples=0).ci_low is None


def test_partial_spearman_hand_worked():
    # Spearman with d = rank differences, rho = 1 - 6 sum(d^2) / (n (n^2 - 1)), n = 5, n(n^2-1) = 120:
    #   x = 1 2 3 4 5, y = 2 1 4 3 5: sum d^2 = 4  -> r_xy = 1 - 24/120 = 0.8
    #   x vs z = 1 2 3 5 4:           sum d^2 = 2  -> r_xz = 1 - 12/120 = 0.9
    #   y vs z:  d = 1 -1 1 -2 1,     sum d^2 = 8  -> r_yz = 1 - 48/120 = 0.6
    # r_xy.z = (0.8 - 0.54) / sqrt(0.19 * 0.64) = 0.26 / 0.348712 = 0.745601
    # t = r sqrt((n-3) / (1-r^2)) = 0.745601 * sqrt(2 / 0.444079) = 1.582300, two-sided t(2)
    s = partial_spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], [1, 2, 3, 5, 4], n_resamples=0)
    assert s.estimate == pytest.approx(0.26 / np.sqrt(0.19 * 0.64), abs=1e-12)
    assert s.p_value == pytest.approx(2 * sps.t.sf(1.5823, 2), abs=1e-4)


def test_partial_spearman_equals_residualised_ranks(ratings):
    x, y, z, posts = ratings
    keep = np.isfinite(x) & np.isfinite(y)
    s = partial_spearman(x, y, z, posts, n_resamples=100)
    ranks = [sps.rankdata(v[keep]) for v in (x, y, z)]
    design = np.column_stack([np.ones(keep.sum()), ranks[2]])
    res = [r - design @ np.linalg.lstsq(design, r, rcond=None)[0] for r in ranks[:2]]
    assert s.estimate == pytest.approx(np.corrcoef(*res)[0, 1], abs=1e-12)
    dof = keep.sum() - 3
    t = s.estimate * np.sqrt(dof / (1 - s.estimate**2))
    assert s.p_value == pytest.approx(2 * sps.t.sf(abs(t), dof), rel=1e-10)
    assert s.ci_low < s.estimate < s.ci_high


def test_partial_spearman_undefined_when_covariate_determines_x():
    s = partial_spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], [10, 20, 30, 40, 50])
    assert not s.defined and "determine" in s.reason


def test_partial_pearson_is_the_correlation_of_the_residuals():
    """Independent computation: regress x and y on z (with intercept) and correlate the residuals."""
    rng = np.random.default_rng(7)
    z = rng.normal(size=200)
    x, y = z + rng.normal(size=200), 0.5 * z + rng.normal(size=200)
    rx, ry = (v - np.polyval(np.polyfit(z, v, 1), z) for v in (x, y))
    stat = partial_pearson(x, y, z, n_resamples=0)
    assert stat.estimate == pytest.approx(np.corrcoef(rx, ry)[0, 1], abs=1e-12)
    t = stat.estimate * np.sqrt(197 / (1 - stat.estimate**2))
    assert stat.p_value == pytest.approx(2 * sps.t.sf(abs(t), 197), rel=1e-12)


def test_correlation_without_a_jackknife_says_it_prints_the_percentile_interval():
    # Post 0 holds the only rating that differs: without it the rating is constant, Spearman undefined.
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    y = np.array([5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    posts = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    s = spearman(x, y, posts, n_resamples=50, seed=0)
    assert "bootstrap percentile (the statistic is undefined without one of the clusters" in s.method
    assert "se_jackknife_z" not in s.details and s.ci_low is not None
