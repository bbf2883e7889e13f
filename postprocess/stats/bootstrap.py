"""Cluster (post-level) bootstrap.

Why clusters: one Reddit post carries many summaries and many human judgements, so rows of the same
post are not independent; resampling rows would understate the uncertainty. We resample *posts*
with replacement and every row of a drawn post comes along (a post drawn twice contributes its rows
twice).

Why percentile intervals: they need no jackknife pass (BCa would double the cost on the 86k-row
comparison set), are invariant under monotone transforms of the statistic, and behave well for the
bounded statistics used here (correlations, agreement rates) at B = 1000.

Design, so dozens of statistics fit in seconds:

* `ClusterResamples.draw(clusters, n_resamples, seed)` draws once: a (B, K) matrix of how many
  times each of the K clusters is drawn in each resample. Row subsets (e.g. rows whose `coverage`
  rating is present) reuse the same draws: a drawn cluster simply brings only its kept rows.
  `draw_unless_given` is how every statistic gets its draws: the shared ones when given, else its own.
* A vectorised path, `resampled(fn, clusters, resamples)`, hands ``fn`` a (b, n) matrix of row
  weights (row i appears w[r, i] times in resample r), chunked to bound memory; the weighted
  statistics in `postprocess.stats.weighted` compute one value per resample row at once.
* Ratios of sums (agreement rates, means, net flips), `ratio_of_sums_replicates`: per-cluster sums
  times the (B, K) counts, one matrix product.
* The reference path, `cluster_bootstrap(statistic, clusters, ...)`, calls ``statistic(idx)`` on the
  row indices of every resample (a Python loop): the tests check the vectorised paths against it.
* Paired comparisons (model A minus model B on the same rows) use the same draws: pass a statistic
  that returns the difference, or subtract two replicate vectors computed from the same
  `ClusterResamples`, then call `percentile_interval` on the difference.

Same seed => identical draws => identical intervals.

Why other intervals where they hold better: with few posts the percentile interval is too narrow. Its
spread is the spread of G resampled clusters, (G - 1) / G of the clusters' own, and its tails are normal; in
`benchmarks/bench_interval_coverage.py` (known truth, 2-10 pairs per post) the 95% percentile interval of agreement
held the truth in 86% of samples of 8 posts. `cluster_robust_t` is the CR2 cluster-robust standard error with the
Bell-McCaffrey degrees of freedom (the small-sample method Imbens & Kolesar 2016 and Pustejovsky & Tipton 2018
recommend), and `t_interval` puts t quantiles with those degrees of freedom around it. A statistic with such an
SE passes it to `stat_with_interval`, which then reports that interval and its t-test p, and keeps the
percentile interval of the same replicates in its details (``percentile_ci_low`` / ``percentile_ci_high``).
A rate (agreement and its kin) takes `wilson_t_interval` on that SE instead, and a statistic without a closed-form
SE (a correlation, a difference of correlations or of refitted logits) the delete-one-cluster jackknife SE
(`leave_one_out` draws through its own replicates path, `jackknife_t`) with t(G - 1), on Fisher's z for a
correlation (`fisher_t_interval`). The coverage of each, before and after, is docs/statistics.md's table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats as sps

from postprocess.stats.result import PMethod, Stat

# Cells of a (b, n) weight chunk handed to vectorised statistics: 4M float64 cells = 32 MB per
# temporary; the few alive at once stay far below the 2 GB report budget.
DEFAULT_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class Settings:
    """How intervals are made; recorded in summary.json."""

    n_resamples: int = 1000
    seed: int = 0
    confidence: float = 0.95

    def keywords(self) -> dict:
        """`n_resamples`, `seed` and `confidence`: the bootstrap keywords every estimator takes."""
        return {"n_resamples": self.n_resamples, "seed": self.seed, "confidence": self.confidence}

    def draws(self, clusters) -> dict:
        """`keywords` with one set of draws over `clusters` (`resamples`, None without resamples), which every
        statistic computed on those rows then shares."""
        return {**self.keywords(), "resamples": draw_unless_given(None, clusters, self.n_resamples, self.seed)}


@dataclass(frozen=True, eq=False)
class ClusterResamples:
    """The cluster draws of a bootstrap, reusable across statistics and row subsets.

    Attributes
    ----------
    labels : np.ndarray
        Sorted unique cluster labels (K,).
    counts : np.ndarray
        (B, K) unsigned ints: how many times cluster k is drawn in resample b (rows sum to K).
    seed : int
        The seed the draws came from.

    Examples
    --------
    >>> r = ClusterResamples.draw(["p1", "p1", "p2", "p3"], n_resamples=5, seed=0)
    >>> r.counts.shape, int(r.counts.sum(axis=1)[0])
    ((5, 3), 3)
    """

    labels: np.ndarray
    counts: np.ndarray
    seed: int

    @classmethod
    def draw(cls, clusters, n_resamples: int = 1000, seed: int = 0) -> ClusterResamples:
        """Draw K clusters with replacement, B times (K = number of distinct clusters)."""
        labels = np.unique(_as_labels(clusters))
        k = len(labels)
        rng = np.random.default_rng(seed)
        counts = np.zeros((n_resamples, k), dtype=np.int32)
        if k:
            # Chunk so the (b, K) draw matrix stays small even when every row is its own cluster.
            step = max(1, 10_000_000 // k)
            for start in range(0, n_resamples, step):
                b = min(step, n_resamples - start)
                draws = rng.integers(0, k, size=(b, k))
                flat = draws + (np.arange(b) * k)[:, None]
                counts[start : start + b] = np.bincount(flat.ravel(), minlength=b * k).reshape(b, k)
        dtype = np.uint8 if counts.size == 0 or counts.max() < 256 else np.int32
        return cls(labels, counts.astype(dtype), seed)

    @property
    def n_resamples(self) -> int:
        return self.counts.shape[0]

    @property
    def n_clusters(self) -> int:
        return self.counts.shape[1]

    def codes(self, clusters) -> np.ndarray:
        """Column of `counts` for each row's cluster; every label must be among the drawn ones."""
        lab = _as_labels(clusters)
        pos = np.searchsorted(self.labels, lab)
        pos = np.minimum(pos, max(len(self.labels) - 1, 0))
        if len(lab) and (len(self.labels) == 0 or np.any(self.labels[pos] != lab)):
            raise ValueError("some cluster labels were not part of the drawn clusters")
        return pos

    def row_weights(self, clusters, start: int = 0, stop: int | None = None) -> np.ndarray:
        """(b, n) times each row appears in resamples start..stop (a row inherits its cluster's).

        A reference form: `resampled` hands the same weights out in memory-bounded chunks; this one
        builds them at once, to check a weighted statistic on small data."""
        return self.counts[start:stop][:, self.codes(clusters)]

    def indices(self, clusters, b: int) -> np.ndarray:
        """Row indices of resample `b` (rows of a cluster drawn twice appear twice).

        A reference form: the explicit resample that `cluster_bootstrap` evaluates a statistic on and
        that the vectorised paths must agree with."""
        codes = self.codes(clusters)
        return np.repeat(np.arange(len(codes)), self.counts[b, codes])

    def cluster_totals(self, values, clusters) -> np.ndarray:
        """(B, m) resampled sums of the (n,) or (n, m) `values`: counts @ per-cluster sums.

        The fast path for any statistic that is a ratio of sums (means, agreement rates, moments).
        """
        v = np.asarray(values, dtype=float)
        v2 = v[:, None] if v.ndim == 1 else v
        codes = self.codes(clusters)
        per_cluster = np.column_stack(
            [np.bincount(codes, weights=v2[:, j], minlength=self.n_clusters) for j in range(v2.shape[1])]
        ).reshape(self.n_clusters, v2.shape[1])
        return self.counts.astype(float) @ per_cluster


def draw_unless_given(resamples: ClusterResamples | None, clusters, n_resamples: int,
                      seed: int) -> ClusterResamples | None:
    """The draws a statistic uses: `resamples` when given (shared with other statistics), else new draws of
    `n_resamples` over `clusters` with `seed`; None when neither (n_resamples 0: no interval).

    Examples
    --------
    >>> r = draw_unless_given(None, ["p1", "p2", "p2"], 4, seed=0)
    >>> r.counts.shape, draw_unless_given(r, ["p1"], 0, seed=1) is r, draw_unless_given(None, [], 0, 0)
    ((4, 2), True, None)
    """
    if resamples is not None:
        return resamples
    if n_resamples <= 0:
        return None
    return ClusterResamples.draw(clusters, n_resamples, seed)


def ratio_of_sums_replicates(numerator, clusters, resamples: ClusterResamples, denominator=None) -> np.ndarray:
    """(B,) resampled sum of `numerator` over resampled sum of `denominator` (default 1 per row: the
    resampled mean), from per-cluster sums (`ClusterResamples.cluster_totals`); NaN where a resample
    holds no row (its denominator is 0).

    Agreement rates, net flips and paired mean differences are all such ratios: one matrix product per
    statistic, whatever the number of rows.

    Examples
    --------
    >>> r = ClusterResamples.draw(["a", "a", "b"], n_resamples=3, seed=0)
    >>> reps = ratio_of_sums_replicates([1.0, 0.0, 1.0], ["a", "a", "b"], r)
    >>> reps.shape, bool(np.all((reps >= 0) & (reps <= 1)))
    ((3,), True)
    """
    num = np.asarray(numerator, dtype=float)
    den = np.ones_like(num) if denominator is None else np.asarray(denominator, dtype=float)
    tot = resamples.cluster_totals(np.column_stack([num, den]), clusters)
    with np.errstate(invalid="ignore", divide="ignore"):
        return tot[:, 0] / tot[:, 1]


def _as_labels(clusters) -> np.ndarray:
    lab = np.asarray(clusters)
    if lab.ndim != 1:
        raise ValueError("clusters must be one-dimensional (one label per row)")
    return lab


@dataclass(frozen=True, eq=False)
class Interval:
    """A percentile bootstrap interval.

    `n_dropped` counts resamples on which the statistic was undefined (NaN), e.g. a resample whose
    ratings are all equal; they are left out of the quantiles. `low`/`high` are None when no
    resample was defined. The p-value that inverts it is `percentile_p_value` of the same replicates.
    """

    low: float | None
    high: float | None
    confidence: float
    n_resamples: int
    n_dropped: int

    def details(self) -> dict:
        """JSON-ready counts for `Stat.details`."""
        return {
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "n_resamples_dropped": self.n_dropped,
        }


def percentile_interval(replicates, confidence: float = 0.95) -> Interval:
    """Percentile interval of bootstrap replicates, NaN replicates dropped and counted.

    Examples
    --------
    >>> iv = percentile_interval([0.1, 0.2, np.nan, 0.3, 0.4], confidence=0.5)
    >>> (round(iv.low, 3), round(iv.high, 3), iv.n_dropped)
    (0.175, 0.325, 1)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    reps = np.asarray(replicates, dtype=float).ravel()
    ok = reps[np.isfinite(reps)]
    n_dropped = int(reps.size - ok.size)
    if ok.size == 0:
        return Interval(None, None, confidence, int(reps.size), n_dropped)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(ok, [alpha, 1 - alpha])
    return Interval(float(low), float(high), confidence, int(reps.size), n_dropped)


def cluster_robust_t(X, residual, clusters, coef: int = 0) -> tuple[float, float]:
    """(SE, degrees of freedom) of coefficient `coef` of a least-squares fit: the CR2 cluster-robust SE with the
    Bell-McCaffrey degrees of freedom (Bell & McCaffrey 2002; Imbens & Kolesar 2016; Pustejovsky & Tipton 2018).

    Why not CR1 with G - 1 df: with 8 posts of 2-10 rows, CR1 and t(G - 1) still covered the truth of agreement in
    only 92% of samples (`benchmarks/bench_interval_coverage.py`). CR2 scales each cluster's residuals by
    (I - H_gg)^(-1/2), which undoes the shrinkage of a cluster's residuals by its own leverage; the degrees of
    freedom, (tr A)² / tr(A²) for the G x G matrix A of the variance estimator's quadratic form under independent
    rows, fall below G - 1 when a few clusters (large, or with extreme regressors) dominate the variance.

    `X` (n, K) is the design (for a mean, a column of ones; for a fit with post fixed effects, the regressors
    demeaned within post, the fixed effects left out as Pustejovsky & Tipton allow for effects nested in the
    clusters; for a logit, rows scaled by sqrt(mu (1 - mu)) and the residual (y - mu) / sqrt(mu (1 - mu))).
    NaN, NaN with fewer than 2 clusters. Clusters are batched by size, so the per-cluster matrix roots cost
    little even with thousands of posts.

    Examples
    --------
    A mean over equal clusters: CR2 is CR1, sqrt(G/(G-1) Σ_g t_g²) / n (t_g the cluster's residual total), and
    the degrees of freedom are G - 1.

    >>> x = np.array([1.0, 2.0, 4.0, 7.0, 3.0, 3.0])
    >>> se, df = cluster_robust_t(np.ones(6), x - x.mean(), [0, 0, 1, 1, 2, 2])
    >>> totals = np.array([1 + 2, 4 + 7, 3 + 3]) - 2 * x.mean()
    >>> bool(np.isclose(se, np.sqrt(3 / 2 * np.sum(totals**2)) / 6)), round(df, 9)
    (True, 2.0)
    """
    x = np.asarray(X, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    u = np.asarray(residual, dtype=float).ravel()
    codes = np.unique(_as_labels(clusters), return_inverse=True)[1]
    g = int(codes.max()) + 1 if len(codes) else 0
    if g < 2:
        return float("nan"), float("nan")
    bread = np.linalg.inv(x.T @ x)
    direction = bread[:, coef]
    sizes = np.bincount(codes, minlength=g)
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    totals, norms, cross = np.zeros(g), np.zeros(g), np.zeros((g, x.shape[1]))
    for size in np.unique(sizes):
        which = np.flatnonzero(sizes == size)
        rows = order[starts[which][:, None] + np.arange(size)]
        xg = x[rows]
        vals, vecs = np.linalg.eigh(np.eye(size) - xg @ bread @ np.swapaxes(xg, 1, 2))
        # (I - H_gg) is singular where a cluster's rows fit exactly: its inverse root is taken on the range.
        root = np.where(vals > 1e-12, 1 / np.sqrt(np.clip(vals, 1e-12, None)), 0.0)
        adjust = (vecs * root[:, None, :]) @ np.swapaxes(vecs, 1, 2)
        w = (adjust @ (xg @ direction)[..., None])[..., 0]
        totals[which] = np.einsum("ms,ms->m", w, u[rows])
        norms[which] = np.einsum("ms,ms->m", w, w)
        cross[which] = np.einsum("msk,ms->mk", xg, w)
    # A = diag(norms) - cross bread cross': its traces without forming the G x G matrix.
    q = bread @ (cross.T @ cross)
    trace = norms.sum() - np.trace(q)
    trace_sq = np.sum(norms**2) - 2 * np.sum(norms * np.einsum("gk,kl,gl->g", cross, bread, cross)) + np.trace(q @ q)
    return float(np.sqrt(np.sum(totals**2))), float(trace**2 / trace_sq) if trace_sq > 0 else float("nan")


def t_interval(estimate: float, se: float, df: float, confidence: float, null: float,
               bounds: tuple[float, float] = (-np.inf, np.inf)) -> tuple[float, float, float]:
    """(low, high, p): estimate ± t(df) se, clipped to `bounds` (the statistic's range), and the two-sided
    t-test p of `null` with the same degrees of freedom (p < 1 - confidence exactly when the unclipped interval
    excludes `null`).

    Examples
    --------
    >>> low, high, p = t_interval(0.6, 0.05, 7, 0.95, 0.5)
    >>> round(low, 4), round(high, 4), round(p, 4)
    (0.4818, 0.7182, 0.0856)
    """
    q = float(sps.t.ppf(0.5 + confidence / 2, df))
    low, high = max(estimate - q * se, bounds[0]), min(estimate + q * se, bounds[1])
    if se == 0:
        return float(low), float(high), 1.0 if estimate == null else 0.0
    return float(low), float(high), float(2 * sps.t.sf(abs(estimate - null) / se, df))


def clipped_note(estimate: float, se: float, df: float, confidence: float, bounds: tuple[float, float]) -> str:
    """"; ci clipped to [a, b]" where `t_interval` clipped estimate ± t(df) se to `bounds`, else ""."""
    q = float(sps.t.ppf(0.5 + confidence / 2, df))
    if estimate - q * se < bounds[0] or estimate + q * se > bounds[1]:
        return f"; ci clipped to the statistic's range [{bounds[0]:g}, {bounds[1]:g}]"
    return ""


def wilson_t_interval(estimate: float, se: float, df: float, confidence: float, null: float,
                      n: int) -> tuple[float, float, float]:
    """(low, high, p) of a clustered proportion: the Wilson score interval on the effective sample size
    n* = p(1 - p) / se² with t(df) quantiles in place of normal ones, and the score t-test p of `null` it inverts.

    Why not estimate ± t se: with 8 posts that interval held a known agreement of 0.6 in 92.2% of 1,000 samples
    (`benchmarks/bench_interval_coverage.py`; one of 0.8 in 92.7% in a side trial), missing mostly on one side: the
    SE shrinks where the rate drifts towards 0 or 1. The score interval, whose variance is taken at the candidate
    value p0 (se² p0(1 - p0) / (p(1 - p))), held 94.3% (and 96.6%). It is Wilson's interval with the design effect
    of the clusters (Kott & Carr 1997; Dean & Pagano 2015), and within [0, 1] by construction. Where se is 0 (every
    outcome equal) n* is the row count `n`, the interval of an unclustered proportion.

    Examples
    --------
    With se² = p(1 - p) / n (no design effect) and a large df it is statsmodels' Wilson interval:

    >>> from statsmodels.stats.proportion import proportion_confint
    >>> low, high, _ = wilson_t_interval(0.6, np.sqrt(0.24 / 50), 1e9, 0.95, 0.5, 50)
    >>> ref = proportion_confint(30, 50, method="wilson")
    >>> bool(np.allclose((low, high), ref))
    True
    """
    q = float(sps.t.ppf(0.5 + confidence / 2, df))
    n_eff = estimate * (1 - estimate) / se**2 if se > 0 else float(n)
    c = q * q / n_eff
    centre = (estimate + c / 2) / (1 + c)
    half = q / (1 + c) * np.sqrt(estimate * (1 - estimate) / n_eff + q * q / (4 * n_eff**2))
    score_se = np.sqrt(null * (1 - null) / n_eff)
    p = (1.0 if estimate == null else 0.0) if score_se == 0 else float(2 * sps.t.sf(abs(estimate - null) / score_se,
                                                                                    df))
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0)), p


# Above this many clusters the delete-one-cluster jackknife (G re-evaluations of a statistic on all rows) costs more
# than the bootstrap, and the percentile interval it corrects errs by less than (G - 1) / G in variance: statistics
# that use it keep the percentile interval there, and their `method` says which.
JACKKNIFE_MAX_CLUSTERS = 500


def leave_one_out(clusters) -> ClusterResamples:
    """The G delete-one-cluster samples as `ClusterResamples` (row g: every cluster once but cluster g), so any
    statistic with a replicates path gives its jackknife values from the same code as its bootstrap."""
    labels = np.unique(_as_labels(clusters))
    return ClusterResamples(labels, (1 - np.eye(len(labels))).astype(np.uint8), seed=-1)


def jackknife_t(values) -> tuple[float, float] | None:
    """(SE, degrees of freedom) of the delete-one-cluster jackknife: sqrt((G - 1) / G Σ (θ_(g) - θ̄)²) and G - 1
    (Efron & Stein; the t(G - 1) reference as for a mean of G clusters). None (no interval) when a value is
    undefined or G < 2.

    >>> se, df = jackknife_t([1.0, 2.0, 3.0])  # the mean of 3 clusters leaving one out each time
    >>> round(se, 6), df
    (1.154701, 2.0)
    >>> jackknife_t([1.0, float("nan")]) is None
    True
    """
    v = np.asarray(values, dtype=float)
    g = v.size
    if g < 2 or not np.all(np.isfinite(v)):
        return None
    return float(np.sqrt((g - 1) / g * np.sum((v - v.mean()) ** 2))), float(g - 1)


def fisher_t_interval(estimate: float, se_z: float, df: float, confidence: float,
                      null: float) -> tuple[float, float, float]:
    """(low, high, p) of a correlation: atanh(r) ± t(df) se_z mapped back by tanh, and the t-test p of `null` on
    the same scale (so it inverts the interval). Why Fisher's z: a correlation's sampling distribution is skewed
    near ±1, its z nearly symmetric, and the interval stays within [-1, 1].

    >>> low, high, p = fisher_t_interval(0.5, 0.2, 7, 0.95, 0.0)  # tanh(atanh(0.5) ± 2.3646 x 0.2)
    >>> round(low, 4), round(high, 4), round(p, 4)
    (0.0762, 0.7708, 0.0286)
    """
    z = float(np.arctanh(np.clip(estimate, -1 + 1e-12, 1 - 1e-12)))
    low, high, p = t_interval(z, se_z, df, confidence, float(np.arctanh(null)))
    return float(np.tanh(low)), float(np.tanh(high)), p


T_NOTE = "ci: t on the CR2 cluster-robust SE by post with Bell-McCaffrey df"
WILSON_NOTE = ("ci: Wilson score interval on the effective sample size p(1 - p) / SE² (SE: CR2 cluster-robust by "
               "post), t quantiles with Bell-McCaffrey df")
JACKKNIFE_T_NOTE = "ci: t(G - 1) on the delete-one-post jackknife SE"


IntervalKind = Literal["t", "wilson", "jackknife_t", "jackknife_fisher"]
FALLBACK_NOTE = "ci: cluster bootstrap percentile (fewer than 2 clusters: no CR2 SE)"
_CR2_NOTE = re.compile(r"ci: (t on the CR2|Wilson score interval).*?Bell-McCaffrey df( \(the percentile [^)]*\))?")
_CR2_P_NOTE = re.compile(r"p: [^;]*t-test[^;]*inverts the interval")


def fallback_method(method: str) -> str:
    """`method` with its CR2 t (or Wilson) notes replaced by what is computed where the CR2 SE is undefined (fewer
    than 2 clusters): the percentile interval of the resampled clusters, p the bootstrap p that inverts it.

    >>> fallback_method(f"mean; {T_NOTE} (the percentile interval of resampled posts in details)")
    'mean; ci: cluster bootstrap percentile (fewer than 2 clusters: no CR2 SE)'
    >>> fallback_method("rate; p: cluster-robust score t-test against 0.5, inverts the interval; " + WILSON_NOTE)
    'rate; p: cluster bootstrap, inverts the percentile interval; ci: cluster bootstrap percentile (fewer than 2 \
clusters: no CR2 SE)'
    """
    method = _CR2_NOTE.sub(FALLBACK_NOTE, method)
    return _CR2_P_NOTE.sub("p: cluster bootstrap, inverts the percentile interval", method)


def stat_with_interval(
    estimate: float, replicates: np.ndarray | None, resamples: ClusterResamples | None, *, null: float,
    p_independent: float | None, p_method: PMethod, confidence: float, n: int, method: str, n_dropped: int,
    details: dict, se: tuple[float, float] | None = None, bounds: tuple[float, float] = (-np.inf, np.inf),
    interval: IntervalKind = "t",
) -> Stat:
    """A single-run statistic as a `Stat`: its estimate, its interval and two p-values against `null`.

    With `se` (a standard error and its degrees of freedom) the interval is, by `interval`: "t", `t_interval` on
    the CR2 SE of `cluster_robust_t`; "wilson", `wilson_t_interval` on it (a proportion); "jackknife_t",
    `t_interval` on the delete-one-post jackknife SE of `jackknife_t`; "jackknife_fisher", `fisher_t_interval` on
    the jackknife SE of atanh of the statistic (a correlation). The cluster p is the test that inverts it, and the
    percentile interval of the bootstrap `replicates` stays in `details` (``percentile_ci_low`` /
    ``percentile_ci_high``). A t interval is clipped to `bounds` (the statistic's range) and `method` then says so.
    Without `se`, or where the CR2 SE is undefined (fewer than 2 clusters: `method` is rewritten by
    `fallback_method`), the interval is the percentile interval of the `replicates` (None: no interval) and the
    cluster p inverts it (`percentile_p_value`). `p_independent` is the classical test on rows
    taken as independent. `p_method` picks which is ``p_value``; the other is kept in `details`
    (``p_value_independent`` / ``p_value_cluster``), after the interval's counts and the draws' seed.
    """
    low = high = p_cluster = None
    if replicates is not None:
        percentile = percentile_interval(replicates, confidence)
        low, high, p_cluster = percentile.low, percentile.high, percentile_p_value(replicates, null)
        details.update(percentile.details(), seed=resamples.seed)
    if se is not None and np.all(np.isfinite(se)) and replicates is not None:
        details.update(percentile_ci_low=low, percentile_ci_high=high)
        if interval in ("t", "wilson"):
            details.update(se_cr2=se[0], df_bell_mccaffrey=se[1])
        else:
            details.update({"se_jackknife_z" if interval == "jackknife_fisher" else "se_jackknife": se[0], "df": se[1]})
        if interval == "wilson":
            low, high, p_cluster = wilson_t_interval(estimate, se[0], se[1], confidence, null, n)
        elif interval == "jackknife_fisher":
            low, high, p_cluster = fisher_t_interval(estimate, se[0], se[1], confidence, null)
        else:
            low, high, p_cluster = t_interval(estimate, se[0], se[1], confidence, null, bounds)
            method += clipped_note(estimate, se[0], se[1], confidence, bounds)
    elif se is not None and replicates is not None and interval in ("t", "wilson"):
        method = fallback_method(method)
    if p_method == "cluster":
        p_value, details["p_value_independent"] = p_cluster, p_independent
    else:
        p_value, details["p_value_cluster"] = p_independent, p_cluster
    return Stat(estimate, low, high, p_value, n, method, n_dropped, None, details)


def percentile_p_value(replicates, null: float) -> float | None:
    """Two-sided bootstrap p-value that inverts `percentile_interval` on the same replicates.

    Why: a p-value printed beside a cluster-bootstrap interval must not contradict it. The percentile
    interval at coverage c has `null` on its boundary at exactly one c (numpy's linear quantiles are
    continuous and non-decreasing in the level), and p = 1 - c at that point. So for every
    confidence, ``p < 1 - confidence`` exactly when the interval excludes `null`. Up to the
    interpolation between neighbouring replicates this is ``min(1, 2 min(P*(t <= null),
    P*(t >= null)))`` over the defined (finite) replicates t. p = 0 means every replicate lies on one
    side of `null`: p < 1 / B, the resolution of B resamples. None when no replicate is defined.

    Examples
    --------
    Replicates 0.1, 0.2, 0.3, 0.4 and null 0.15: the quantile at level a sits at sorted position
    3a, so 0.15 is reached at position 0.5, level 1/6, and p = 2/6.

    >>> round(percentile_p_value([0.4, 0.1, 0.3, 0.2], 0.15), 4)
    0.3333
    >>> iv = percentile_interval([0.4, 0.1, 0.3, 0.2], confidence=1 - 0.3333)
    >>> bool(iv.low > 0.15), bool(percentile_interval([0.4, 0.1, 0.3, 0.2], 1 - 0.3334).low > 0.15)
    (False, True)
    >>> percentile_p_value([0.5, 0.5, 0.5], 0.5), percentile_p_value([0.6, 0.7], 0.5)
    (1.0, 0.0)
    """
    reps = np.asarray(replicates, dtype=float).ravel()
    x = np.sort(reps[np.isfinite(reps)])
    if x.size == 0:
        return None
    if x.size == 1:
        return 1.0 if x[0] == null else 0.0
    last = x.size - 1
    # Sorted positions h (level a = h / last) where the linear quantile q(h) first reaches `null` from
    # below (up to) and last stays at or under it (down to); outside the replicates they are 0 or last.
    if null < x[0]:
        below = 0.0
    elif null >= x[-1]:
        below = float(last)
    else:
        j = int(np.searchsorted(x, null, side="right")) - 1
        below = j + (null - x[j]) / (x[j + 1] - x[j])
    if null > x[-1]:
        above = float(last)
    elif null <= x[0]:
        above = 0.0
    else:
        k = int(np.searchsorted(x, null, side="left"))
        above = k if x[k] == null else (k - 1) + (null - x[k - 1]) / (x[k] - x[k - 1])
    return float(min(1.0, 2 * min(below, last - above) / last))


def cluster_bootstrap(
    statistic: Callable[[np.ndarray], float],
    clusters,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    *,
    resamples: ClusterResamples | None = None,
) -> Interval:
    """Percentile interval of ``statistic(idx)`` over cluster resamples of the rows.

    The reference implementation (a Python loop over explicit resamples): the report's statistics use the
    vectorised paths (`resampled`, `ratio_of_sums_replicates`), which the tests check against this one
    on the same draws.

    Parameters
    ----------
    statistic : callable
        Maps an integer array of row indices (with repeats) to a float; return NaN when undefined
        on that resample. For a paired comparison return the difference of the two statistics on
        the same indices.
    clusters : array-like
        One cluster label (post id) per row.
    n_resamples, confidence, seed
        Number of resamples, interval coverage, seed of `numpy.random.default_rng`.
    resamples : ClusterResamples, optional
        Draws to reuse (then `n_resamples` and `seed` are ignored).

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> posts = np.array([0, 0, 1, 1, 2, 2])
    >>> iv = cluster_bootstrap(lambda idx: x[idx].mean(), posts, n_resamples=200, seed=1)
    >>> bool(iv.low <= x.mean() <= iv.high)
    True
    """
    if resamples is None:
        resamples = ClusterResamples.draw(clusters, n_resamples, seed)
    reps = np.array([statistic(resamples.indices(clusters, b)) for b in range(resamples.n_resamples)], dtype=float)
    return percentile_interval(reps, confidence)


def resampled(
    fn: Callable[[np.ndarray], np.ndarray],
    clusters,
    resamples: ClusterResamples,
    chunk_cells: int = DEFAULT_CHUNK_CELLS,
) -> np.ndarray:
    """Vectorised replicates: ``fn(w)`` on (b, n) row-weight chunks, concatenated to shape (B,).

    ``fn`` must return one value per weight row (NaN where undefined). A weight row w[r] describes
    resample r: row i appears w[r, i] times. Chunks bound memory to about `chunk_cells` cells.

    Examples
    --------
    >>> y = np.array([0.0, 1.0, 1.0, 1.0])
    >>> r = ClusterResamples.draw([0, 0, 1, 2], n_resamples=3, seed=0)
    >>> reps = resampled(lambda w: (w @ y) / w.sum(axis=1), [0, 0, 1, 2], r)
    >>> reps.shape
    (3,)
    """
    codes = resamples.codes(clusters)
    n = max(len(codes), 1)
    step = max(1, chunk_cells // n)
    out = []
    for start in range(0, resamples.n_resamples, step):
        w = resamples.counts[start : start + step][:, codes]
        out.append(np.asarray(fn(w), dtype=float).reshape(-1))
    return np.concatenate(out) if out else np.zeros(0)
