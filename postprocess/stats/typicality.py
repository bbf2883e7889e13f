"""The typicality bias alpha (Zhang et al. 2025, "Verbalized Sampling"): do humans prefer what a base model
finds likely?

Their model of a human reward is r(x, y) = r_true(x, y) + alpha * log pi_ref(y | x) + noise. On pairs of
items for the same prompt, a logistic regression of "item i won" on the difference of the items' log
probabilities estimates alpha. Here:

* `typicality_alpha`: the logit of a binary outcome on z = delta / rms(delta) (delta: measure of item i
  minus measure of item j; rms over the rows used), with no intercept and optional covariates, the
  cluster-robust (sandwich) Wald test by post beside a cluster-bootstrap percentile interval, and two
  readings of alpha: the odds ratio per rms unit and the change in win probability from z = -1 to +1.
* `axis_pairs`: the HelpSteer analogue on Likert rows (accuracy plays correctness, overall plays
  helpfulness): each distinct summary of a post, its ratings averaged over raters, then every within-post
  pair of distinct summaries whose mean overall ratings differ.
* `typicality_ordinal`: the ordered logit of the overall rating on accuracy, coverage, coherence and the
  standardised measure (Verbalized Sampling's first analysis), cluster-robust by post.
* `policy_contrasts`: policy fixed effects that keep the no-intercept fit independent of pair order.
* `typicality_alpha(..., intercept=True)`: Verbalized Sampling's own reading beside it, with an intercept and
  alpha per standard deviation of delta, so that a number can be set beside the paper's.

Why no intercept: which item of a pair is listed first is arbitrary; without an intercept, and with
covariates that are differences between the two items (they change sign when the pair is swapped), the
likelihood is the same whichever item comes first, so alpha is too. Verbalized Sampling's script
(`analyse/reg-share.py`) adds an intercept and reads alpha per standard deviation of delta; where the order of
a pair carries no information the two readings differ little, but the fit here does not depend on the order
at all, and rms(delta) (the root mean square, about the mean of 0 a symmetric difference has) is the scale
that does not depend on it either.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy import stats as sps
from scipy.special import expit

from postprocess.stats.bootstrap import (
    DEFAULT_CHUNK_CELLS,
    ClusterResamples,
    draw_unless_given,
    percentile_interval,
    percentile_p_value,
    t_interval,
)
from postprocess.stats.result import Stat, finite_or_none

AlphaP = Literal["wald", "bootstrap"]
QUALITY_AXES = ("accuracy", "coverage", "coherence")
MIN_ROWS = 3
# Newton's method on each bootstrap resample: the iteration stops when no coefficient moves by more than
# NEWTON_TOL (relative to 1 + |coefficient|); a resample that has not converged after NEWTON_MAX_ITER
# steps (e.g. perfectly separated) is dropped and counted.
NEWTON_TOL = 1e-10
NEWTON_MAX_ITER = 100
# A fitted probability this close to the observed 0/1 outcome on every row is a perfect prediction:
# the maximum-likelihood estimate does not exist.
PERFECT_FIT = 1e-8
# A coefficient this large (a factor of e^15 in the odds) means its regressor separates the rows: for a
# covariate it is reported; for alpha on a bootstrap resample, that resample is dropped and counted.
SEPARATED_COEF = 15.0
# Above this many rows each bootstrap resample takes one Newton step from the full-sample fit instead of a
# full refit (the k-step bootstrap, k = 1: Davidson & MacKinnon 1999, Andrews 2002). At the full-sample
# fit every resample shares the fitted probabilities, so that step needs only per-post sums: seconds where
# refits on the 86,086 validation pairs take minutes. Its error shrinks as 1/n (1e-3 at 10,000 rows, 7,000
# posts, against bootstrap spreads of 0.02; tests/postprocess/stats/test_typicality.py); smaller data, where
# separated resamples can occur and refits are cheap, is refitted in full.
FULL_REFIT_MAX_ROWS = 20_000


@dataclass(frozen=True)
class TypicalityFit:
    """alpha (the coefficient of z = delta / rms(delta)), exp(alpha) (the odds ratio per rms unit) and
    sigmoid(alpha) - sigmoid(-alpha) (the win probability at z = +1 minus at z = -1, covariates at 0),
    each with its own interval from the same bootstrap resamples."""

    alpha: Stat
    odds_ratio: Stat
    delta_p: Stat

    def __iter__(self):
        return iter((self.alpha, self.odds_ratio, self.delta_p))


def covariate_matrix(covariates, n: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Covariates as an (n, k) float matrix and their names (DataFrame columns, a Series' name, else covN)."""
    if covariates is None:
        return np.zeros((n, 0)), ()
    if isinstance(covariates, pd.DataFrame):
        names = tuple(str(c) for c in covariates.columns)
        matrix = covariates.to_numpy(dtype=float)
    elif isinstance(covariates, pd.Series):
        names = (str(covariates.name) if covariates.name is not None else "cov1",)
        matrix = covariates.to_numpy(dtype=float)[:, None]
    else:
        matrix = np.asarray(covariates, dtype=float)
        if matrix.ndim == 1:
            matrix = matrix[:, None]
        names = tuple(f"cov{i + 1}" for i in range(matrix.shape[1]))
    if matrix.ndim != 2 or matrix.shape[0] != n:
        raise ValueError(f"covariates have shape {matrix.shape}, expected ({n}, k)")
    if "z" in names:
        raise ValueError("a covariate may not be named 'z' (the name of the scaled difference)")
    return matrix, names


def _method(names: tuple[str, ...], n: int, with_ci: bool, p_method: AlphaP, unit: str,
            intercept: bool = False) -> str:
    covs = f" + covariates ({', '.join(names)})" if names else ""
    if intercept:
        text = (f"logit of the outcome on z = delta / sd(delta) (sd, ddof 1, over the {n} rows used) with an "
                f"intercept{covs}: Verbalized Sampling's reading (analyse/reg-share.py), alpha per standard deviation "
                "of delta; it depends on which item of a pair is listed first; statsmodels GLM Binomial")
    else:
        text = (f"logit of the outcome on z = delta / rms(delta) (rms over the {n} rows used){covs}; no intercept, "
                "so the fit does not depend on which item of a pair is listed first (swapping a pair flips delta, "
                "the outcome and the covariates together); statsmodels GLM Binomial")
    wald = (f"Wald t-test (G - 1 df), cluster-robust (sandwich) SE by {unit} with the small-sample correction, "
            "inverts the interval")
    boot = f"{unit} bootstrap, inverts the percentile interval against 0"
    if p_method == "wald":
        text += f"; p: {wald}" + (f"; p_value_bootstrap: {boot}" if with_ci else "")
    else:
        text += f"; p: {boot}; p_value_wald: {wald}"
    text += f"; ci: Wald, alpha ± t(G - 1) x the cluster-robust SE by {unit}"
    if with_ci and n > FULL_REFIT_MAX_ROWS:
        text += (f" (percentile_ci_low/high in details: {unit} bootstrap percentile, one Newton step from the "
                 f"full-sample fit on each resample, the k-step bootstrap with k = 1, as the data has over "
                 f"{FULL_REFIT_MAX_ROWS:,} rows; {'sd' if intercept else 'rms'} recomputed on it)")
    elif with_ci:
        text += (f" (percentile_ci_low/high in details: {unit} bootstrap percentile, the logit refitted on each "
                 f"resample, {'sd' if intercept else 'rms'} recomputed on it)")
    return text


def _undefined(n: int, method: str, reason: str, n_dropped: int, details: dict | None = None) -> TypicalityFit:
    stat = Stat.undefined(n, method, reason, n_dropped, details)
    return TypicalityFit(stat, stat, stat)


def _solve(hessian: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """Newton steps H^-1 g for a stack of (p, p) systems. A singular Hessian (a covariate that is 0 on every
    row of a resample, e.g. a policy absent from it) gets the least-squares step of minimum norm, which
    leaves the unidentified coefficient where it is."""
    try:
        return np.linalg.solve(hessian, gradient[..., None])[..., 0]
    except np.linalg.LinAlgError:
        pass
    # Some system is singular: solve the others as one stack (LU's zero pivot, which makes `solve` refuse,
    # is slogdet's sign 0), and give the singular ones the pseudo-inverse's minimum-norm step, also as a
    # stack; one call per system would cost seconds on small data, where singular resamples are common.
    out = np.full(gradient.shape, np.nan)
    regular = np.linalg.slogdet(hessian)[0] != 0
    finite = np.isfinite(hessian).all(axis=(1, 2)) & np.isfinite(gradient).all(axis=1)
    if regular.any():
        out[regular] = np.linalg.solve(hessian[regular], gradient[regular][..., None])[..., 0]
    singular = ~regular & finite
    if singular.any():
        out[singular] = (np.linalg.pinv(hessian[singular]) @ gradient[singular][..., None])[..., 0]
    return out


def weighted_logit_fits(X: np.ndarray, y: np.ndarray, weights: np.ndarray, start: np.ndarray) -> np.ndarray:
    """(b, p) maximum-likelihood logit coefficients (no intercept unless X holds one) for each row of
    `weights` (b, n), by Newton's method from `start`.

    Frequency weights: a row of weight w counts as w copies, so a bootstrap resample's fit is its weight
    row's fit (tests check it against statsmodels on the explicit resample). Convergence is judged on the
    first coefficient (alpha, the one reported): a covariate that separates some rows of a resample (a rare
    policy whose few pairs all went one way) has an infinite coefficient, but alpha's estimate still exists
    and converges while that coefficient drifts. NaN rows where alpha does not converge, or where every
    weighted row is perfectly predicted (the MLE does not exist).

    Examples
    --------
    >>> X = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    >>> y = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    >>> fits = weighted_logit_fits(X, y, np.ones((1, 6)), np.zeros(1))
    >>> round(float(fits[0, 0]), 4)
    0.6304
    """
    b, n = weights.shape
    p = X.shape[1]
    outer = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    beta = np.tile(np.asarray(start, dtype=float), (b, 1))
    converged = np.zeros(b, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(NEWTON_MAX_ITER):
            mu = expit(beta @ X.T)
            gradient = (weights * (y - mu)) @ X
            hessian = ((weights * (mu * (1 - mu))) @ outer).reshape(b, p, p)
            step = _solve(hessian, gradient)
            beta = beta + step
            finite = np.isfinite(beta).all(axis=1)
            converged = finite & (np.abs(step[:, 0]) <= NEWTON_TOL * (1 + np.abs(beta[:, 0])))
            if np.all(converged | ~finite):
                break
        mu = expit(beta @ X.T)
        perfect = np.all((weights == 0) | (np.abs(y - mu) < PERFECT_FIT), axis=1)
    beta[~converged | perfect] = np.nan
    return beta


def _resample_scale(total: np.ndarray, first: np.ndarray, second: np.ndarray, centred: bool) -> np.ndarray:
    """Each resample's scale of delta from its weighted sums (rows, delta, delta^2): the rms, or with `centred`
    the standard deviation (ddof 1, frequency weights: a row of weight w counts as w rows)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if centred:
            return np.sqrt((second - first**2 / total) / (total - 1))
        return np.sqrt(second / total)


def _alpha_replicates(X: np.ndarray, y: np.ndarray, delta: np.ndarray, labels: np.ndarray,
                      resamples: ClusterResamples, start: np.ndarray, rms: float, centred: bool = False) -> np.ndarray:
    """(B,) alpha on each resample: the coefficient of z refitted, rescaled to the resample's own rms (its sd
    with `centred`); NaN (dropped and counted by the interval) where the refit did not converge or z separates
    the resample."""
    codes = resamples.codes(labels)
    step = max(1, DEFAULT_CHUNK_CELLS // max(len(y), 1))
    out = []
    for first in range(0, resamples.n_resamples, step):
        w = resamples.counts[first : first + step][:, codes].astype(float)
        coef = weighted_logit_fits(X, y, w, start)[:, 0]
        coef[np.abs(coef) > SEPARATED_COEF] = np.nan  # z separates the resample: its alpha does not exist
        rms_b = _resample_scale(w.sum(axis=1), w @ delta, w @ delta**2, centred)
        out.append(coef * rms_b / rms)
    return np.concatenate(out) if out else np.zeros(0)


def _one_step_replicates(X: np.ndarray, y: np.ndarray, delta: np.ndarray, labels: np.ndarray,
                         resamples: ClusterResamples, start: np.ndarray, rms: float, centred: bool = False
                         ) -> np.ndarray:
    """(B,) alpha on each resample after one Newton step from the full-sample fit `start`, rescaled to the
    resample's own rms (its sd with `centred`). The step's gradient and Hessian are the resample's counts times
    per-post sums taken at `start`, so no row-level pass per resample is needed; NaN where the step's Hessian is
    singular or alpha leaves the range where it exists."""
    codes = resamples.codes(labels)
    k, p = resamples.counts.shape[1], X.shape[1]
    mu = expit(X @ start)
    width = p + p * p + 3
    sums = np.zeros((k, width))
    block = max(1, DEFAULT_CHUNK_CELLS // width)
    for first in range(0, len(y), block):
        rows = slice(first, first + block)
        x, m = X[rows], mu[rows]
        per_row = np.column_stack([(y[rows] - m)[:, None] * x,
                                   ((m * (1 - m))[:, None, None] * x[:, :, None] * x[:, None, :]).reshape(-1, p * p),
                                   delta[rows], delta[rows] ** 2, np.ones(len(x))])
        members = sparse.csr_matrix((np.ones(len(x)), (codes[rows], np.arange(len(x)))), shape=(k, len(x)))
        sums += members @ per_row
    step = max(1, DEFAULT_CHUNK_CELLS // max(k, 1))
    out = []
    for first in range(0, resamples.n_resamples, step):
        totals = resamples.counts[first : first + step].astype(float) @ sums
        gradient, hessian = totals[:, :p], totals[:, p : p + p * p].reshape(-1, p, p)
        coef = start[0] + _solve(hessian, gradient)[:, 0]
        coef[np.abs(coef) > SEPARATED_COEF] = np.nan
        rms_b = _resample_scale(totals[:, -1], totals[:, -3], totals[:, -2], centred)
        out.append(coef * rms_b / rms)
    return np.concatenate(out) if out else np.zeros(0)


def cluster_sandwich(X: np.ndarray, y: np.ndarray, params: np.ndarray, groups: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The model-based covariance (X' diag(mu (1 - mu)) X)^-1 of a logit and its cluster-robust sandwich
    H^-1 (sum over clusters of s_g s_g') H^-1 (s_g: the cluster's summed scores x_i (y_i - mu_i)), with
    statsmodels' small-sample correction G/(G-1) (N-1)/(N-K). Written out because statsmodels' GLM computes
    the scores through the link's derivatives, which give NaN where a covariate has pushed fitted
    probabilities to exactly 0 or 1 (a rare policy separated from the rest); here they are plain products.

    Examples
    --------
    >>> X = np.array([[1.0], [-1.0], [2.0], [-2.0]])
    >>> bread, sandwich = cluster_sandwich(X, np.array([1.0, 0.0, 0.0, 1.0]), np.zeros(1), np.array([0, 0, 1, 1]))
    >>> float(bread[0, 0]), float(sandwich[0, 0])
    (0.4, 1.6)
    """
    n, k = X.shape
    mu = expit(X @ params)
    information = (X.T * (mu * (1 - mu))) @ X
    try:
        bread = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        bread = np.linalg.pinv(information)
    scores = X * (y - mu)[:, None]
    g = int(groups.max()) + 1 if len(groups) else 0
    per_cluster = np.column_stack([np.bincount(groups, weights=scores[:, j], minlength=g) for j in range(k)])
    correction = g / (g - 1) * (n - 1) / (n - k) if g > 1 and n > k else np.nan
    return bread, bread @ (per_cluster.T @ per_cluster) @ bread * correction


def _complete_rows(delta, outcome, clusters, covariates
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], np.ndarray, np.ndarray]:
    """(delta, outcome, covariates, their names, cluster labels, complete-row mask) as arrays, so that input of
    the wrong shape or a non-binary outcome fails before any fit."""
    d = np.asarray(delta, dtype=float).ravel()
    y = np.asarray(outcome, dtype=float).ravel()
    if d.shape != y.shape:
        raise ValueError(f"delta and outcome differ in length: {d.shape}, {y.shape}")
    cov, names = covariate_matrix(covariates, len(d))
    labels = np.arange(len(d)) if clusters is None else np.asarray(clusters)
    if labels.shape != d.shape:
        raise ValueError(f"clusters has shape {labels.shape}, expected {d.shape}")
    keep = np.isfinite(d) & np.isfinite(y) & np.all(np.isfinite(cov), axis=1)
    if np.any((y[keep] != 0) & (y[keep] != 1)):
        raise ValueError(f"outcome must be 0 or 1; got {np.unique(y[keep][(y[keep] != 0) & (y[keep] != 1)])}")
    return d, y, cov, names, labels, keep


def _data_reason(d: np.ndarray, y: np.ndarray, n_params: int, intercept: bool) -> tuple[str | None, float]:
    """(why alpha cannot be fitted on these rows, or None; delta's scale): checked in this order so that the
    scale is computed only where it exists. The scale is the sd (ddof 1) for Verbalized Sampling's reading,
    else the rms, which does not depend on which item of a pair is listed first."""
    n = len(d)
    if n < max(MIN_ROWS, n_params + 1):
        return f"only {n} complete rows for {n_params} parameters; need at least {max(MIN_ROWS, n_params + 1)}", 0.0
    if y.min() == y.max():
        return f"every outcome is {int(y[0])}: no variation to fit", 0.0
    scale = float(np.std(d, ddof=1)) if intercept else float(np.sqrt(np.mean(d**2)))
    if scale == 0:
        return f"delta is {'constant' if intercept else '0'} on every row: z is undefined", scale
    return None, scale


def _logit_fit(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """(coefficients, None) of the logit of y on X by statsmodels' GLM Binomial, or (None, why) where its
    maximum-likelihood estimate does not exist (separation) or was not reached."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
        except (np.linalg.LinAlgError, ValueError) as err:
            return None, f"the fit failed: {err}"
    kinds = {type(w.message) for w in caught}
    params = np.asarray(res.params, dtype=float)
    fitted = expit(X @ params)
    if PerfectSeparationWarning in kinds or np.all(np.abs(y - fitted) < PERFECT_FIT):
        return None, ("perfect separation: the regressors predict every outcome, the maximum-likelihood alpha is "
                      "infinite")
    if ConvergenceWarning in kinds or not res.converged:
        return None, "the likelihood maximisation did not converge"
    return params, None


def _coefficient_details(names: tuple[str, ...], params: np.ndarray, sandwich: np.ndarray) -> dict:
    """Each covariate's coefficient and cluster-robust SE (None where not finite), so a reader can see what
    the covariates absorbed."""
    out: dict = {}
    with np.errstate(invalid="ignore"):
        for j, name in enumerate(names, start=1):
            out[f"coef_{name}"] = finite_or_none(float(params[j]))
            out[f"se_cluster_{name}"] = finite_or_none(float(np.sqrt(sandwich[j, j])))
    return out


def _separated_covariates(names: tuple[str, ...], params: np.ndarray) -> str:
    """The covariates whose coefficient diverged: a covariate whose rows all went one way (a rare policy) drifts
    to infinity; alpha is still estimated, but that covariate's own coefficient and SE mean nothing."""
    return ", ".join(name for name, coef in zip(names, params[1:])
                     if not np.isfinite(coef) or abs(coef) > SEPARATED_COEF)


def _bootstrap_alpha(X: np.ndarray, y: np.ndarray, d: np.ndarray, labels: np.ndarray, params: np.ndarray,
                  scale: float, intercept: bool, resamples: ClusterResamples | None, confidence: float
                  ) -> tuple[np.ndarray | None, float | None, dict]:
    """(alpha's bootstrap replicates, the p that inverts their percentile interval against 0, the interval's
    counts and seed for the details); (None, None, {}) without resamples. Large data takes one Newton step per
    resample instead of a full refit (FULL_REFIT_MAX_ROWS)."""
    if resamples is None:
        return None, None, {}
    replicates = _one_step_replicates if len(y) > FULL_REFIT_MAX_ROWS else _alpha_replicates
    reps = replicates(X, y, d, labels, resamples, params, scale, intercept)
    interval = percentile_interval(reps, confidence)
    return reps, percentile_p_value(reps, 0.0), {**interval.details(), "seed": resamples.seed}


def _three_readings(alpha: float, wald: tuple[float, float], reps: np.ndarray | None, p_value: float | None,
                    n: int, method: str, n_dropped: int, details: dict, confidence: float,
                    intercept: bool) -> TypicalityFit:
    """alpha, exp(alpha) and sigmoid(alpha) - sigmoid(-alpha) with their intervals mapped from alpha's (both
    increase with alpha), so that the three readings share one fit and one set of resamples."""

    def stat(transform, extra: dict) -> Stat:
        det = {**details, **extra,
               "wald_ci_low": float(transform(wald[0])), "wald_ci_high": float(transform(wald[1]))}
        if reps is not None:
            with np.errstate(over="ignore"):  # exp of a diverged refit is inf: a legitimate, if useless, bound
                iv = percentile_interval(transform(reps), confidence)
            det.update(percentile_ci_low=iv.low, percentile_ci_high=iv.high)
        return Stat(float(transform(alpha)), det["wald_ci_low"], det["wald_ci_high"], p_value, n, method, n_dropped,
                    None, det)

    return TypicalityFit(
        alpha=stat(lambda a: a, {}),
        odds_ratio=stat(np.exp, {"scale": f"odds ratio of item i winning per {'sd' if intercept else 'rms'} unit of "
                                          "delta"}),
        delta_p=stat(lambda a: expit(a) - expit(-a),
                     {"scale": "P(win) at z = +1 minus at z = -1, covariates at 0"}),
    )


def typicality_alpha(delta, outcome, clusters, covariates=None, *, n_resamples: int = 1000, seed: int = 0,
                     confidence: float = 0.95, resamples: ClusterResamples | None = None,
                     p_method: AlphaP = "wald", intercept: bool = False) -> TypicalityFit:
    """alpha: the log-odds of "item i wins" per rms unit of delta = measure_i - measure_j.

    The logit P(outcome = 1) = sigmoid(alpha * z + covariates @ gamma), z = delta / rms(delta), no
    intercept, fitted by maximum likelihood (statsmodels GLM Binomial). Standard errors are cluster-robust
    (sandwich) by `clusters` with statsmodels' small-sample correction G/(G-1) (N-1)/(N-K); the interval is
    alpha ± t(G - 1) SE and the Wald p of alpha = 0 its t-test with G - 1 degrees of freedom (statsmodels' GLM
    with ``cov_type="cluster"`` and ``use_t=True``): with few posts the bootstrap's percentile interval is too
    narrow (`postprocess.stats.bootstrap`). Beside it, in the details, the cluster-bootstrap percentile interval:
    posts are resampled, the logit refitted on each resample (Newton's method, frequency weights) with rms
    recomputed on it; resamples where the fit does not exist (e.g. perfectly separated) are dropped and counted.
    exp(alpha) and sigmoid(alpha) - sigmoid(-alpha) get their intervals by mapping alpha's (both increase with
    alpha).

    Parameters
    ----------
    delta : array-like
        measure(item i) - measure(item j) per pair (e.g. per-token log-prob of summary 0 minus summary 1).
    outcome : array-like
        1 when item i won (the human chose it, or its overall rating is higher), 0 when item j did.
    clusters : array-like or None
        Post id per pair; None treats every pair as its own cluster.
    covariates : 2-D array, DataFrame or Series, optional
        Extra regressors (e.g. the log length ratio, `policy_contrasts`). Use differences between the two
        items, which change sign when the pair is swapped; a symmetric column acts as an intercept and
        makes the fit depend on the order.
    n_resamples, seed, confidence, resamples
        The bootstrap, as in `postprocess.stats.correlation.spearman` (n_resamples 0: no bootstrap; the
        interval is then the cluster-robust Wald interval).
    p_method : {"wald", "bootstrap"}
        Which p is ``p_value``: the cluster-robust Wald test, or the bootstrap p that inverts the percentile
        interval against 0; the other goes to details (``p_value_bootstrap`` / ``p_value_wald``).
    intercept : bool
        Verbalized Sampling's reading (`analyse/reg-share.py`): the logit gets an intercept and z is delta over
        its standard deviation (ddof 1; each resample's own sd in the bootstrap), so alpha is per sd of delta
        and depends on which item is listed first (item i is the one listed first). Details then hold ``sd``
        and ``coef_intercept`` instead of ``rms``. The intervals and p come from the same machinery.

    Returns
    -------
    TypicalityFit
        Three Stats; undefined (with the same reason) when there are fewer than 3 complete rows, every
        outcome is equal, delta is 0 on every row, fewer than 2 clusters, collinear regressors, or the
        classes are perfectly separated. alpha's details hold se_cluster, se_model, wald_ci_low/high, rms,
        n_clusters, the covariates' coefficients (coef_<name>, se_cluster_<name>) and the bootstrap counts.

    Examples
    --------
    >>> d = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0, -1.5, 1.5])
    >>> y = np.array([0, 0, 1, 0, 1, 1, 1, 0])
    >>> fit = typicality_alpha(d, y, [1, 1, 2, 2, 3, 3, 4, 4], n_resamples=0)
    >>> round(fit.alpha.estimate, 3), round(fit.alpha.details["rms"], 4), fit.alpha.n
    (0.372, 1.3693, 8)
    """
    d, y, cov, names, labels, keep = _complete_rows(delta, outcome, clusters, covariates)
    n, n_dropped = int(keep.sum()), int((~keep).sum())
    with_ci = n_resamples > 0 or resamples is not None
    method = _method(names, n, with_ci, p_method, "row" if clusters is None else "cluster", intercept)
    d, y, cov, labels = d[keep], y[keep], cov[keep], labels[keep]
    if intercept:
        cov, names = np.column_stack([np.ones(n), cov]), ("intercept", *names)
    n_clusters = len(np.unique(labels)) if n else 0
    details: dict = {"n_clusters": n_clusters, "covariates": ", ".join(names)}
    p = 1 + len(names)
    reason, scale = _data_reason(d, y, p, intercept)
    if reason is not None:
        return _undefined(n, method, reason, n_dropped, details)
    details["sd" if intercept else "rms"] = scale
    if n_clusters < 2:
        return _undefined(n, method, "fewer than 2 clusters: no cluster-robust standard error", n_dropped, details)
    X = np.column_stack([d / scale, cov])
    if np.linalg.matrix_rank(X) < p:
        return _undefined(n, method, "the regressors are collinear (z with a covariate, or covariates together)",
                          n_dropped, details)
    params, reason = _logit_fit(X, y)
    if params is None:
        return _undefined(n, method, reason, n_dropped, details)
    bread, sandwich = cluster_sandwich(X, y, params, np.unique(labels, return_inverse=True)[1])
    se, model_se = float(np.sqrt(sandwich[0, 0])), float(np.sqrt(bread[0, 0]))
    if not np.isfinite(params[0]) or not (np.isfinite(se) and se > 0):
        return _undefined(n, method, "non-finite standard error of alpha (the information matrix is singular)",
                          n_dropped, details)
    details["separated_covariates"] = _separated_covariates(names, params)
    alpha = float(params[0])
    wald_low, wald_high, p_wald = t_interval(alpha, se, n_clusters - 1, confidence, 0.0)
    details.update(se_cluster=se, se_model=model_se, wald_ci_low=wald_low, wald_ci_high=wald_high,
                   confidence=confidence)
    details.update(_coefficient_details(names, params, sandwich))
    reps, p_boot, boot_details = _bootstrap_alpha(X, y, d, labels, params, scale, intercept,
                                               draw_unless_given(resamples, labels, n_resamples, seed), confidence)
    details.update(boot_details)
    if p_method == "wald":
        p_value = p_wald
        if reps is not None:
            details["p_value_bootstrap"] = p_boot
    else:
        p_value, details["p_value_wald"] = p_boot, p_wald
    return _three_readings(alpha, (wald_low, wald_high), reps, p_value, n, method, n_dropped, details, confidence,
                           intercept)

def policy_contrasts(policy_i, policy_j, reference: str | None = None) -> pd.DataFrame:
    """Policy fixed effects for a pair model without intercept: per policy P (but the reference) the column
    1[policy_i = P] - 1[policy_j = P], which changes sign when the pair is swapped (Bradley-Terry policy
    strengths, as Stiennon et al. 2020 control for policy identity). The reference (default: the first in
    sorted order) is left out: the columns of all policies sum to 0 on every row.

    Examples
    --------
    >>> policy_contrasts(["ref", "sup", "ppo"], ["sup", "ppo", "ppo"]).to_dict("list")
    {'policy[ref]': [1.0, 0.0, 0.0], 'policy[sup]': [-1.0, 1.0, 0.0]}
    """
    a = pd.Series(np.asarray(policy_i, dtype=object))
    b = pd.Series(np.asarray(policy_j, dtype=object))
    levels = sorted(set(a.dropna()) | set(b.dropna()), key=str)
    if reference is None and levels:
        reference = levels[0]
    columns = {f"policy[{p}]": (a == p).astype(float).to_numpy() - (b == p).astype(float).to_numpy()
               for p in levels if p != reference}
    frame = pd.DataFrame(columns, index=range(len(a)))
    frame.loc[(a.isna() | b.isna()).to_numpy(), :] = np.nan
    return frame


def axis_pairs(frame: pd.DataFrame, measure_col: str, *, post_col: str = "post_id", summary_col: str = "sid",
               policy_col: str = "policy", length_col: str = "n_bytes", overall_col: str = "overall",
               quality_cols: tuple[str, ...] = QUALITY_AXES, extra_cols: tuple[str, ...] = ()) -> pd.DataFrame:
    """Within-post pairs of distinct summaries from Likert rows (one row per rater and summary).

    Each distinct summary of a post (`summary_col` within `post_col`) becomes one item: its ratings
    (`overall_col`, `quality_cols`), measure, length and `extra_cols` averaged over its rows (missing ratings
    left out of the mean). Items without a mean overall rating or a finite measure are dropped. Then every
    pair i < j (in sorted order of the summary ids) of items of the same post whose mean overall ratings
    differ; pairs with equal mean overall are dropped (a Bernoulli outcome needs a winner).

    Returns one row per pair: `post_id`, `summary_i`, `summary_j`, `policy_i`, `policy_j`, `outcome`
    (1[overall_i > overall_j]), `delta` (measure_i - measure_j), `d_<quality>` and `d_<extra>` (i minus j),
    `log_length_ratio` (log(length_i / length_j), NaN unless both are positive), `overall_i`, `overall_j`,
    `n_raters_i`, `n_raters_j`. `attrs` holds the counts: n_items, n_items_dropped (no overall or measure),
    n_posts, n_posts_too_few (fewer than two items), n_pairs, n_ties_dropped (equal mean overall).

    Examples
    --------
    >>> rows = pd.DataFrame({"post_id": ["p"] * 4, "sid": ["a", "a", "b", "c"], "policy": ["x", "x", "y", "z"],
    ...     "overall": [6.0, 4.0, 3.0, 5.0], "accuracy": [7.0, 5.0, 4.0, 6.0], "coverage": [5.0, 5.0, 2.0, 4.0],
    ...     "coherence": [7.0, 7.0, 6.0, 7.0], "lp": [-1.0, -1.0, -2.0, -3.0], "n_bytes": [10, 10, 20, 40]})
    >>> pairs = axis_pairs(rows, "lp")
    >>> pairs[["summary_i", "summary_j", "outcome", "delta"]].to_dict("list")
    {'summary_i': ['a', 'b'], 'summary_j': ['b', 'c'], 'outcome': [1, 0], 'delta': [1.0, 1.0]}
    >>> pairs.attrs["n_ties_dropped"]
    1
    """
    averaged = [overall_col, *quality_cols, measure_col, length_col, *extra_cols]
    missing = [c for c in (post_col, summary_col, policy_col, *averaged) if c not in frame.columns]
    if missing:
        raise ValueError(f"axis_pairs: the frame has no column {missing[0]!r}")
    data = frame[[post_col, summary_col, policy_col, *dict.fromkeys(averaged)]].copy()
    for c in dict.fromkeys(averaged):
        data[c] = pd.to_numeric(data[c], errors="coerce").astype(float)
    data[measure_col] = data[measure_col].where(np.isfinite(data[measure_col]))
    grouped = data.groupby([post_col, summary_col], sort=True, dropna=False)
    items = grouped[list(dict.fromkeys(averaged))].mean()
    items["policy"] = grouped[policy_col].first()
    items["n_raters"] = grouped[overall_col].count()
    items = items.reset_index()
    ok = items[overall_col].notna() & items[measure_col].notna()
    counts = {"n_items": len(items), "n_items_dropped": int((~ok).sum())}
    items = items[ok]
    per_post = items.groupby(post_col)[summary_col].count()
    counts.update(n_posts=len(per_post), n_posts_too_few=int((per_post < 2).sum()))
    left = items.rename(columns=lambda c: c if c == post_col else f"{c}__i")
    right = items.rename(columns=lambda c: c if c == post_col else f"{c}__j")
    pairs = left.merge(right, on=post_col)
    pairs = pairs[pairs[f"{summary_col}__i"].astype(str) < pairs[f"{summary_col}__j"].astype(str)]
    tie = pairs[f"{overall_col}__i"] == pairs[f"{overall_col}__j"]
    counts["n_ties_dropped"] = int(tie.sum())
    pairs = pairs[~tie]
    counts["n_pairs"] = len(pairs)

    def diff(c: str) -> np.ndarray:
        return (pairs[f"{c}__i"] - pairs[f"{c}__j"]).to_numpy(dtype=float)

    li, lj = pairs[f"{length_col}__i"].to_numpy(dtype=float), pairs[f"{length_col}__j"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.where((li > 0) & (lj > 0), np.log(li / lj), np.nan)
    out = pd.DataFrame({
        "post_id": pairs[post_col].to_numpy(),
        "summary_i": pairs[f"{summary_col}__i"].to_numpy(),
        "summary_j": pairs[f"{summary_col}__j"].to_numpy(),
        "policy_i": pairs["policy__i"].to_numpy(),
        "policy_j": pairs["policy__j"].to_numpy(),
        "outcome": (pairs[f"{overall_col}__i"] > pairs[f"{overall_col}__j"]).astype(int).to_numpy(),
        "delta": diff(measure_col),
        **{f"d_{c}": diff(c) for c in (*quality_cols, *extra_cols)},
        "log_length_ratio": log_ratio,
        "overall_i": pairs[f"{overall_col}__i"].to_numpy(dtype=float),
        "overall_j": pairs[f"{overall_col}__j"].to_numpy(dtype=float),
        "n_raters_i": pairs["n_raters__i"].to_numpy(dtype=int),
        "n_raters_j": pairs["n_raters__j"].to_numpy(dtype=int),
    })
    out.attrs.update(counts)
    return out


def _ordinal_method(overall_col: str, quality_cols: tuple[str, ...]) -> str:
    """The method string of `typicality_ordinal`, so that its estimate can be read without the code."""
    return (f"ordered logit (statsmodels OrderedModel, logit) of {overall_col} on "
            f"{', '.join(quality_cols)} and the measure standardised over the rows used (sd, ddof 1); the "
            "estimate is the measure's coefficient (log-odds of a higher rating per sd); p and ci: Wald with "
            "t(G - 1) quantiles, cluster-robust (sandwich) SE by post (OrderedModel supports cov_type='cluster'; "
            "the normal p in details.p_value_normal)")


def _ordinal_reason(values: np.ndarray, levels: np.ndarray, n_clusters: int, overall_col: str
                    ) -> tuple[str | None, float]:
    """(why the ordered logit cannot be fitted on these complete rows, or None; the measure's sd), checked before
    any fit so that each undefined result names its cause."""
    n, k = len(values), values.shape[1] - 1
    if len(levels) < 2:
        return f"{overall_col} takes fewer than 2 values on the complete rows", 0.0
    if n < k + len(levels) + 1:
        return f"only {n} complete rows for {k + len(levels) - 1} parameters", 0.0
    sd = float(np.std(values[:, -1], ddof=1))
    if sd == 0:
        return "the measure is constant on the complete rows", sd
    if n_clusters < 2:
        return "fewer than 2 posts: no cluster-robust standard error", sd
    return None, sd


def _ordered_logit(endog: pd.Series, exog: pd.DataFrame, **kwargs):
    """(statsmodels OrderedModel logit fit, converged), with convergence read from both the optimiser and
    statsmodels' warning, which each miss some failures."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    class LogitOrderedModel(OrderedModel):
        """OrderedModel's logit with its cdf called as `scipy.special.expit`, the function `scipy.stats.logistic.cdf`
        evaluates (loc 0, scale 1: the same values) behind argument checks that took most of a small fit's time."""

        def cdf(self, x):
            return expit(x)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = LogitOrderedModel(endog, exog, distr="logit").fit(method="bfgs", disp=0, maxiter=5000, gtol=1e-8,
                                                                **kwargs)
    converged = res.mle_retvals.get("converged", False) and ConvergenceWarning not in {
        type(w.message) for w in caught}
    return res, converged


def _ordinal_null_llf(reduced, outcome: np.ndarray, levels: np.ndarray) -> float:
    """The log-likelihood without the measure for its likelihood-ratio test: the fit on the quality ratings, or
    with none the thresholds alone (the observed level shares)."""
    if reduced is not None:
        return float(reduced.llf)
    counts = np.bincount(np.searchsorted(levels, outcome))
    return float(np.sum(np.log(counts / len(outcome)) * counts))


def _ordinal_details(res, plain, null_llf: float, quality_cols: tuple[str, ...], sd: float,
                     confidence: float) -> dict:
    """The details beside the measure's estimate: both SEs, the LR test with rows independent (as Verbalized
    Sampling reports it), the quality coefficients and statsmodels' normal p."""
    lr = max(0.0, 2 * (float(plain.llf) - null_llf))
    # The model-based SE is NaN where the plain fit's Hessian is singular (a few rows); the cluster SE stands.
    details: dict = {"se_cluster": float(res.bse["measure"]), "se_model": finite_or_none(float(plain.bse["measure"])),
                     "confidence": confidence, "sd_measure": sd,
                     "lr_statistic": lr, "lr_p_value_independent": float(sps.chi2.sf(lr, 1))}
    for name in quality_cols:
        details[f"coef_{name}"] = finite_or_none(float(res.params[name]))
        details[f"se_cluster_{name}"] = finite_or_none(float(res.bse[name]))
    details["p_value_normal"] = float(res.pvalues["measure"])
    return details


def typicality_ordinal(frame: pd.DataFrame, measure_col: str, *, post_col: str = "post_id",
                       overall_col: str = "overall", quality_cols: tuple[str, ...] = QUALITY_AXES,
                       confidence: float = 0.95) -> Stat:
    """The measure's coefficient in an ordered logit of the overall rating (statsmodels `OrderedModel`,
    distr="logit") on the quality ratings and the standardised measure, one row per rater and summary.

    The measure is standardised over the rows used ((x - mean) / sd, ddof 1), so the estimate is the change
    in the log-odds of a higher overall rating per standard deviation of the measure with accuracy,
    coverage and coherence held fixed. Standard errors are cluster-robust (sandwich) by post: statsmodels'
    OrderedModel takes cov_type="cluster" (no bootstrap needed); the interval and p are Wald with t(G - 1)
    quantiles (G posts; statsmodels' normal p in details). Rows with a
    missing rating or measure are dropped and counted. details: se_cluster, se_model, the quality
    coefficients, the likelihood-ratio test of the measure against the model without it (rows independent,
    as Verbalized Sampling reports it), n_levels, n_clusters.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 300
    >>> acc = rng.integers(1, 8, n).astype(float)
    >>> lp = rng.normal(size=n)
    >>> latent = 0.8 * acc + 0.5 * lp + rng.logistic(size=n)
    >>> rows = pd.DataFrame({"post_id": np.repeat(np.arange(60), 5), "overall": np.digitize(latent, [2, 4, 6]),
    ...                      "accuracy": acc, "lp": lp})
    >>> s = typicality_ordinal(rows, "lp", quality_cols=("accuracy",))
    >>> s.defined, s.ci_low < s.estimate < s.ci_high, s.n
    (True, True, 300)
    """
    cols = [overall_col, *quality_cols, measure_col]
    missing = [c for c in (post_col, *cols) if c not in frame.columns]
    if missing:
        raise ValueError(f"typicality_ordinal: the frame has no column {missing[0]!r}")
    values = frame[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    keep = np.all(np.isfinite(values), axis=1)
    n, n_dropped = int(keep.sum()), int((~keep).sum())
    method = _ordinal_method(overall_col, quality_cols)
    values, labels = values[keep], frame[post_col].to_numpy()[keep]
    n_clusters = len(np.unique(labels)) if n else 0
    details: dict = {"n_clusters": n_clusters}
    if n == 0:
        return Stat.undefined(0, method, "only 0 complete rows (each misses a rating or the measure)", n_dropped,
                              details)
    k = len(quality_cols) + 1
    levels = np.unique(values[:, 0])
    details["n_levels"] = len(levels)
    reason, sd = _ordinal_reason(values, levels, n_clusters, overall_col)
    if reason is not None:
        return Stat.undefined(n, method, reason, n_dropped, details)
    exog = np.column_stack([values[:, 1:-1], (values[:, -1] - values[:, -1].mean()) / sd])
    centred = exog - exog.mean(axis=0)
    if np.linalg.matrix_rank(centred) < k:
        return Stat.undefined(n, method, "the regressors are constant or collinear (OrderedModel has no intercept "
                                         "to absorb a constant column)", n_dropped, details)
    exog_frame = pd.DataFrame(exog, columns=[*quality_cols, "measure"])
    groups = np.unique(labels, return_inverse=True)[1]
    endog = pd.Series(pd.Categorical(values[:, 0], categories=levels, ordered=True))
    try:
        res, converged = _ordered_logit(endog, exog_frame, cov_type="cluster", cov_kwds={"groups": groups})
        plain, _ = _ordered_logit(endog, exog_frame)
        reduced, _ = _ordered_logit(endog, exog_frame[list(quality_cols)]) if quality_cols else (None, True)
    except (np.linalg.LinAlgError, ValueError) as err:
        return Stat.undefined(n, method, f"the fit failed: {err}", n_dropped, details)
    if not converged:
        return Stat.undefined(n, method, "the likelihood maximisation did not converge", n_dropped, details)
    estimate, se = float(res.params["measure"]), float(res.bse["measure"])
    if not (np.isfinite(estimate) and np.isfinite(se)):
        return Stat.undefined(n, method, "non-finite estimate or standard error", n_dropped, details)
    # t(G - 1) quantiles and p, as alpha's Wald interval: with 8 posts the normal ones held the truth in 91% of
    # samples (`benchmarks/bench_interval_coverage.py`).
    q = float(sps.t.ppf(0.5 + confidence / 2, n_clusters - 1))
    details.update(_ordinal_details(res, plain, _ordinal_null_llf(reduced, values[:, 0], levels), quality_cols, sd,
                                    confidence))
    p_value = float(2 * sps.t.sf(abs(estimate) / se, n_clusters - 1))
    return Stat(estimate, estimate - q * se, estimate + q * se, p_value, n, method, n_dropped, None, details)

def alpha_replicates(delta, outcome, clusters, resamples: ClusterResamples, alpha: float, rms: float) -> np.ndarray:
    """(B,) alpha without covariates on each resample of `resamples`, started from the full-sample fit (`alpha`,
    `rms` from `typicality_alpha`'s estimate and details), exactly as its interval refits it: two measures' alphas
    refitted on the same resampled posts can then be differenced. Rows must be complete."""
    d = np.asarray(delta, dtype=float).ravel()
    refit = _one_step_replicates if len(d) > FULL_REFIT_MAX_ROWS else _alpha_replicates
    return refit((d / rms)[:, None], np.asarray(outcome, dtype=float).ravel(), d, np.asarray(clusters), resamples,
                 np.array([alpha]), rms)
