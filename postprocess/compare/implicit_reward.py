"""The implicit reward of a summary, r = β·(logprob_model - logprob_reference), against human judgements.

A DPO model trained with KL coefficient β against the reference defines r(x, y) = β·log π(y|x)/π_ref(y|x),
up to a term of the post alone that cancels within a pair (Rafailov et al. 2023). Where a model's β is
known (Huang et al. 2024 trained their TL;DR DPO models with β = 0.05) it scales r; without one, r is the
plain log-ratio (β = 1, RewardBench's convention). If fine-tuning learned human preferences, r should pick
the summary humans chose and rise with their ratings: agreement and Spearman's rho do not depend on β > 0, the
reward values and so the mean margin (chosen minus rejected) do. Every statistic reuses a single-run
function (`agreement`, `spearman`, `mean_difference`) on r, with intervals resampling posts.

Measures of r: `sum` (the summed log-ratio), `per_byte` (divided by the continuation's bytes, the same in
both runs) and `per_token` (each run's log-prob per its own token, model minus reference: the mean log-ratio
per token where both runs share a tokenizer).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from postprocess.compare.paired import mean_difference
from postprocess.stats.agreement import agreement
from postprocess.stats.bootstrap import ClusterResamples
from postprocess.stats.correlation import spearman
from postprocess.stats.measures import measure_values
from postprocess.stats.result import Stat

UNITS = {"sum": "", "per_byte": " per byte", "per_token": " per token"}
# The betas accepted (--beta, a preset's `beta`). DPO's betas in use lie between 0.01 and 1; the range leaves four
# orders of magnitude on either side and keeps every derived number finite: a summed log-prob difference is below
# 1e6 nats (a million tokens at 1 nat each), so |beta * difference| < 1e12, and the predicted gamma 1 + alpha/beta
# stays below 1e6 times alpha; outside it (1e-320, 1e308, inf) they overflow to inf, which summary.json refuses.
BETA_MIN, BETA_MAX = 1e-6, 1e6


def beta_problem(beta: object) -> str | None:
    """Why `beta` is not a usable KL coefficient, or None when it is one.

    >>> beta_problem(0.05) is None, beta_problem(float("inf"))
    (True, "expected a positive number from 1e-06 to 1e+06 (the KL coefficient, DPO's beta), got inf")
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not BETA_MIN <= beta <= BETA_MAX:
        return (f"expected a positive number from {BETA_MIN:g} to {BETA_MAX:g} (the KL coefficient, DPO's beta), "
                f"got {beta!r}")
    return None


def implicit_reward(frame: pd.DataFrame, side: str = "", measure: str = "sum",
                    beta: float | None = None) -> np.ndarray:
    """r = β·(logprob_model - logprob_reference) of each summary on an aligned frame (β = 1 when None).

    >>> f = pd.DataFrame({"logprob_a_ref": [-10.0], "logprob_a_model": [-9.0], "n_bytes_a": [4]})
    >>> implicit_reward(f, "a").tolist(), implicit_reward(f, "a", "per_byte", beta=0.5).tolist()
    ([1.0], [0.125])
    """
    s = f"_{side}" if side else ""
    if measure == "per_token":
        ratio = measure_values(frame, "per_token", s, "_model") - measure_values(frame, "per_token", s, "_ref")
    elif measure in ("sum", "per_byte"):
        ratio = frame[f"logprob{s}_model"].to_numpy(dtype=float) - frame[f"logprob{s}_ref"].to_numpy(dtype=float)
        if measure == "per_byte":
            with np.errstate(divide="ignore", invalid="ignore"):
                n_bytes = frame[f"n_bytes{s}"].to_numpy(dtype=float)
                ratio = np.where(n_bytes > 0, ratio / n_bytes, np.nan)
    else:
        raise ValueError(f"measure must be one of {sorted(UNITS)}, got {measure!r}")
    return ratio if beta is None else beta * ratio


def reward_method(measure: str, beta: float | None) -> str:
    """How r was formed, the start of each implicit-reward statistic's `method`.

    >>> reward_method("sum", None)
    'implicit reward r = logprob_model - logprob_reference'
    >>> reward_method("per_token", 0.05)
    'implicit reward r = 0.05 * (logprob_model - logprob_reference) per token (DPO reward, beta 0.05)'
    """
    unit = UNITS[measure]
    if beta is None:
        return f"implicit reward r = logprob_model - logprob_reference{unit}"
    return f"implicit reward r = {beta:g} * (logprob_model - logprob_reference){unit} (DPO reward, beta {beta:g})"


def implicit_reward_agreement(
    frame: pd.DataFrame, *, measure: str = "sum", beta: float | None = None, n_resamples: int = 1000,
    seed: int = 0, confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """Agreement of the implicit reward with the human choice on aligned pairs.

    A pair counts 1 when the chosen summary has the strictly larger r, 1/2 when the rewards tie
    (e.g. identical checkpoints), 0 otherwise; the interval resamples posts. This is RewardBench's
    DPO accuracy with the human's choice as the label; β > 0 leaves it unchanged.

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
    stat = agreement(implicit_reward(frame, "a", measure, beta), implicit_reward(frame, "b", measure, beta),
                     frame["choice"].to_numpy(dtype=float), frame["post_id"].to_numpy(),
                     n_resamples=n_resamples, seed=seed, confidence=confidence, resamples=resamples, p_method="cluster")
    return replace(stat, method=f"{reward_method(measure, beta)}; {stat.method}")


def implicit_reward_margin(
    frame: pd.DataFrame, *, measure: str = "sum", beta: float | None = None, n_resamples: int = 1000,
    seed: int = 0, confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """Mean reward margin over aligned pairs: r of the summary the human chose minus r of the other.

    DPO's loss is a logistic loss on exactly this margin, so it is the training signal in the reward's own
    units (nats times β). Positive: the model's reward favours the human's choice on average. The interval
    resamples posts; p is the bootstrap two-sided p against 0. Pairs without a choice are dropped.

    Examples
    --------
    With β = 0.05: pair 1, A chosen: 0.05 * ((-9 + 10) - (-7 + 9)) = -0.05; pair 2, A chosen:
    0.05 * (0.5 - 0) = 0.025; pair 3, B chosen: 0.05 * (1 - 1) = 0. Mean (-0.05 + 0.025 + 0) / 3 = -0.008333.

    >>> f = pd.DataFrame({"logprob_a_ref": [-10.0, -5.0, -3.0], "logprob_a_model": [-9.0, -4.5, -2.0],
    ...                   "logprob_b_ref": [-9.0, -6.0, -4.0], "logprob_b_model": [-7.0, -6.0, -3.0],
    ...                   "choice": [0, 0, 1], "post_id": ["p1", "p2", "p3"]})
    >>> round(implicit_reward_margin(f, beta=0.05, n_resamples=0).estimate, 6)
    -0.008333
    """
    r = {side: implicit_reward(frame, side, measure, beta) for side in ("a", "b")}
    choice = frame["choice"].to_numpy(dtype=float)
    ok = np.isin(choice, (0.0, 1.0))
    chosen = np.where(ok, np.where(choice == 0, r["a"], r["b"]), np.nan)
    rejected = np.where(ok, np.where(choice == 0, r["b"], r["a"]), np.nan)
    _, _, margin = mean_difference(rejected, chosen, frame["post_id"].to_numpy(), n_resamples=n_resamples, seed=seed,
                                   confidence=confidence, resamples=resamples, what="implicit reward over pairs",
                                   labels=("rejected", "chosen"))
    return replace(margin, method=f"{reward_method(measure, beta)}; margin {margin.method}")


def implicit_reward_correlation(
    frame: pd.DataFrame, axis: str, *, measure: str = "sum", beta: float | None = None,
    n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """Spearman correlation of the implicit reward with one rating axis on aligned axis rows (β > 0 leaves it
    unchanged)."""
    stat = spearman(implicit_reward(frame, "", measure, beta), frame[axis].to_numpy(dtype=float),
                    frame["post_id"].to_numpy(), n_resamples=n_resamples, seed=seed, confidence=confidence,
                    resamples=resamples, p_method="cluster")
    return replace(stat, method=f"{reward_method(measure, beta)}; {stat.method}")
