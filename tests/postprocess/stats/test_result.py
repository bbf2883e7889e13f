"""The result type: `Stat` keeps its schema when written out."""

from __future__ import annotations

import json

from postprocess.stats import (
    spearman,
)
from postprocess.stats.result import Stat

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
