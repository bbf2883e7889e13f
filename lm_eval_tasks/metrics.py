"""Per-doc metric values and their corpus-level aggregations for the harness's results table.

The report (postprocess) recomputes everything with confidence intervals; these give a quick look
in `lm_eval`'s own table. The harness computes no stderr for custom aggregations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from scipy import stats

from lm_eval_tasks.data.rows import RATING_AXES

MEASURES = ("sum", "per_byte")


def measure(summary: dict, name: str) -> float:
    """`sum`: summed logprob; `per_byte`: divided by the UTF-8 bytes of the scored string."""
    if name == "sum":
        return summary["logprob"]
    return summary["logprob"] / summary["n_bytes"] if summary["n_bytes"] else math.nan


def win(score_a: float, score_b: float, choice: int) -> float:
    """Decision rule: the higher-scored summary is the model's pick; 1 if it is the human's, 1/2 on a tie."""
    if score_a == score_b:
        return 0.5
    return float((0 if score_a > score_b else 1) == choice)


def axis_values(record: dict) -> dict[str, Any]:
    summary = record["summaries"][0]
    values: dict[str, Any] = {"logprob": summary["logprob"], "logprob_per_byte": measure(summary, "per_byte")}
    for m in MEASURES:
        for axis in RATING_AXES:
            values[f"spearman_{m}_{axis}"] = [measure(summary, m), record["ratings"][axis]]
    return values


def cmp_values(record: dict) -> dict[str, Any]:
    a, b = record["summaries"]
    return {f"agreement_{m}": win(measure(a, m), measure(b, m), record["choice"]) for m in MEASURES}


def spearman(pairs: Sequence[Sequence[float | None]]) -> float:
    """Spearman over the docs that have the rating; NaN where undefined (fewer than 3, or constant)."""
    kept = [(x, y) for x, y in pairs if x is not None and y is not None and not math.isnan(x)]
    if len(kept) < 3:
        return math.nan
    xs, ys = zip(*kept)
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return math.nan
    return float(stats.spearmanr(xs, ys).statistic)


def count(items: Sequence[Any]) -> int:
    """`record` is logged per doc for the analysis; in the table it shows how many docs were scored."""
    return len(items)
