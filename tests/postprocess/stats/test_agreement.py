"""Agreement of a score with the human choice: hand-worked cases, the exact binomial p, the cluster interval and
the confidence buckets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from postprocess.stats import (
    ClusterResamples,
    agreement,
    by_group,
    confidence_bucket,
    pair_outcomes,
)


def test_agreement_hand_worked_with_tie():
    # A>B & chose A: 1; B>A & chose B: 1; A>B & chose B: 0; tie: 1/2 -> (1+1+0+0.5)/4 = 0.625
    s = agreement([2, 1, 3, 5], [1, 2, 1, 5], [0, 1, 1, 0], n_resamples=0)
    assert s.estimate == 0.625 and s.details["n_ties"] == 1 and s.details["n_agree"] == 2
    # Sign test on the 3 non-tied pairs, 2 agreements: P(X>=2)+P(X<=1) for Bin(3, 1/2) = 1.
    assert s.p_value == pytest.approx(1.0)


def test_agreement_p_value_is_exact_binomial_and_ci_contains_estimate():
    rng = np.random.default_rng(0)
    posts = np.repeat(np.arange(200), 5)
    a, b = rng.normal(size=1000), rng.normal(size=1000)
    choice = (rng.uniform(size=1000) < 1 / (1 + np.exp(2 * (a - b)))).astype(int)
    a[:10] = b[:10]  # ten model ties
    choice = choice.astype(float)
    choice[-3:] = np.nan
    s = agreement(a, b, choice, posts, n_resamples=300)
    w = pair_outcomes(a, b, choice)[:-3]
    k, m = int((w == 1).sum()), int((w != 0.5).sum())
    assert s.p_value == pytest.approx(sps.binomtest(k, m).pvalue, rel=1e-12)
    assert (s.n, s.n_dropped, s.details["n_ties"]) == (997, 3, 10)
    assert s.estimate == pytest.approx(w.mean())
    assert s.ci_low < s.estimate < s.ci_high


def test_agreement_ci_equals_generic_cluster_bootstrap():
    from postprocess.stats.bootstrap import cluster_bootstrap

    rng = np.random.default_rng(2)
    posts = np.repeat(np.arange(40), 3)
    a, b, c = rng.normal(size=120), rng.normal(size=120), rng.integers(0, 2, size=120)
    draws = ClusterResamples.draw(posts, 200, seed=0)
    s = agreement(a, b, c, posts, resamples=draws)
    w = pair_outcomes(a, b, c)
    g = cluster_bootstrap(lambda i: w[i].mean(), posts, resamples=draws)
    assert (s.details["percentile_ci_low"], s.details["percentile_ci_high"]) == pytest.approx((g.low, g.high),
                                                                                              abs=1e-12)


def test_agreement_degenerate():
    assert not agreement([], [], []).defined
    assert not agreement([np.nan], [1.0], [0]).defined
    all_ties = agreement([1.0, 2.0], [1.0, 2.0], [0, 1], n_resamples=20)
    # SE 0: the Wilson interval of the 2 pairs taken as they are, symmetric about 1/2.
    assert all_ties.estimate == 0.5 and all_ties.p_value is None
    assert 0 < all_ties.ci_low < 0.5 < all_ties.ci_high < 1 and all_ties.ci_low + all_ties.ci_high == pytest.approx(1)
    with pytest.raises(ValueError):
        agreement([1.0], [2.0], [2])


def test_confidence_buckets_and_by_group():
    # strength |c - 5|: 1->4, 3->2, 4->1, 6->1, 7->2, 9->4; 5, 0 and NaN have no bucket
    assert confidence_bucket([1, 3, 4, 6, 7, 9, 5, 0, np.nan]).tolist() == [
        "definite", "moderate", "slight", "slight", "moderate", "definite", None, None, None]
    df = pd.DataFrame({"a": [2, 1, 3, 5, 1], "b": [1, 2, 1, 5, 0], "choice": [0, 1, 1, 0, 0],
                       "g": ["x", "x", "y", "y", None]})
    t = by_group(df, "g", lambda d: agreement(d.a, d.b, d.choice, n_resamples=0))
    assert t["g"].tolist() == ["x", "y"]
    assert t["estimate"].tolist() == [1.0, 0.25]  # x: (1+1)/2; y: (0+0.5)/2
    assert list(t.columns[:6]) == ["g", "estimate", "ci_low", "ci_high", "p_value", "n"]
