"""alpha on Verbalized Sampling's published scale (`typicality_alpha(..., intercept=True)`): equal to a statsmodels
GLM with an intercept and cluster-robust SEs on delta / sd(delta), as `analyse/reg-share.py` fits it, on synthetic
pairs and on the shared real rows; its bootstrap refits use each resample's own sd."""

from __future__ import annotations

import json

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.special import expit

from postprocess.stats import typicality
from postprocess.stats.bootstrap import ClusterResamples
from postprocess.stats.typicality import typicality_alpha
from tests.helpers.paths import SFF_DIR, require_shared


def intercept_pairs(seed: int, n_posts: int = 50, per_post: int = 4, alpha: float = 0.6, intercept: float = 0.4):
    """Pairs on posts with a post component in delta, a mean away from 0, and a true intercept (the listed order
    carries information), so the VS reading differs from the order-free one."""
    rng = np.random.default_rng(seed)
    posts = np.repeat(np.arange(n_posts), per_post)
    delta = 0.3 + 0.6 * rng.normal(size=n_posts)[posts] + 0.8 * rng.normal(size=len(posts))
    y = (rng.random(len(posts)) < expit(intercept + alpha * delta)).astype(float)
    return delta, y, posts


def vs_fit(delta, y, posts, use_t: bool = False):
    """Verbalized Sampling's fit: GLM Binomial with a constant on the raw difference, clustered by prompt with
    the small-sample correction; alpha per sd is the raw coefficient times the sd (pandas' std, ddof 1). `use_t`:
    t quantiles with G - 1 degrees of freedom for the interval and p (statsmodels' cluster inference)."""
    X = sm.add_constant(np.asarray(delta, dtype=float), has_constant="add")
    groups = np.unique(posts, return_inverse=True)[1]
    res = sm.GLM(y, X, family=sm.families.Binomial()).fit(cov_type="cluster", use_t=use_t,
                                                          cov_kwds={"groups": groups, "use_correction": True})
    return res, float(np.std(delta, ddof=1))


def t_based(method: str) -> bool:
    """Whether alpha's shared interval machinery uses t quantiles on G - 1 df (else normal ones): the VS reading
    takes the same intervals as the order-free alpha, whichever they are."""
    return "G - 1" in method


def test_vs_alpha_equals_the_statsmodels_glm_with_intercept():
    delta, y, posts = intercept_pairs(0)
    fit = typicality_alpha(delta, y, posts, n_resamples=0, intercept=True)
    res, sd = vs_fit(delta, y, posts, use_t=t_based(fit.alpha.method))
    a = fit.alpha
    assert a.estimate == pytest.approx(res.params[1] * sd, rel=1e-9)
    assert a.details["sd"] == pytest.approx(sd, rel=1e-12) and "rms" not in a.details
    assert a.details["se_cluster"] == pytest.approx(res.bse[1] * sd, rel=1e-8)
    assert a.details["coef_intercept"] == pytest.approx(res.params[0], rel=1e-8)
    assert a.details["se_cluster_intercept"] == pytest.approx(res.bse[0], rel=1e-8)
    # The interval is the cluster-robust Wald one, scaled by the sd like the coefficient.
    assert (a.ci_low, a.ci_high) == pytest.approx(tuple(np.asarray(res.conf_int())[1] * sd), rel=1e-8)
    assert a.p_value == pytest.approx(res.pvalues[1], rel=1e-8)
    assert fit.odds_ratio.estimate == pytest.approx(np.exp(res.params[1] * sd))
    assert "with an intercept" in a.method and "sd(delta)" in a.method
    # The same data read order-free (no intercept, per rms) gives another number: the two readings differ here.
    free = typicality_alpha(delta, y, posts, n_resamples=0)
    assert abs(free.alpha.estimate - a.estimate) > 0.05


def test_the_discrete_logit_gives_the_same_point_estimate():
    delta, y, posts = intercept_pairs(1)
    fit = typicality_alpha(delta, y, posts, n_resamples=0, intercept=True)
    sd = np.std(delta, ddof=1)
    logit = sm.Logit(y, sm.add_constant(delta / sd)).fit(disp=0, cov_type="cluster",
                                                         cov_kwds={"groups": np.unique(posts, return_inverse=True)[1]})
    assert fit.alpha.estimate == pytest.approx(logit.params[1], rel=1e-7)
    assert fit.alpha.details["se_cluster"] == pytest.approx(logit.bse[1], rel=1e-6)


def test_swapping_every_pair_keeps_alpha_and_flips_the_intercept():
    delta, y, posts = intercept_pairs(2)
    one = typicality_alpha(delta, y, posts, n_resamples=0, intercept=True).alpha
    two = typicality_alpha(-delta, 1 - y, posts, n_resamples=0, intercept=True).alpha
    assert two.estimate == pytest.approx(one.estimate, rel=1e-9)
    assert two.details["coef_intercept"] == pytest.approx(-one.details["coef_intercept"], rel=1e-8)
    assert one.details["coef_intercept"] > 0.1  # the data's intercept of 0.4 is found


def test_bootstrap_refits_use_each_resamples_own_sd():
    delta, y, posts = intercept_pairs(3, n_posts=30)
    r = ClusterResamples.draw(posts, 6, seed=4)
    fit = typicality_alpha(delta, y, posts, resamples=r, confidence=0.5, intercept=True)
    reps = []
    for b in range(6):
        idx = r.indices(posts, b)
        res, sd_b = vs_fit(delta[idx], y[idx], posts[idx])
        reps.append(res.params[1] * sd_b)
    low, high = fit.alpha.details.get("percentile_ci_low", fit.alpha.ci_low), fit.alpha.details.get(
        "percentile_ci_high", fit.alpha.ci_high)
    assert (low, high) == pytest.approx(tuple(np.quantile(reps, [0.25, 0.75])), rel=1e-7)


def test_one_step_replicates_use_each_resamples_own_sd(monkeypatch):
    delta, y, posts = intercept_pairs(5, n_posts=40)
    monkeypatch.setattr(typicality, "FULL_REFIT_MAX_ROWS", 50)
    r = ClusterResamples.draw(posts, 8, seed=3)
    fit = typicality_alpha(delta, y, posts, resamples=r, confidence=0.5, intercept=True)
    assert "one Newton step" in fit.alpha.method and "sd recomputed" in fit.alpha.method
    sd = np.std(delta, ddof=1)
    X = np.column_stack([delta / sd, np.ones(len(delta))])
    start = sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-12).params
    reps = []
    for b in range(8):
        idx = r.indices(posts, b)
        x, t = X[idx], y[idx]
        mu = expit(x @ start)
        step = np.linalg.solve((x * (mu * (1 - mu))[:, None]).T @ x, x.T @ (t - mu))
        reps.append((start[0] + step[0]) * np.std(delta[idx], ddof=1) / sd)
    low, high = fit.alpha.details.get("percentile_ci_low", fit.alpha.ci_low), fit.alpha.details.get(
        "percentile_ci_high", fit.alpha.ci_high)
    assert (low, high) == pytest.approx(tuple(np.quantile(reps, [0.25, 0.75])), abs=1e-9)


def test_constant_delta_gives_a_reason():
    posts = np.repeat(np.arange(5), 2)
    y = np.array([0, 1] * 5, dtype=float)
    assert "constant on every row" in typicality_alpha(np.full(10, 0.7), y, posts, n_resamples=0,
                                                       intercept=True).alpha.reason


def test_vs_alpha_equals_statsmodels_on_the_shared_real_rows():
    """Real TL;DR pairs (batch18): delta is the log length ratio of summary 0 over summary 1 as the file lists them
    (no model scores in the data), the outcome 1 when the labeller chose summary 0, clustered by post."""
    path = require_shared(SFF_DIR / "comparisons" / "batch18.json")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    length = np.array([[len(s["text"].encode()) for s in r["summaries"]] for r in rows], dtype=float)
    delta = np.log(length[:, 0] / length[:, 1])
    outcome = np.array([r["choice"] == 0 for r in rows], dtype=float)
    posts = np.array([r["info"]["id"] for r in rows])
    fit = typicality_alpha(delta, outcome, posts, n_resamples=0, intercept=True)
    res, sd = vs_fit(delta, outcome, posts, use_t=t_based(fit.alpha.method))
    a = fit.alpha
    assert a.n == len(rows) and a.details["n_clusters"] == len(set(posts))
    assert a.estimate == pytest.approx(res.params[1] * sd, rel=1e-8)
    assert a.details["se_cluster"] == pytest.approx(res.bse[1] * sd, rel=1e-7)
    assert (a.ci_low, a.ci_high) == pytest.approx(tuple(np.asarray(res.conf_int())[1] * sd), rel=1e-7)
