"""Correlation of a log-probability measure with human ratings, with post-clustered intervals.

Every function returns a `Stat`: the point estimate is scipy's; the interval is t(G - 1) on the
delete-one-post jackknife SE of Fisher's z = atanh(r), mapped back (`jackknife_z_se`; with more than
`JACKKNIFE_MAX_CLUSTERS` posts the percentile cluster bootstrap), both computed exactly and vectorised by
`postprocess.stats.weighted`; the percentile interval stays in details. Two p-values against 0 are computed:
scipy's test on rows taken as independent (the rows of one post are not, so it can contradict the interval),
and the cluster p that inverts the interval (the t-test of z, or `postprocess.stats.bootstrap.percentile_p_value`
of the replicates: p < 1 - confidence exactly when the interval excludes 0). `p_method` picks which is
``p_value``; the other is kept, named, in ``details``, and `method` says which is which.

Pairs with a missing (non-finite) value are dropped and counted in `n_dropped`. Fewer than four
complete pairs, or a constant variable, give `Stat.undefined` with a reason; nothing here warns.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from scipy import stats as sps

from postprocess.stats.bootstrap import (
    JACKKNIFE_MAX_CLUSTERS,
    JACKKNIFE_T_NOTE,
    ClusterResamples,
    draw_unless_given,
    jackknife_t,
    leave_one_out,
    resampled,
    stat_with_interval,
)
from postprocess.stats.result import PMethod, Stat, finite_or_none
from postprocess.stats.weighted import (
    partial_from_pairwise,
    weighted_kendall,
    weighted_partial_spearman,
    weighted_pearson,
    weighted_spearman,
)

MIN_PAIRS = 4
# Up to this many pairs Spearman's p-value is a permutation test (the t approximation is poor for
# small, heavily tied samples); above it the t approximation is accurate and the permutations slow.
PERMUTATION_MAX_N = 500
N_PERMUTATIONS = 9999


def spearman_point(x, y, seed: int = 0) -> tuple[float, float]:
    """Spearman's rho (scipy) and its two-sided p-value: a seeded permutation test of the pairing
    for n <= PERMUTATION_MAX_N, scipy's t approximation above."""
    rho = sps.spearmanr(x, y)
    if len(x) > PERMUTATION_MAX_N:
        return float(rho.statistic), float(rho.pvalue)
    rx, ry = sps.rankdata(x), sps.rankdata(y)
    centred_y = ry - ry.mean()
    norm_y = np.sqrt(centred_y @ centred_y)

    def statistic(a, axis=-1):
        # Pearson's r of each pairing of the ranks, written out: scipy's pearsonr checks its input on every batch of
        # permutations, which cost most of a small report's time; a permutation keeps the mean and norm of `a`.
        centred = a - a.mean(axis=axis, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (centred @ centred_y) / (np.sqrt((centred * centred).sum(axis=axis)) * norm_y)

    test = sps.permutation_test((rx,), statistic, permutation_type="pairings", n_resamples=N_PERMUTATIONS,
                                vectorized=True, rng=np.random.default_rng(seed))
    return float(rho.statistic), float(test.pvalue)


def _complete(*arrays) -> tuple[list[np.ndarray], np.ndarray]:
    """Arrays as float, and the mask of rows where all are finite."""
    arrs = [np.asarray(a, dtype=float).ravel() for a in arrays]
    if len({len(a) for a in arrs}) > 1:
        raise ValueError(f"inputs differ in length: {[len(a) for a in arrs]}")
    keep = np.ones(len(arrs[0]), dtype=bool)
    for a in arrs:
        keep &= np.isfinite(a)
    return arrs, keep


def _row_clusters(clusters, n: int) -> np.ndarray:
    """Cluster labels; None means every row is its own cluster (an ordinary bootstrap)."""
    if clusters is None:
        return np.arange(n)
    lab = np.asarray(clusters)
    if lab.shape != (n,):
        raise ValueError(f"clusters has shape {lab.shape}, expected ({n},)")
    return lab


def _why_undefined(arrs: list[np.ndarray], names: tuple[str, ...]) -> str | None:
    n = len(arrs[0])
    if n == 0:
        return "no complete pairs (all values missing or empty input)"
    if n < MIN_PAIRS:
        return f"only {n} complete pairs; need at least {MIN_PAIRS}"
    for a, name in zip(arrs, names):
        if np.all(a == a[0]):
            return f"{name} is constant ({a[0]:g}) on the complete pairs"
    return None


def _method(name: str, p_note: str, clusters, n_resamples: int, resamples, p_method: PMethod,
            why_percentile: str | None) -> str:
    """The method text; `why_percentile` None: the jackknife interval, else why the percentile one is printed."""
    unit = "row" if clusters is None else "cluster"
    inverts = ("t-test of atanh against 0 on the jackknife SE, inverts the interval" if why_percentile is None
               else "bootstrap, inverts the percentile interval against 0")
    p_text = f"p: {unit} {inverts}; p_value_independent: {p_note}" if p_method == "cluster" else f"p: {p_note}"
    if n_resamples == 0 and resamples is None:
        return f"{name}; {p_text}; no interval"
    if why_percentile is None:
        return f"{name}; {p_text}; {JACKKNIFE_T_NOTE.replace('post', unit)}, on Fisher's z = atanh scale"
    return f"{name}; {p_text}; ci: {unit} bootstrap percentile ({why_percentile.replace('{unit}', unit)})"


UNDEFINED_WITHOUT_ONE = "the statistic is undefined without one of the {unit}s: no jackknife"


def jackknife_z_se(replicates: Callable[[list, np.ndarray, ClusterResamples], np.ndarray], kept: list,
                   labels: np.ndarray) -> tuple[float, float] | None:
    """(SE, df) of atanh of a correlation by the delete-one-cluster jackknife (`jackknife_t`), the correlation
    recomputed without each cluster in turn by its own replicates path; None where a deletion leaves it undefined.

    Why: a percentile bootstrap over 8 posts held a known Spearman rho in 91% of samples (Pearson 90%); t(G - 1) on the
    jackknife SE of Fisher's z holds it (`benchmarks/bench_interval_coverage.py`)."""
    loo = replicates(kept, labels, leave_one_out(labels))
    return jackknife_t(np.arctanh(np.clip(loo, -1 + 1e-12, 1 - 1e-12)))


def _correlation(
    name: str,
    names: tuple[str, ...],
    arrays: tuple,
    clusters,
    point: Callable[..., tuple[float, float]],
    replicates: Callable[[list, np.ndarray, ClusterResamples], np.ndarray],
    p_note: str,
    n_resamples: int,
    seed: int,
    confidence: float,
    resamples: ClusterResamples | None,
    p_method: PMethod,
    nan_reason: str = "the statistic is undefined on these data",
) -> Stat:
    arrs, keep = _complete(*arrays)
    labels = _row_clusters(clusters, len(keep))
    n, n_dropped = int(keep.sum()), int((~keep).sum())
    jackknife = len(np.unique(labels[keep])) <= JACKKNIFE_MAX_CLUSTERS
    method = _method(name, p_note, clusters, n_resamples, resamples, p_method,
                     None if jackknife else f"more than {JACKKNIFE_MAX_CLUSTERS} {{unit}}s")
    kept = [a[keep] for a in arrs]
    reason = _why_undefined(kept, names)
    details = {"n_clusters": len(np.unique(labels[keep]))} if n else {}
    if reason:
        return Stat.undefined(n, method, reason, n_dropped, details or None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimate, p_independent = point(*kept)
    if not np.isfinite(estimate):
        return Stat.undefined(n, method, nan_reason, n_dropped, details)
    resamples = draw_unless_given(resamples, labels, n_resamples, seed)
    reps = None if resamples is None else replicates(kept, labels[keep], resamples)
    se = jackknife_z_se(replicates, kept, labels[keep]) if reps is not None and jackknife else None
    if reps is not None and jackknife and se is None:
        method = _method(name, p_note, clusters, n_resamples, resamples, p_method, UNDEFINED_WITHOUT_ONE)
    return stat_with_interval(float(estimate), reps, resamples, null=0.0, p_independent=finite_or_none(p_independent),
                              p_method=p_method, confidence=confidence, n=n, method=method, n_dropped=n_dropped,
                              details=details, se=se, interval="jackknife_fisher")


def _via_weights(fn: Callable[..., np.ndarray]):
    """Replicates from a weighted statistic fn(*arrays, w) evaluated on row-weight chunks."""
    return lambda kept, labels, res: resampled(lambda w: fn(*kept, w), labels, res)


_DOC_PARAMS = """
    Parameters
    ----------
    x, y : array-like
        Paired values (e.g. a log-probability measure and a Likert rating); NaN pairs are dropped.
    clusters : array-like, optional
        Cluster (post) label per row; None resamples single rows.
    n_resamples : int
        Bootstrap resamples; 0 gives no interval.
    seed : int
        Seed of the cluster draws.
    confidence : float
        Coverage of the interval.
    resamples : ClusterResamples, optional
        Draws to reuse across statistics (then `n_resamples` and `seed` are ignored).
    p_method : {"independent", "cluster"}
        Which p-value is ``p_value``: the test named below (rows independent), or the
        cluster-bootstrap p that inverts the interval (None without an interval); the other is kept
        in ``details`` as ``p_value_cluster`` / ``p_value_independent``.
"""


def spearman(
    x, y, clusters=None, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None, p_method: PMethod = "independent",
) -> Stat:
    """Spearman's rho: does a higher log-probability go with a higher rating, in rank order?

    The estimate is `scipy.stats.spearmanr`; the p-value is a seeded permutation test (9,999
    permutations) up to 500 pairs and scipy's t approximation above (rows taken as independent).
    {params}
    Examples
    --------
    >>> s = spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], n_resamples=0)
    >>> round(s.estimate, 3), s.n
    (0.8, 5)
    """
    return _correlation(
        "spearman rho", ("x", "y"), (x, y), clusters,
        lambda a, b: spearman_point(a, b, seed), _via_weights(weighted_spearman),
        (f"permutation test, {N_PERMUTATIONS} permutations, seed {seed}, if n <= {PERMUTATION_MAX_N}, else "
         "scipy spearmanr t-approximation (rows independent)"),
        n_resamples, seed, confidence, resamples, p_method,
    )


def pearson(
    x, y, clusters=None, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None, p_method: PMethod = "independent",
) -> Stat:
    """Pearson's r: linear association of a log-probability measure with a rating.

    The estimate and p-value are `scipy.stats.pearsonr` (p: exact under bivariate normality, via the
    beta distribution of r; rows taken as independent).
    {params}
    Examples
    --------
    >>> s = pearson([1, 2, 3, 4], [1, 3, 2, 4], n_resamples=0)
    >>> round(s.estimate, 3)
    0.8
    """
    return _correlation(
        "pearson r", ("x", "y"), (x, y), clusters,
        lambda a, b: tuple(sps.pearsonr(a, b)), _via_weights(weighted_pearson),
        "scipy pearsonr exact under normality (rows independent)",
        n_resamples, seed, confidence, resamples, p_method,
    )


def kendall(
    x, y, clusters=None, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None, p_method: PMethod = "independent",
) -> Stat:
    """Kendall's tau-b: the share of concordant minus discordant pairs, adjusted for ties.

    Robust to the heavy ties of 1-7 ratings. The estimate and p-value are `scipy.stats.kendalltau`
    (variant b, method 'auto': exact null distribution for small tie-free samples, otherwise the
    normal approximation with the tie-corrected variance; rows taken as independent).
    {params}
    Examples
    --------
    >>> s = kendall([1, 2, 3, 4], [1, 3, 2, 4], n_resamples=0)
    >>> round(s.estimate, 3)
    0.667
    """
    return _correlation(
        "kendall tau-b", ("x", "y"), (x, y), clusters,
        lambda a, b: tuple(sps.kendalltau(a, b)), _via_weights(weighted_kendall),
        "scipy kendalltau method=auto (rows independent)",
        n_resamples, seed, confidence, resamples, p_method,
    )


def _partial_point(x, y, z) -> tuple[float, float]:
    """Pearson partial r_xy.z of the given values and its two-sided p-value (t-test, n - 3 dof)."""
    r_xy, r_xz, r_yz = (np.corrcoef(a, b)[0, 1] for a, b in ((x, y), (x, z), (y, z)))
    den = (1 - r_xz**2) * (1 - r_yz**2)
    if den <= 1e-12:
        return np.nan, np.nan
    r = float(np.clip((r_xy - r_xz * r_yz) / np.sqrt(den), -1.0, 1.0))
    dof = len(x) - 3
    if abs(r) == 1.0:
        return r, 0.0
    t = r * np.sqrt(dof / (1 - r**2))
    return r, float(2 * sps.t.sf(abs(t), dof))


def partial_spearman_point(x, y, z) -> tuple[float, float]:
    """Partial Spearman r_xy.z and its two-sided p-value (t-test with n - 3 degrees of freedom)."""
    return _partial_point(*(sps.rankdata(v) for v in (x, y, z)))


def partial_spearman(
    x, y, covariate, clusters=None, *, n_resamples: int = 1000, seed: int = 0,
    confidence: float = 0.95, resamples: ClusterResamples | None = None, p_method: PMethod = "independent",
) -> Stat:
    """Spearman correlation of x and y with `covariate` (e.g. summary length) partialled out.

    Longer summaries get lower summed log-probability and may also be rated differently, so the raw
    correlation mixes length with quality. This is the Pearson partial correlation of the ranks,
    r_xy.z = (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)); the p-value is a two-sided t-test
    t = r sqrt((n - 3) / (1 - r^2)) with n - 3 degrees of freedom (one covariate; rows independent).
    Undefined when the covariate's ranks determine those of x or y (|r_xz| or |r_yz| = 1).
    {params}
    Examples
    --------
    Rank correlations r_xy = 0.8, r_xz = 0.9, r_yz = 0.6 give
    (0.8 - 0.9 * 0.6) / sqrt((1 - 0.81) * (1 - 0.36)) = 0.26 / 0.3487 = 0.7456.

    >>> s = partial_spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], [1, 2, 3, 5, 4], n_resamples=0)
    >>> round(s.estimate, 4), s.n
    (0.7456, 5)
    """
    return _correlation(
        "partial spearman (ranks, pearson partial)", ("x", "y", "covariate"),
        (x, y, covariate), clusters, partial_spearman_point,
        _via_weights(weighted_partial_spearman), "t-test with n-3 dof (rows independent)",
        n_resamples, seed, confidence, resamples, p_method,
        nan_reason="the covariate's ranks determine those of x or y (|r| = 1)",
    )


def weighted_partial_pearson(x, y, z, w) -> np.ndarray:
    """Partial Pearson of x and y given z on the expanded samples, from the weighted pairwise correlations."""
    return partial_from_pairwise(weighted_pearson(x, y, w), weighted_pearson(x, z, w), weighted_pearson(y, z, w))


def partial_pearson(
    x, y, covariate, clusters=None, *, n_resamples: int = 1000, seed: int = 0,
    confidence: float = 0.95, resamples: ClusterResamples | None = None, p_method: PMethod = "independent",
) -> Stat:
    """Pearson correlation of x and y with `covariate` partialled out: the linear length control.

    A summed log-probability falls roughly linearly with length, so holding bytes fixed linearly is the
    natural control on the `sum` measure, beside the rank-based `partial_spearman`. Same formula on the
    values instead of their ranks; the p-value is the t-test with n - 3 degrees of freedom (rows
    independent).
    {params}
    Examples
    --------
    Correlations r_xy = 0.8050, r_xz = 0.6261, r_yz = 0.6 give
    (0.8050 - 0.6261 * 0.6) / sqrt((1 - 0.6261^2) * (1 - 0.36)) = 0.4293 / 0.6238 = 0.6882.

    >>> s = partial_pearson([1, 2, 3, 4, 10], [2, 1, 4, 3, 5], [1, 2, 3, 5, 4], n_resamples=0)
    >>> round(s.estimate, 4), s.n
    (0.6882, 5)
    """
    return _correlation(
        "partial pearson", ("x", "y", "covariate"), (x, y, covariate), clusters, _partial_point,
        _via_weights(weighted_partial_pearson), "t-test with n-3 dof (rows independent)",
        n_resamples, seed, confidence, resamples, p_method,
        nan_reason="the covariate determines x or y linearly (|r| = 1)",
    )


for _f in (spearman, pearson, kendall, partial_spearman, partial_pearson):
    _f.__doc__ = _f.__doc__.replace("{params}", _DOC_PARAMS)
