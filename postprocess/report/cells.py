"""The cells and tables report.md is built of: a statistic with its interval and unreliable-interval marks, its
p-value, a markdown table with the footnotes of the marks it shows, a breakdown's table."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from postprocess.stats.result import INTERVAL_MARKS, MIN_CLUSTERS, format_stat, interval_marks
from postprocess.stats.table import ALL, levels, select, split_group, stats_by

# Each unreliable-interval mark (`INTERVAL_MARKS`) is explained under the table that shows it.
FOOTNOTES = {
    "few_clusters": f"† interval from fewer than {MIN_CLUSTERS} posts: unreliable, so no directional claim is made "
                    "from it (nor from its p-value).",
    "zero_width": "‡ zero-width interval: every resample gave the same value, so it shows no sampling noise and no "
                  "directional claim is made from it (nor from its p-value).",
}


def cell(stat: Mapping | None) -> str:
    """A table cell: `0.214 [0.101, 0.318]`, marked † / ‡ when unreliable, `undefined (reason)`, or `n/a`."""
    return format_stat(stat, marks=True)


def p(stat: Mapping | None) -> str:
    """The p-value; a bootstrap p below its resolution 1 / B (B resamples) shows as `<1/B`."""
    value = stat.get("p_value") if stat else None
    if value is None:
        return ""
    n_resamples = (stat.get("details") or {}).get("n_resamples")
    if n_resamples and value < 1 / n_resamples:
        return f"<{1 / n_resamples:.2g}{interval_marks(stat)}"
    return ("<1e-4" if value < 1e-4 else f"{value:.3g}") + interval_marks(stat)


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table, followed by the footnote of every unreliable-interval mark in its cells. A row with nothing
    in it (every cell empty or `n/a`) is left out."""
    rows = [r for r in rows if any(c not in ("", "n/a") for c in r)]
    notes = [FOOTNOTES[kind] for kind, mark in INTERVAL_MARKS.items() if any(mark in c for row in rows for c in row)]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows),
            "", *(line for note in notes for line in (note, ""))]


def breakdown_table(rows: pd.DataFrame, measures: list[str], by: str) -> list[str]:
    """The table of one breakdown (`by` e.g. "by_confidence") of the agreement: a column per group."""
    groups = [g for g in levels(select(rows, measure=measures[0]), "group") if g != ALL and split_group(g)[0] == by]
    stats = stats_by(rows, "measure", "group")
    return markdown_table(["measure", *(split_group(g)[1] for g in groups)],
                          [[m, *(cell(stats.get((m, g))) for g in groups)] for m in measures])


def cell_p(stat: Mapping | None) -> str:
    """`cell` followed by the p-value, `0.214 [0.101, 0.318], p 0.003`."""
    text = cell(stat)
    value = p(stat)
    return f"{text}, p {value}" if value else text
