"""Flatten summary.json into CSV tables (one row per statistic) for spreadsheets and papers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from postprocess.stats.result import interval_warning

STAT_COLUMNS = ["estimate", "ci_low", "ci_high", "p_value", "n", "n_dropped", "method", "reason"]


def _stat_row(stat: dict) -> dict:
    """The common columns, plus the ties, the rows-independent p kept beside the cluster one, and why
    the interval is unreliable (empty when it is not), so a spreadsheet shows what report.md marks."""
    details = stat.get("details") or {}
    row = {k: stat.get(k) for k in STAT_COLUMNS}
    row["n_ties"] = details.get("n_ties")
    row["p_value_independent"] = details.get("p_value_independent")
    row["n_clusters"] = details.get("n_clusters")
    row["interval_warning"] = interval_warning(stat)
    return row


def axis_rows(summary: dict) -> list[dict]:
    rows = []
    for run in summary["runs"]:
        for task, measures in run["axis"].items():
            for measure, axes in measures.items():
                for axis, stats in axes.items():
                    for name, stat in stats.items():
                        rows.append({"model_name": run["model_name"], "task": task, "measure": measure, "axis": axis,
                                     "statistic": name, **_stat_row(stat)})
    return rows


def axis_breakdown_rows(summary: dict) -> list[dict]:
    rows = []
    for run in summary["runs"]:
        for task, breakdowns in run["axis_breakdowns"].items():
            for by, groups in breakdowns.items():
                for group, measures in groups.items():
                    for measure, axes in measures.items():
                        for axis, stats in axes.items():
                            for name, stat in stats.items():
                                rows.append({"model_name": run["model_name"], "task": task, "breakdown": by,
                                             "group": group, "measure": measure, "axis": axis, "statistic": name,
                                             **_stat_row(stat)})
    return rows


def agreement_rows(summary: dict) -> list[dict]:
    rows = []
    for run in summary["runs"]:
        for task, measures in run["cmp"].items():
            for measure, entry in measures.items():
                if measure == "preference_model":
                    continue
                rows.append({"model_name": run["model_name"], "task": task, "measure": measure, "breakdown": "all",
                             "group": "all", **_stat_row(entry["agreement"])})
                for by in ("by_confidence", "by_policy_pair", "by_subsplit"):
                    for group, stat in entry[by].items():
                        rows.append({"model_name": run["model_name"], "task": task, "measure": measure,
                                     "breakdown": by, "group": group, **_stat_row(stat)})
    return rows


def preference_model_rows(summary: dict) -> list[dict]:
    rows = []
    for run in summary["runs"]:
        for task, measures in run["cmp"].items():
            for fit_name, fit in measures["preference_model"].items():
                if fit_name == "calibration":
                    continue
                for i, term in enumerate(fit["names"]):
                    rows.append({"model_name": run["model_name"], "task": task, "fit": fit_name, "term": term,
                                 "coef": fit["coef"][i] if fit["coef"] else None,
                                 "se": fit["se"][i] if fit["se"] else None,
                                 "p_value": fit["p_values"][i] if fit["p_values"] else None,
                                 "n": fit["n"], "reason": fit["reason"]})
    return rows


def comparison_rows(summary: dict) -> list[dict]:
    """Every stat object under summary["comparisons"], addressed by its key path."""
    rows = []

    def walk(node, path: list[str], entry: dict) -> None:
        if isinstance(node, dict) and "estimate" in node and "n" in node:
            rows.append({"reference": entry["reference"], "model_name": entry["model_name"],
                         "path": "/".join(path), **_stat_row(node)})
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*path, str(key)], entry)

    for entry in summary.get("comparisons", []):
        walk({k: v for k, v in entry.items() if k not in ("reference", "model_name")}, [], entry)
    return rows


def write_tables(summary: dict, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in (("axis_correlations", axis_rows(summary)), ("axis_breakdowns", axis_breakdown_rows(summary)),
                       ("agreement", agreement_rows(summary)), ("preference_model", preference_model_rows(summary)),
                       ("comparisons", comparison_rows(summary))):
        if rows:
            path = folder / f"{name}.csv"
            pd.DataFrame(rows).to_csv(path, index=False)
            written.append(path)
    return written
