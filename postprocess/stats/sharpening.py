"""The sharpening exponent gamma: does a policy raise its log-likelihood faster than the reference's, within a post?

Under KL-regularised RLHF whose reward carries a typicality bias, r(x, y) = r_true(x, y) + alpha log π_ref(y | x),
the optimal policy is a power of the reference (Zhang et al. 2025, "Verbalized Sampling", section 3):

    π*(y | x) ∝ π_ref(y | x)^gamma exp(r_true(x, y) / beta),  gamma = 1 + alpha / beta.

Taking logs, for the summaries y of one post x,
log π*(y | x) = gamma log π_ref(y | x) + r_true(x, y) / beta - log Z(x): the normaliser Z(x) is a post effect, so gamma
is the slope of log π_model on log π_ref with post fixed effects. gamma > 1 is concentration (the policy sharpens
the reference: mode collapse); gamma < 1 flattens it; an identical model gives exactly 1. A policy made by dividing
the reference's logits by a temperature T (`summ-pref tempered-copy`) is a known truth: sharpened for T < 1.

Why length and the reference's next-token entropy are held fixed: a model tuned or tempered token by token
renormalises at every position, so its log-prob carries a normaliser per token. For a tempered copy,
log π_T(y) = (1/T) log π_ref(y) - Σ_t log Z_T(h_t), with log Z_T(h) = log Σ_v π_ref(v | h)^(1/T) ≈ (1 - 1/T) H(h)
to first order in 1 - 1/T (H(h) the reference's next-token entropy at h: d log Z / d(1/T) = -H at T = 1). Within
a post that sum moves with the summary's length (one term per token), and the length moves with log π_ref (longer
summaries are less likely): on 400 TL;DR pairs of PPO against supervised summaries a copy flattened at T = 2 gave
a slope of 1.28 [1.24, 1.33], "sharpening", without the token count, 0.76 with it. It also moves with the entropy
per token, which differs between summaries of one source: copied sentences are nearly certain, abstractive ones
are not, and the certain ones are also the likely ones. On 12 CNN/DM articles the T = 2 copy gave 0.98 [0.84,
1.09] with the token count held fixed, 0.54 [0.39, 0.68] with the reference's summed entropy held fixed too. So
each scale holds fixed what its normaliser term is made of (`held_fixed`, demeaned within post like the
log-probs):

* summed: the token count and the reference's summed next-token entropy Σ_t H(h_t): the term is Σ_t log Z_T(h_t)
  ≈ (1 - 1/T) Σ_t H(h_t), a sum over the summary's tokens, and the token count takes what the first order leaves
  per token (log Z_T is not linear in H).
* per token: the reference's mean next-token entropy along the summary: dividing by the token count turns the term
  into its mean over the summary's positions, ≈ (1 - 1/T) mean_t H(h_t); the count itself no longer multiplies
  anything, so holding it fixed too would only spend a degree of freedom (and move gamma by what the length
  happens to share with the per-token log-prob).

Where the reference run logged no entropies (scored without the hf-prefix backend), the caller holds the token
count fixed alone and says so: gamma may then be confounded by entropy.

* `sharpening_gamma`: that within-post slope by OLS on the within-post demeaned values, over the distinct
  summaries (each scored text once), with the held-fixed covariates as further regressors, with a cluster-bootstrap
  interval over posts. The fit is a function of per-post sums (the entries of X'X and X'y of the demeaned design
  X = [x̃, z̃...]), so a resample's fit solves the same k x k system on its resampled sums; a post drawn twice
  counts twice. The printed interval is the t interval on the CR2 cluster-robust standard error of that fit by
  post with Bell-McCaffrey degrees of freedom (`postprocess.stats.bootstrap.cluster_robust_t`): the bootstrap's
  percentile interval is too narrow with few posts and stays in the details.
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
# The smallest eigenvalue of X'X scaled to unit diagonal below which the reference's log-prob counts as collinear
# with the held-fixed covariates (1 - R² of x̃ on them, at the extreme).
SINGULAR_TOLERANCE = 1e-10
GAMMA_METHOD = ("within-post OLS slope of log pi_model on log pi_ref over distinct summaries (both demeaned within "
                "post: post fixed effects; posts with one summary contribute nothing)")


def within_post_demeaned(values, clusters) -> np.ndarray:
    """Each value minus the mean of its post (cluster): what a post fixed effect leaves.

    >>> within_post_demeaned([1.0, 3.0, 5.0, 2.0], ["a", "a", "a", "b"]).tolist()
    [-2.0, 0.0, 2.0, 0.0]
    """
    v = pd.Series(np.asarray(values, dtype=float))
    return (v - v.groupby(np.asarray(clusters)).transform("mean")).to_numpy()


def _kept(reference, model, clusters, held_fixed: Mapping[str, object]
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Finite rows of posts with at least two of them: (x, y, the held-fixed covariates (n, k), posts, rows dropped
    as NaN, rows left out as the only finite row of their post)."""
    x, y = np.asarray(reference, dtype=float), np.asarray(model, dtype=float)
    posts = np.asarray(clusters)
    z = np.column_stack([np.asarray(v, dtype=float) for v in held_fixed.values()]) if held_fixed else \
        np.zeros((len(x), 0))
    if not (len(x) == len(y) == len(posts) == len(z)):
        raise ValueError(f"reference, model, clusters and held_fixed differ in length: {len(x)}, {len(y)}, "
                         f"{len(posts)}, {len(z)}")
    finite = np.isfinite(x) & np.isfinite(y) & np.isfinite(z).all(axis=1)
    x, y, z, posts = x[finite], y[finite], z[finite], posts[finite]
    sizes = pd.Series(posts).map(pd.Series(posts).value_counts()).to_numpy() if len(posts) else np.zeros(0, int)
    several = sizes >= 2
    return x[several], y[several], z[several], posts[several], int((~finite).sum()), int((~several).sum())


def _products(design: np.ndarray, yd: np.ndarray) -> np.ndarray:
    """Per row the entries of X'X (k x k, row-major) and X'y (k) of the demeaned design X = [x̃, z̃...]: the sums a
    within-post fit is made of, so a resample's fit is its resampled sums solved."""
    k = design.shape[1]
    outer = (design[:, :, None] * design[:, None, :]).reshape(len(design), k * k)
    return np.column_stack([outer, design * yd[:, None]])


def _collinear(gram: np.ndarray) -> np.ndarray:
    """Whether each (..., k, k) Gram matrix is singular: its smallest eigenvalue once scaled to unit diagonal (so the
    columns' units do not matter) at most `SINGULAR_TOLERANCE`, or a column without variation."""
    diag = np.sqrt(np.clip(np.diagonal(gram, axis1=-2, axis2=-1), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = gram / (diag[..., :, None] * diag[..., None, :])
    bad = ~np.all(np.isfinite(scaled), axis=(-2, -1))
    eye = np.eye(gram.shape[-1])
    return bad | (np.linalg.eigvalsh(np.where(bad[..., None, None], eye, scaled))[..., 0] <= SINGULAR_TOLERANCE)


def _solve(sums: np.ndarray, k: int) -> np.ndarray:
    """The coefficients (..., k) of the fit from its sums (..., k² + k) (`_products`). A covariate with no variation
    in a resample's posts leaves that resample's fit (coefficient 0), as the post effects hold it fixed there; NaN
    where the reference's log-prob has no variation left once the covariates are held fixed (`_collinear`)."""
    sums = np.asarray(sums, dtype=float)
    xtx = sums[..., : k * k].reshape(*sums.shape[:-1], k, k)
    xty = sums[..., k * k:]
    absent = np.diagonal(xtx, axis1=-2, axis2=-1) <= 0
    absent[..., 0] = False
    xtx = xtx + absent[..., None] * np.eye(k)
    singular = _collinear(xtx)
    solved = np.linalg.solve(np.where(singular[..., None, None], np.eye(k), xtx), xty[..., None])[..., 0]
    return np.where(singular[..., None], np.nan, solved)


def _independent(zd: np.ndarray) -> np.ndarray:
    """Which columns of the demeaned covariates to fit: each that varies within some post and is not a linear
    combination of those kept before it (a covariate the others already hold fixed adds nothing; kept, it would
    make the fit singular)."""
    kept = np.zeros(zd.shape[1], dtype=bool)
    for j in range(zd.shape[1]):
        trial = kept.copy()
        trial[j] = True
        if np.any(zd[:, j] != 0) and not _collinear(zd[:, trial].T @ zd[:, trial]):
            kept = trial
    return kept


def _demeaned(values: np.ndarray, posts: np.ndarray) -> np.ndarray:
    """`within_post_demeaned` of each column of (n, k) `values`, rounding error left by a post's mean (values
    constant within a post) set to exactly 0, so a covariate constant within posts is recognised as such."""
    if values.shape[1] == 0:
        return values
    out = np.column_stack([within_post_demeaned(c, posts) for c in values.T])
    scale = np.abs(values).max(axis=0)
    return np.where(np.abs(out) <= 1e-12 * scale, 0.0, out)


def demeaned_pairs(reference, model, clusters, held_fixed: Mapping[str, object] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): the within-post demeaned reference and model log-probs of the summaries `sharpening_gamma` uses
    (finite, in posts with at least two), with the `held_fixed` covariates partialled out of both (Frisch-Waugh):
    the points whose slope through the origin is gamma (for the figure)."""
    x, y, z, posts, _, _ = _kept(reference, model, clusters, held_fixed or {})
    xd, yd = _demeaned(x[:, None], posts)[:, 0], within_post_demeaned(y, posts)
    zd = _demeaned(z, posts)
    zd = zd[:, _independent(zd)]
    if zd.shape[1]:
        xd = xd - zd @ np.linalg.lstsq(zd, xd, rcond=None)[0]
        yd = yd - zd @ np.linalg.lstsq(zd, yd, rcond=None)[0]
    return xd, yd


def sharpening_gamma(
    reference, model, clusters, held_fixed: Mapping[str, object] | None = None, *, n_resamples: int = 1000,
    seed: int = 0, confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """gamma: the within-post slope of the model's log-prob on the reference's, one row per distinct summary, with
    the `held_fixed` covariates (the summary's token count, the reference's next-token entropy along it) held fixed.

    Parameters
    ----------
    reference, model : array-like
        The reference's and the model's log-probability of each distinct summary, on one scale (summed, or per
        token with each model's own token count).
    clusters : array-like
        The post of each summary: the fixed effect and the bootstrap cluster.
    held_fixed : mapping of str to array-like, optional
        {name: value per summary}: further regressors, each demeaned within post. A model renormalised at every
        token adds to its log-prob a normaliser per position that moves with the length and with the reference's
        next-token entropy there (module docstring); the caller passes what its scale needs. A row missing any
        value is dropped like one with a missing log-prob; a covariate constant within every post (the post effects
        hold it fixed already) or a linear combination of those before it within posts leaves the fit. None or
        empty: the slope alone.
    n_resamples, seed, confidence, resamples
        Cluster bootstrap over posts (`resamples`: shared draws, e.g. the task's).

    Returns
    -------
    Stat
        estimate gamma, the coefficient of x̃ in the OLS fit of ỹ on x̃ and the held-fixed z̃ (all demeaned within
        post; the same coefficient as OLS with post dummies); the t interval on the CR2 SE by post
        (``details.se_cr2``, ``details.df_bell_mccaffrey``; the percentile interval over resampled posts in
        ``details.percentile_ci_low`` / ``percentile_ci_high``); p its t-test against gamma = 1, the OLS t-test of
        gamma = 1 (rows independent) as ``details.p_value_independent`` beside ``details.se_ols``;
        ``details.held_fixed`` {name: coefficient} (nats per unit, the post effects and the rest held fixed; 0 for
        a covariate that left the fit). n the summaries used, n_dropped those with a missing value or alone in
        their post (``details.n_single_posts`` counts such posts). Undefined with fewer than 3 summaries in posts
        with two or more, when the reference's log-prob does not vary within any post, or when it is collinear
        with the held-fixed covariates within posts.

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
    >>> round(sharpening_gamma(ref, flat, posts, {"token count": tokens}, n_resamples=0).estimate, 12)
    0.5
    """
    held_fixed = dict(held_fixed or {})
    x, y, z, posts, n_nan, n_single = _kept(reference, model, clusters, held_fixed)
    n_dropped = n_nan + n_single
    method = GAMMA_METHOD
    if held_fixed:
        method += (f"; held fixed: {', '.join(held_fixed)} (each demeaned within post, a further regressor; "
                   "coefficients in details.held_fixed)")
    method += ("; p: cluster-robust t-test of slope 1, inverts the interval; p_value_independent: OLS "
               "t-test of slope 1 with post dummies (rows independent)")
    n_posts = len(np.unique(posts))
    details: dict = {"n_clusters": n_posts, "n_single_posts": n_single}
    if len(x) < MIN_SUMMARIES:
        return Stat.undefined(len(x), method, f"only {len(x)} summaries in posts with two or more, fewer than "
                                              f"{MIN_SUMMARIES}", n_dropped, details)
    xd, yd = _demeaned(x[:, None], posts)[:, 0], within_post_demeaned(y, posts)
    if not np.any(xd):
        return Stat.undefined(len(x), method, "the reference's log-prob does not vary within any post", n_dropped,
                              details)
    zd = _demeaned(z, posts)
    fitted_columns = _independent(zd)
    design = np.column_stack([xd, zd[:, fitted_columns]])
    k = design.shape[1]
    products = _products(design, yd)
    sums = products.sum(axis=0)
    coef = _solve(sums, k)
    if not np.isfinite(coef[0]):
        return Stat.undefined(len(x), method, f"the reference's log-prob is collinear with {', '.join(held_fixed)} "
                                              "within posts", n_dropped, details)
    gamma = float(coef[0])
    if held_fixed:
        fitted = iter(coef[1:])
        details["held_fixed"] = {name: float(next(fitted)) if kept else 0.0
                                 for name, kept in zip(held_fixed, fitted_columns)}
    df = len(x) - n_posts - k
    p_ols = None
    residual = yd - design @ coef
    # The post effects are nested in the clusters: the CR2 adjustment uses the demeaned regressors alone.
    se_cluster = cluster_robust_t(design, residual, posts)
    if df > 0:
        sigma2 = float(np.sum(residual**2)) / df
        # Var(gamma) = sigma² (X'X)^-1[0, 0]
        se = float(np.sqrt(sigma2 * np.linalg.inv(sums[: k * k].reshape(k, k))[0, 0]))
        details["se_ols"] = se
        p_ols = (1.0 if gamma == 1 else 0.0) if se == 0 else float(2 * sps.t.sf(abs(gamma - 1) / se, df))
    resamples = draw_unless_given(resamples, posts, n_resamples, seed)
    replicates = None
    if resamples is not None:
        replicates = _solve(resamples.cluster_totals(products, posts), k)[:, 0]
        method += f"; {T_NOTE} (the percentile interval of resampled posts in details)"
    return stat_with_interval(gamma, replicates, resamples, null=1.0, p_independent=p_ols, p_method="cluster",
                              confidence=confidence, n=len(x), method=method, n_dropped=n_dropped, details=details,
                              se=se_cluster)


def predicted_gamma(alpha: Mapping, beta: float, fit: str = "summed log-prob") -> Stat:
    """gamma = 1 + alpha / beta, with alpha the typicality bias per nat of summed log-prob and beta the KL coefficient.

    The prediction is comparable with the measured `sharpening_gamma` when alpha comes from the same
    specification: on the summed log-prob with what the measured gamma holds fixed held fixed too (the token count
    and the summed next-token entropy: a length or entropy preference of the reward then sits in their
    coefficients, in both fits, not in alpha or gamma). `fit` names alpha's specification in
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
