"""The tidy statistics table: a `Stat` becomes one addressed row and comes back unchanged; breakdown groups,
selection, the order of levels and the CSV's columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from postprocess.stats.result import Stat
from postprocess.stats.table import (
    COLUMNS,
    group_label,
    levels,
    select,
    split_group,
    stat_dict,
    stat_row,
    statistics_table,
    stats_by,
    write_statistics_csv,
)

AGREE = Stat(0.625, 0.4, 0.8, 0.03, 40, "cluster bootstrap", n_dropped=2, details={"n_ties": 1})
UNDEFINED = Stat(float("nan"), float("nan"), float("nan"), float("nan"), 1, "spearman", reason="one post")


def table() -> pd.DataFrame:
    return statistics_table([
        stat_row(AGREE, model="m1", task="summ_pref_cmp", statistic="agreement", measure="sum"),
        stat_row(UNDEFINED, model="m2", task="summ_pref_axis", statistic="spearman", measure="sum", axis="overall"),
        stat_row(AGREE.to_dict(), model="m1", task="summ_pref_cmp", statistic="agreement", measure="sum",
                 group=group_label("by_policy", "ppo")),
    ])


def test_a_stat_comes_back_from_its_row_as_its_dict():
    t = table()
    assert list(t.columns) == [*COLUMNS, "details"]
    assert stat_dict(t.iloc[0]) == AGREE.to_dict()
    undefined = stat_dict(t.iloc[1])
    assert undefined["estimate"] is None and undefined["p_value"] is None and undefined["reason"] == "one post"
    assert "p_holm" not in undefined
    assert stat_dict({**t.iloc[0].to_dict(), "p_holm": np.float64(0.09)})["p_holm"] == 0.09


def test_groups_select_and_levels():
    assert group_label("by_policy", "ppo") == "policy=ppo" and split_group("policy=ppo") == ("by_policy", "ppo")
    assert split_group("confidence=a=b") == ("by_confidence", "a=b")
    t = table()
    assert select(t, model="m1", group="all")["statistic"].tolist() == ["agreement"]
    assert levels(t, "model") == ["m1", "m2"]
    assert list(stats_by(t, "model", "group")) == [("m1", "all"), ("m2", "all"), ("m1", "policy=ppo")]


def test_the_csv_holds_exactly_the_columns_and_blank_where_none(tmp_path):
    path = write_statistics_csv(table(), tmp_path / "statistics.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[2] == "m2,,summ_pref_axis,sum,overall,spearman,all,,,,,,1,0,spearman,one post"
