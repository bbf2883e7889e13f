"""The human ceiling beside every agreement: how often labellers agree with each other, how often the
model agrees with their majority, and whether some labellers follow likelihood more than others.

Stiennon et al. 2020 report labeller-labeller agreement of 72-73% on TL;DR comparisons: no score can be
expected to agree with a single labeller much more often than another labeller does. The data carry one
row per judgement (post, the two summaries, the worker's choice); a pair of summaries judged by several
workers appears once per judgement, in either order.

* `canonical_pairs` / `majority_votes`: the judgements of each distinct pair of summaries, in one order.
* `human_agreement`: the share of worker pairs that agree, over pairs judged by more than one worker (a
  pair judged by k workers gives k(k-1)/2 worker pairs), with a cluster-bootstrap interval by post.
* `majority_agreement`: the model's agreement with the majority vote of each pair (vote ties dropped).
* `worker_heterogeneity`: per-worker agreement of the likelihood pick, and a likelihood-ratio test of
  worker-specific slopes in the alpha logit (`postprocess.stats.typicality`) against a common slope.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats as sps

from postprocess.stats.agreement import agreement, checked_choice
from postprocess.stats.bootstrap import (
    WILSON_NOTE,
    ClusterResamples,
    cluster_robust_t,
    draw_unless_given,
    ratio_of_sums_replicates,
    stat_with_interval,
)
from postprocess.stats.result import PMethod, Stat
from postprocess.stats.typicality import cluster_sandwich, covariate_matrix

POOLED = "(pooled)"
PAIR_SEPARATOR = "\x00"


def canonical_pairs(summary_a, summary_b, choice) -> pd.DataFrame:
    """Each judgement of a pair in one order, whichever order the row listed the summaries in.

    The pair's id is its two summary ids in sorted order (ids must identify a summary, e.g. the `sid`
    column: post and text); `chose_first` is 1.0 when the worker chose the first of them, 0.0 for the
    second, NaN when the choice is missing; `flipped` is True where the row listed the second first
    (its score_a belongs to the pair's second summary). `choice` follows the data: 0 = A chosen.

    Examples
    --------
    >>> canonical_pairs(["x", "y"], ["y", "x"], [0, 0]).to_dict("list")
    {'pair_id': ['x\\x00y', 'x\\x00y'], 'chose_first': [1.0, 0.0], 'flipped': [False, True]}
    """
    a = np.asarray(summary_a, dtype=object).astype(str)
    b = np.asarray(summary_b, dtype=object).astype(str)
    c = checked_choice(choice, a, b)
    flipped = b < a
    first = np.where(flipped, b, a)
    second = np.where(flipped, a, b)
    chose_a = 1.0 - c
    return pd.DataFrame({"pair_id": [f"{x}{PAIR_SEPARATOR}{y}" for x, y in zip(first, second)],
                         "chose_first": np.where(flipped, 1.0 - chose_a, chose_a), "flipped": flipped})


def majority_votes(pair_ids, chose_first) -> pd.DataFrame:
    """One row per pair: `n_judgements`, `votes_first`, `share_first` and `majority_first` (1.0 / 0.0, NaN on a
    tied vote), from judgements with a choice (NaN choices are left out).

    Examples
    --------
    >>> votes = majority_votes(["p", "p", "p", "q", "q"], [1, 1, 0, 1, 0])
    >>> votes[["pair_id", "n_judgements", "votes_first", "majority_first"]].to_dict("list")
    {'pair_id': ['p', 'q'], 'n_judgements': [3, 2], 'votes_first': [2.0, 1.0], 'majority_first': [1.0, nan]}
    """
    frame = pd.DataFrame({"pair_id": np.asarray(pair_ids), "chose_first": np.asarray(chose_first, dtype=float)})
    frame = frame[np.isfinite(frame["chose_first"])]
    grouped = frame.groupby("pair_id", sort=True)["chose_first"]
    out = pd.DataFrame({"n_judgements": grouped.count(), "votes_first": grouped.sum()}).reset_index()
    out["share_first"] = out["votes_first"] / out["n_judgements"]
    out["majority_first"] = np.where(out["share_first"] > 0.5, 1.0, np.where(out["share_first"] < 0.5, 0.0, np.nan))
    return out


def _pairs_of(counts: np.ndarray) -> np.ndarray:
    return counts * (counts - 1) / 2


def human_agreement(summary_a, summary_b, choice, clusters, workers=None, *, n_resamples: int = 1000,
                    seed: int = 0, confidence: float = 0.95, resamples: ClusterResamples | None = None) -> Stat:
    """Labeller-labeller agreement: over pairs of summaries judged more than once, the share of pairs of
    judgements (by different workers) that chose the same summary.

    A pair judged by k workers of whom m chose the first summary gives k(k-1)/2 worker pairs, of which
    m(m-1)/2 + (k-m)(k-m-1)/2 agree; judgements of one pair by the same worker are not paired with each
    other (``details["n_same_worker_pairs"]``). The estimate is the sum of agreeing worker pairs over the sum
    of all worker pairs (pairs with many judgements weigh more, as in a pooled count). The interval is Wilson's on
    the effective sample size of the ratio's CR2 cluster-robust SE by post (`clusters`, the post of each
    judgement; a pair's judgements share it; `postprocess.stats.bootstrap.wilson_t_interval`; the percentile
    interval of the cluster bootstrap in details); p: the score t-test against 1/2, the agreement of two coin
    flips. `n` is the number of pairs judged more than once.

    Examples
    --------
    A pair judged three times (two for the first summary) and one judged twice in opposite row orders,
    both for the same summary: (1 + 1) / (3 + 1) = 0.5.

    >>> s = human_agreement(["x", "x", "x", "u", "v"], ["y", "y", "y", "v", "u"], [0, 0, 1, 0, 1],
    ...                     ["p", "p", "p", "q", "q"], ["w1", "w2", "w3", "w1", "w2"], n_resamples=0)
    >>> s.estimate, s.n, s.details["n_worker_pairs"]
    (0.5, 2, 4)
    """
    pairs = canonical_pairs(summary_a, summary_b, choice)
    n_rows = len(pairs)
    labels = np.asarray(clusters)
    if labels.shape != (n_rows,):
        raise ValueError(f"clusters has shape {labels.shape}, expected ({n_rows},)")
    worker = (np.arange(n_rows).astype(str) if workers is None else np.asarray(workers, dtype=object).astype(str))
    keep = np.isfinite(pairs["chose_first"].to_numpy())
    n_dropped = int((~keep).sum())
    frame = pairs[keep].assign(cluster=labels[keep], worker=worker[keep])
    with_ci = n_resamples > 0 or resamples is not None
    method = ("labeller-labeller agreement: share of pairs of judgements by different workers of the same pair of "
              "summaries that chose the same one (a pair judged by k workers gives k(k-1)/2), pooled over pairs "
              "judged more than once")
    method += f"; p: cluster-robust score t-test against 0.5, inverts the interval; {WILSON_NOTE}" if with_ci else ""
    per_pair = frame.groupby("pair_id").agg(k=("chose_first", "size"), first=("chose_first", "sum"),
                                            cluster=("cluster", "first"))
    if len(frame) and frame.groupby("pair_id")["cluster"].nunique().max() > 1:
        raise ValueError("the judgements of one pair of summaries carry different clusters (posts)")
    by_worker = frame.groupby(["pair_id", "worker"]).agg(k=("chose_first", "size"), first=("chose_first", "sum"))
    same = pd.DataFrame({"all": _pairs_of(by_worker["k"]),
                         "agree": _pairs_of(by_worker["first"]) + _pairs_of(by_worker["k"] - by_worker["first"])})
    same = same.groupby(level="pair_id").sum().reindex(per_pair.index, fill_value=0.0)
    k, first = per_pair["k"].to_numpy(float), per_pair["first"].to_numpy(float)
    total = _pairs_of(k) - same["all"].to_numpy()
    agree = _pairs_of(first) + _pairs_of(k - first) - same["agree"].to_numpy()
    used = total > 0
    details = {"n_judgements": int(per_pair["k"][used].sum()), "n_worker_pairs": int(total[used].sum()),
               "n_same_worker_pairs": int(same["all"].sum()), "n_single_judged_pairs": int((per_pair["k"] == 1).sum()),
               "n_clusters": int(per_pair["cluster"][used].nunique())}
    n = int(used.sum())
    if n == 0:
        return Stat.undefined(0, method, "no pair of summaries was judged by more than one worker", n_dropped,
                              details)
    agree, total, pair_clusters = agree[used], total[used], per_pair["cluster"].to_numpy()[used]
    estimate = float(agree.sum() / total.sum())
    resamples = draw_unless_given(resamples, pair_clusters, n_resamples, seed)
    if resamples is None:
        return Stat(estimate, None, None, None, n, method, n_dropped, None, details)
    reps = ratio_of_sums_replicates(agree, pair_clusters, resamples, denominator=total)
    # The ratio's linearisation: least squares of agree / sqrt(total) on sqrt(total) has the ratio as its slope.
    root = np.sqrt(total)
    se = cluster_robust_t(root, (agree - estimate * total) / root, pair_clusters)
    stat = stat_with_interval(estimate, reps, resamples, null=0.5, p_independent=None, p_method="cluster",
                              confidence=confidence, n=int(total.sum()), method=method, n_dropped=n_dropped,
                              details=details, se=se, interval="wilson")
    stat.details.pop("p_value_independent", None)
    return replace(stat, n=n)


def majority_agreement(score_a, score_b, summary_a, summary_b, choice, clusters, *, min_judgements: int = 2,
                       n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
                       resamples: ClusterResamples | None = None, p_method: PMethod = "cluster") -> Stat:
    """The model's agreement with the majority vote of each distinct pair of summaries judged at least
    `min_judgements` times (default 2: the pairs `human_agreement` is measured on; 1 includes every pair).

    Scores are the model's for summary A and B of each row (the same summary's score is the same wherever it
    appears; the pair's are averaged over its rows). Model ties count 1/2, as in
    `postprocess.stats.agreement.agreement`, which computes the rate and its cluster interval on one row per
    pair. Tied votes (as many judgements for each summary) are dropped and counted in ``details["n_vote_ties"]``,
    pairs judged fewer times in ``details["n_few_judgements"]``; both are in `n_dropped`.

    Examples
    --------
    >>> s = majority_agreement([-1.0, -1.0, -3.0, -2.0, -2.0], [-2.0, -2.0, -2.0, -3.0, -3.0],
    ...                        ["x", "x", "x", "u", "u"], ["y", "y", "y", "v", "v"], [0, 1, 0, 0, 1],
    ...                        ["p", "p", "p", "q", "q"], n_resamples=0)
    >>> s.estimate, s.n, s.details["n_vote_ties"]
    (1.0, 1, 1)
    """
    pairs = canonical_pairs(summary_a, summary_b, choice)
    a, b = np.asarray(score_a, dtype=float), np.asarray(score_b, dtype=float)
    labels = np.asarray(clusters)
    if not (a.shape == b.shape == labels.shape == (len(pairs),)):
        raise ValueError(f"shapes differ: {a.shape}, {b.shape}, {labels.shape}, ({len(pairs)},)")
    flipped = pairs["flipped"].to_numpy()
    frame = pairs.assign(first=np.where(flipped, b, a), second=np.where(flipped, a, b), cluster=labels)
    missing_choice = int(frame["chose_first"].isna().sum())
    votes = majority_votes(frame["pair_id"], frame["chose_first"]).set_index("pair_id")
    scores = frame.groupby("pair_id").agg(first=("first", "mean"), second=("second", "mean"),
                                          cluster=("cluster", "first"))
    votes = votes.join(scores)
    few = votes["n_judgements"] < min_judgements
    tie = ~few & votes["majority_first"].isna()
    use = votes[~few & ~tie]
    stat = agreement(use["first"], use["second"], 1.0 - use["majority_first"], use["cluster"],
                     n_resamples=n_resamples, seed=seed, confidence=confidence, resamples=resamples,
                     p_method=p_method)
    details = {**(stat.details or {}), "n_vote_ties": int(tie.sum()), "n_few_judgements": int(few.sum()),
               "min_judgements": int(min_judgements), "n_missing_choice": missing_choice}
    method = (f"agreement with the majority vote of pairs judged at least {min_judgements} times (vote ties "
              f"dropped); {stat.method}")
    n_dropped = stat.n_dropped + int(tie.sum()) + int(few.sum())
    reason = stat.reason
    if not stat.defined and len(use) == 0:
        reason = f"no pair judged at least {min_judgements} times without a tied vote"
    return Stat(stat.estimate, stat.ci_low, stat.ci_high, stat.p_value, stat.n, method, n_dropped, reason, details)


@dataclass(frozen=True)
class WorkerHeterogeneity:
    """`test`: the likelihood-ratio test of worker-specific slopes; `per_worker`: one row per worker."""

    test: Stat
    per_worker: pd.DataFrame


def _logit(y: np.ndarray, X: np.ndarray):
    """statsmodels Logit MLE (no intercept), or the reason it does not exist."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = sm.Logit(y, X).fit(disp=0, method="newton", maxiter=100)
        except (np.linalg.LinAlgError, ValueError) as err:
            return None, f"the fit failed: {err}"
    kinds = {type(w.message) for w in caught}
    if PerfectSeparationWarning in kinds:
        return None, "perfect separation: some worker's choices are predicted exactly"
    if ConvergenceWarning in kinds or not res.mle_retvals.get("converged", False):
        return None, "the likelihood maximisation did not converge (a worker's slope may be infinite)"
    return res, None


def _judgement_rows(delta, chose_a, workers, clusters, covariates
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], int]:
    """(delta, choice, worker, post, covariates, their names, rows dropped) on the complete judgements, so that
    input of the wrong shape or a non-binary choice fails before any fit."""
    d = np.asarray(delta, dtype=float).ravel()
    y = np.asarray(chose_a, dtype=float).ravel()
    who = np.asarray(workers, dtype=object).astype(str)
    labels = np.asarray(clusters)
    if not (d.shape == y.shape == who.shape == labels.shape):
        raise ValueError(f"shapes differ: {d.shape}, {y.shape}, {who.shape}, {labels.shape}")
    cov, names = covariate_matrix(covariates, len(d))
    keep = np.isfinite(d) & np.isfinite(y) & np.all(np.isfinite(cov), axis=1)
    if np.any((y[keep] != 0) & (y[keep] != 1)):
        raise ValueError("chose_a must be 0 or 1")
    return d[keep], y[keep], who[keep], labels[keep], cov[keep], names, int((~keep).sum())


def _slope_groups(who: np.ndarray, min_pairs: int) -> tuple[pd.Series, list, list, list, np.ndarray]:
    """(judgements per worker, workers with their own slope, pooled workers, dropped workers, each row's slope
    group: the worker, POOLED or ""): a worker with few judgements cannot carry a slope of its own."""
    counts = pd.Series(who).value_counts()
    own = sorted(counts.index[counts >= min_pairs])
    small = sorted(counts.index[counts < min_pairs])
    pooled = small if counts[small].sum() >= min_pairs else []
    dropped = [w for w in small if w not in pooled]
    group = np.where(np.isin(who, own), who, np.where(np.isin(who, pooled), POOLED, ""))
    return counts, own, pooled, dropped, group


def _per_worker_agreement(d: np.ndarray, y: np.ndarray, who: np.ndarray, labels: np.ndarray, everyone: list,
                          own: list, pooled: list, resamples: ClusterResamples | None, n_resamples: int, seed: int,
                          confidence: float) -> pd.DataFrame:
    """One row per worker: how often the likelihood pick agrees with its choices, with its cluster interval,
    so that every worker is reported whether or not it gets a slope (slope NaN until fitted)."""
    rows = []
    for w in everyone:
        mask = who == w
        # The likelihood pick is A where delta > 0: agreement of score delta against 0 (ties 1/2).
        s = agreement(d[mask], np.zeros(int(mask.sum())), 1.0 - y[mask], labels[mask], n_resamples=n_resamples,
                      seed=seed, confidence=confidence, resamples=resamples, p_method="cluster")
        kind = "own" if w in own else "pooled" if w in pooled else "dropped"
        rows.append({"worker": w, "group": kind, "n": s.n, "agreement": s.estimate, "ci_low": s.ci_low,
                     "ci_high": s.ci_high, "p_value": s.p_value, "slope": np.nan})
    per_worker = pd.DataFrame(rows, columns=["worker", "group", "n", "agreement", "ci_low", "ci_high", "p_value",
                                             "slope"])
    for c in ("agreement", "ci_low", "ci_high", "p_value", "slope"):
        per_worker[c] = per_worker[c].astype(float)
    return per_worker


def _heterogeneity_method(min_pairs: int, names: tuple[str, ...]) -> str:
    """The method string of `worker_heterogeneity`, so that its estimate can be read without the code."""
    return (f"likelihood-ratio test of one slope per worker (workers with fewer than {min_pairs} judgements share "
            "a pooled slope, or are dropped when together still fewer) against one common slope in the logit of "
            "the choice on z = delta / rms(delta), no intercept"
            + (f", covariates ({', '.join(names)})" if names else "")
            + "; estimate: the LR statistic; p: chi-square with groups - 1 dof (rows independent); "
              "wald_cluster_*: the cluster-robust (by post) Wald test of equal slopes")


def _equal_slopes_wald(X: np.ndarray, y: np.ndarray, params: np.ndarray, groups: np.ndarray, dof: int) -> dict:
    """The cluster-robust (by post) Wald test that every group's slope (the first dof + 1 columns of X) equals
    the first's, beside the LR test that takes rows as independent."""
    _, V = cluster_sandwich(X, y, params, groups)
    R = np.zeros((dof, X.shape[1]))
    R[:, 0] = -1.0
    R[np.arange(dof), np.arange(1, dof + 1)] = 1.0
    contrast = R @ params
    middle = R @ V @ R.T
    rank = int(np.linalg.matrix_rank(middle))
    wald = float(contrast @ np.linalg.pinv(middle) @ contrast)
    return {"wald_cluster_statistic": wald, "wald_cluster_rank": rank,
            "wald_cluster_p_value": float(sps.chi2.sf(wald, rank)) if rank else None}


def _worker_slopes(per_worker: pd.DataFrame, slope_of: dict) -> list[float]:
    """Each worker's fitted slope: its own, the pooled one, or NaN for a dropped worker."""
    return [slope_of.get(w if g == "own" else POOLED, np.nan) if g != "dropped" else np.nan
            for w, g in zip(per_worker["worker"], per_worker["group"])]


def worker_heterogeneity(delta, chose_a, workers, clusters, covariates=None, *, min_pairs: int = 20,
                         n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
                         resamples: ClusterResamples | None = None) -> WorkerHeterogeneity:
    """Do some raters follow likelihood more than others (hidden context)?

    Per worker: the agreement of the likelihood pick (the summary with the higher measure; ties 1/2) with
    the worker's choices, with a cluster-bootstrap interval by post. The test: the alpha logit of
    `postprocess.stats.typicality` (choice on z = delta / rms(delta), no intercept, plus `covariates`) with
    one slope for every worker against one common slope; LR = 2 (llf_separate - llf_common), chi-square with
    (groups - 1) dof, rows taken as independent. Workers with fewer than `min_pairs` judgements share one
    pooled slope when together they have `min_pairs`, else their rows are dropped (counted). Beside it in
    details, the cluster-robust (by post) Wald test of equal slopes in the separate-slopes fit.

    Parameters
    ----------
    delta : array-like
        measure(A) - measure(B) per judgement.
    chose_a : array-like
        1 when the worker chose A, 0 when B.
    workers, clusters : array-like
        The worker and the post of each judgement.
    covariates : optional
        Common regressors (differences between A and B, e.g. the log length ratio), as in `typicality_alpha`.

    Returns
    -------
    WorkerHeterogeneity
        `test`: estimate = the LR statistic, p_value = its chi-square p (no interval); details: dof,
        common_slope, slope_sd / slope_min / slope_max (over the groups' slopes), worker counts, the Wald test.
        `per_worker`: worker, group ("own", "pooled" or "dropped"), n, agreement, ci_low, ci_high, p_value
        (cluster bootstrap against 0.5), slope (NaN for dropped workers).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = rng.normal(size=600)
    >>> who = np.repeat(["w1", "w2", "w3"], 200)
    >>> slope = np.repeat([2.0, 0.0, 0.0], 200)
    >>> y = (rng.random(600) < 1 / (1 + np.exp(-slope * d))).astype(float)
    >>> h = worker_heterogeneity(d, y, who, np.arange(600) // 3, n_resamples=0)
    >>> h.test.details["dof"], h.test.p_value < 0.001, h.per_worker.worker.tolist()
    (2, True, ['w1', 'w2', 'w3'])
    """
    d, y, who, labels, cov, names, n_missing = _judgement_rows(delta, chose_a, workers, clusters, covariates)
    counts, own, pooled, dropped, group = _slope_groups(who, min_pairs)
    per_worker = _per_worker_agreement(d, y, who, labels, sorted(counts.index), own, pooled,
                                       draw_unless_given(resamples, labels, n_resamples, seed), n_resamples, seed,
                                       confidence)
    use = group != ""
    n_dropped = n_missing + int((~use).sum())
    method = _heterogeneity_method(min_pairs, names)
    n = int(use.sum())
    levels = [*own, *([POOLED] if pooled else [])]
    details: dict = {"n_workers": len(counts), "n_workers_own": len(own), "n_workers_pooled": len(pooled),
                     "n_workers_dropped": len(dropped), "n_rows_dropped_workers": int((~use).sum()),
                     "min_pairs": int(min_pairs), "dof": max(len(levels) - 1, 0)}

    def undefined(reason: str) -> WorkerHeterogeneity:
        return WorkerHeterogeneity(Stat.undefined(n, method, reason, n_dropped, details), per_worker)

    if len(levels) < 2:
        return undefined(f"fewer than 2 workers (or pooled groups) with {min_pairs} judgements")
    d, y, labels, cov, group = d[use], y[use], labels[use], cov[use], group[use]
    rms = float(np.sqrt(np.mean(d**2)))
    if rms == 0:
        return undefined("delta is 0 on every row")
    if y.min() == y.max():
        return undefined("every choice is the same: no variation to fit")
    z = d / rms
    slopes = np.column_stack([z * (group == g) for g in levels])
    common_X, separate_X = np.column_stack([z, cov]), np.column_stack([slopes, cov])
    if np.linalg.matrix_rank(separate_X) < separate_X.shape[1]:
        return undefined("a worker's delta is 0 on all its rows, or covariates are collinear")
    common, why = _logit(y, common_X)
    separate, why_separate = _logit(y, separate_X) if common is not None else (None, None)
    if common is None or separate is None:
        return undefined(why or why_separate)
    lr = max(0.0, 2 * (float(separate.llf) - float(common.llf)))
    dof = len(levels) - 1
    b = np.asarray(separate.params)[: len(levels)]
    details.update(common_slope=float(common.params[0]), slope_sd=float(np.std(b, ddof=1)),
                   slope_min=float(b.min()), slope_max=float(b.max()), rms=rms,
                   n_clusters=len(np.unique(labels)))
    groups = np.unique(labels, return_inverse=True)[1]
    if len(np.unique(groups)) > 1:
        details.update(_equal_slopes_wald(separate_X, y, np.asarray(separate.params), groups, dof))
    per_worker["slope"] = _worker_slopes(per_worker, dict(zip(levels, b)))
    return WorkerHeterogeneity(Stat(lr, None, None, float(sps.chi2.sf(lr, dof)), n, method, n_dropped, None, details),
                               per_worker)
