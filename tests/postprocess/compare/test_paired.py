"""Model against model on the same rows: the paired mean difference and the agreement difference are CR2 t
intervals of the per-row differences (scipy's one-sample t where every post is one row); the correlation and
agreement differences on synthetic runs equal the single-run differences, on shared draws and seeds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from postprocess.compare.align import align
from postprocess.compare.implicit_reward import implicit_reward_agreement
from postprocess.compare.paired import agreement_difference, correlation_difference, mean_difference, measure
from postprocess.stats.agreement import agreement, pair_outcomes
from postprocess.stats.bootstrap import ClusterResamples, cluster_bootstrap, t_interval
from postprocess.stats.correlation import kendall, partial_pearson, partial_spearman, pearson, spearman
from postprocess.stats.registry import statistics
from tests.helpers.cr2 import cluster_labels, dense_cr2

SINGLE = {"spearman": spearman, "pearson": pearson, "kendall": kendall, "partial_spearman": partial_spearman,
          "partial_pearson": partial_pearson}
PAIRED = [s.name for s in statistics(kind="axis", paired=True)]


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


# --- correlation and agreement differences on the synthetic runs ---------------------------------------

@pytest.mark.parametrize("name", PAIRED)
@pytest.mark.parametrize("m", ["sum", "per_byte", "per_token"])
def test_correlation_difference_equals_single_run_difference(runs, name, m):
    ref_axis, _, mod_axis, _ = runs
    f = align(ref_axis, mod_axis, "axis").frame
    y, z, posts = f["coverage"].to_numpy(float), f["n_bytes"].to_numpy(float), f["post_id"].to_numpy()
    d = correlation_difference(measure(f, m, "ref"), measure(f, m, "model"), y, posts, statistic=name,
                               covariate=z, n_resamples=60, seed=3)
    extra = (z,) if name.startswith("partial_") else ()
    # The single-run functions on each run's own table, as the single-run report computes them.
    den = {"sum": 1.0, "per_byte": ref_axis["n_bytes"], "per_token": ref_axis["n_tokens"]}[m]
    ref_stat = SINGLE[name](ref_axis["logprob"] / den, ref_axis["coverage"], *(ref_axis["n_bytes"],)[:len(extra)],
                            n_resamples=0)
    mod_stat = SINGLE[name](mod_axis["logprob"] / den, mod_axis["coverage"], *(mod_axis["n_bytes"],)[:len(extra)],
                            n_resamples=0)
    assert d.estimate == mod_stat.estimate - ref_stat.estimate
    assert d.details["reference"] == ref_stat.estimate and d.details["model"] == mod_stat.estimate
    assert d.n == ref_stat.n and d.n_dropped == ref_stat.n_dropped
    assert d.ci_low < d.estimate < d.ci_high and 0 < d.p_value <= 1


def test_paired_interval_is_the_difference_on_shared_draws(runs):
    # Independent check: the generic cluster_bootstrap of (rho_model - rho_ref) on the same draws.
    ref_axis, _, mod_axis, _ = runs
    f = align(ref_axis, mod_axis, "axis").frame
    xr, xm = measure(f, "per_byte", "ref"), measure(f, "per_byte", "model")
    y, posts = f["overall"].to_numpy(float), f["post_id"].to_numpy()
    res = ClusterResamples.draw(posts, 80, seed=5)
    d = correlation_difference(xr, xm, y, posts, resamples=res)

    def diff(idx):
        return sps.spearmanr(xm[idx], y[idx]).statistic - sps.spearmanr(xr[idx], y[idx]).statistic

    iv = cluster_bootstrap(diff, posts, resamples=res)
    assert d.details["percentile_ci_low"] == pytest.approx(iv.low, abs=1e-9)
    assert d.details["percentile_ci_high"] == pytest.approx(iv.high, abs=1e-9)
    # The printed interval: t(G - 1) on the delete-one-post jackknife SE of the same difference, written out.
    labels = np.unique(posts)
    without = np.array([diff(np.flatnonzero(posts != g)) for g in labels])
    g = len(labels)
    se = np.sqrt((g - 1) / g * np.sum((without - without.mean()) ** 2))
    half = sps.t.ppf(0.975, g - 1) * se
    assert d.details["se_jackknife"] == pytest.approx(se, rel=1e-9)
    assert (d.ci_low, d.ci_high) == pytest.approx((d.estimate - half, d.estimate + half), rel=1e-9)
    assert d.p_value == pytest.approx(2 * sps.t.sf(abs(d.estimate) / se, g - 1), rel=1e-9)


def test_paired_interval_is_deterministic_in_the_seed(runs):
    ref_axis, _, mod_axis, _ = runs
    f = align(ref_axis, mod_axis, "axis").frame
    args = (measure(f, "sum", "ref"), measure(f, "sum", "model"), f["overall"], f["post_id"].to_numpy())
    a, b, c = (correlation_difference(*args, n_resamples=50, seed=s) for s in (7, 7, 8))
    assert (a.ci_low, a.ci_high, a.p_value) == (b.ci_low, b.ci_high, b.p_value)
    # The jackknife interval draws nothing; the percentile one in details moves with the seed.
    assert (a.ci_low, a.ci_high) == (c.ci_low, c.ci_high)
    assert a.details["percentile_ci_low"] != c.details["percentile_ci_low"]
    assert a.estimate == c.estimate


def test_agreement_difference_equals_single_run_difference(runs):
    _, ref_cmp, _, mod_cmp = runs
    f = align(ref_cmp, mod_cmp, "cmp").frame
    d = agreement_difference(measure(f, "per_byte", "ref", "a"), measure(f, "per_byte", "ref", "b"),
                             measure(f, "per_byte", "model", "a"), measure(f, "per_byte", "model", "b"),
                             f["choice"], f["post_id"].to_numpy(), n_resamples=60)
    single = {name: agreement(t["logprob_a"] / t["n_bytes_a"], t["logprob_b"] / t["n_bytes_b"], t["choice"],
                              n_resamples=0).estimate for name, t in (("ref", ref_cmp), ("model", mod_cmp))}
    assert d.estimate == single["model"] - single["ref"]
    assert d.ci_low <= d.estimate <= d.ci_high


def test_identical_runs_differ_by_exactly_zero(runs):
    _, ref_cmp, _, _ = runs
    f = align(ref_cmp, ref_cmp, "cmp").frame
    m = [measure(f, "sum", run, s) for run in ("ref", "model") for s in ("a", "b")]
    d = agreement_difference(*m, f["choice"], f["post_id"].to_numpy(), n_resamples=40)
    assert (d.estimate, d.ci_low, d.ci_high, d.p_value) == (0.0, 0.0, 0.0, 1.0)
    ir = implicit_reward_agreement(f, n_resamples=0)  # every reward is 0: all ties
    assert ir.estimate == 0.5 and ir.details["n_ties"] == len(f) and ir.p_value is None


def test_difference_is_undefined_when_either_run_is():
    d = correlation_difference([1, 2, 3], [3, 2, 1], [1, 2, 3], None, n_resamples=10)
    assert d.estimate is None and "reference: only 3 complete pairs" in d.reason
