"""The t interval on the CR2 cluster-robust SE with Bell-McCaffrey degrees of freedom, which replaced the percentile
bootstrap for agreement, gamma and paired mean differences: `cluster_robust_t` against a dense computation with
the n x n hat matrix (scipy's matrix square root, the eigenvalues of the G x G matrix), and against statsmodels'
OLS with ``cov_type="cluster"`` and ``use_t=True`` (CR1, G - 1 df) where the two must agree: equal clusters of a
mean. Where every post is one row the interval is scipy's one-sample t interval. Agreement's Wilson interval on the
CR2 effective sample size against the roots of its quadratic and, without a design effect, statsmodels' Wilson.
The paired differences are checked in tests/postprocess/compare/test_paired.py.
alpha's (CR1, G - 1 df) is checked against statsmodels' GLM in test_typicality.py."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from postprocess.stats.agreement import agreement, pair_outcomes
from postprocess.stats.bootstrap import cluster_robust_t, t_interval, wilson_t_interval
from postprocess.stats.sharpening import sharpening_gamma, within_post_demeaned
from tests.helpers.cr2 import cluster_labels, dense_cr2, score_roots


def test_cr2_and_its_degrees_of_freedom_equal_the_dense_computation():
    posts = cluster_labels(0, n_posts=7)
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(size=len(posts)), rng.exponential(size=len(posts))])
    y = X @ [0.5, -1.0] + rng.normal(size=len(posts))
    u = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    for coef in (0, 1):
        se, df = cluster_robust_t(X, u, posts, coef)
        assert (se, df) == pytest.approx(dense_cr2(X, u, posts, coef), rel=1e-9)
        assert df < len(np.unique(posts)) - 1  # unequal clusters: fewer df than G - 1


def test_agreement_interval_is_wilson_on_the_cr2_effective_size_and_statsmodels_on_equal_clusters():
    posts = cluster_labels(2)
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=len(posts)), rng.normal(size=len(posts)), rng.integers(0, 2, len(posts))
    s = agreement(a, b, c, posts, n_resamples=200, seed=0, p_method="cluster")
    w = pair_outcomes(a, b, c)
    se, df = dense_cr2(np.ones(len(w)), w - w.mean(), posts)
    assert (s.details["se_cr2"], s.details["df_bell_mccaffrey"]) == pytest.approx((se, df), rel=1e-9)
    assert (s.ci_low, s.ci_high) == pytest.approx(score_roots(w.mean(), se, df), rel=1e-9)
    # The score test at 0.5 with the variance taken there: se² 0.25 / (p(1 - p)).
    null_se = se * np.sqrt(0.25 / (w.mean() * (1 - w.mean())))
    assert s.p_value == pytest.approx(2 * sps.t.sf(abs(w.mean() - 0.5) / null_se, df), rel=1e-9)
    assert "Wilson" in s.method and "CR2" in s.method
    # The percentile interval of the same draws is kept, and is narrower here (9 posts).
    assert s.details["percentile_ci_high"] - s.details["percentile_ci_low"] < s.ci_high - s.ci_low
    # Equal clusters: CR2 is CR1 and the df are G - 1, statsmodels' cluster-robust OLS with use_t.
    equal = np.repeat(np.arange(10), 4)
    s = agreement(a[:40], b[:40], c[:40], equal, n_resamples=50, seed=0, p_method="cluster")
    fit = sm.OLS(pair_outcomes(a[:40], b[:40], c[:40]), np.ones((40, 1))).fit(
        cov_type="cluster", cov_kwds={"groups": equal}, use_t=True)
    assert (s.ci_low, s.ci_high) == pytest.approx(score_roots(float(fit.params[0]), float(fit.bse[0]), 9), rel=1e-9)


def test_wilson_interval_without_a_design_effect_is_statsmodels_wilson():
    low, high, p = wilson_t_interval(0.62, np.sqrt(0.62 * 0.38 / 200), 1e12, 0.95, 0.5, 200)
    assert (low, high) == pytest.approx(proportion_confint(124, 200, method="wilson"), rel=1e-9)
    assert p == pytest.approx(float(proportions_ztest(124, 200, value=0.5, prop_var=0.5)[1]), rel=1e-6)


def test_agreement_interval_stays_in_the_unit_range():
    posts = np.repeat(np.arange(4), 3)
    c = np.zeros(12)
    c[0] = 1  # 11 of 12 pairs agree: estimate + t SE passes 1, the score interval does not
    s = agreement(np.ones(12), np.zeros(12), c, posts, n_resamples=50, seed=0)
    assert s.estimate < s.ci_high < 1.0 and s.ci_low < s.estimate
    every = agreement(np.ones(12), np.zeros(12), np.zeros(12), posts, n_resamples=50, seed=0)
    assert every.ci_high == 1.0 and 0.5 < every.ci_low < 1.0  # se 0: Wilson on the 12 pairs


@pytest.mark.parametrize("with_length", [False, True])
def test_gamma_interval_is_cr2_on_the_demeaned_regressors(with_length):
    posts = cluster_labels(4, n_posts=12)
    rng = np.random.default_rng(5)
    tokens = rng.integers(15, 60, len(posts)).astype(float)
    ref = -2 * tokens + rng.normal(0, 20, 12)[posts] + rng.normal(0, 8, len(posts))
    model = (0.8 + 0.2 * rng.normal(size=12)[posts]) * ref - 0.3 * tokens + rng.normal(0, 3, len(posts))
    s = sharpening_gamma(ref, model, posts, {"token count": tokens} if with_length else None, n_resamples=100,
                         seed=0)
    X = np.column_stack([within_post_demeaned(v, posts) for v in ([ref, tokens] if with_length else [ref])])
    yd = within_post_demeaned(model, posts)
    fit = sm.OLS(yd, X).fit()
    assert s.estimate == pytest.approx(fit.params[0], rel=1e-10)
    se, df = dense_cr2(X, fit.resid, posts)
    half = sps.t.ppf(0.975, df) * se
    assert (s.ci_low, s.ci_high) == pytest.approx((s.estimate - half, s.estimate + half), rel=1e-9)
    assert s.p_value == pytest.approx(2 * sps.t.sf(abs(s.estimate - 1) / se, df), rel=1e-9)


def test_one_cluster_has_no_se_and_the_t_interval_handles_zero_se():
    assert all(np.isnan(cluster_robust_t(np.ones(2), [0.1, -0.1], [0, 0])))
    assert t_interval(0.5, 0.0, 5, 0.95, 0.5) == (0.5, 0.5, 1.0)
    assert t_interval(0.6, 0.0, 5, 0.95, 0.5)[2] == 0.0
