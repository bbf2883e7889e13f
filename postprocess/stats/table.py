"""The tidy statistics table: one row per statistic, the single intermediate between computing and
presenting.

Every statistic the report computes becomes one row with the columns `COLUMNS` (pingouin's tidy
results); summary.json, the CSV tables, report.md, the findings and the figures are views of it,
made by filtering columns. `details` (statistic-specific counts such as the ties of an agreement or
the resamples used) rides along in memory for summary.json, and is not written to the CSV.

Columns: `model` (the run's model_name), `reference` (the reference's model_name for comparisons;
"" for single-run statistics), `task`, `measure` (sum / per_byte / per_token), `axis` (a rating
axis, "" where none applies), `statistic` (a `postprocess.stats.registry` name), `group` ("all", or
"<column>=<value>" for a breakdown, e.g. "policy=ppo"), then the `Stat` fields, and `p_holm` (the Holm-adjusted
p of the report's model-against-model family, `postprocess.stats.multiplicity`; None elsewhere).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from postprocess.stats.result import Stat

ADDRESS = ("model", "reference", "task", "measure", "axis", "statistic", "group")
VALUES = ("estimate", "ci_low", "ci_high", "p_value", "p_holm", "n", "n_dropped", "method", "reason")
COLUMNS = (*ADDRESS, *VALUES)
ALL = "all"


def stat_row(stat: Stat | Mapping, *, model: str, task: str, statistic: str, reference: str = "", measure: str = "",
             axis: str = "", group: str = ALL) -> dict:
    """One table row: the address of a statistic and its values (a `Stat` or its `to_dict()`)."""
    values = stat.to_dict() if isinstance(stat, Stat) else dict(stat)
    return {"model": model, "reference": reference, "task": task, "measure": measure, "axis": axis,
            "statistic": statistic, "group": group, **{k: values.get(k) for k in VALUES},
            "details": values.get("details")}


def group_label(by: str, value: object) -> str:
    """The `group` of a breakdown row: "by_policy" and "ppo" give "policy=ppo"."""
    return f"{by.removeprefix('by_')}={value}"


def split_group(group: str) -> tuple[str, str]:
    """("by_policy", "ppo") from "policy=ppo" (the inverse of `group_label`)."""
    column, value = group.split("=", 1)
    return f"by_{column}", value


def statistics_table(rows: Iterable[Mapping]) -> pd.DataFrame:
    """The table of rows (`stat_row` dicts), in the order given, with the columns in their order."""
    return pd.DataFrame(list(rows), columns=[*COLUMNS, "details"])


def select(table: pd.DataFrame, **where: object) -> pd.DataFrame:
    """Rows whose columns equal the given values, e.g. `select(t, model="m", statistic="agreement")`."""
    keep = pd.Series(True, index=table.index)
    for column, value in where.items():
        keep &= table[column] == value
    return table[keep]


def _clean(value: object) -> object:
    """pandas' NaN back to JSON's null, numpy scalars to Python numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def stat_dict(row: Mapping) -> dict:
    """A row's values in the shape of `Stat.to_dict()`, as summary.json and the formatters take them."""
    out = {k: _clean(row[k]) for k in ("estimate", "ci_low", "ci_high", "p_value")}
    out["estimate"], out["ci_low"], out["ci_high"], out["p_value"] = (
        None if v is None else float(v) for v in (out["estimate"], out["ci_low"], out["ci_high"], out["p_value"]))
    out.update(n=int(row["n"]), method=row["method"], n_dropped=int(row["n_dropped"]), reason=_clean(row["reason"]),
               details=_clean(row["details"]))
    if (p_holm := _clean(row.get("p_holm"))) is not None:
        out["p_holm"] = float(p_holm)
    return out


def stats_by(table: pd.DataFrame, *columns: str) -> dict[tuple, dict]:
    """{the row's values of `columns`: its statistic (`stat_dict`)} for every row of `table`."""
    return {tuple(row[c] for c in columns): stat_dict(row) for row in table.to_dict("records")}


def levels(table: pd.DataFrame, column: str) -> list:
    """The values of `column`, each once, in table order (the order the statistics were computed)."""
    return list(dict.fromkeys(table[column]))


def write_statistics_csv(table: pd.DataFrame, path: Path) -> Path:
    """tables/statistics.csv: exactly `COLUMNS`, "" where a column does not apply."""
    table.loc[:, list(COLUMNS)].to_csv(path, index=False, na_rep="")
    return path
