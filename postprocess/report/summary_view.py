"""summary.json as a view of the statistics table: each row is placed at its registry path.

The key paths are those summary.json always had (users' scripts read them): the registry's path
templates (`postprocess.stats.registry`) say where each statistic goes. What is not a statistic
(provenance, settings, model fits, calibration curves, flip-table counts, row counts) comes in the
`skeleton`, the summary without its statistics, which this module fills.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import pandas as pd

from postprocess.stats.registry import IMPLICIT_REWARD_KEYS, lookup
from postprocess.stats.table import ALL, split_group, stat_dict


def summary_path(row: Mapping) -> list[str]:
    """The key path of one row in summary.json (`runs` and `comparisons` indexed by model name)."""
    entry, path = lookup(row["statistic"])
    if row["group"] != ALL and entry.group_path is not None:
        path = entry.group_path
    elif row["group"] != ALL and "{group}" not in "".join(path):
        raise ValueError(f"statistic {row['statistic']!r} has no breakdowns, got group {row['group']!r}")
    by, value = split_group(row["group"]) if "=" in row["group"] else ("", "")
    fields = {"model": row["model"], "task": row["task"], "measure": row["measure"], "axis": row["axis"],
              "group": row["group"], "by": by, "value": value,
              "key": IMPLICIT_REWARD_KEYS.get((row["statistic"], row["measure"]), "")}
    return [part.format(**fields) for part in path]


PAIRS = "model_pairs"


def pair_path(row: Mapping) -> list[str]:
    """The key path of a model-against-model row that no `comparisons` entry holds (its model is not compared
    against that reference: `postprocess.compute.model_against_model`):
    summary.json["model_pairs"]["MODEL vs REFERENCE"][TASK][MEASURE][KEY]."""
    return [PAIRS, f"{row['model']} vs {row['reference']}", row["task"], row["measure"], row["statistic"]]


def _entries_by_model(summary: dict, section: str) -> dict[str, dict]:
    return {item["model_name"]: item for item in summary.get(section, [])}


def summary_from_table(table: pd.DataFrame, skeleton: Mapping) -> dict:
    """The skeleton with every row of the table placed at its path (a new dict; inputs untouched)."""
    summary = copy.deepcopy(dict(skeleton))
    lists = {section: _entries_by_model(summary, section) for section in ("runs", "comparisons")}
    for row in table.to_dict("records"):
        compared = lists["comparisons"].get(row["model"])
        if row["reference"] and (compared is None or compared.get("reference", row["reference"]) != row["reference"]):
            _, pair, *keys = pair_path(row)
            pairs = summary.setdefault(PAIRS, {})
            node = pairs.setdefault(pair, {"model": row["model"], "reference": row["reference"]})
        else:
            section, model, *keys = summary_path(row)
            node = lists[section][model]
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = stat_dict(row)
    return summary
