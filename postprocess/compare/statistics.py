"""One model against a reference on the same rows: rows of the statistics table and the skeleton of
summary.json["comparisons"].

`compare_runs` aligns each task's tables (`postprocess.compare.align`), draws one set of cluster
resamples over the task's posts and uses it for every statistic of the task, so each difference, the
implicit reward and the sharpening gamma are all paired on the same resampled posts. The statistics
live in `postprocess.compare.paired` (differences), `postprocess.compare.implicit_reward` and
`postprocess.compare.concentration` (sharpening gamma, shifts, entropy, flip table); `predicted_gamma_rows` adds
the gamma that hypothesis 1's typicality bias predicts where the model's KL coefficient beta is known.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from lm_eval_tasks.data.rows import RATING_AXES
from postprocess.compare.align import Aligned, align, check_compatible, common_rows
from postprocess.compare.concentration import (
    ENTROPY_NOTE,
    SHARPENING_MEASURES,
    distinct_summaries,
    entropy_comparison,
    flip_table,
    preferred_vs_rejected_shift,
    sharpening,
    sharpening_points,
    shift_vs_rating,
    summed_slope_unadjusted,
)
from postprocess.compare.implicit_reward import (
    implicit_reward,
    implicit_reward_agreement,
    implicit_reward_correlation,
    implicit_reward_margin,
)
from postprocess.compare.paired import (
    agreement_difference,
    alpha_difference,
    available_measures,
    correlation_difference,
    measure,
)
from postprocess.stats.bootstrap import draw_unless_given
from postprocess.stats.registry import difference_name, statistics
from postprocess.stats.result import Stat
from postprocess.stats.sharpening import predicted_gamma
from postprocess.stats.table import stat_row

logger = logging.getLogger(__name__)

__all__ = ["align", "check_compatible", "common_rows", "compare_runs", "compare_task", "implicit_reward"]


def compare_task(
    aligned: Aligned, *, model: str, reference: str, task: str, axes: Sequence[str] = RATING_AXES,
    n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95, beta: float | None = None,
) -> tuple[list[dict], dict]:
    """Every comparison statistic of one aligned task, as rows of the statistics table, and what is not
    a statistic (flip-table counts, the number of distinct summaries, the entropy note). `beta` scales the
    implicit reward (the model's DPO KL coefficient; None: the plain log-ratio).

    Returns ``(rows, parts)`` with parts ``{"section": {...}, "concentration": {...}, "entropy": {...},
    "measures_absent": {...}}``, the skeleton of the entry under ``axis[TASK]`` or ``cmp[TASK]`` of
    `compare_runs` (the rows fill it: `postprocess.report.summary_view`).
    """
    f = aligned.frame
    res = draw_unless_given(None, aligned.frame["post_id"].to_numpy(), n_resamples, seed)
    kw = {"n_resamples": n_resamples, "seed": seed, "confidence": confidence, "resamples": res}
    status = available_measures(f, aligned.kind)
    measures = [m for m, why in status.items() if why is None]
    clusters = f["post_id"].to_numpy()
    summaries = distinct_summaries([aligned])
    rows: list[dict] = []

    def add(stat: Stat, statistic: str, measure: str = "", axis: str = "") -> None:
        rows.append(stat_row(stat, model=model, reference=reference, task=task, statistic=statistic, measure=measure,
                             axis=axis))

    gammas = {m: sharpening(summaries, m, **kw) for m in SHARPENING_MEASURES if m in measures}
    for m, gamma in gammas.items():
        add(gamma, "sharpening_gamma", m)
    if any(not gamma.details["entropy_held_fixed"] for gamma in gammas.values()):
        logger.warning("warning: %s vs %s on %s: the sharpening gamma holds only the token count fixed, not the "
                       "reference's next-token entropy (%s logged none: score it with --model hf-prefix), so it may "
                       "be confounded by entropy", model, reference, task, reference)
    add(summed_slope_unadjusted(summaries, **kw), "summed_slope_unadjusted", "sum")
    concentration = {"n_summaries": len(summaries)}
    if aligned.kind == "axis":
        axes = [a for a in axes if a in f]
        for a in axes:
            for m in measures:
                add(implicit_reward_correlation(f, a, measure=m, beta=beta, **kw), "implicit_reward_spearman", m, a)
        for m in measures:
            for a in axes:
                for entry in statistics(kind="axis", paired=True):
                    covariate = f[entry.covariate].to_numpy(dtype=float) if entry.covariate else None
                    diff = correlation_difference(measure(f, m, "ref"), measure(f, m, "model"),
                                                  f[a].to_numpy(dtype=float), clusters, statistic=entry.name,
                                                  covariate=covariate, **kw)
                    add(diff, difference_name(entry.name), m, a)
        for a in axes:
            add(shift_vs_rating(aligned, a, **kw), "shift_vs_rating", "per_byte", a)
        section: dict = {}
    else:
        choice = f["choice"].to_numpy(dtype=float)
        for m in measures:
            add(implicit_reward_agreement(f, measure=m, beta=beta, **kw), "implicit_reward_agreement", m)
            add(implicit_reward_margin(f, measure=m, beta=beta, **kw), "implicit_reward_margin", m)
        for m in measures:
            add(agreement_difference(measure(f, m, "ref", "a"), measure(f, m, "ref", "b"), measure(f, m, "model", "a"),
                                     measure(f, m, "model", "b"), choice, clusters, **kw),
                difference_name("agreement"), m)
            add(alpha_difference(measure(f, m, "ref", "a") - measure(f, m, "ref", "b"),
                                 measure(f, m, "model", "a") - measure(f, m, "model", "b"), choice, clusters, **kw),
                difference_name("typicality_alpha"), m)
        flips = {}
        for m in measures:
            table = flip_table(aligned, m, **kw)
            add(table.net, "net_flip", m)
            flips[m] = {k: v for k, v in table.to_dict().items() if k != "net_flip"}
        shifts = preferred_vs_rejected_shift(aligned, **kw)
        for key, statistic in (("preferred", "preferred_shift"), ("rejected", "rejected_shift"),
                               ("difference", "preferred_vs_rejected_shift")):
            add(shifts[key], statistic, "per_byte")
        section = {"flip_table": flips}
    entropy = entropy_comparison(summaries, **kw)
    if "note" not in entropy:
        for key in ("reference", "model", "difference"):
            add(entropy[key], f"mean_entropy_{key}")
        entropy = {}
    return rows, {"section": section, "concentration": concentration, "entropy": entropy,
                  "measures_absent": {m: why for m, why in status.items() if why is not None}}


def compare_runs(
    reference: Mapping[str, pd.DataFrame], model: Mapping[str, pd.DataFrame], kinds: Mapping[str, str], *,
    reference_name: str, model_name: str, axes: Sequence[str] = RATING_AXES, n_resamples: int = 1000,
    seed: int = 0, confidence: float = 0.95, beta: float | None = None,
) -> tuple[list[dict], dict]:
    """The statistics of one model against the reference, as table rows, and the entry of
    summary.json["comparisons"] without them (its skeleton).

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
    beta : float, optional
        The model's KL coefficient (DPO's β), which scales its implicit reward; None: the plain log-ratio.

    Returns
    -------
    rows : list of dict
        `postprocess.stats.table.stat_row` rows, `reference` set: the differences of the
        single-run statistics (`<name>_difference`), the implicit reward, the flip table's net flip, the
        preferred/rejected shift, the sharpening gamma and the entropy comparison.
    entry : dict
        ``{"reference", "model_name", "beta", "settings", "n_compared": {TASK: n}, "left_out": {TASK: {reason:
        count}}, "measures_absent": {TASK: {measure: reason}}, "axis": {TASK: {}}, "cmp": {TASK:
        {"flip_table": {MEASURE: counts}}}, "concentration": {TASK: {"n_summaries"}}, "entropy": {TASK: {}}
        or {"note": ...}}``; `postprocess.report.summary_view` places the rows into it. A task only one
        run has is listed in `left_out` with all its rows.

    Raises
    ------
    DataError
        From `align`: the runs' human data differ on common rows, or they share no row of a task.
    """
    out: dict = {"reference": reference_name, "model_name": model_name, "beta": beta,
                 "settings": {"n_resamples": n_resamples, "seed": seed, "confidence": confidence},
                 "n_compared": {}, "left_out": {}, "measures_absent": {}, "axis": {}, "cmp": {},
                 "concentration": {}, "entropy": {}}
    rows: list[dict] = []
    for task in sorted(set(reference) | set(model)):
        if task not in model:
            out["left_out"][task] = {"task only in reference run": len(reference[task])}
            continue
        if task not in reference:
            out["left_out"][task] = {"task only in model run": len(model[task])}
            continue
        aligned = align(reference[task], model[task], kinds[task])
        out["n_compared"][task] = aligned.n
        out["left_out"][task] = dict(aligned.left_out)
        task_rows, parts = compare_task(aligned, model=model_name, reference=reference_name, task=task, axes=axes,
                                        n_resamples=n_resamples, seed=seed, confidence=confidence, beta=beta)
        rows += task_rows
        out[aligned.kind][task] = parts["section"]
        out["concentration"][task] = parts["concentration"]
        out["entropy"][task] = parts["entropy"]
        if parts["measures_absent"]:
            out["measures_absent"][task] = parts["measures_absent"]
    if not any("note" not in e for e in out["entropy"].values()):
        out["entropy"] = {"note": ENTROPY_NOTE}
    return rows, out


def gamma_points(aligned: Aligned, measure: str = "sum") -> tuple[np.ndarray, np.ndarray]:
    """The within-post demeaned (reference, model) log-probs of the task's distinct summaries, whose slope
    through the origin is `sharpening_gamma`, for `postprocess.plots.comparison_figures.sharpening_scatter`."""
    return sharpening_points(distinct_summaries([aligned]), measure)


# The alpha of hypothesis 1 that predicts gamma: the reference run's fit on the summed log-prob with what the measured
# gamma holds fixed held fixed too (`postprocess.report.run_statistics`: on pair tasks all pairs, on axis tasks the
# pairs with an equal mean quality rating): the token count and the summed next-token entropy where gamma holds the
# entropy fixed, the token count alone where the reference logged no entropies (gamma's fallback).
ALPHA_GROUP = "entropy_token_count_adjusted"
ALPHA_GROUP_WITHOUT_ENTROPY = "token_count_adjusted"
ALPHA_FITS = {
    ALPHA_GROUP: ("summed log-prob with the token count and the summed next-token entropy held fixed (the reference's "
                  f"typicality_alpha, group {ALPHA_GROUP})"),
    ALPHA_GROUP_WITHOUT_ENTROPY: ("summed log-prob with the token count held fixed, entropy not (the reference "
                                  "logged no entropies; the reference's typicality_alpha, group "
                                  f"{ALPHA_GROUP_WITHOUT_ENTROPY})"),
}


def predicted_gamma_rows(rows: Sequence[Mapping], reference: str, betas: Mapping[str, float]) -> list[dict]:
    """`predicted_gamma` rows, gamma = 1 + alpha/beta (`postprocess.stats.sharpening.predicted_gamma`), beside
    each measured `sharpening_gamma` on the summed scale of a model whose beta is in `betas` ({model_name: beta}).

    alpha is the reference run's `typicality_alpha` of the same task on the summed log-prob with what that gamma
    holds fixed held fixed too: group `ALPHA_GROUP` (token count and summed entropy) where the gamma held the
    entropy fixed (``details.entropy_held_fixed``), `ALPHA_GROUP_WITHOUT_ENTROPY` where it could not. The
    typicality bias is measured with the base model's likelihood. A task without that alpha gets no row.
    """
    alphas = {(r["task"], r["group"]): r for r in rows
              if r["statistic"] == "typicality_alpha" and r["model"] == reference and r["reference"] == ""
              and r["measure"] == "sum" and r["group"] in ALPHA_FITS}
    out = []
    for r in rows:
        if not (r["statistic"] == "sharpening_gamma" and r["measure"] == "sum" and r["reference"] == reference
                and r["model"] in betas):
            continue
        entropy = bool((r.get("details") or {}).get("entropy_held_fixed"))
        group = ALPHA_GROUP if entropy else ALPHA_GROUP_WITHOUT_ENTROPY
        if (r["task"], group) in alphas:
            out.append(stat_row(predicted_gamma(alphas[(r["task"], group)], betas[r["model"]], ALPHA_FITS[group]),
                                model=r["model"], reference=reference, task=r["task"], statistic="predicted_gamma",
                                measure="sum"))
    return out
