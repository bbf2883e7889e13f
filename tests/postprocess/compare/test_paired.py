"""Model against model on the same rows: the paired mean difference and the agreement difference are CR2 t
intervals of the per-row differences (scipy's one-sample t where every post is one row)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from postprocess.compare.paired import agreement_difference, mean_difference
from postprocess.stats.agreement import pair_outcomes
from postprocess.stats.bootstrap import t_interval
from tests.helpers.cr2 import cluster_labels, dense_cr2


def test_paired_mean_difference_with_one_row_per_post_is_the_one_sample_t_test():
    rng = np.random.default_rng(6)
    first, second = rng.normal(size=8), rng.normal(size=8) + 0.3
    *_, d = mean_difference(first, second, np.arange(8), n_resamples=100, seed=0)
    t = sps.ttest_1samp(second - first, 0.0)
    assert (d.ci_low, d.ci_high) == pytest.approx(tuple(t.confidence_interval(0.95)), rel=1e-10)
    assert d.p_value == pytest.approx(t.pvalue, rel=1e-10)


def test_agreement_difference_is_the_cr2_t_interval_of_the_paired_outcomes():
    posts = cluster_labels(7)
    rng = np.random.default_rng(8)
    ra, rb, ma, mb = (rng.normal(size=len(posts)) for _ in range(4))
    c = rng.integers(0, 2, len(posts))
    d = agreement_difference(ra, rb, ma, mb, c, posts, n_resamples=100, seed=0)
    diff = pair_outcomes(ma, mb, c) - pair_outcomes(ra, rb, c)
    se, df = dense_cr2(np.ones(len(diff)), diff - diff.mean(), posts)
    expected = t_interval(diff.mean(), se, df, 0.95, 0.0)
    assert (d.ci_low, d.ci_high, d.details["p_value_t"]) == pytest.approx(expected, rel=1e-9)
