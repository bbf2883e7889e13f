"""The CSV tables of a report, each a filter of the statistics table.

`tables/statistics.csv` is the whole table with exactly `postprocess.stats.table.COLUMNS`. The others
are filters of its rows, with the same columns plus four from a statistic's `details`, so a
spreadsheet shows what report.md marks: `interval_warning` (why the interval is unreliable, empty
when it is not), `n_clusters` (posts), `n_ties` (tied pairs of an agreement) and
`p_value_independent` (the rows-independent test kept beside the cluster-bootstrap p). Which file holds a
single-run row is its registry entry's `csv` (`breakdown_csv` for a breakdown); every row of a model against the
reference is in comparisons.csv; the files and their order are `postprocess.stats.registry.CSV_FILES`.

`preference_model.csv` holds the Bradley-Terry fits, which are model objects in summary.json
(`runs[].cmp[TASK].preference_model`), not rows of the statistics table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from postprocess.compute.facts import ReportFacts
from postprocess.stats.registry import COMPARISONS_CSV, CSV_FILES, csv_file, lookup
from postprocess.stats.result import interval_warning
from postprocess.stats.table import COLUMNS, stat_dict, write_statistics_csv

DETAIL_COLUMNS = ("interval_warning", "n_clusters", "n_ties", "p_value_independent")


def csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of the table with `COLUMNS` and `DETAIL_COLUMNS` (empty where a statistic has no such detail)."""
    rows = []
    for row in table.to_dict("records"):
        stat = stat_dict(row)
        details = stat["details"] or {}
        rows.append({**{c: row[c] for c in COLUMNS}, "interval_warning": interval_warning(stat),
                     **{c: details.get(c) for c in DETAIL_COLUMNS[1:]}})
    frame = pd.DataFrame(rows, columns=[*COLUMNS, *DETAIL_COLUMNS])
    for column in ("n_clusters", "n_ties"):  # counts stay integers beside the statistics that lack them
        values = frame[column].dropna()
        if all(float(v).is_integer() for v in values):
            frame[column] = frame[column].astype("Int64")
    return frame


def csv_views(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each CSV file's name (`CSV_FILES`, in order) and its rows of the statistics table, in table order."""
    own = table["reference"] == ""
    files = [COMPARISONS_CSV if not mine else csv_file(lookup(statistic)[0], group)
             for mine, statistic, group in zip(own, table["statistic"], table["group"])]
    where = pd.Series(files, index=table.index, dtype=object)
    return {name: table[where == name] for name in CSV_FILES}


def preference_model_rows(facts: ReportFacts) -> list[dict]:
    """One row per term of each Bradley-Terry fit (summary.json's `runs[].cmp[TASK].preference_model`)."""
    rows = []
    for run in facts.runs:
        for task, fits in run.preference_models.items():
            for fit_name, fit in fits.items():
                if fit_name == "calibration":
                    continue
                for i, term in enumerate(fit["names"]):
                    rows.append({"model": run.model_name, "task": task, "fit": fit_name, "term": term,
                                 "coef": fit["coef"][i] if fit["coef"] else None,
                                 "se": fit["se"][i] if fit["se"] else None,
                                 "p_value": fit["p_values"][i] if fit["p_values"] else None,
                                 "n": fit["n"], "reason": fit["reason"]})
    return rows


def write_tables(facts: ReportFacts, table: pd.DataFrame, folder: Path) -> list[Path]:
    """tables/statistics.csv, its filters and preference_model.csv (a file only when it has rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_statistics_csv(table, folder / "statistics.csv")]
    for name, rows in csv_views(table).items():
        if len(rows):
            path = folder / f"{name}.csv"
            csv_frame(rows).to_csv(path, index=False, na_rep="")
            written.append(path)
    fits = preference_model_rows(facts)
    if fits:
        path = folder / "preference_model.csv"
        pd.DataFrame(fits).to_csv(path, index=False)
        written.append(path)
    return written
