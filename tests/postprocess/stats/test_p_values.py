"""Every p-value beside an interval inverts it: p < 1 - confidence exactly when the interval excludes the
null (the report's tables rest on it; tests/postprocess/report/test_report_truth.py checks the tables themselves)."""

from __future__ import annotations

import numpy as np
import pytest

from postprocess.stats.agreement import agreement
from postprocess.stats.bootstrap import percentile_interval, percentile_p_value
from postprocess.stats.correlation import kendall, partial_spearman, pearson, spearman


def _excludes(stat: dict, null: float) -> bool:
    return stat["ci_low"] > null or stat["ci_high"] < null


def test_clustered_agreement_where_the_sign_test_disagrees():
    # 30 posts of 6 pairs: 17 posts all agree, 12 all disagree, one half and half. 105 of 180 pairs
    # agree (0.583), which the sign test on 180 "independent" pairs calls significant; resampling the
    # 30 posts (post-level rate 17.5 / 30) does not.
    posts = np.repeat(np.arange(30), 6)
    agree = np.r_[np.ones(17 * 6), np.zeros(12 * 6), [1, 1, 1, 0, 0, 0]]
    a = np.where(agree == 1, 2.0, 1.0)
    b = np.ones(180) * 1.5
    choice = np.zeros(180)
    old = agreement(a, b, choice, posts, n_resamples=400)
    new = agreement(a, b, choice, posts, n_resamples=400, p_method="cluster")
    assert (new.ci_low, new.ci_high) == (old.ci_low, old.ci_high)
    assert old.p_value < 0.05 and new.ci_low < 0.5  # the old row contradicted its own interval
    assert new.p_value >= 0.05 and new.details["p_value_independent"] == old.p_value
    assert old.details["p_value_cluster"] == new.p_value


@pytest.mark.parametrize("fn", [spearman, pearson, kendall, partial_spearman], ids=lambda f: f.__name__)
def test_correlation_cluster_p_inverts_its_interval(fn):
    rng = np.random.default_rng(4)
    for trial in range(6):
        posts = np.repeat(np.arange(25), 4)
        x = rng.normal(size=100) + 2 * rng.normal(size=25)[posts]
        y = 0.15 * trial * x + rng.normal(size=100) + rng.normal(size=25)[posts]
        args = (x, y, rng.normal(size=100)) if fn is partial_spearman else (x, y)
        for confidence in (0.8, 0.9, 0.95):
            s = fn(*args, posts, n_resamples=200, seed=trial, confidence=confidence, p_method="cluster")
            assert (s.p_value < 1 - confidence) == _excludes(s.to_dict(), 0.0)
            assert s.details["p_value_independent"] == fn(*args, posts, n_resamples=0, seed=trial).p_value


def test_percentile_p_value_inverts_the_percentile_interval_exactly():
    rng = np.random.default_rng(0)
    for trial in range(200):
        size = int(rng.integers(1, 60))
        reps = rng.normal(0.3 * rng.normal(), 1, size) if trial % 2 else rng.integers(-3, 4, size) / 4
        null = float(rng.choice([0.0, 0.25, 0.5, rng.normal()]))
        p = percentile_p_value(reps, null)
        for confidence in np.linspace(0.05, 0.99, 40):
            iv = percentile_interval(reps, confidence)
            assert (p < 1 - confidence) == (iv.low > null or iv.high < null), (reps, null, confidence)
    assert percentile_p_value([np.nan], 0.0) is None
