"""Intervals of set-level statistics over posts: the delete-one-post jackknife, or the delete-d jackknife on random
half-samples of posts.

Why not the cluster bootstrap: a statistic of a whole set of texts (the distinct-n, self-BLEU or compression
ratio of the first sample of every post) sees a post drawn twice as an exact duplicate text. Duplicates add
no new n-gram, match themselves perfectly and compress to nothing, so every bootstrap resample is less
diverse than the data and the percentile interval lies beside the estimate instead of around it. Subsets
without repeats have no duplicates: the delete-d jackknife (Shao & Wu 1989, "A general theory for jackknife
variance estimation") keeps r = ⌊N/2⌋ of the N posts at a time and estimates

    var(θ̂) = r / (d · B) · Σ_b (θ_b - θ̄)²,   d = N - r,

over B random subsets (a Monte Carlo sample standing in for all C(N, d) of them). With d/N → 1/2 it is
consistent even for statistics that are not smooth functions of means (Shao & Wu 1989). The
interval is θ̂ ± z·se (normal); a paired difference of two models uses the same subsets of their shared posts.
Up to 500 posts every set statistic (lexical and semantic) takes the delete-one jackknife instead (`jackknife_stat`'s
`delete_one`, t(G - 1)): deleting one text repeats none, and its values are taken at N - 1 texts, where the
half-samples' are taken at N/2 (with 8 posts the half-sample interval held a known distinct-3 difference in 75% of
samples, the Vendi score's in 77%; `benchmarks/bench_interval_coverage.py`).

Examples
--------
>>> keep = half_samples(6, 4, seed=0)
>>> keep.shape, keep.sum(axis=1).tolist()
((4, 6), [3, 3, 3, 3])
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import t

from postprocess.stats.bootstrap import jackknife_t
from postprocess.stats.result import Stat

# Random half-samples the variance is estimated from: its Monte Carlo error is about 1/sqrt(2B) of the
# variance (5% at 200), and each subset re-evaluates the statistic on half the texts.
MAX_SUBSETS = 200


def half_samples(n_clusters: int, n_subsets: int, seed: int) -> np.ndarray:
    """(B, N) booleans: each row keeps ⌊N/2⌋ of the N clusters, drawn without replacement, seeded."""
    rng = np.random.default_rng(seed)
    keep = np.zeros((n_subsets, n_clusters), dtype=bool)
    for b in range(n_subsets):
        keep[b, rng.choice(n_clusters, n_clusters // 2, replace=False)] = True
    return keep


def jackknife_se(replicates: np.ndarray, n_clusters: int) -> float | None:
    """The delete-d jackknife standard error from the half-sample replicates (NaN ones left out); None when
    fewer than 2 are defined or fewer than 2 clusters.

    >>> round(jackknife_se(np.array([1.0, 3.0]), 4), 6)  # r = d = 2: sqrt(mean((θ_b - 2)^2)) = 1
    1.0
    """
    reps = np.asarray(replicates, dtype=float)
    reps = reps[np.isfinite(reps)]
    kept = n_clusters // 2
    if reps.size < 2 or n_clusters < 2:
        return None
    return float(math.sqrt(kept / (n_clusters - kept) * np.mean((reps - reps.mean()) ** 2)))


def jackknife_stat(estimate: float, replicates: np.ndarray, *, n_clusters: int, n: int, method: str,
                   confidence: float, seed: int, null: float | None = None, n_dropped: int = 0,
                   details: dict | None = None, delete_one: bool = False) -> Stat:
    """`estimate` with the normal interval of its delete-d jackknife standard error; with `null` the two-sided
    normal p against it (None without). Undefined when the estimate is NaN.

    With `delete_one` the `replicates` are the statistic without each cluster in turn (G of them) and the interval
    is t(G - 1) on the delete-one jackknife SE (`postprocess.stats.bootstrap.jackknife_t`), p its t-test; no
    interval where a deletion leaves the statistic undefined or where no deletion changes it (SE 0: distinct-3 of
    8 texts without a repeated trigram; a zero-width interval there missed the truth in 12% of simulated runs).
    Why: a statistic of a set of N texts changes with N,
    and the half-samples' spread, taken at N/2 texts, misstated its spread at N (the Vendi score's of 8 texts by a
    third, coverage 77%; distinct-3's 75%, self-BLEU's 84%: `benchmarks/bench_interval_coverage.py`); the
    delete-one values are taken at N - 1 texts.

    >>> s = jackknife_stat(2.0, np.array([1.0, 3.0]), n_clusters=4, n=4, method="m", confidence=0.95, seed=0,
    ...                    null=0.0)
    >>> round(s.ci_low, 4), round(s.ci_high, 4), round(s.p_value, 4)
    (0.04, 3.96, 0.0455)
    >>> jackknife_stat(1.0, np.ones(8), n_clusters=8, n=8, method="m", confidence=0.95, seed=0,
    ...                delete_one=True).ci_low is None
    True
    """
    reps = np.asarray(replicates, dtype=float)
    info = {**(details or {}), "n_clusters": n_clusters, "confidence": confidence, "n_resamples": int(reps.size),
            "n_resamples_dropped": int((~np.isfinite(reps)).sum()), "seed": seed}
    if not math.isfinite(estimate):
        return Stat.undefined(n, method, "undefined on these texts", n_dropped, info)
    if delete_one:
        se, df = jackknife_t(reps) or (None, None)
        info.update(df=df, jackknife="delete-one")
        if se == 0:  # the same without any one post: a zero-width interval would claim a certainty G posts lack
            info["no_interval"] = "the statistic is the same without each post in turn (jackknife SE 0)"
            se = None
    else:
        se, df = jackknife_se(reps, n_clusters), math.inf
    if se is None:
        return Stat(float(estimate), None, None, None, n, method, n_dropped, None, info)
    z = float(t.ppf(0.5 + confidence / 2, df))
    p = None if null is None else (1.0 if se == 0 and estimate == null else
                                   0.0 if se == 0 else float(2 * t.sf(abs(estimate - null) / se, df)))
    info["se"] = se
    return Stat(float(estimate), float(estimate - z * se), float(estimate + z * se), p, n, method, n_dropped, None,
                info)
