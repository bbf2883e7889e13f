"""The tables the figures draw are filters of the statistics table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from postprocess.report.figures import (
    confidence_table,
    correlation_table,
    implicit_reward_table,
    model_correlation_table,
)
from postprocess.stats.result import Stat
from postprocess.stats.table import stat_row, statistics_table
from tests.helpers.comparison_plot_rows import CORRELATIONS, IMPLICIT_REWARD


def _stat(e, lo, hi, n=100) -> Stat:
    return Stat(e, lo, hi, None, n, "m") if e is not None else Stat.undefined(n, "m", "constant")


def _rows():
    for name, base in (("ref", 0.1), ("dpo", 0.2)):
        for measure, scale in (("sum", 3), ("per_byte", 1)):
            for axis, e in (("overall", base * scale), ("accuracy", base * scale / 2)):
                for statistic, shift in (("spearman", 0.0), ("kendall", -0.01)):
                    yield stat_row(_stat(e + shift, e + shift - 0.05, e + shift + 0.05), model=name, task="t_axis",
                                   statistic=statistic, measure=measure, axis=axis)
        for bucket, e in (("all", 0.6), ("confidence=slight", 0.52), ("confidence=strong", 0.7),
                          ("policy_pair=ppo vs sup", 0.55)):
            yield stat_row(_stat(e, e - 0.05, e + 0.05, 40), model=name, task="t_cmp", statistic="agreement",
                           measure="per_byte", group=bucket)
    for model, e, n in (("dpo", 0.56, 900), ("sft", None, 0)):
        for measure, shift in (("sum", 0.0), ("per_byte", 0.1)):
            yield stat_row(_stat(None if e is None else e + shift, None if e is None else e + shift - 0.04,
                                 None if e is None else e + shift + 0.04, n),
                           model=model, reference="ref", task="t_cmp", statistic="implicit_reward_agreement",
                           measure=measure)
    # a difference row has the same measure, axis and statistic stem: it must not reach the single-run tables
    yield stat_row(_stat(0.1, 0.0, 0.2), model="dpo", reference="ref", task="t_axis", statistic="spearman_difference",
                   measure="per_byte", axis="overall")


TABLE = statistics_table(_rows())


def test_model_correlation_table_filters_the_statistics_table():
    table = model_correlation_table(TABLE, "t_axis")
    assert table["model"].tolist() == ["ref", "ref", "dpo", "dpo"]
    assert table.loc[2, "estimate"] == 0.2
    pd.testing.assert_frame_equal(table, CORRELATIONS, check_exact=False)
    assert model_correlation_table(TABLE, "missing").empty
    named = model_correlation_table(TABLE, "t_axis", {"ref": "Ref model"}, statistic="kendall", measure="sum")
    assert named["model"].tolist() == ["Ref model", "Ref model", "dpo", "dpo"]
    assert np.allclose(named["estimate"], [0.29, 0.14, 0.59, 0.29])


def test_implicit_reward_table_filters_the_statistics_table():
    table = implicit_reward_table(TABLE, "t_cmp")
    assert table["model"].tolist() == ["dpo", "sft"] and np.isnan(table.loc[1, "estimate"])
    pd.testing.assert_frame_equal(table, IMPLICIT_REWARD, check_dtype=False)
    assert np.isclose(implicit_reward_table(TABLE, "t_cmp", measure="per_byte").loc[0, "estimate"], 0.66)


def test_run_tables_filter_one_run():
    table = correlation_table(TABLE, model="dpo", task="t_axis")
    assert table.columns.tolist() == ["axis", "measure", "estimate", "ci_low", "ci_high", "n"]
    assert table[["measure", "axis"]].values.tolist() == [["sum", "overall"], ["sum", "accuracy"],
                                                          ["per_byte", "overall"], ["per_byte", "accuracy"]]
    assert np.allclose(table["estimate"], [0.6, 0.3, 0.2, 0.1])
    buckets = confidence_table(TABLE, model="ref", task="t_cmp")
    assert buckets.columns.tolist() == ["bucket", "measure", "estimate", "ci_low", "ci_high", "n"]
    assert buckets["bucket"].tolist() == ["slight", "strong"] and buckets["n"].tolist() == [40, 40]
