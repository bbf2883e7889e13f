"""The jackknife intervals of set-level statistics (`postprocess.stats.jackknife`)."""

from __future__ import annotations

import json

import numpy as np

from postprocess.stats.bootstrap import jackknife_t
from postprocess.stats.jackknife import jackknife_stat


def test_delete_one_interval_is_t_on_the_jackknife_se():
    reps = np.array([0.4, 0.5, 0.7, 0.6])
    stat = jackknife_stat(0.55, reps, n_clusters=4, n=4, method="m", confidence=0.95, seed=0, delete_one=True)
    se = np.sqrt(3 / 4 * np.sum((reps - reps.mean()) ** 2))
    assert stat.details["df"] == 3.0 and np.isclose(stat.details["se"], se)
    assert np.isclose(stat.ci_high - stat.estimate, 3.182446305284263 * se)  # scipy t.ppf(0.975, 3)
    assert jackknife_t(reps) == (float(se), 3.0)


def test_an_undefined_delete_one_replicate_leaves_no_interval_and_no_nan_in_the_details():
    """Two posts: the statistic of a set without one of them (one text) is undefined, so is its SE; the row keeps
    its estimate without an interval, and its details stay JSON (summary.json is written with allow_nan=False)."""
    stat = jackknife_stat(0.3, np.array([np.nan, np.nan]), n_clusters=2, n=2, method="m", confidence=0.95, seed=0,
                          delete_one=True)
    assert stat.estimate == 0.3 and stat.ci_low is None and stat.ci_high is None
    assert stat.details["df"] is None
    json.dumps(stat.to_dict(), allow_nan=False)
