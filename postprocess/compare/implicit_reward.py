"""The implicit reward of a summary, r = logprob_model - logprob_reference, against human judgements.

This is the DPO / RewardBench convention (beta = 1): the log-ratio the fine-tuning added to the
summary. If fine-tuning learned human preferences, r should pick the summary humans chose and rise
with their ratings. Both statistics reuse the single-run functions (`agreement`, `spearman`) on r,
with intervals resampling posts.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from postprocess.stats.agreement import agreement
from postprocess.stats.bootstrap import ClusterResamples
from postprocess.stats.correlation import spearman
from postprocess.stats.result import Stat


def implicit_reward(frame: pd.DataFrame, side: str = "", per_byte: bool = False) -> np.ndarray:
    """r = logprob_model - logprob_reference of each summary (optionally per byte) on an aligned frame."""
    s = f"_{side}" if side else ""
    r = frame[f"logprob{s}_model"].to_numpy(dtype=float) - frame[f"logprob{s}_ref"].to_numpy(dtype=float)
    if per_byte:
        with np.errstate(divide="ignore", invalid="ignore"):
            n_bytes = frame[f"n_bytes{s}"].to_numpy(dtype=float)
            r = np.where(n_bytes > 0, r / n_bytes, np.nan)
    return r


def implicit_reward_agreement(
    frame: pd.DataFrame, *, per_byte: bool = False, n_resamples: int = 1000, seed: int = 0,
    confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """Agreement of the implicit reward with the human choice on aligned pairs.

    A pair counts 1 when the chosen summary has the strictly larger r, 1/2 when the rewards tie
    (e.g. identical checkpoints), 0 otherwise; the interval resamples posts. This is RewardBench's
    DPO accuracy with the human's choice as the label.

    Examples
    --------
    r_a = (-9) - (-10) = 1 vs r_b = (-7) - (-9) = 2: B wins, the human chose A -> 0;
    r_a = 0.5 vs r_b = 0: A wins, the human chose A -> 1; r_a = r_b = 1: tie -> 1/2.
    (0 + 1 + 0.5) / 3 = 0.5.

    >>> f = pd.DataFrame({"logprob_a_ref": [-10.0, -5.0, -3.0], "logprob_a_model": [-9.0, -4.5, -2.0],
    ...                   "logprob_b_ref": [-9.0, -6.0, -4.0], "logprob_b_model": [-7.0, -6.0, -3.0],
    ...                   "choice": [0, 0, 1], "post_id": ["p1", "p2", "p3"], "n_bytes_a": [10] * 3,
    ...                   "n_bytes_b": [10] * 3})
    >>> implicit_reward_agreement(f, n_resamples=0).estimate
    0.5
    """
    stat = agreement(implicit_reward(frame, "a", per_byte), implicit_reward(frame, "b", per_byte),
                     frame["choice"].to_numpy(dtype=float), frame["post_id"].to_numpy(),
                     n_resamples=n_resamples, seed=seed, confidence=confidence, resamples=resamples, p_method="cluster")
    unit = " per byte" if per_byte else ""
    return replace(stat, method=f"implicit reward r = logprob_model - logprob_reference{unit}; " + stat.method)


def implicit_reward_correlation(
    frame: pd.DataFrame, axis: str, *, per_byte: bool = False, n_resamples: int = 1000, seed: int = 0,
    confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """Spearman correlation of the implicit reward with one rating axis on aligned axis rows."""
    stat = spearman(implicit_reward(frame, "", per_byte), frame[axis].to_numpy(dtype=float),
                    frame["post_id"].to_numpy(), n_resamples=n_resamples, seed=seed, confidence=confidence,
                    resamples=resamples, p_method="cluster")
    unit = " per byte" if per_byte else ""
    return replace(stat, method=f"implicit reward r = logprob_model - logprob_reference{unit}; " + stat.method)
