"""The sharpening exponent gamma: does a policy raise its log-likelihood faster than the reference's, within a post?

Under KL-regularised RLHF whose reward carries a typicality bias, r(x, y) = r_true(x, y) + alpha log π_ref(y | x),
the optimal policy is a power of the reference (Zhang et al. 2025, "Verbalized Sampling", section 3):

    π*(y | x) ∝ π_ref(y | x)^gamma exp(r_true(x, y) / beta),  gamma = 1 + alpha / beta.

Taking logs, for the summaries y of one post x,
log π*(y | x) = gamma log π_ref(y | x) + r_true(x, y) / beta - log Z(x): the normaliser Z(x) is a post effect, so gamma
is the slope of log π_model on log π_ref with post fixed effects. gamma > 1 is concentration (the policy sharpens
the reference: mode collapse); gamma < 1 flattens it; an identical model gives exactly 1. A policy made by dividing
the reference's logits by a temperature T (`summ-pref tempered-copy`) is a known truth: sharpened for T < 1.

Why the summed scale holds length fixed: a model tuned or tempered token by token renormalises at every position,
so its summed log-prob carries a term per token (for a tempered copy, log π_T(y) = (1/T) log π_ref(y) -
Σ_t log Z_T(h_t), one normaliser per position). Where the summaries of a post differ in length, that term moves
with the length, and the length moves with log π_ref (longer summaries are less likely): the slope on log π_ref
alone measures the length term as much as the sharpening. On 400 TL;DR pairs of PPO against supervised summaries
a copy flattened at T = 2 gave 1.28 [1.24, 1.33] that way, "sharpening"; with the token count held fixed, 0.76.
So on the summed scale the summary's length is a second regressor (demeaned within post like the log-probs), and
gamma is the coefficient of log π_ref with the length held fixed; per token, each log-prob is already divided by
its length and the slope stands alone.

* `sharpening_gamma`: that within-post slope by OLS on the within-post demeaned values, over the distinct
  summaries (each scored text once), optionally with a length regressor, with a cluster-bootstrap interval over
  posts. The fit is a function of five per-post sums (Σ x̃², Σ x̃ñ, Σ ñ², Σ x̃ỹ, Σ ñỹ; x̃, ỹ, ñ demeaned within
  post), so a resample's fit solves the same 2 x 2 system on its resampled sums; a post drawn twice counts twice.
  The printed interval is the t interval on the CR2 cluster-robust standard error of that fit by post with
  Bell-McCaffrey degrees of freedom (`postprocess.stats.bootstrap.cluster_robust_t`): the bootstrap's percentile
  interval is too narrow with few posts and stays in the details.
  Posts with one distinct summary have x̃ = 0 and contribute nothing (they are left out and counted). The
  classical p (rows independent) is the t-test of slope = 1 of the same OLS fit with post dummies.
* `predicted_gamma`: 1 + alpha / beta from the typicality bias alpha (`postprocess.stats.typicality`, per rms
  unit of the log-prob difference, converted to per nat with the fit's rms) and a known KL coefficient beta.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps

from postprocess.stats.bootstrap import (
    T_NOTE,
    ClusterResamples,
    cluster_robust_t,
    draw_unless_given,
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


def _kept(reference, model, clusters, length=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Finite rows of posts with at least two of them: (x, y, length (zeros when none is given), posts, rows dropped
    as NaN, rows left out as the only finite row of their post)."""
    x, y = np.asarray(reference, dtype=float), np.asarray(model, dtype=float)
    n = np.zeros(len(x)) if length is None else np.asarray(length, dtype=float)
    posts = np.asarray(clusters)
    if not (len(x) == len(y) == len(posts) == len(n)):
        raise ValueError(f"reference, model, clusters and length differ in length: {len(x)}, {len(y)}, "
                         f"{len(posts)}, {len(n)}")
    finite = np.isfinite(x) & np.isfinite(y) & np.isfinite(n)
    x, y, n, posts = x[finite], y[finite], n[finite], posts[finite]
    sizes = pd.Series(posts).map(pd.Series(posts).value_counts()).to_numpy() if len(posts) else np.zeros(0, int)
    several = sizes >= 2
    return x[several], y[several], n[several], posts[several], int((~finite).sum()), int((~several).sum())


# The sums a within-post fit is made of, in this order: Σ x̃², Σ x̃ñ, Σ ñ², Σ x̃ỹ, Σ ñỹ.
def _products(xd: np.ndarray, yd: np.ndarray, nd: np.ndarray) -> np.ndarray:
    return np.column_stack([xd * xd, xd * nd, nd * nd, xd * yd, nd * yd])


def _solve(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(gamma, length coefficient) of the fit ỹ = gamma x̃ + delta ñ from its sums (..., 5); NaN where the
    reference's log-prob has no variation left once the length is held fixed. Where the length does not vary
    within any post (Σ ñ² = 0) the post effects already hold it fixed: gamma = Σ x̃ỹ / Σ x̃², delta 0."""
    sxx, sxn, snn, sxy, sny = np.moveaxis(np.asarray(sums, dtype=float), -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        det = sxx * snn - sxn * sxn
        joint = snn > 0
        gamma = np.where(joint, (snn * sxy - sxn * sny) / det, sxy / sxx)
        delta = np.where(joint, (sxx * sny - sxn * sxy) / det, 0.0)
    undefined = np.where(joint, det <= 0, sxx <= 0)
    return np.where(undefined, np.nan, gamma), np.where(undefined, np.nan, delta)


def demeaned_pairs(reference, model, clusters, length=None) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): the within-post demeaned reference and model log-probs of the summaries `sharpening_gamma` uses
    (finite, in posts with at least two), with `length` partialled out of both where it is given (Frisch-Waugh):
    the points whose slope through the origin is gamma (for the figure)."""
    x, y, n, posts, _, _ = _kept(reference, model, clusters, length)
    xd, yd, nd = (within_post_demeaned(v, posts) for v in (x, y, n))
    snn = float(nd @ nd)
    if snn > 0:
        xd, yd = xd - (xd @ nd) / snn * nd, yd - (yd @ nd) / snn * nd
    return xd, yd


def sharpening_gamma(
    reference, model, clusters, length=None, *, length_name: str = "token count", n_resamples: int = 1000,
    seed: int = 0, confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """gamma: the within-post slope of the model's log-prob on the reference's, one row per distinct summary, with
    the summary's length held fixed where `length` is given.

    Parameters
    ----------
    reference, model : array-like
        The reference's and the model's log-probability of each distinct summary, on one scale (summed, or per
        token with each model's own token count).
    clusters : array-like
        The post of each summary: the fixed effect and the bootstrap cluster.
    length : array-like, optional
        The summary's length (its token count), a second regressor demeaned within post: on the summed scale the
        model's per-token normalisers add a term that grows with the length (module docstring). A row with a
        missing length is dropped like one with a missing log-prob. None: the slope alone.
    length_name : str
        What `length` counts, for `method`.
    n_resamples, seed, confidence, resamples
        Cluster bootstrap over posts (`resamples`: shared draws, e.g. the task's).

    Returns
    -------
    Stat
        estimate gamma, the coefficient of x̃ in the OLS fit of ỹ on x̃ (and ñ) (x̃, ỹ, ñ demeaned within post; the
        same coefficient as OLS with post dummies); the t interval on the CR2 SE by post (``details.se_cr2``,
        ``details.df_bell_mccaffrey``; the percentile interval over resampled posts in ``details.percentile_ci_low`` /
        ``percentile_ci_high``); p its t-test against gamma = 1, the OLS t-test of gamma = 1 (rows independent)
        as ``details.p_value_independent`` beside ``details.se_ols``; with a length, ``details.length_coef`` (nats
        per unit of length, the post effects and log π_ref held fixed). n the summaries used, n_dropped those with
        a missing value or alone in their post (``details.n_single_posts`` counts such posts). Undefined with fewer
        than 3 summaries in posts with two or more, when the reference's log-prob does not vary within any post, or
        when it is collinear with the length within posts.

    Examples
    --------
    The model doubles the reference's within-post differences: gamma = 2 whatever the post effects.

    >>> ref = [-10.0, -12.0, -15.0, -20.0, -21.0]
    >>> mod = [-3.0, -7.0, -40.0, -50.0, -52.0]
    >>> posts = ["a", "a", "b", "b", "b"]
    >>> round(sharpening_gamma(ref, mod, posts, n_resamples=0).estimate, 12)
    2.0

    A flattened model, half the reference's log-prob less 1 nat per token: the slope on log π_ref alone mixes
    the length term in (longer summaries are less likely) and reads as sharpening; with the token count held
    fixed it is the 0.5 the model was made with.

    >>> tokens = [10, 12, 14, 18, 20]
    >>> flat = [0.5 * r - t for r, t in zip(ref, tokens)]
    >>> round(sharpening_gamma(ref, flat, posts, n_resamples=0).estimate, 3)  # 0.5 - Σx̃ñ / Σx̃² = 0.5 + 64/68
    1.441
    >>> round(sharpening_gamma(ref, flat, posts, tokens, n_resamples=0).estimate, 12)
    0.5
    """
    x, y, n, posts, n_nan, n_single = _kept(reference, model, clusters, length)
    n_dropped = n_nan + n_single
    method = GAMMA_METHOD
    if length is not None:
        method += (f"; the summary's {length_name} held fixed: demeaned within post, a second regressor (its "
                   "coefficient in details.length_coef)")
    method += ("; p: cluster-robust t-test of slope 1, inverts the interval; p_value_independent: OLS "
               "t-test of slope 1 with post dummies (rows independent)")
    n_posts = len(np.unique(posts))
    details: dict = {"n_clusters": n_posts, "n_single_posts": n_single}
    if len(x) < MIN_SUMMARIES:
        return Stat.undefined(len(x), method, f"only {len(x)} summaries in posts with two or more, fewer than "
                                              f"{MIN_SUMMARIES}", n_dropped, details)
    xd, yd, nd = (within_post_demeaned(v, posts) for v in (x, y, n))
    products = _products(xd, yd, nd)
    sums = products.sum(axis=0)
    if sums[0] == 0:
        return Stat.undefined(len(x), method, "the reference's log-prob does not vary within any post", n_dropped,
                              details)
    gamma, delta = (float(v) for v in _solve(sums))
    if not np.isfinite(gamma):
        return Stat.undefined(len(x), method, f"the reference's log-prob is collinear with the {length_name} within "
                                              "posts", n_dropped, details)
    with_length = length is not None and sums[2] > 0
    if length is not None:
        details.update(length_coef=delta, length_varies=bool(with_length))
    df = len(x) - n_posts - 1 - int(with_length)
    p_ols = None
    residual = yd - gamma * xd - delta * nd
    det = sums[0] * sums[2] - sums[1] ** 2
    # The post effects are nested in the clusters: the CR2 adjustment uses the demeaned regressors alone.
    se_cluster = cluster_robust_t(np.column_stack([xd, nd]) if with_length else xd, residual, posts)
    if df > 0:
        sigma2 = float(np.sum(residual**2)) / df
        # Var(gamma) = sigma² (X'X)^-1[0, 0]: Σ ñ² / det with the length, 1 / Σ x̃² without.
        inverse = sums[2] / det if with_length else 1 / sums[0]
        se = float(np.sqrt(sigma2 * inverse))
        details["se_ols"] = se
        p_ols = (1.0 if gamma == 1 else 0.0) if se == 0 else float(2 * sps.t.sf(abs(gamma - 1) / se, df))
    resamples = draw_unless_given(resamples, posts, n_resamples, seed)
    replicates = None
    if resamples is not None:
        replicates = _solve(resamples.cluster_totals(products, posts))[0]
        method += f"; {T_NOTE} (the percentile interval of resampled posts in details)"
    return stat_with_interval(gamma, replicates, resamples, null=1.0, p_independent=p_ols, p_method="cluster",
                              confidence=confidence, n=len(x), method=method, n_dropped=n_dropped, details=details,
                              se=se_cluster)


def predicted_gamma(alpha: Mapping, beta: float, fit: str = "summed log-prob") -> Stat:
    """gamma = 1 + alpha / beta, with alpha the typicality bias per nat of summed log-prob and beta the KL coefficient.

    The prediction is comparable with the measured `sharpening_gamma` when alpha comes from the same
    specification: on the summed log-prob with the token count held fixed (the reward's length term then sits in
    the policy's length term, which the measured gamma holds fixed too). `fit` names alpha's specification in
    `method`. `alpha` is a `typicality_alpha` statistic as `Stat.to_dict()` gives it (per rms unit of the log-prob
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
    method = f"1 + alpha / beta (Verbalized Sampling), alpha: typicality bias per nat of {fit}"
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
