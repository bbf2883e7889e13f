"""The CSV tables of a report, each a filter of the statistics table.

`tables/statistics.csv` is the whole table with exactly `postprocess.stats.table.COLUMNS`. The others
are filters of its rows, with the same columns plus four from a statistic's `details`, so a
spreadsheet shows what report.md marks: `interval_warning` (why the interval is unreliable, empty
when it is not), `n_clusters` (posts), `n_ties` (tied pairs of an agreement) and
`p_value_independent` (the rows-independent test kept beside the cluster-bootstrap p):

| file | rows of the statistics table |
|---|---|
| `axis_correlations.csv` | one run's statistics of rated summaries (`reference` empty, kind "axis"), group `all` |
| `axis_breakdowns.csv` | the same statistics per group (`policy=…`, `subsplit=…`) |
| `agreement.csv` | single-run statistics of pairs (kind "cmp"): agreement, overall and per group |
| `comparisons.csv` | every statistic of a model against the reference (`reference` set) |
| `typicality.csv` | hypothesis 1: the typicality bias alpha, its odds ratio and Δp, the ordinal coefficient |
| `human_ceiling.csv` | labeller-labeller agreement, agreement with the majority, idealised R*, worker heterogeneity |
| `baselines.csv` | the null rules' agreement and Spearman (`baseline_agreement`, `baseline_spearman`), per run |
| `generation.csv` | one run's statistics of generated samples and next-token entropy (registry kind "generation") |

The VS-comparable agreement rows (`agreement_wilson`, `ranking_accuracy`) sit in `agreement.csv`.

`preference_model.csv` holds the Bradley-Terry fits, which are model objects in summary.json
(`runs[].cmp[TASK].preference_model`), not rows of the statistics table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from postprocess.stats.registry import statistics
from postprocess.stats.result import interval_warning
from postprocess.stats.table import ALL, COLUMNS, single_run, stat_dict, write_statistics_csv

DETAIL_COLUMNS = ("interval_warning", "n_clusters", "n_ties", "p_value_independent")
# Hypothesis 1 (issue 13): statistic names of the typicality and human-ceiling CSVs, and the agreement rows
# as Verbalized Sampling and Chen et al. report them (in agreement.csv), whatever registry kind they have.
TYPICALITY_STATISTICS = ("typicality_alpha", "typicality_odds_ratio", "typicality_delta_p", "typicality_ordinal")
HUMAN_CEILING_STATISTICS = ("human_agreement", "majority_agreement", "idealised_ranking_accuracy",
                            "worker_heterogeneity")
VS_AGREEMENT_STATISTICS = ("agreement_wilson", "ranking_accuracy")
HYPOTHESIS_1 = (*TYPICALITY_STATISTICS, *HUMAN_CEILING_STATISTICS, *VS_AGREEMENT_STATISTICS)
# Issue 11: the statistics of generated samples and next-token entropies (their differences: comparisons.csv).
BASELINE_STATISTICS = tuple(s.name for s in statistics(kind="baseline"))
GENERATION_STATISTICS = tuple(s.name for s in statistics(kind="generation"))


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
    """Each CSV file's name and its rows of the statistics table."""
    own = table[table["reference"] == ""]
    axis = single_run(table, "axis")
    axis = axis[~axis["statistic"].isin(HYPOTHESIS_1)]
    cmp = own["statistic"].isin(set(single_run(table, "cmp")["statistic"]) - set(HYPOTHESIS_1))
    return {"axis_correlations": axis[axis["group"] == ALL], "axis_breakdowns": axis[axis["group"] != ALL],
            "agreement": own[cmp | own["statistic"].isin(VS_AGREEMENT_STATISTICS)],
            "typicality": own[own["statistic"].isin(TYPICALITY_STATISTICS)],
            "human_ceiling": own[own["statistic"].isin(HUMAN_CEILING_STATISTICS)],
            "comparisons": table[table["reference"] != ""],
            "baselines": own[own["statistic"].isin(BASELINE_STATISTICS)],
            "generation": own[own["statistic"].isin(GENERATION_STATISTICS)]}


def preference_model_rows(summary: Mapping) -> list[dict]:
    """One row per term of each Bradley-Terry fit (`runs[].cmp[TASK].preference_model`)."""
    rows = []
    for run in summary["runs"]:
        for task, block in run["cmp"].items():
            for fit_name, fit in block["preference_model"].items():
                if fit_name == "calibration":
                    continue
                for i, term in enumerate(fit["names"]):
                    rows.append({"model": run["model_name"], "task": task, "fit": fit_name, "term": term,
                                 "coef": fit["coef"][i] if fit["coef"] else None,
                                 "se": fit["se"][i] if fit["se"] else None,
                                 "p_value": fit["p_values"][i] if fit["p_values"] else None,
                                 "n": fit["n"], "reason": fit["reason"]})
    return rows


def write_tables(summary: Mapping, table: pd.DataFrame, folder: Path) -> list[Path]:
    """tables/statistics.csv, its filters and preference_model.csv (a file only when it has rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_statistics_csv(table, folder / "statistics.csv")]
    for name, rows in csv_views(table).items():
        if len(rows):
            path = folder / f"{name}.csv"
            csv_frame(rows).to_csv(path, index=False, na_rep="")
            written.append(path)
    fits = preference_model_rows(summary)
    if fits:
        path = folder / "preference_model.csv"
        pd.DataFrame(fits).to_csv(path, index=False)
        written.append(path)
    return written
