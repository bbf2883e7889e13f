"""The sharpening exponent gamma: does a policy raise its log-likelihood faster than the reference's, within a post?

Under KL-regularised RLHF whose reward carries a typicality bias, r(x, y) = r_true(x, y) + alpha log π_ref(y | x),
the optimal policy is a power of the reference (Zhang et al. 2025, "Verbalized Sampling", section 3):

    π*(y | x) ∝ π_ref(y | x)^gamma exp(r_true(x, y) / beta),  gamma = 1 + alpha / beta.

Taking logs, for the summaries y of one post x,
log π*(y | x) = gamma log π_ref(y | x) + r_true(x, y) / beta - log Z(x): the normaliser Z(x) is a post effect, so gamma
is the slope of log π_model on log π_ref with post fixed effects. gamma > 1 is concentration (the policy sharpens
the reference: mode collapse); gamma < 1 flattens it; an identical model gives exactly 1. A policy made by dividing
the reference's logits by a temperature T (`summ-pref tempered-copy`) is a known truth: sharpened for T < 1.

* `sharpening_gamma`: that within-post slope by OLS on the within-post demeaned values, over the distinct
  summaries (each scored text once), with a cluster-bootstrap interval over posts. The slope is a ratio of
  per-post sums (Σ x̃ỹ / Σ x̃², x̃ and ỹ demeaned within post), so a resample's slope is the ratio of its
  resampled sums (`ratio_of_sums_replicates`); a post drawn twice counts twice. Posts with one distinct
  summary have x̃ = 0 and contribute nothing (they are left out and counted). The classical p (rows
  independent) is the t-test of slope = 1 of the same OLS fit with post dummies (n - posts - 1 df).
* `predicted_gamma`: 1 + alpha / beta from the typicality bias alpha (`postprocess.stats.typicality`, per rms
  unit of the log-prob difference, converted to per nat with the fit's rms) and a known KL coefficient beta.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps

from postprocess.stats.bootstrap import (
    ClusterResamples,
    draw_unless_given,
    ratio_of_sums_replicates,
    stat_with_interval,
)
from postprocess.stats.result import Stat

MIN_SUMMARIES = 3
GAMMA_METHOD = ("within-post OLS slope of log pi_model on log pi_ref over distinct summaries (both demeaned within "
                "post: post fixed effects; posts with one summary contribute nothing)")


def within_post_demeaned(values, clusters) -> np.ndarray:
    """Each value minus the mean of its post (cluster): what a post fixed effect leaves.

    >>> within_post_demeaned([1.0, 3.0, 5.0, 2.0], ["a", "a", "a", "b"]).tolist()
    [-2.0, 0.0, 2.0, 0.0]
    """
    v = pd.Series(np.asarray(values, dtype=float))
    return (v - v.groupby(np.asarray(clusters)).transform("mean")).to_numpy()


def _kept(reference, model, clusters) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Finite rows of posts with at least two of them: (x, y, posts, rows dropped as NaN, posts with one finite
    row, i.e. its rows left out)."""
    x, y = np.asarray(reference, dtype=float), np.asarray(model, dtype=float)
    posts = np.asarray(clusters)
    if not (len(x) == len(y) == len(posts)):
        raise ValueError(f"reference, model and clusters differ in length: {len(x)}, {len(y)}, {len(posts)}")
    finite = np.isfinite(x) & np.isfinite(y)
    x, y, posts = x[finite], y[finite], posts[finite]
    sizes = pd.Series(posts).map(pd.Series(posts).value_counts()).to_numpy() if len(posts) else np.zeros(0, int)
    several = sizes >= 2
    return x[several], y[several], posts[several], int((~finite).sum()), int((~several).sum())


def demeaned_pairs(reference, model, clusters) -> tuple[np.ndarray, np.ndarray]:
    """(x̃, ỹ): the within-post demeaned reference and model log-probs of the summaries `sharpening_gamma` uses
    (finite, in posts with at least two), the points whose slope through the origin is gamma (for the figure)."""
    x, y, posts, _, _ = _kept(reference, model, clusters)
    return within_post_demeaned(x, posts), within_post_demeaned(y, posts)


def sharpening_gamma(
    reference, model, clusters, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None,
) -> Stat:
    """gamma: the within-post slope of the model's log-prob on the reference's, one row per distinct summary.

    Parameters
    ----------
    reference, model : array-like
        The reference's and the model's log-probability of each distinct summary, on one scale (summed, or per
        token with each model's own token count).
    clusters : array-like
        The post of each summary: the fixed effect and the bootstrap cluster.
    n_resamples, seed, confidence, resamples
        Cluster bootstrap over posts (`resamples`: shared draws, e.g. the task's).

    Returns
    -------
    Stat
        estimate gamma = Σ x̃ỹ / Σ x̃² (x̃, ỹ demeaned within post); percentile interval over resampled posts; p the
        bootstrap p against gamma = 1, the OLS t-test of gamma = 1 (rows independent) as ``details.p_value_independent``
        beside ``details.se_ols``; n the summaries used, n_dropped those with a missing log-prob or alone in their
        post (``details.n_single_posts`` counts such posts). Undefined with fewer than 3 summaries in posts with
        two or more, or when the reference's log-prob does not vary within any post.

    Examples
    --------
    The model doubles the reference's within-post differences: gamma = 2 whatever the post effects.

    >>> ref = [-10.0, -12.0, -15.0, -20.0, -21.0]
    >>> mod = [-3.0, -7.0, -40.0, -50.0, -52.0]
    >>> posts = ["a", "a", "b", "b", "b"]
    >>> round(sharpening_gamma(ref, mod, posts, n_resamples=0).estimate, 12)
    2.0
    """
    x, y, posts, n_nan, n_single = _kept(reference, model, clusters)
    n_dropped = n_nan + n_single
    method = (GAMMA_METHOD + "; p: cluster bootstrap, inverts the percentile interval against 1; "
              "p_value_independent: OLS t-test of slope 1 with post dummies (rows independent)")
    n_posts = len(np.unique(posts))
    details: dict = {"n_clusters": n_posts, "n_single_posts": n_single}
    if len(x) < MIN_SUMMARIES:
        return Stat.undefined(len(x), method, f"only {len(x)} summaries in posts with two or more, fewer than "
                                              f"{MIN_SUMMARIES}", n_dropped, details)
    xd, yd = within_post_demeaned(x, posts), within_post_demeaned(y, posts)
    sxx = float(np.sum(xd * xd))
    if sxx == 0:
        return Stat.undefined(len(x), method, "the reference's log-prob does not vary within any post", n_dropped,
                              details)
    gamma = float(np.sum(xd * yd)) / sxx
    df = len(x) - n_posts - 1
    p_ols = None
    if df > 0:
        sigma2 = float(np.sum((yd - gamma * xd) ** 2)) / df
        se = float(np.sqrt(sigma2 / sxx))
        details["se_ols"] = se
        p_ols = (1.0 if gamma == 1 else 0.0) if se == 0 else float(2 * sps.t.sf(abs(gamma - 1) / se, df))
    resamples = draw_unless_given(resamples, posts, n_resamples, seed)
    replicates = None
    if resamples is not None:
        replicates = ratio_of_sums_replicates(xd * yd, posts, resamples, denominator=xd * xd)
        method += "; ci: cluster bootstrap percentile (posts resampled)"
    return stat_with_interval(gamma, replicates, resamples, null=1.0, p_independent=p_ols, p_method="cluster",
                              confidence=confidence, n=len(x), method=method, n_dropped=n_dropped, details=details)


def predicted_gamma(alpha: Mapping, beta: float) -> Stat:
    """gamma = 1 + alpha / beta, with alpha the typicality bias per nat of summed log-prob and beta the KL coefficient.

    `alpha` is a `typicality_alpha` statistic as `Stat.to_dict()` gives it (per rms unit of the log-prob
    difference, ``details["rms"]`` the rms in nats): alpha per nat = alpha / rms, its interval likewise. gamma is
    increasing in alpha for beta > 0, so its interval is alpha's interval mapped, and its p (against gamma = 1) is
    alpha's p (against 0).

    Examples
    --------
    >>> alpha = {"estimate": 0.6, "ci_low": 0.2, "ci_high": 1.0, "p_value": 0.01, "n": 50,
    ...          "details": {"rms": 2.0, "n_clusters": 20}}
    >>> g = predicted_gamma(alpha, beta=0.1)
    >>> round(g.estimate, 6), round(g.ci_low, 6), round(g.ci_high, 6), g.p_value
    (4.0, 2.0, 6.0, 0.01)
    """
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta}")
    details = dict(alpha.get("details") or {})
    method = "1 + alpha / beta (Verbalized Sampling), alpha: typicality bias per nat of summed log-prob"
    n, n_dropped = int(alpha.get("n") or 0), int(alpha.get("n_dropped") or 0)
    rms = details.get("rms")
    if alpha.get("estimate") is None or not rms:
        reason = alpha.get("reason") or "alpha has no rms scale"
        return Stat.undefined(n, method, f"alpha is undefined: {reason}", n_dropped, {"beta": beta})

    def gamma(a: float | None) -> float | None:
        return None if a is None else 1 + a / rms / beta

    out = {"beta": beta, "alpha_per_nat": alpha["estimate"] / rms, "alpha_rms": rms,
           **{k: details[k] for k in ("n_clusters", "confidence", "n_resamples", "n_resamples_dropped", "seed")
              if k in details}}
    return Stat(gamma(alpha["estimate"]), gamma(alpha.get("ci_low")), gamma(alpha.get("ci_high")),
                alpha.get("p_value"), n, method + "; ci: alpha's interval mapped", n_dropped, None, out)
