"""One model against a reference on the same rows: the JSON-ready entry of summary.json["comparisons"].

`compare_runs` aligns each task's tables (`postprocess.compare.align`), draws one set of cluster
resamples over the task's posts and uses it for every statistic of the task, so each difference, the
implicit reward and the concentration test are all paired on the same resampled posts. The statistics
live in `postprocess.compare.paired` (differences), `postprocess.compare.implicit_reward` and
`postprocess.compare.concentration` (concentration test, entropy, flip table).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from lm_eval_tasks.rows import RATING_AXES
from postprocess.compare.align import Aligned, align, check_compatible, common_rows
from postprocess.compare.concentration import (
    ENTROPY_NOTE,
    distinct_summaries,
    entropy_comparison,
    flip_table,
    preferred_vs_rejected_shift,
    shift_vs_rating,
    shift_vs_reference,
)
from postprocess.compare.implicit_reward import implicit_reward, implicit_reward_agreement, implicit_reward_correlation
from postprocess.compare.paired import (
    CORRELATIONS,
    agreement_difference,
    available_measures,
    correlation_difference,
    measure,
)
from postprocess.stats.bootstrap import ClusterResamples

__all__ = ["align", "check_compatible", "common_rows", "compare_runs", "compare_task", "implicit_reward"]


def _draws(aligned: Aligned, n_resamples: int, seed: int) -> ClusterResamples | None:
    if n_resamples <= 0:
        return None
    return ClusterResamples.draw(aligned.frame["post_id"].to_numpy(), n_resamples, seed)


def compare_task(
    aligned: Aligned, *, axes: Sequence[str] = RATING_AXES, n_resamples: int = 1000, seed: int = 0,
    confidence: float = 0.95,
) -> dict:
    """Every comparison statistic of one aligned task, as JSON-ready dicts.

    Returns ``{"section": {...}, "concentration": {...}, "entropy": {...}, "measures_absent": {...}}``
    where section is the entry under ``axis[TASK]`` or ``cmp[TASK]`` of `compare_runs`.
    """
    f = aligned.frame
    res = _draws(aligned, n_resamples, seed)
    kw = {"n_resamples": n_resamples, "seed": seed, "confidence": confidence, "resamples": res}
    status = available_measures(f, aligned.kind)
    measures = [m for m, why in status.items() if why is None]
    clusters = f["post_id"].to_numpy()
    summaries = distinct_summaries([aligned])
    concentration = {"n_summaries": int(len(summaries)),
                     "shift_vs_reference": shift_vs_reference(summaries, **kw).to_dict()}
    if aligned.kind == "axis":
        axes = [a for a in axes if a in f]
        section = {
            "implicit_reward": {a: {"spearman": implicit_reward_correlation(f, a, **kw).to_dict(),
                                    "spearman_per_byte": implicit_reward_correlation(f, a, per_byte=True,
                                                                                     **kw).to_dict()}
                                for a in axes},
            "differences": {
                m: {a: {name: correlation_difference(
                    measure(f, m, "ref"), measure(f, m, "model"), f[a].to_numpy(dtype=float), clusters,
                    statistic=name, covariate=f["n_bytes"].to_numpy(dtype=float), **kw).to_dict()
                    for name in CORRELATIONS} for a in axes}
                for m in measures},
        }
        concentration["shift_vs_rating"] = {a: shift_vs_rating(aligned, a, **kw).to_dict() for a in axes}
    else:
        choice = f["choice"].to_numpy(dtype=float)
        section = {
            "implicit_reward": {"agreement": implicit_reward_agreement(f, **kw).to_dict(),
                                "agreement_per_byte": implicit_reward_agreement(f, per_byte=True, **kw).to_dict()},
            "differences": {
                m: {"agreement": agreement_difference(
                    measure(f, m, "ref", "a"), measure(f, m, "ref", "b"), measure(f, m, "model", "a"),
                    measure(f, m, "model", "b"), choice, clusters, **kw).to_dict()}
                for m in measures},
            "flip_table": {m: flip_table(aligned, m, **kw).to_dict() for m in measures},
            "preferred_vs_rejected_shift": {k: s.to_dict()
                                            for k, s in preferred_vs_rejected_shift(aligned, **kw).items()},
        }
    return {"section": section, "concentration": concentration, "entropy": entropy_comparison(summaries, **kw),
            "measures_absent": {m: why for m, why in status.items() if why is not None}}


def compare_runs(
    reference: Mapping[str, pd.DataFrame], model: Mapping[str, pd.DataFrame], kinds: Mapping[str, str], *,
    reference_name: str, model_name: str, axes: Sequence[str] = RATING_AXES, n_resamples: int = 1000,
    seed: int = 0, confidence: float = 0.95,
) -> dict:
    """The entry of summary.json["comparisons"] for one model against the reference.

    Parameters
    ----------
    reference, model : mapping of str to pd.DataFrame
        Each run's joined table per task (`postprocess.io.samples.read_samples`). Restrict them first with
        `common_rows` when more than two runs are compared, so every comparison uses the same rows,
        and refuse incompatible runs with `check_compatible`.
    kinds : mapping of str to str
        "axis" or "cmp" per task.
    reference_name, model_name : str
        The runs' `model_name`s.
    axes : sequence of str
        Rating axes of axis tasks.
    n_resamples, seed, confidence
        Cluster bootstrap settings; the draws are made per task with `seed` over the aligned posts.

    Returns
    -------
    dict
        ``{"reference", "model_name", "settings", "n_compared": {TASK: n}, "left_out": {TASK: {reason:
        count}}, "measures_absent": {TASK: {measure: reason}}, "axis": {TASK: {"implicit_reward": {AXIS:
        {"spearman", "spearman_per_byte"}}, "differences": {MEASURE: {AXIS: {STATISTIC}}}}}, "cmp": {TASK:
        {"implicit_reward": {"agreement", "agreement_per_byte"}, "differences": {MEASURE: {"agreement"}},
        "flip_table": {MEASURE: ...}, "preferred_vs_rejected_shift": {"preferred", "rejected",
        "difference"}}}, "concentration": {TASK: {"n_summaries", "shift_vs_reference", "shift_vs_rating"
        (axis tasks)}}, "entropy": {TASK: ...} or {"note": ...}}``; every statistic is a
        `Stat.to_dict()`. A task only one run has is listed in `left_out` with all its rows.

    Raises
    ------
    DataError
        From `align`: the runs' human data differ on common rows, or they share no row of a task.
    """
    out: dict = {"reference": reference_name, "model_name": model_name,
                 "settings": {"n_resamples": n_resamples, "seed": seed, "confidence": confidence},
                 "n_compared": {}, "left_out": {}, "measures_absent": {}, "axis": {}, "cmp": {},
                 "concentration": {}, "entropy": {}}
    for task in sorted(set(reference) | set(model)):
        if task not in model:
            out["left_out"][task] = {"task only in reference run": int(len(reference[task]))}
            continue
        if task not in reference:
            out["left_out"][task] = {"task only in model run": int(len(model[task]))}
            continue
        aligned = align(reference[task], model[task], kinds[task])
        out["n_compared"][task] = aligned.n
        out["left_out"][task] = dict(aligned.left_out)
        result = compare_task(aligned, axes=axes, n_resamples=n_resamples, seed=seed, confidence=confidence)
        out[aligned.kind][task] = result["section"]
        out["concentration"][task] = result["concentration"]
        out["entropy"][task] = result["entropy"]
        if result["measures_absent"]:
            out["measures_absent"][task] = result["measures_absent"]
    if not any("note" not in e for e in out["entropy"].values()):
        out["entropy"] = {"note": ENTROPY_NOTE}
    return out


def shift_points(aligned: Aligned) -> tuple[np.ndarray, np.ndarray]:
    """(reference logprob per byte, shift per byte) of the distinct summaries, for `shift_hexbin`."""
    s = distinct_summaries([aligned])
    return s["ref_per_byte"].to_numpy(dtype=float), s["shift_per_byte"].to_numpy(dtype=float)
