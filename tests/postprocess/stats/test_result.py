"""The result type: `Stat` keeps its schema when written out, an unreliable interval carries its marks, an undefined
statistic reads its reason."""

from __future__ import annotations

import json

from postprocess.stats import (
    spearman,
)
from postprocess.stats.result import Stat, finite_or_none, format_stat, interval_marks, interval_problems

SCHEMA = ("estimate", "ci_low", "ci_high", "p_value", "n", "method", "n_dropped", "reason", "details")


def test_stat_to_dict_keeps_schema():
    # Exactly these keys, in this order (summary.json and the CSV tables are written from them), JSON-ready.
    d = spearman([1, 2, 3, 4, 5], [1, 3, 2, 5, 4], n_resamples=50).to_dict()
    assert tuple(d) == SCHEMA
    assert all(isinstance(d[k], float) for k in ("estimate", "ci_low", "ci_high", "p_value"))
    assert d["n"] == 5 and d["n_dropped"] == 0 and d["reason"] is None and d["details"]["n_resamples"] == 50
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    undefined = Stat.undefined(3, "m", "r", n_dropped=2).to_dict()
    assert undefined == {"estimate": None, "ci_low": None, "ci_high": None, "p_value": None, "n": 3, "method": "m",
                         "n_dropped": 2, "reason": "r", "details": None}
    # NaN never reaches JSON: it becomes None.
    assert Stat(float("nan"), 0.1, float("nan"), None, 4, "m").to_dict()["estimate"] is None


def test_an_interval_from_few_posts_and_of_zero_width_carries_both_marks():
    both = {"estimate": 0.5, "ci_low": 0.5, "ci_high": 0.5, "details": {"n_clusters": 9}}
    assert set(interval_problems(both)) == {"few_clusters", "zero_width"}
    assert interval_marks(both) == "†‡" and format_stat(both, 1, marks=True) == "0.5 [0.5, 0.5]†‡"
    assert interval_marks({**both, "details": {"n_clusters": 10}}) == "‡"
    assert interval_problems({**both, "ci_low": None}) == {}  # no interval, nothing to distrust


def test_an_undefined_stat_reads_its_reason_and_nan_is_none():
    stat = Stat.undefined(3, "spearman", "only 3 complete pairs", n_dropped=1)
    assert (stat.estimate, stat.ci_low, stat.p_value, stat.n_dropped) == (None, None, None, 1)
    assert format_stat(stat) == "undefined (only 3 complete pairs)"
    assert finite_or_none(float("nan")) is None and finite_or_none(None) is None and finite_or_none(2) == 2.0
