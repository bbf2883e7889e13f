"""The Bradley-Terry fit against statsmodels and the calibration curve's bins and exact intervals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats as sps

from postprocess.stats import (
    bradley_terry_fit,
    calibration_curve,
)


def _logit_data(n=400, beta=0.7, seed=0):
    rng = np.random.default_rng(seed)
    d = rng.normal(0, 2, size=n)
    llr = 0.3 * d + rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(beta * d - 0.4 * llr)))).astype(int)
    return d, y, llr


@pytest.mark.parametrize("with_length", [False, True])
@pytest.mark.parametrize("intercept", [False, True])
def test_bradley_terry_equals_statsmodels(with_length, intercept):
    import statsmodels.api as sm

    d, y, llr = _logit_data()
    fit = bradley_terry_fit(d, y, llr if with_length else None, intercept=intercept)
    cols = ([np.ones_like(d)] if intercept else []) + [d] + ([llr] if with_length else [])
    ref = sm.Logit(y, np.column_stack(cols)).fit(disp=0)
    np.testing.assert_allclose(fit.coef, ref.params, rtol=1e-10)
    np.testing.assert_allclose(fit.se, ref.bse, rtol=1e-10)
    np.testing.assert_allclose(fit.p_values, ref.pvalues, rtol=1e-8)
    assert fit.loglik == pytest.approx(ref.llf, rel=1e-12)
    assert fit.names[-1] == ("log_length_ratio" if with_length else "logprob_diff")
    assert fit.to_dict()["n"] == 400
    np.testing.assert_allclose(fit.predict(d, llr if with_length else None), ref.predict())


@pytest.mark.parametrize(
    "d, y, why",
    [
        ([-2.0, -1.0, 1.0, 2.0, 3.0], [0, 0, 1, 1, 1], "perfect separation"),
        ([1.0, 2.0], [0, 1], "only 2 complete rows"),
        ([1.0, -2.0, 3.0, 0.5], [1, 1, 1, 1], "every human chose A"),
        ([0.0, 0.0, 0.0, 0.0], [1, 0, 1, 0], "collinear or identically zero"),
        ([np.nan] * 4, [1, 0, 1, 0], "only 0 complete rows"),
    ],
)
def test_bradley_terry_degenerate(d, y, why):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = bradley_terry_fit(d, y)
    assert not fit.defined and why in fit.reason
    with pytest.raises(ValueError):
        fit.predict([0.0])


def test_calibration_curve_bins_and_exact_cis():
    d, y, _ = _logit_data(n=103)
    cal = calibration_curve(d, y, n_bins=10, slope=0.7)
    assert cal.n.sum() == 103 and len(cal.n) == 10 and set(cal.n) == {10, 11}
    assert np.all(np.diff(cal.x_mean) > 0) and np.all(cal.x_low <= cal.x_high)
    order = np.argsort(d, kind="stable")
    first = order[: cal.n[0]]
    assert cal.observed[0] == pytest.approx(y[first].mean())
    ci = sps.binomtest(int(y[first].sum()), len(first)).proportion_ci(0.95, method="exact")
    assert (cal.ci_low[0], cal.ci_high[0]) == pytest.approx((ci.low, ci.high))
    assert cal.predicted[0] == pytest.approx(np.mean(1 / (1 + np.exp(-0.7 * d[first]))))
    assert calibration_curve([], [], 10).n.size == 0
    assert calibration_curve([1.0, 2.0], [1, 0], 10).n.tolist() == [1, 1]
