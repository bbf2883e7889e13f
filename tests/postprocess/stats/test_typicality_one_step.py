"""The one-step (k-step, k = 1) bootstrap of alpha used above FULL_REFIT_MAX_ROWS rows: each replicate is one
Newton step on the explicit resample, and its interval is close to full refits' on large data."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from postprocess.stats import typicality
from postprocess.stats.bootstrap import ClusterResamples
from postprocess.stats.typicality import typicality_alpha
from tests.postprocess.stats.test_typicality import clustered_pairs


def test_each_replicate_is_one_newton_step_on_the_explicit_resample(monkeypatch):
    delta, y, posts, cov = clustered_pairs(7, n_posts=40, per_post=5, k=2)
    monkeypatch.setattr(typicality, "FULL_REFIT_MAX_ROWS", 50)
    r = ClusterResamples.draw(posts, 8, seed=3)
    fit = typicality_alpha(delta, y, posts, cov, resamples=r, confidence=0.5)
    assert "one Newton step" in fit.alpha.method
    rms = np.sqrt(np.mean(delta**2))
    X = np.column_stack([delta / rms, cov])
    start = sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-12).params
    reps = []
    for b in range(8):
        idx = r.indices(posts, b)
        x, t = X[idx], y[idx]
        mu = 1 / (1 + np.exp(-x @ start))
        step = np.linalg.solve((x * (mu * (1 - mu))[:, None]).T @ x, x.T @ (t - mu))
        reps.append((start[0] + step[0]) * np.sqrt(np.mean(delta[idx] ** 2)) / rms)
    percentile = fit.alpha.details["percentile_ci_low"], fit.alpha.details["percentile_ci_high"]
    assert percentile == pytest.approx(tuple(np.quantile(reps, [0.25, 0.75])), abs=1e-9)


def test_one_step_interval_is_close_to_full_refits_on_large_data(monkeypatch):
    delta, y, posts, cov = clustered_pairs(11, n_posts=3000, per_post=3, alpha=0.4, k=1)
    full = typicality_alpha(delta, y, posts, cov, n_resamples=300, seed=1)
    assert "refitted on each resample" in full.alpha.method
    monkeypatch.setattr(typicality, "FULL_REFIT_MAX_ROWS", 1000)
    one = typicality_alpha(delta, y, posts, cov, n_resamples=300, seed=1)
    assert one.alpha.estimate == full.alpha.estimate
    (one_low, one_high), (full_low, full_high) = (
        (f.alpha.details["percentile_ci_low"], f.alpha.details["percentile_ci_high"]) for f in (one, full))
    width = full_high - full_low
    assert abs(one_low - full_low) < 0.02 * width
    assert abs(one_high - full_high) < 0.02 * width
    assert one_low != full_low
