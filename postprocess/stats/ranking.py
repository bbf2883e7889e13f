"""Ranking accuracy as Chen et al. 2024 ("Preference learning algorithms do not learn preference rankings")
measure it, and agreement with a Wilson interval as Verbalized Sampling (Zhang et al. 2025) reports it.

* `ranking_accuracy`: R, the share of pairs the model ranks as the humans did, on the summed log-prob;
  `ranking_accuracy_per_token` is R~, the same on the length-normalised (mean per-token) log-prob. Their
  tie rule (angie-chen55/pref-learning-ranking-acc, `CalibrationMetrics.rank` with the `Accuracy` metric):
  a pair's ranking is `rankdata(scores, "max")` reversed, so equal scores give the model ranking [1, 1],
  which never equals a strict human ranking: a model tie counts as a miss (0), not 1/2 as in
  `postprocess.stats.agreement`. Pairs the humans tied are left out (their `include_ties=False`).
* `idealised_ranking_accuracy`: R*, the ranking accuracy of the idealised model that minimises the RLHF
  (and DPO) objective, pi*(y1)/pi*(y2) = pi_ref(y1)/pi_ref(y2) * (a1/a2)^(1/beta), with a1, a2 the shares of
  raters preferring each response (their Theorem 3.1 and `RLHFMinimizerClient.compute_ranks`).
* `wilson_agreement`: an agreement rate with the Wilson score interval on pairs taken as independent
  (statsmodels `proportion_confint(method="wilson")`), the interval Verbalized Sampling prints; the
  report's own intervals resample posts.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from postprocess.stats.bootstrap import (
    WILSON_NOTE,
    ClusterResamples,
    cluster_robust_t,
    draw_unless_given,
    ratio_of_sums_replicates,
    stat_with_interval,
)
from postprocess.stats.result import Stat

# Chen et al.'s `_get_ranking_from_ratio`: a likelihood ratio within 5% of 1 is a tie.
RATIO_TIE_TOLERANCE = 0.05
# Their `eps`: a share of 0 in a denominator is replaced by it.
SHARE_EPS = 1e-3


def wilson_agreement(outcomes, *, confidence: float = 0.95) -> Stat:
    """The mean of per-pair outcomes (1 agree, 0 disagree, 1/2 a model tie; NaN dropped and counted) with
    the Wilson score interval, every pair independent. The count of agreements is the sum of the outcomes
    (ties add 1/2). p: the two-sided score test against 1/2 (statsmodels `proportions_ztest` with the null
    variance), which the Wilson interval inverts: p < 1 - confidence exactly when it excludes 1/2.

    Examples
    --------
    1,310 agreements in 2,500 pairs: 52.4% [50.4%, 54.4%], the size of Verbalized Sampling's TL;DR table
    (52.4% for Gemma-3-4B, intervals of about 2 points).

    >>> s = wilson_agreement([1.0] * 1310 + [0.0] * 1190)
    >>> round(s.estimate, 3), round(s.ci_low, 3), round(s.ci_high, 3), round(s.p_value, 3)
    (0.524, 0.504, 0.544, 0.016)
    """
    from statsmodels.stats.proportion import proportion_confint, proportions_ztest

    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    w = np.asarray(outcomes, dtype=float).ravel()
    keep = np.isfinite(w)
    n, n_dropped = int(keep.sum()), int((~keep).sum())
    w = w[keep]
    if np.any((w != 0) & (w != 0.5) & (w != 1)):
        raise ValueError("outcomes must be 0, 1/2 or 1")
    method = ("agreement (ties 1/2); ci: Wilson score interval, pairs taken as independent (Verbalized Sampling's "
              "reading; statsmodels proportion_confint, method='wilson'); under-covers when a post's pairs are "
              "correlated (docs/statistics.md, Coverage of the intervals); p: score test against 0.5 (statsmodels "
              "proportions_ztest, null variance), which the interval inverts")
    if n == 0:
        return Stat.undefined(0, method, "no complete pairs", n_dropped)
    count = float(w.sum())
    low, high = proportion_confint(count, n, alpha=1 - confidence, method="wilson")
    p_value = float(proportions_ztest(count, n, value=0.5, prop_var=0.5)[1])
    details = {"n_ties": int(np.sum(w == 0.5)), "n_agree": int(np.sum(w == 1)), "confidence": confidence}
    return Stat(count / n, float(low), float(high), p_value, n, method, n_dropped, None, details)


def _human_first(choice) -> np.ndarray:
    """1.0 where the human ranked A first, 0.0 where B, NaN where tied or missing (choice 0 = A chosen)."""
    c = np.asarray(choice, dtype=float)
    bad = np.isfinite(c) & (c != 0) & (c != 1)
    if np.any(bad):
        raise ValueError(f"choice must be 0 (A chosen) or 1 (B chosen), NaN for a human tie; got {np.unique(c[bad])}")
    return np.where(np.isfinite(c), 1.0 - c, np.nan)


def _accuracy_stat(hits: np.ndarray, keep: np.ndarray, clusters, method: str, extra: dict, *, n_resamples: int,
                   seed: int, confidence: float, resamples: ClusterResamples | None) -> Stat:
    """Share of hits on the kept rows, with the interval of `postprocess.stats.agreement.agreement` (Wilson on the
    CR2 effective sample size; the percentile interval of the cluster bootstrap in details) and, in details, the
    Wilson interval with rows independent."""
    labels = np.arange(len(hits)) if clusters is None else np.asarray(clusters)
    if labels.shape != hits.shape:
        raise ValueError(f"clusters has shape {labels.shape}, expected {hits.shape}")
    n, n_dropped = int(keep.sum()), int((~keep).sum())
    unit = "row" if clusters is None else "cluster"
    with_ci = n_resamples > 0 or resamples is not None
    exact = "exact binomial test against 0.5 (rows independent)"
    method += (f"; p: {unit}-robust score t-test against 0.5, inverts the interval; p_value_independent: {exact}"
               if with_ci else f"; p: {exact}")
    method += (f"; {WILSON_NOTE.replace('by post', 'by ' + unit)}; wilson_ci_low/high in details (rows independent)"
               if with_ci else "")
    if n == 0:
        return Stat.undefined(0, method, "no pair left (every pair tied by the humans, or missing)", n_dropped, extra)
    h = hits[keep]
    wilson = wilson_agreement(h, confidence=confidence)
    details = {**extra, "n_hits": int(h.sum()), "n_clusters": len(np.unique(labels[keep])),
               "wilson_ci_low": wilson.ci_low, "wilson_ci_high": wilson.ci_high}
    p_independent = float(sps.binomtest(int(h.sum()), n, 0.5).pvalue)
    resamples = draw_unless_given(resamples, labels[keep], n_resamples, seed)
    if resamples is None:
        return Stat(float(h.mean()), None, None, p_independent, n, method, n_dropped, None,
                    {**details, "p_value_independent": p_independent})
    reps = ratio_of_sums_replicates(h, labels[keep], resamples)
    se = cluster_robust_t(np.ones(n), h - h.mean(), labels[keep])
    return stat_with_interval(float(h.mean()), reps, resamples, null=0.5, p_independent=p_independent,
                              p_method="cluster", confidence=confidence, n=n, method=method, n_dropped=n_dropped,
                              details=details, se=se, interval="wilson")


def ranking_accuracy(score_a, score_b, choice, clusters=None, *, n_resamples: int = 1000, seed: int = 0,
                     confidence: float = 0.95, resamples: ClusterResamples | None = None) -> Stat:
    """Chen et al.'s ranking accuracy R: the share of pairs where the model's ranking of the two responses
    equals the humans'. Pass summed log-probs for R, mean per-token log-probs for R~
    (`ranking_accuracy_per_token`).

    Tie rule (theirs): equal model scores rank the pair [1, 1], which matches no strict human ranking, so a
    model tie is a miss (counted in ``details["n_model_ties"]``). Human ties (`choice` NaN, e.g. a tied
    majority vote) and missing scores are dropped and counted. `choice`: 0 = A chosen, 1 = B chosen, one
    judgement per row or the majority of a pair (`postprocess.stats.human_ceiling.majority_votes`).
    The interval is agreement's (Wilson on the CR2 effective sample size by `clusters`, posts); the Wilson
    interval on independent pairs is in details.

    Examples
    --------
    >>> s = ranking_accuracy([-10.0, -20.0, -5.0, -7.0], [-12.0, -15.0, -5.0, -9.0], [0, 1, 0, 1], n_resamples=0)
    >>> s.estimate, s.details["n_model_ties"]
    (0.5, 1)
    """
    a, b = np.asarray(score_a, dtype=float), np.asarray(score_b, dtype=float)
    human = _human_first(choice)
    if not (a.shape == b.shape == human.shape):
        raise ValueError(f"shapes differ: {a.shape}, {b.shape}, {human.shape}")
    keep = np.isfinite(a) & np.isfinite(b) & np.isfinite(human)
    model_first = np.where(a > b, 1.0, np.where(a < b, 0.0, np.nan))
    hits = np.where(np.isfinite(model_first), (model_first == human).astype(float), 0.0)
    extra = {"n_model_ties": int(np.sum(keep & (a == b))),
             "n_human_ties": int(np.sum(np.isfinite(a) & np.isfinite(b) & ~np.isfinite(human)))}
    method = ("ranking accuracy (Chen et al. 2024): share of pairs ranked as the humans did; a model tie counts "
              "as a miss, human ties dropped")
    return _accuracy_stat(hits, keep, clusters, method, extra, n_resamples=n_resamples, seed=seed,
                          confidence=confidence, resamples=resamples)


def per_token(logprob, n_tokens) -> np.ndarray:
    """Mean per-token log-prob, NaN where the token count is missing or not positive.

    >>> per_token([-10.0, -6.0, -1.0], [5, 0, np.nan]).tolist()
    [-2.0, nan, nan]
    """
    lp, k = np.asarray(logprob, dtype=float), np.asarray(n_tokens, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(k > 0, lp / k, np.nan)


def ranking_accuracy_per_token(logprob_a, logprob_b, n_tokens_a, n_tokens_b, choice, clusters=None, *,
                               n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
                               resamples: ClusterResamples | None = None) -> Stat:
    """Chen et al.'s length-normalised ranking accuracy R~: `ranking_accuracy` on the mean per-token
    log-probs (their 1/perplexity, a monotone transform of it, so the same ranking), same tie rule.

    >>> ranking_accuracy_per_token([-10.0, -20.0], [-12.0, -15.0], [5, 10], [4, 5], [0, 0], n_resamples=0).estimate
    1.0
    """
    stat = ranking_accuracy(per_token(logprob_a, n_tokens_a), per_token(logprob_b, n_tokens_b), choice, clusters,
                            n_resamples=n_resamples, seed=seed, confidence=confidence, resamples=resamples)
    return Stat(stat.estimate, stat.ci_low, stat.ci_high, stat.p_value, stat.n,
                stat.method.replace("ranking accuracy (", "length-normalised ranking accuracy R~, mean per-token "
                                    "log-prob (", 1), stat.n_dropped, stat.reason, stat.details)


def _ratio_ranking(log_ratio: np.ndarray, tolerance: float) -> np.ndarray:
    """Chen et al.'s `_get_ranking_from_ratio` on log ratios: 1.0 (first ranked first) when the ratio is at
    least 1 + tolerance, 0.5 (tie) within tolerance of 1, 0.0 otherwise; NaN where the log ratio is NaN."""
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.exp(log_ratio)
    out = np.where(np.abs(ratio - 1.0) < tolerance, 0.5, np.where(ratio >= 1.0 + tolerance, 1.0, 0.0))
    return np.where(np.isnan(log_ratio), np.nan, out)


def _log_share_ratio(share_a: np.ndarray, share_b: np.ndarray, eps: float) -> np.ndarray:
    """log(a1 / a2) with their rule a1 / a2 = a1 / eps when a2 = 0 (log 0 = -inf when a1 = 0)."""
    with np.errstate(divide="ignore"):
        return np.log(share_a) - np.log(np.where(share_b > 0, share_b, eps))


def idealised_ranking_accuracy(score_a, score_b, share_a, n_raters, clusters=None, *, beta: float,
                               min_raters: int = 2, tolerance: float = RATIO_TIE_TOLERANCE, eps: float = SHARE_EPS,
                               n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
                               resamples: ClusterResamples | None = None) -> Stat:
    """Chen et al.'s idealised ranking accuracy R*: how often the ideal RLHF/DPO model ranks a pair as the
    raters did, given the reference model's scores and the share of raters preferring each response.

    The ideal model's ratio is pi*(A)/pi*(B) = exp(score_a - score_b) * (a1/a2)^(1/beta) (a1 = `share_a`,
    a2 = 1 - a1; a2 = 0 replaced by `eps`, as their code does); its ranking is theirs: within `tolerance` of
    1 a tie, at least 1 + tolerance A first, else B first. The raters' ranking uses the same rule on a1/a2.
    Pairs with a rater tie (a1 = a2) are dropped (their `include_ties=False`), as are pairs judged by fewer
    than `min_raters` raters; an ideal-model tie is a miss. `score_*`: summed log-probs for R*, mean
    per-token for the length-normalised R~*. Their code compares summed log-probs by the ratio of the sums
    themselves; this uses the likelihood ratio exp(score_a - score_b) that their theorem defines.

    Parameters
    ----------
    score_a, score_b : array-like
        The reference model's log-probs of the two responses, one row per distinct pair.
    share_a : array-like
        Fraction of the pair's raters who preferred A.
    n_raters : array-like
        How many raters judged the pair.
    beta : float
        The KL weight of the objective (Chen et al. report 0.01, 0.1, 1, 5 and 10; 0.1 is DPO's usual one).

    Examples
    --------
    Two raters of three preferred A (a1/a2 = 2): at beta = 1 the ideal ratio is 2 * exp(-1) = 0.74 (B first,
    a miss); at beta = 0.1 it is 2^10 * exp(-1) (A first, a hit).

    >>> [idealised_ranking_accuracy([-11.0], [-10.0], [2 / 3], [3], beta=b, n_resamples=0).estimate for b in (1, 0.1)]
    [0.0, 1.0]
    """
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}")
    a, b = np.asarray(score_a, dtype=float), np.asarray(score_b, dtype=float)
    share = np.asarray(share_a, dtype=float)
    raters = np.asarray(n_raters, dtype=float)
    if not (a.shape == b.shape == share.shape == raters.shape):
        raise ValueError(f"shapes differ: {a.shape}, {b.shape}, {share.shape}, {raters.shape}")
    if np.any(np.isfinite(share) & ((share < 0) | (share > 1))):
        raise ValueError("share_a must lie in [0, 1]")
    log_votes = _log_share_ratio(share, 1.0 - share, eps)
    human = _ratio_ranking(log_votes, tolerance)
    with np.errstate(invalid="ignore"):
        ideal = _ratio_ranking(log_votes / beta + (a - b), tolerance)
    complete = np.isfinite(a) & np.isfinite(b) & np.isfinite(share) & np.isfinite(raters)
    enough = complete & (raters >= min_raters)
    keep = enough & (human != 0.5)
    hits = np.where(keep, (ideal == human).astype(float), 0.0)
    extra = {"beta": float(beta), "min_raters": int(min_raters), "tolerance": float(tolerance),
             "n_few_raters": int(np.sum(complete & ~enough)), "n_rater_ties": int(np.sum(enough & (human == 0.5))),
             "n_ideal_ties": int(np.sum(keep & (ideal == 0.5)))}
    method = (f"idealised ranking accuracy R* (Chen et al. 2024), beta = {beta:g}: ideal ratio "
              f"exp(score_a - score_b) (a1/a2)^(1/beta), ties within {tolerance:g} of 1 (a miss); pairs with "
              f"fewer than {min_raters} raters or a rater tie dropped")
    return _accuracy_stat(hits, keep, clusters, method, extra, n_resamples=n_resamples, seed=seed,
                          confidence=confidence, resamples=resamples)
