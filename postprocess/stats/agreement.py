"""Agreement of a model's preference with the human's choice on comparison pairs, and breakdowns.

A pair counts 1 when the summary with the higher model score is the one the human chose, 0 when it
is the other one, and 1/2 when the model scores tie (a coin flip in expectation).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats as sps

from postprocess.stats.bootstrap import (
    WILSON_NOTE,
    ClusterResamples,
    cluster_robust_t,
    draw_unless_given,
    ratio_of_sums_replicates,
    stat_with_interval,
)
from postprocess.stats.result import PMethod, Stat

# `extra.confidence` is one 9-point scale over the pair (Stiennon et al. 2020): 1 = summary A is
# definitely better ... 9 = summary B is definitely better, 5 (never used) = no preference; in the
# real files choice 0 always comes with 1-4 and choice 1 with 6-9. The annotator's confidence is
# therefore the distance from the midpoint, |confidence - 5|, bucketed by its four levels.
CONFIDENCE_BUCKETS = {"slight": 1, "moderate": 2, "strong": 3, "definite": 4}


def checked_choice(choice, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`choice` as floats (NaN = missing) once it has the pairs' shape and holds nothing but 0 and 1."""
    c = np.asarray(choice, dtype=float)
    if not (a.shape == b.shape == c.shape):
        raise ValueError(f"shapes differ: {a.shape}, {b.shape}, {c.shape}")
    bad = np.isfinite(c) & (c != 0) & (c != 1)
    if np.any(bad):
        raise ValueError(f"choice must be 0 (A chosen) or 1 (B chosen); got {np.unique(c[bad])}")
    return c


def pair_outcomes(score_a, score_b, choice) -> np.ndarray:
    """Per pair 1 (model agrees with the human), 0 (disagrees) or 0.5 (model tie); NaN if missing.

    `choice` follows the dataset: 0 = the human chose summary A, 1 = summary B.

    Examples
    --------
    >>> pair_outcomes([2.0, 1.0, 3.0, 5.0], [1.0, 2.0, 1.0, 5.0], [0, 1, 1, 0]).tolist()
    [1.0, 1.0, 0.0, 0.5]
    """
    a = np.asarray(score_a, dtype=float)
    b = np.asarray(score_b, dtype=float)
    c = checked_choice(choice, a, b)
    model_picks_b = (b > a).astype(float)
    out = np.where(a == b, 0.5, (model_picks_b == c).astype(float))
    return np.where(np.isfinite(a) & np.isfinite(b) & np.isfinite(c), out, np.nan)


def agreement(
    score_a, score_b, choice, clusters=None, *, n_resamples: int = 1000, seed: int = 0,
    confidence: float = 0.95, resamples: ClusterResamples | None = None, p_method: PMethod = "independent",
) -> Stat:
    """Fraction of pairs where the summary the model scores higher is the one the human chose.

    Model ties count 1/2 and are reported in ``details["n_ties"]``. The interval is the Wilson score interval on
    the effective sample size p(1 - p) / SE², SE the CR2 cluster-robust standard error of the tie-counted rate,
    with t quantiles of Bell-McCaffrey degrees of freedom (`postprocess.stats.bootstrap.wilson_t_interval`: a
    percentile bootstrap over few posts is too narrow, and rate ± t SE still under-covers at 8 posts); the
    cluster-bootstrap percentile interval of the same rate, from resampled per-cluster sums, stays in
    ``details`` (``percentile_ci_low`` / ``percentile_ci_high``). Two p-values against 1/2: an exact two-sided
    sign test of the non-tied pairs (`scipy.stats.binomtest`; ties carry no information about direction and
    are left out; rows taken as independent), and the cluster p, the score t-test that inverts the interval.
    `p_method` picks which one is ``p_value``; the other goes to ``details`` as ``p_value_cluster`` or
    ``p_value_independent``. A report should use "cluster": the sign test treats the pairs of one post as
    independent and can contradict the interval printed beside it.

    Parameters
    ----------
    score_a, score_b : array-like
        Model scores (e.g. log-probability per byte) of summaries A and B.
    choice : array-like
        0 if the human chose A, 1 if B. Rows with any NaN are dropped and counted.
    clusters : array-like, optional
        Post id per pair; None resamples single pairs.
    n_resamples, seed, confidence, resamples, p_method
        As in `postprocess.stats.correlation.spearman`.

    Examples
    --------
    Four pairs, one model tie: (1 + 1 + 0 + 0.5) / 4 = 0.625.

    >>> s = agreement([2, 1, 3, 5], [1, 2, 1, 5], [0, 1, 1, 0], n_resamples=0)
    >>> s.estimate, s.details["n_ties"]
    (0.625, 1)
    """
    wins = pair_outcomes(score_a, score_b, choice)
    keep = np.isfinite(wins)
    labels = np.arange(len(wins)) if clusters is None else np.asarray(clusters)
    n, n_dropped = int(keep.sum()), int((~keep).sum())
    with_ci = n_resamples > 0 or resamples is not None
    unit = "row" if clusters is None else "cluster"
    sign_test = "exact two-sided sign test on non-tied pairs (rows independent)"
    if p_method == "cluster":
        method = f"agreement (ties 1/2); p: {unit}-robust score t-test against 0.5, inverts the interval"
        method += f"; p_value_independent: {sign_test}"
    else:
        method = f"agreement (ties 1/2); p: {sign_test}"
    method += f"; {WILSON_NOTE.replace('by post', 'by ' + unit)}" if with_ci else ""
    if n == 0:
        return Stat.undefined(0, method, "no complete pairs", n_dropped)
    w = wins[keep]
    n_ties = int(np.sum(w == 0.5))
    n_agree = int(np.sum(w == 1.0))
    details = {"n_ties": n_ties, "n_agree": n_agree, "n_clusters": len(np.unique(labels[keep]))}
    untied = n - n_ties
    p_independent = float(sps.binomtest(n_agree, untied, 0.5).pvalue) if untied else None
    resamples = draw_unless_given(resamples, labels, n_resamples, seed)
    reps = None if resamples is None else ratio_of_sums_replicates(w, labels[keep], resamples)
    se = cluster_robust_t(np.ones(n), w - w.mean(), labels[keep])
    return stat_with_interval(float(w.mean()), reps, resamples, null=0.5, p_independent=p_independent,
                              p_method=p_method, confidence=confidence, n=n, method=method, n_dropped=n_dropped,
                              details=details, se=se, interval="wilson")


def confidence_bucket(confidence) -> np.ndarray:
    """Bucket the 1-9 preference scale by strength |confidence - 5|: slight, moderate, strong,
    definite; None for 5, values outside 1-9, or missing.

    Examples
    --------
    >>> confidence_bucket([1, 4, 6, 8, 9, 5, np.nan]).tolist()
    ['definite', 'slight', 'slight', 'strong', 'definite', None, None]
    """
    c = np.asarray(confidence, dtype=float)
    strength = np.abs(c - 5)
    out = np.full(c.shape, None, dtype=object)
    valid = (c >= 1) & (c <= 9)
    for name, level in CONFIDENCE_BUCKETS.items():
        out[valid & (strength == level)] = name
    return out


def by_group(
    values: pd.DataFrame, group_col: str, fn: Callable[[pd.DataFrame], Stat], *,
    order: list | None = None,
) -> pd.DataFrame:
    """One `Stat` per value of `group_col` (e.g. policy, split, confidence bucket), as a table.

    Rows whose group is missing are left out. `order` fixes the row order (e.g. the confidence buckets
    slight, moderate, strong, definite) and
    keeps groups with no rows as undefined rows; otherwise groups come sorted.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [2, 1, 3, 5], "b": [1, 2, 1, 5], "choice": [0, 1, 1, 0],
    ...                    "bucket": ["slight", "slight", "definite", "definite"]})
    >>> t = by_group(df, "bucket", lambda d: agreement(d.a, d.b, d.choice, n_resamples=0),
    ...              order=["slight", "strong", "definite"])
    >>> t[["bucket", "estimate", "n"]].to_string(index=False)
    '  bucket  estimate  n\\n  slight      1.00  2\\n  strong       NaN  0\\ndefinite      0.25  2'
    """
    present = values[group_col].dropna().unique().tolist()
    groups = order if order is not None else sorted(present)
    rows = []
    for g in groups:
        sub = values[values[group_col] == g]
        stat = fn(sub) if len(sub) else Stat.undefined(0, "", "no rows in this group")
        rows.append({group_col: g, **stat.to_dict()})
    cols = [group_col, *Stat.__dataclass_fields__]
    table = pd.DataFrame(rows, columns=cols)
    for col in ("estimate", "ci_low", "ci_high", "p_value"):
        table[col] = table[col].astype(float)
    return table
