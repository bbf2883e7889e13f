"""The CSV tables: each file is the filter of the statistics table its registry entry names (`csv`, `breakdown_csv`
for a breakdown, comparisons.csv for every row against the reference), with the detail columns beside."""

from __future__ import annotations

import pandas as pd

from postprocess.compute.facts import ReportFacts
from postprocess.report.tables import DETAIL_COLUMNS, csv_frame, csv_views, write_tables
from postprocess.stats.registry import CSV_FILES
from postprocess.stats.result import Stat
from postprocess.stats.table import COLUMNS, stat_row, statistics_table

FEW = Stat(0.3, 0.1, 0.5, 0.02, 40, "m", details={"n_clusters": 6})
TIED = Stat(0.6, 0.5, 0.7, 0.01, 30, "m", details={"n_clusters": 12, "n_ties": 3})


def table() -> pd.DataFrame:
    return statistics_table([
        stat_row(FEW, model="m1", task="axis_t", statistic="spearman", measure="sum", axis="overall"),
        stat_row(FEW, model="m1", task="axis_t", statistic="spearman", measure="sum", axis="overall",
                 group="policy=sft"),
        stat_row(TIED, model="m1", task="cmp_t", statistic="agreement", measure="sum"),
        stat_row(TIED, model="m2", task="cmp_t", statistic="agreement", measure="sum", reference="m1"),
        stat_row(FEW, model="m1", task="axis_t", statistic="spearman", measure="per_byte", axis="overall"),
    ])


def test_each_row_is_in_the_file_its_registry_entry_names_in_table_order():
    views = csv_views(table())
    assert list(views) == list(CSV_FILES)
    assert {name: list(rows.index) for name, rows in views.items() if len(rows)} == {
        "axis_correlations": [0, 4], "axis_breakdowns": [1], "agreement": [2], "comparisons": [3]}


def test_the_csv_frame_adds_the_interval_warning_and_counts_from_details():
    frame = csv_frame(table().iloc[[0, 2]])
    assert list(frame.columns) == [*COLUMNS, *DETAIL_COLUMNS]
    assert frame["n_clusters"].tolist() == [6, 12] and str(frame["n_clusters"].dtype) == "Int64"
    assert pd.isna(frame["n_ties"][0]) and frame["n_ties"][1] == 3
    assert frame["interval_warning"][0] == "interval from only 6 posts, fewer than 10"
    assert pd.isna(frame["interval_warning"][1])  # usable: empty in the file (written with na_rep="")


def test_write_tables_writes_only_files_with_rows(tmp_path):
    written = write_tables(ReportFacts(), table(), tmp_path)
    assert [p.name for p in written] == ["statistics.csv", "axis_correlations.csv", "axis_breakdowns.csv",
                                         "agreement.csv", "comparisons.csv"]
    assert len(pd.read_csv(tmp_path / "axis_correlations.csv")) == 2
