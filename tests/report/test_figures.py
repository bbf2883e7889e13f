"""The tables the comparison figures draw, built from a summary.json-shaped dict."""

from __future__ import annotations

import numpy as np
import pandas as pd

from postprocess.report.figures import implicit_reward_table, model_correlation_table
from tests.plots.test_comparison_figures import CORRELATIONS, IMPLICIT_REWARD


def _stat(e, lo, hi, n=100):
    return {"estimate": e, "ci_low": lo, "ci_high": hi, "p_value": None, "n": n}


SUMMARY = {
    "runs": [{"model_name": name, "axis": {"t_axis": {"per_byte": {
        axis: {"spearman": _stat(e, e - 0.05, e + 0.05)} for axis, e in (("overall", base), ("accuracy", base / 2))}}}}
        for name, base in (("ref", 0.1), ("dpo", 0.2))],
    "comparisons": [{"reference": "ref", "model_name": "dpo",
                     "cmp": {"t_cmp": {"implicit_reward": {"agreement": _stat(0.56, 0.52, 0.6, 900)}}}},
                    {"reference": "ref", "model_name": "sft",
                     "cmp": {"t_cmp": {"implicit_reward": {"agreement": _stat(None, None, None, 0)}}}}],
}


def test_model_correlation_table_from_summary():
    table = model_correlation_table(SUMMARY, "t_axis")
    assert table["model"].tolist() == ["ref", "ref", "dpo", "dpo"]
    assert table.loc[2, "estimate"] == 0.2
    pd.testing.assert_frame_equal(table, CORRELATIONS, check_exact=False)
    assert model_correlation_table(SUMMARY, "missing").empty


def test_implicit_reward_table_from_summary():
    table = implicit_reward_table(SUMMARY, "t_cmp")
    assert table["model"].tolist() == ["dpo", "sft"] and np.isnan(table.loc[1, "estimate"])
    pd.testing.assert_frame_equal(table, IMPLICIT_REWARD, check_dtype=False)
