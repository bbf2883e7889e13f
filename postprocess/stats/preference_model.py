"""A Bradley-Terry reading of the language model: P(human prefers A) = sigmoid(b * (lp_A - lp_B)).

The slope is called b, never beta (beta is DPO's KL coefficient throughout the report). If the model's
log-probabilities were the humans' utilities, b would be 1; b > 0 says the
logprob difference predicts choices, and its size says how strongly. Following the reward-model
loss of Stiennon et al. (2020), the default fit has **no intercept**: which summary is shown as A is
arbitrary, so a symmetric model must give P = 1/2 at a zero difference (``intercept=True`` adds a
position-bias term). A second regressor, the log length ratio log(len_A / len_B), separates "the
model likes it" from "it is shorter" (summed log-probability falls with length).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as sps
from scipy.special import expit


@dataclass(frozen=True)
class LogitFit:
    """Coefficients of a logistic regression of the human choice; None fields when undefined."""

    names: tuple[str, ...]
    coef: tuple[float, ...] | None
    se: tuple[float, ...] | None
    p_values: tuple[float, ...] | None
    loglik: float | None
    loglik_null: float | None
    n: int
    n_dropped: int
    method: str
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return self.coef is not None

    def coefficient(self, name: str) -> float | None:
        return None if self.coef is None else self.coef[self.names.index(name)]

    def predict(self, logprob_diff, log_length_ratio=None) -> np.ndarray:
        """P(human prefers A) under the fit."""
        if self.coef is None:
            raise ValueError(f"the fit is undefined: {self.reason}")
        cols = {"logprob_diff": logprob_diff, "log_length_ratio": log_length_ratio}
        eta = np.zeros(np.shape(logprob_diff), dtype=float)
        for name, b in zip(self.names, self.coef):
            eta = eta + b * (1.0 if name == "intercept" else np.asarray(cols[name], dtype=float))
        return expit(eta)

    def to_dict(self) -> dict:
        out = asdict(self)
        for k in ("names", "coef", "se", "p_values"):
            out[k] = None if out[k] is None else list(out[k])
        return out


def bradley_terry_fit(
    logprob_diff, chose_a, log_length_ratio=None, *, intercept: bool = False
) -> LogitFit:
    """Maximum-likelihood logit of `chose_a` on the logprob difference (statsmodels `Logit`).

    Parameters
    ----------
    logprob_diff : array-like
        Model score of A minus score of B (nats; summed or normalised, as the caller chooses).
    chose_a : array-like
        1 if the human chose A, 0 if B (i.e. ``1 - choice`` in the dataset's coding).
    log_length_ratio : array-like, optional
        log(length_A / length_B); added as a second regressor.
    intercept : bool
        Add a position-bias intercept (default no: see the module docstring).

    Returns
    -------
    LogitFit
        Wald standard errors and two-sided p-values from the observed information. Undefined (with
        a reason) when the rows are too few, a regressor is constant zero, or the classes are
        perfectly separated (the MLE does not exist).

    Examples
    --------
    >>> d = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0, -1.5, 1.5])
    >>> y = np.array([0, 0, 1, 0, 1, 1, 1, 0])
    >>> fit = bradley_terry_fit(d, y)
    >>> fit.names, round(fit.coef[0], 3), fit.n
    (('logprob_diff',), 0.271, 8)
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    names = (("intercept",) if intercept else ()) + ("logprob_diff",)
    cols = [np.asarray(logprob_diff, dtype=float)]
    if log_length_ratio is not None:
        names += ("log_length_ratio",)
        cols.append(np.asarray(log_length_ratio, dtype=float))
    y = np.asarray(chose_a, dtype=float)
    keep = np.isfinite(y)
    for c in cols:
        keep &= np.isfinite(c)
    n, n_dropped = int(keep.sum()), int((~keep).sum())
    method = "logit MLE (statsmodels), Wald SEs; " + ("with" if intercept else "no") + " intercept"

    def undefined(reason: str) -> LogitFit:
        return LogitFit(names, None, None, None, None, None, n, n_dropped, method, reason)

    if np.any((y[keep] != 0) & (y[keep] != 1)):
        raise ValueError("chose_a must be 0 or 1")
    if n <= len(names) + 1:
        return undefined(f"only {n} complete rows for {len(names)} parameters")
    X = np.column_stack(([np.ones(n)] if intercept else []) + [c[keep] for c in cols])
    yk = y[keep]
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return undefined("regressors are collinear or identically zero")
    if yk.min() == yk.max():
        return undefined(f"every human chose {'A' if yk[0] == 1 else 'B'}: no variation to fit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = sm.Logit(yk, X).fit(disp=0, maxiter=100)
        except np.linalg.LinAlgError as err:
            return undefined(f"fit failed: {err}")
    kinds = {type(w.message) for w in caught}
    if PerfectSeparationWarning in kinds:
        return undefined("perfect separation: the logprob difference predicts every choice")
    if ConvergenceWarning in kinds or not res.mle_retvals.get("converged", False):
        return undefined("the likelihood maximisation did not converge")
    if not np.all(np.isfinite(res.bse)):
        return undefined("non-finite standard errors (the information matrix is singular)")
    null = n * np.log(0.5) if not intercept else float(res.llnull)
    return LogitFit(
        names, tuple(map(float, res.params)), tuple(map(float, res.bse)),
        tuple(map(float, res.pvalues)), float(res.llf), float(null), n, n_dropped, method,
    )


@dataclass(frozen=True)
class Calibration:
    """Equal-count bins of the logprob difference: observed and predicted P(human prefers A).

    `predicted` is the bin mean of sigmoid(slope * diff); `ci_low`/`ci_high` are Clopper-Pearson
    intervals of the observed rate (exact binomial, rows taken as independent).
    """

    x_low: np.ndarray
    x_high: np.ndarray
    x_mean: np.ndarray
    n: np.ndarray
    observed: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    predicted: np.ndarray
    slope: float
    confidence: float

    def to_dict(self) -> dict:
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in asdict(self).items()}


def calibration_curve(
    logprob_diff, chose_a, n_bins: int = 10, *, slope: float = 1.0, confidence: float = 0.95
) -> Calibration:
    """Bin pairs by the logprob difference and compare the human rate of choosing A per bin.

    Bins hold equal numbers of pairs (sorted by the difference; ties may straddle a bin edge, so
    bin membership is deterministic but not tie-aware). With `slope` = 1 the prediction is the raw
    model read as Bradley-Terry; pass a fitted `LogitFit.coef` to compare with the fit instead.

    Examples
    --------
    >>> cal = calibration_curve([-2, -1, 1, 2], [0, 1, 0, 1], n_bins=2)
    >>> cal.n.tolist(), cal.observed.tolist()
    ([2, 2], [0.5, 0.5])
    """
    d = np.asarray(logprob_diff, dtype=float)
    y = np.asarray(chose_a, dtype=float)
    keep = np.isfinite(d) & np.isfinite(y)
    d, y = d[keep], y[keep]
    order = np.argsort(d, kind="stable")
    chunks = [c for c in np.array_split(order, min(n_bins, len(d))) if len(c)] if len(d) else []
    fields: dict[str, list] = {k: [] for k in ("x_low", "x_high", "x_mean", "n", "observed",
                                               "ci_low", "ci_high", "predicted")}
    for idx in chunks:
        k, m = int(y[idx].sum()), len(idx)
        ci = sps.binomtest(k, m).proportion_ci(confidence, method="exact")
        for key, val in (("x_low", d[idx].min()), ("x_high", d[idx].max()),
                         ("x_mean", d[idx].mean()), ("n", m), ("observed", k / m),
                         ("ci_low", ci.low), ("ci_high", ci.high),
                         ("predicted", expit(slope * d[idx]).mean())):
            fields[key].append(val)
    arrays = {k: np.asarray(v, dtype=int if k == "n" else float) for k, v in fields.items()}
    return Calibration(**arrays, slope=float(slope), confidence=confidence)
