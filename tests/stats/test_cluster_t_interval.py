"""The t interval with G - 1 degrees of freedom on the CR1 cluster-robust SE, which replaced the percentile bootstrap
for agreement, gamma and paired mean differences, against statsmodels' OLS with ``cov_type="cluster"`` and
``use_t=True`` (alpha's is checked against statsmodels' GLM in test_typicality.py), and scipy's one-sample t-test
where every post is one row."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from postprocess.compare.paired import agreement_difference, mean_difference
from postprocess.stats.agreement import agreement, pair_outcomes
from postprocess.stats.bootstrap import cluster_robust_se, t_interval
from postprocess.stats.sharpening import sharpening_gamma, within_post_demeaned


def _posts(seed: int, n_posts: int = 9) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.repeat(np.arange(n_posts), rng.integers(2, 11, n_posts))


def _cluster_ols(y, X, posts):
    return sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": posts}, use_t=True)


def test_agreement_interval_and_p_equal_statsmodels_cluster_ols():
    posts = _posts(0)
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=len(posts)), rng.normal(size=len(posts)), rng.integers(0, 2, len(posts))
    s = agreement(a, b, c, posts, n_resamples=200, seed=0, p_method="cluster")
    w = pair_outcomes(a, b, c)
    ref = _cluster_ols(w, np.ones((len(w), 1)), posts)
    assert ref.df_resid_inference == 8  # G - 1
    assert s.details["se_cluster"] == pytest.approx(ref.bse[0], rel=1e-10)
    assert (s.ci_low, s.ci_high) == pytest.approx(tuple(ref.conf_int()[0]), rel=1e-10)
    assert s.p_value == pytest.approx(float(ref.t_test("const = 0.5").pvalue), rel=1e-10)
    assert "t with G - 1 df" in s.method
    # The percentile interval of the same draws is kept, and is narrower here (9 posts).
    assert s.details["percentile_ci_high"] - s.details["percentile_ci_low"] < s.ci_high - s.ci_low


def test_agreement_interval_is_clipped_to_the_unit_range():
    posts = np.repeat(np.arange(4), 3)
    c = np.zeros(12)
    c[0] = 1  # 11 of 12 pairs agree: estimate ± t(3) SE passes 1
    s = agreement(np.ones(12), np.zeros(12), c, posts, n_resamples=50, seed=0)
    assert s.ci_high == 1.0 and s.ci_low < s.estimate


@pytest.mark.parametrize("with_length", [False, True])
def test_gamma_interval_equals_statsmodels_cluster_ols_on_the_demeaned_values(with_length):
    posts = _posts(2, n_posts=12)
    rng = np.random.default_rng(3)
    tokens = rng.integers(15, 60, len(posts)).astype(float)
    ref = -2 * tokens + rng.normal(0, 20, 12)[posts] + rng.normal(0, 8, len(posts))
    model = (0.8 + 0.2 * rng.normal(size=12)[posts]) * ref - 0.3 * tokens + rng.normal(0, 3, len(posts))
    s = sharpening_gamma(ref, model, posts, tokens if with_length else None, n_resamples=100, seed=0)
    X = np.column_stack([within_post_demeaned(v, posts) for v in ([ref, tokens] if with_length else [ref])])
    fit = _cluster_ols(within_post_demeaned(model, posts), X, posts)
    assert s.estimate == pytest.approx(fit.params[0], rel=1e-10)
    assert s.details["se_cluster"] == pytest.approx(fit.bse[0], rel=1e-10)
    assert (s.ci_low, s.ci_high) == pytest.approx(tuple(fit.conf_int()[0]), rel=1e-10)
    r = np.zeros(X.shape[1])
    r[0] = 1
    assert s.p_value == pytest.approx(float(fit.t_test((r, 1.0)).pvalue), rel=1e-10)


def test_paired_mean_difference_with_one_row_per_post_is_the_one_sample_t_test():
    rng = np.random.default_rng(4)
    first, second = rng.normal(size=8), rng.normal(size=8) + 0.3
    *_, d = mean_difference(first, second, np.arange(8), n_resamples=100, seed=0)
    t = sps.ttest_1samp(second - first, 0.0)
    assert (d.ci_low, d.ci_high) == pytest.approx(tuple(t.confidence_interval(0.95)), rel=1e-10)
    assert d.p_value == pytest.approx(t.pvalue, rel=1e-10)


def test_agreement_difference_equals_statsmodels_cluster_ols_of_the_paired_outcomes():
    posts = _posts(5)
    rng = np.random.default_rng(6)
    ra, rb, ma, mb = (rng.normal(size=len(posts)) for _ in range(4))
    c = rng.integers(0, 2, len(posts))
    d = agreement_difference(ra, rb, ma, mb, c, posts, n_resamples=100, seed=0)
    diff = pair_outcomes(ma, mb, c) - pair_outcomes(ra, rb, c)
    fit = _cluster_ols(diff, np.ones((len(diff), 1)), posts)
    assert (d.ci_low, d.ci_high) == pytest.approx(tuple(fit.conf_int()[0]), rel=1e-10)
    assert d.p_value == pytest.approx(float(fit.pvalues[0]), rel=1e-10)


def test_cluster_robust_se_needs_two_clusters_and_the_t_interval_handles_zero_se():
    assert np.isnan(cluster_robust_se([0.1, -0.1], [0, 0]))
    assert t_interval(0.5, 0.0, 5, 0.95, 0.5) == (0.5, 0.5, 1.0)
    assert t_interval(0.6, 0.0, 5, 0.95, 0.5)[2] == 0.0
