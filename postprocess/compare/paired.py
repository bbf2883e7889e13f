"""Model minus reference on the same rows: paired differences of the report's statistics.

Why paired: both models score the same summaries, so most of the sampling noise (which posts happen
to be in the data) is shared. Evaluating both statistics on the *same* cluster resamples of posts
and taking the difference per resample cancels that shared noise; two independent intervals would
not, and would call real differences "indistinguishable".

Every difference is a `Stat` whose estimate is exactly ``single_run(model) - single_run(reference)``
computed by the single-run functions of `postprocess.stats.correlation` / `postprocess.stats.agreement` on the
rows complete in both runs. The paired bootstrap's percentile interval of the per-resample differences and its
two-sided p, ``min(1, 2 min(P*(d <= 0), P*(d >= 0)))``, are too narrow with few posts, so the printed interval is a
t interval and p its t-test:

* differences of means (agreement, the per-post diversity statistics): t on the CR2 cluster-robust SE with
  Bell-McCaffrey degrees of freedom (`postprocess.stats.bootstrap.t_interval`);
* differences of correlations and of alpha: t(G - 1) on the delete-one-post jackknife SE of the difference, both
  statistics recomputed without each post by the same code as their bootstrap replicates (above
  `JACKKNIFE_MAX_CLUSTERS` posts the percentile interval, where it is accurate).

The percentile interval and bootstrap p of the same paired resamples stay in the details.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats as sps

from postprocess.stats.agreement import agreement, pair_outcomes
from postprocess.stats.bootstrap import (
    JACKKNIFE_MAX_CLUSTERS,
    JACKKNIFE_T_NOTE,
    T_NOTE,
    ClusterResamples,
    cluster_robust_t,
    draw_unless_given,
    fallback_method,
    jackknife_t,
    leave_one_out,
    percentile_interval,
    ratio_of_sums_replicates,
    resampled,
    t_interval,
)
from postprocess.stats.measures import measure_values
from postprocess.stats.registry import REGISTRY, statistics
from postprocess.stats.result import Stat
from postprocess.stats.typicality import alpha_replicates, typicality_alpha

P_NOTE = "p: bootstrap two-sided, add-one (2 x share of paired resamples on the far side of 0)"
T_P_NOTE = "p: t-test of 0 on the CR2 cluster-robust SE (Bell-McCaffrey df), inverts the interval"
JACK_P_NOTE = "p: t-test of 0 on the jackknife SE (G - 1 df), inverts the interval; the bootstrap p in details"


def measure(frame: pd.DataFrame, name: str, run: str, side: str = "") -> np.ndarray:
    """A log-probability measure of one run on an aligned frame (see `postprocess.compare.align`).

    `run` is "ref" or "model"; `side` is "" (axis) or "a" / "b" (pairs). "per_byte" divides by the
    continuation's UTF-8 bytes (the same text in both runs), "per_token" by the run's own token count
    (tokenizers differ between model families).
    """
    return measure_values(frame, name, f"_{side}" if side else "", f"_{run}")


def available_measures(frame: pd.DataFrame, kind: str) -> dict[str, str | None]:
    """Each measure mapped to None (comparable) or why not: per_token needs token counts on every row
    of both runs."""
    sides = [""] if kind == "axis" else ["_a", "_b"]
    cols = [f"n_tokens{s}_{run}" for s in sides for run in ("ref", "model")]
    counted = all(c in frame and frame[c].notna().all() for c in cols)
    return {"sum": None, "per_byte": None,
            "per_token": None if counted else "token counts were not logged for every row of both runs"}


def bootstrap_p(replicates) -> float | None:
    """Two-sided bootstrap p of a difference against 0 (None when no resample is defined).

    With B defined replicates, p = min(1, 2 min(1 + #(d <= 0), 1 + #(d >= 0)) / (B + 1)): the add-one
    form (Davison & Hinkley 1997, eq. 4.11) never reports p = 0 from finitely many resamples, and
    gives p = 1 when every replicate is 0 (identical runs).

    Examples
    --------
    One of four replicates at or below 0: 2 * (1 + 1) / (4 + 1) = 0.8.

    >>> bootstrap_p([0.1, 0.2, -0.1, 0.3])
    0.8
    """
    reps = np.asarray(replicates, dtype=float)
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return None
    below, above = int(np.sum(reps <= 0)), int(np.sum(reps >= 0))
    return float(min(1.0, 2 * (1 + min(below, above)) / (reps.size + 1)))


def difference_stat(reference: Stat, model: Stat, replicates: np.ndarray | None, method: str,
                    confidence: float, seed: int | None, clusters: np.ndarray,
                    se: tuple[float, float] | None = None, jackknife: bool = False) -> Stat:
    """Combine two single-run stats and the paired replicates of their difference into one `Stat`;
    `clusters` are the labels of the rows both used (their count goes to details). With `se` (the difference's
    CR2 SE and Bell-McCaffrey df, `cluster_robust_t`; with `jackknife`, the delete-one-post jackknife SE and
    G - 1, `jackknife_t`) the interval and p are `t_interval`'s, the percentile interval goes to details."""
    n, n_dropped = model.n, model.n_dropped
    if not (reference.defined and model.defined):
        why = "; ".join(f"{who}: {s.reason}" for who, s in (("reference", reference), ("model", model))
                        if not s.defined)
        return Stat.undefined(n, method, why, n_dropped)
    details = {"reference": reference.estimate, "model": model.estimate}
    low = high = p = None
    if replicates is not None:
        interval = percentile_interval(replicates, confidence)
        low, high, p = interval.low, interval.high, bootstrap_p(replicates)
        details.update(interval.details(), seed=seed)
        if se is not None and np.all(np.isfinite(se)):
            details.update(percentile_ci_low=low, percentile_ci_high=high, p_value_bootstrap=p)
            details.update({"se_jackknife": se[0], "df": se[1]} if jackknife
                           else {"se_cr2": se[0], "df_bell_mccaffrey": se[1]})
            low, high, p = t_interval(model.estimate - reference.estimate, *se, confidence, 0.0)
    if len(clusters):
        details["n_clusters"] = len(np.unique(clusters))
    return Stat(model.estimate - reference.estimate, low, high, p, n, method, n_dropped, None, details)


def correlation_difference(
    x_ref, x_model, y, clusters, *, statistic: str = "spearman", covariate=None, n_resamples: int = 1000,
    seed: int = 0, confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """Correlation of the model's measure with a rating minus the reference's, paired over posts.

    Parameters
    ----------
    x_ref, x_model : array-like
        The two runs' measure of the same summaries (rows aligned).
    y : array-like
        The human rating of each row.
    clusters : array-like
        Post id of each row (the resampled unit, shared by both runs).
    statistic : str
        A registered axis statistic compared between runs (`postprocess.stats.registry`, e.g.
        "spearman"); one with a covariate ("partial_spearman") needs `covariate` (the summary's bytes).
    n_resamples, seed, confidence, resamples
        As in `postprocess.stats.correlation.spearman`; the same draws serve both runs.

    Examples
    --------
    Reference rho = 0.8 and model rho = 1.0 on the same five ratings: difference 0.2.

    >>> d = correlation_difference([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], [2, 1, 4, 3, 5], None, n_resamples=0)
    >>> [round(v, 6) for v in (d.estimate, d.details["reference"], d.details["model"])]
    [0.2, 0.8, 1.0]
    """
    paired = {s.name: s for s in statistics(kind="axis", paired=True)}
    if statistic not in paired:
        raise ValueError(f"statistic must be one of {sorted(paired)}, got {statistic!r}")
    entry = REGISTRY[statistic]
    if entry.covariate and covariate is None:
        raise ValueError(f"{statistic} needs the covariate ({entry.covariate})")
    cols = [x_ref, x_model, y] + ([covariate] if entry.covariate else [])
    arrs = [np.asarray(a, dtype=float).ravel() for a in cols]
    labels = np.arange(len(arrs[0])) if clusters is None else np.asarray(clusters)
    keep = np.logical_and.reduce([np.isfinite(a) for a in arrs])
    xr, xm, yy, *z = (a[keep] for a in arrs)
    ref = entry.point(xr, yy, *z, n_resamples=0)
    mod = entry.point(xm, yy, *z, n_resamples=0)
    ref, mod = (replace(s, n_dropped=int((~keep).sum())) for s in (ref, mod))
    resamples = draw_unless_given(resamples, labels, n_resamples, seed)
    reps = se = None
    jackknife = len(np.unique(labels[keep])) <= JACKKNIFE_MAX_CLUSTERS
    if resamples is not None and ref.defined and mod.defined:
        rep = entry.replicates

        def paired(draws: ClusterResamples) -> np.ndarray:
            return resampled(lambda w: rep(xm, yy, *z, w) - rep(xr, yy, *z, w), labels[keep], draws)

        reps = paired(resamples)
        se = jackknife_t(paired(leave_one_out(labels[keep]))) if jackknife else None
    unit = "row" if clusters is None else "cluster"
    ci = (f"{JACK_P_NOTE}; {JACKKNIFE_T_NOTE.replace('post', unit)} (paired; the percentile interval in details)"
          if jackknife else f"{P_NOTE}; ci: paired {unit} bootstrap percentile (more than {JACKKNIFE_MAX_CLUSTERS} "
          f"{unit}s)")
    if reps is not None and jackknife and se is None:
        ci = f"{P_NOTE}; ci: paired {unit} bootstrap percentile (undefined without one of the {unit}s: no jackknife)"
    method = f"difference model - reference of {entry.key}; {ci}"
    return difference_stat(ref, mod, reps, method, confidence, None if resamples is None else resamples.seed,
                           labels[keep], se, jackknife=True)


MCNEMAR_NOTE = ("p: exact McNemar (two-sided binomial test of the discordant pairs, pairs where either side ties left "
                "out; rows independent); the t-test p in details.p_value_t, the bootstrap p in "
                "details.p_value_bootstrap")


def mcnemar_p(first, second) -> tuple[float | None, dict]:
    """The exact McNemar p of two sides' per-pair outcomes (1 agrees with the human, 0 not, 1/2 a tie) and its
    counts: among the pairs where both sides pick a summary (no tie) and exactly one agrees, the two-sided
    binomial test of "second only" against 1/2 (`scipy.stats.binomtest`). p is 1 when no pair is discordant
    (nothing tells the sides apart); None when no pair is complete.

    >>> mcnemar_p([1, 1, 1, 0, 0.5], [0, 0, 1, 1, 1])
    (1.0, {'n_first_only': 2, 'n_second_only': 1, 'n_discordant': 3})
    """
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    untied = np.isfinite(a) & np.isfinite(b) & (a != 0.5) & (b != 0.5)
    first_only, second_only = int(np.sum(untied & (a == 1) & (b == 0))), int(np.sum(untied & (a == 0) & (b == 1)))
    counts = {"n_first_only": first_only, "n_second_only": second_only, "n_discordant": first_only + second_only}
    if not np.any(np.isfinite(a) & np.isfinite(b)):
        return None, counts
    if first_only + second_only == 0:
        return 1.0, counts
    return float(sps.binomtest(second_only, first_only + second_only, 0.5).pvalue), counts


def agreement_difference(
    ref_a, ref_b, model_a, model_b, choice, clusters, *, n_resamples: int = 1000, seed: int = 0,
    confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """Agreement with the human choice of the model's measure minus the reference's, paired over posts.

    Ties count 1/2 in each run (as in `postprocess.stats.agreement.agreement`); pairs missing in either run
    are dropped from both. `p_value` is the exact McNemar p (`mcnemar_p`: the reference "first", the model
    "second"; its counts in details); the t-test p of the interval is ``details["p_value_t"]``, the paired
    bootstrap p ``details["p_value_bootstrap"]``.

    Examples
    --------
    Reference agrees on 2 of 4 pairs (0.5), the model on 3 of 4 (0.75): difference 0.25.

    >>> d = agreement_difference([2, 1, 1, 1], [1, 2, 2, 2], [2, 1, 2, 1], [1, 2, 1, 2], [0, 1, 0, 0], None,
    ...                          n_resamples=0)
    >>> d.estimate, d.details["reference"], d.details["model"]
    (0.25, 0.5, 0.75)
    """
    arrs = [np.asarray(a, dtype=float).ravel() for a in (ref_a, ref_b, model_a, model_b, choice)]
    labels = np.arange(len(arrs[0])) if clusters is None else np.asarray(clusters)
    w_ref = pair_outcomes(arrs[0], arrs[1], arrs[4])
    w_mod = pair_outcomes(arrs[2], arrs[3], arrs[4])
    keep = np.isfinite(w_ref) & np.isfinite(w_mod)
    ref = agreement(*(a[keep] for a in (arrs[0], arrs[1], arrs[4])), n_resamples=0)
    mod = agreement(*(a[keep] for a in (arrs[2], arrs[3], arrs[4])), n_resamples=0)
    ref, mod = (replace(s, n_dropped=int((~keep).sum())) for s in (ref, mod))
    resamples = draw_unless_given(resamples, labels, n_resamples, seed)
    reps = se = None
    if resamples is not None and keep.any():
        diff = w_mod[keep] - w_ref[keep]
        reps = ratio_of_sums_replicates(diff, labels[keep], resamples)
        se = cluster_robust_t(np.ones(len(diff)), diff - diff.mean(), labels[keep])
    unit = "row" if clusters is None else "cluster"
    method = (f"difference model - reference of agreement (ties 1/2); {MCNEMAR_NOTE}; "
              f"{T_NOTE.replace('by post', 'by ' + unit)} (paired)")
    stat = difference_stat(ref, mod, reps, method, confidence, None if resamples is None else resamples.seed,
                           labels[keep], se)
    if not stat.defined:
        return stat
    p_mcnemar, counts = mcnemar_p(w_ref[keep], w_mod[keep])
    return replace(stat, p_value=p_mcnemar, details={**stat.details, **counts, "p_value_t": stat.p_value})


def alpha_difference(
    delta_ref, delta_model, choice, clusters, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None,
) -> Stat:
    """The typicality bias alpha (`postprocess.stats.typicality.typicality_alpha`, group `all`: the human chose
    A on z = delta / rms, no intercept) of the model's measure minus the reference's, on the pairs complete in
    both, each refitted on the same resampled posts; percentile interval and bootstrap p of the differences.

    `delta_*` is measure(A) - measure(B) of each run, `choice` 0 when the human chose A.
    """
    d_ref, d_mod, c = (np.asarray(a, dtype=float).ravel() for a in (delta_ref, delta_model, choice))
    labels = np.arange(len(c)) if clusters is None else np.asarray(clusters)
    keep = np.isfinite(d_ref) & np.isfinite(d_mod) & np.isfinite(c)
    chose_a = (c[keep] == 0).astype(float)
    fits = [typicality_alpha(d[keep], chose_a, labels[keep], n_resamples=0).alpha for d in (d_ref, d_mod)]
    ref, mod = (replace(s, n_dropped=int((~keep).sum())) for s in fits)
    resamples = draw_unless_given(resamples, labels, n_resamples, seed)
    reps = se = None
    jackknife = len(np.unique(labels[keep])) <= JACKKNIFE_MAX_CLUSTERS
    if resamples is not None and ref.defined and mod.defined:

        def paired(draws: ClusterResamples) -> np.ndarray:
            return (alpha_replicates(d_mod[keep], chose_a, labels[keep], draws, mod.estimate, mod.details["rms"])
                    - alpha_replicates(d_ref[keep], chose_a, labels[keep], draws, ref.estimate, ref.details["rms"]))

        reps = paired(resamples)
        se = jackknife_t(paired(leave_one_out(labels[keep]))) if jackknife else None
    unit = "row" if clusters is None else "cluster"
    ci = (f"{JACK_P_NOTE}; {JACKKNIFE_T_NOTE.replace('post', unit)} (paired, each alpha refitted without each "
          f"{unit}; the percentile interval of the paired bootstrap in details)" if jackknife
          else f"{P_NOTE}; ci: paired {unit} bootstrap percentile, each alpha refitted on the same resamples (more "
          f"than {JACKKNIFE_MAX_CLUSTERS} {unit}s)")
    if reps is not None and jackknife and se is None:
        ci = (f"{P_NOTE}; ci: paired {unit} bootstrap percentile, each alpha refitted on the same resamples "
              f"(undefined without one of the {unit}s: no jackknife)")
    method = f"difference model - reference of typicality alpha (group all, per rms unit of each run's delta); {ci}"
    return difference_stat(ref, mod, reps, method, confidence, None if resamples is None else resamples.seed,
                           labels[keep], se, jackknife=True)


def mean_difference(
    first, second, clusters, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None, what: str = "mean", labels: tuple[str, str] = ("first", "second"),
) -> tuple[Stat, Stat, Stat]:
    """Means of two paired variables and the mean of ``second - first``, with cluster intervals.

    Rows where either is missing are dropped from all three. Intervals: t on the CR2 cluster-robust SE with
    Bell-McCaffrey degrees of freedom (the percentile interval in details). The means' p-values are None (their
    level is not tested); the difference's is the t-test against 0 that inverts its interval.

    Examples
    --------
    >>> a, b, d = mean_difference([1.0, 2.0, 3.0], [2.0, 2.0, 5.0], None, n_resamples=0)
    >>> a.estimate, b.estimate, d.estimate
    (2.0, 3.0, 1.0)
    """
    x = np.asarray(first, dtype=float).ravel()
    y = np.asarray(second, dtype=float).ravel()
    names = labels
    labels = np.arange(len(x)) if clusters is None else np.asarray(clusters)
    keep = np.isfinite(x) & np.isfinite(y)
    n, n_dropped = int(keep.sum()), int((~keep).sum())
    resamples = draw_unless_given(resamples, labels, n_resamples, seed)
    unit = "row" if clusters is None else "cluster"
    ci = f"; {T_NOTE.replace('by post', 'by ' + unit)}" if resamples is not None else "; no interval"
    methods = (f"{what}, {names[0]}" + ci, f"{what}, {names[1]}" + ci,
               f"{what}: mean of {names[1]} - {names[0]}; {T_P_NOTE}" + ci)
    if n == 0:
        return tuple(Stat.undefined(0, m, "no rows with both values", n_dropped) for m in methods)
    xs, ys = x[keep], y[keep]
    values = np.column_stack([xs, ys, ys - xs])
    estimates = [xs.mean(), ys.mean(), (ys - xs).mean()]
    out = []
    for j, (est, m) in enumerate(zip(estimates, methods)):
        low = high = p = None
        details = {"n_clusters": len(np.unique(labels[keep]))}
        if resamples is not None:
            reps = ratio_of_sums_replicates(values[:, j], labels[keep], resamples)
            interval = percentile_interval(reps, confidence)
            se = cluster_robust_t(np.ones(n), values[:, j] - est, labels[keep])
            details.update(interval.details(), seed=resamples.seed, percentile_ci_low=interval.low,
                           percentile_ci_high=interval.high, se_cr2=se[0], df_bell_mccaffrey=se[1])
            low, high, p = interval.low, interval.high, bootstrap_p(reps) if j == 2 else None
            if np.all(np.isfinite(se)):
                low, high, p_t = t_interval(float(est), *se, confidence, 0.0)
                p = p_t if j == 2 else None
            else:
                m = fallback_method(m.replace(T_P_NOTE, P_NOTE))
        out.append(Stat(float(est), low, high, p, n, m, n_dropped, None, details))
    return tuple(out)
