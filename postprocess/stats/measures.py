"""The log-probability measures every statistic is computed on: summed, per byte and per token.

A run's table (`postprocess.io.samples.read_samples`) holds each summary's summed log-probability,
its UTF-8 bytes and, where logged or recounted, its tokens; an aligned table of two runs
(`postprocess.compare.align`) holds both runs' log-probabilities and token counts side by side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES = ("sum", "per_byte", "per_token")


def measure_values(frame: pd.DataFrame, measure: str, side: str = "", run: str = "") -> np.ndarray:
    """`sum` = summed logprob; `per_byte` / `per_token` divide it by the continuation's bytes / tokens.

    `side` is "" (axis rows) or "_a" / "_b" (pairs); `run` is "" (one run's table) or "_ref" / "_model"
    (an aligned table of two runs, where bytes are shared and token counts are each run's own)."""
    logprob = frame[f"logprob{side}{run}"].to_numpy(dtype=float)
    if measure == "sum":
        return logprob
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    column = f"n_bytes{side}" if measure == "per_byte" else f"n_tokens{side}{run}"
    denominator = frame[column].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, logprob / denominator, np.nan)


def available_measures(frame: pd.DataFrame, kind: str) -> dict[str, str | None]:
    """Each measure mapped to None (available) or the reason it is absent."""
    token_cols = ["n_tokens"] if kind == "axis" else ["n_tokens_a", "n_tokens_b"]
    counted = all(frame[c].notna().all() for c in token_cols)
    return {"sum": None, "per_byte": None,
            "per_token": None if counted else "token counts were not logged (use --model hf-prefix) and the "
                                              "run's tokenizer could not be loaded to count them"}
