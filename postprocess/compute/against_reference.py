"""Every model against the reference on the same rows, as rows of the statistics table, and the skeleton of
summary.json's `comparisons` (their figures: `postprocess.report.figures.draw_comparison_figures`).

`compare_runs` aligns each task's tables (`postprocess.compare.align`), draws one set of cluster resamples over the
task's posts and uses it for every statistic of the task, so each difference, the implicit reward and the
sharpening gamma are all paired on the same resampled posts. The estimators live in `postprocess.compare.paired`
(differences), `postprocess.compare.implicit_reward` and `postprocess.compare.concentration` (sharpening gamma,
shifts, entropy, flip table). `against_reference_rows` adds the generated samples' differences
(`generation_differences`: model minus reference paired by post) and `predicted_gamma_rows`, the gamma that
hypothesis 1's typicality bias predicts where the model's KL coefficient beta is known.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

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
    beta_problem,
    implicit_reward_agreement,
    implicit_reward_correlation,
    implicit_reward_margin,
)
from postprocess.compare.paired import (
    P_NOTE,
    agreement_difference,
    alpha_difference,
    available_measures,
    bootstrap_p,
    correlation_difference,
    mean_difference,
    measure,
)
from postprocess.compute.generation_rows import (
    ACROSS_INPUT,
    PER_INPUT,
    PER_POST,
    POST_STATISTICS,
    RATIO_JACKKNIFE_NOTE,
    GenerationTables,
    first_samples,
    gen_tasks,
    per_token_by_post,
    post_tasks,
    post_totals,
    ratio_jackknife,
    scored_samples,
)
from postprocess.compute.loading import task_meta
from postprocess.io.load import LoadedRun
from postprocess.io.samples import rating_roles
from postprocess.stats.bootstrap import Settings, percentile_interval, t_interval
from postprocess.stats.registry import difference_name, statistics
from postprocess.stats.result import Stat
from postprocess.stats.semantic import SEMANTIC
from postprocess.stats.sharpening import predicted_gamma
from postprocess.stats.table import ALL, stat_row
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)

# Adds one row: (the estimate, its statistic, measure, axis).
AddRow = Callable[..., None]


# --- which runs are compared, and the checks of what they are compared with ---

def check_betas(betas: Mapping[str, float], reference: str | None, names: list[str]) -> None:
    """Each beta names a compared model (not the reference) and is a number within `BETA_MIN`..`BETA_MAX`."""
    for name, beta in betas.items():
        if reference is None or name == reference or name not in names:
            raise DataError(f"--beta {name}={beta}: {name!r} is not a model compared against the reference "
                            f"{reference!r} (model_names: {sorted(names)})")
        if problem := beta_problem(beta):
            raise DataError(f"--beta {name}={beta}: {problem}")


def scoring_runs(loaded: list[LoadedRun], reference: str | None) -> list[LoadedRun]:
    """The runs whose scoring tasks (axis, cmp) are compared against the reference: every run when each has
    scoring tasks (refused as before when they share none); when some hold generation tasks only, the runs with
    scoring tasks if the reference is one of them, else none."""
    scored = [lr for lr in loaded if lr.tasks]
    if len(scored) == len(loaded) or reference in {lr.run.model_name for lr in scored}:
        return scored
    return []


def shared_tasks(loaded: list[LoadedRun]) -> list[str]:
    """The tasks every run scored (checked compatible); none is an error, since a comparison
    against the reference would then be empty."""
    shared = check_compatible({lr.run.model_name: task_meta(lr) for lr in loaded})
    if not shared:
        raise DataError("the runs have no task in common, so nothing can be compared against the reference ("
                        + "; ".join(f"{lr.run.model_name}: {', '.join(sorted(lr.tasks))}" for lr in loaded) + ")")
    return shared


# --- one aligned task of one model against the reference ---

def sharpening_rows(add: AddRow, summaries: pd.DataFrame, measures: list[str], kw: dict, *, model: str,
                    reference: str, task: str) -> None:
    """The sharpening gamma per measure it is defined on, and the summed slope without anything held fixed."""
    gammas = {m: sharpening(summaries, m, **kw) for m in SHARPENING_MEASURES if m in measures}
    for m, gamma in gammas.items():
        add(gamma, "sharpening_gamma", m)
    if any(not gamma.details["entropy_held_fixed"] for gamma in gammas.values()):
        logger.warning("warning: %s vs %s on %s: the sharpening gamma holds only the token count fixed, not the "
                       "reference's next-token entropy (%s logged none: score it with --model hf-prefix), so it may "
                       "be confounded by entropy", model, reference, task, reference)
    add(summed_slope_unadjusted(summaries, **kw), "summed_slope_unadjusted", "sum")


def axis_task_rows(add: AddRow, aligned: Aligned, axes: Sequence[str], measures: list[str], kw: dict,
                   beta: float | None) -> None:
    """A rated task's rows: the implicit reward's correlation with each rating, the differences of the single-run
    correlations, the log-prob shift against each rating."""
    f = aligned.frame
    clusters = f["post_id"].to_numpy()
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


def pair_task_rows(add: AddRow, aligned: Aligned, measures: list[str], kw: dict, beta: float | None) -> dict:
    """A pair task's rows: the implicit reward's agreement and margin, the agreement and alpha differences, the
    flip table's net flip, the preferred/rejected shift; returns the flip tables' counts per measure."""
    f = aligned.frame
    clusters = f["post_id"].to_numpy()
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
    return flips


def entropy_rows(add: AddRow, summaries: pd.DataFrame, kw: dict) -> dict:
    """The mean next-token entropy of the distinct summaries under each model and their difference; returns {} when
    it has rows, else the note why it has none."""
    entropy = entropy_comparison(summaries, **kw)
    if "note" in entropy:
        return entropy
    for key in ("reference", "model", "difference"):
        add(entropy[key], f"mean_entropy_{key}")
    return {}


def compare_task(aligned: Aligned, settings: Settings, *, model: str, reference: str, task: str,
                 axes: Sequence[str] = RATING_AXES, beta: float | None = None) -> tuple[list[dict], dict]:
    """Every statistic of one aligned task against the reference, as rows of the statistics table, and what is
    not a statistic (flip-table counts, the number of distinct summaries, the entropy note). `beta` scales the
    implicit reward (the model's DPO KL coefficient; None: the plain log-ratio).

    Returns ``(rows, parts)`` with parts ``{"section": {...}, "concentration": {...}, "entropy": {...},
    "measures_absent": {...}}``, the skeleton of the entry under ``axis[TASK]`` or ``cmp[TASK]`` of
    `compare_runs` (the rows fill it: `postprocess.report.summary_view`).
    """
    f = aligned.frame
    kw = settings.draws(f["post_id"].to_numpy())
    status = available_measures(f, aligned.kind)
    measures = [m for m, why in status.items() if why is None]
    summaries = distinct_summaries([aligned])
    rows: list[dict] = []

    def add(stat: Stat, statistic: str, measure: str = "", axis: str = "") -> None:
        rows.append(stat_row(stat, model=model, reference=reference, task=task, statistic=statistic, measure=measure,
                             axis=axis))

    sharpening_rows(add, summaries, measures, kw, model=model, reference=reference, task=task)
    if aligned.kind == "axis":
        axis_task_rows(add, aligned, [a for a in axes if a in f], measures, kw, beta)
        section: dict = {}
    else:
        section = {"flip_table": pair_task_rows(add, aligned, measures, kw, beta)}
    entropy = entropy_rows(add, summaries, kw)
    return rows, {"section": section, "concentration": {"n_summaries": len(summaries)}, "entropy": entropy,
                  "measures_absent": {m: why for m, why in status.items() if why is not None}}


# --- every task of one model against the reference ---

def compare_runs(
    reference: Mapping[str, pd.DataFrame], model: Mapping[str, pd.DataFrame], kinds: Mapping[str, str],
    settings: Settings, *, reference_name: str, model_name: str, axes: Sequence[str] = RATING_AXES,
    beta: float | None = None,
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
    settings : Settings
        Cluster bootstrap settings; the draws are made per task with its seed over the aligned posts.
    reference_name, model_name : str
        The runs' `model_name`s.
    axes : sequence of str
        Rating axes of axis tasks.
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
                 "settings": settings.keywords(), "n_compared": {}, "left_out": {}, "measures_absent": {},
                 "axis": {}, "cmp": {}, "concentration": {}, "entropy": {}}
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
        task_rows, parts = compare_task(aligned, settings, model=model_name, reference=reference_name, task=task,
                                        axes=axes, beta=beta)
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


def compare_loaded(loaded: list[LoadedRun], reference: str, settings: Settings,
                   betas: Mapping[str, float] | None = None) -> tuple[list[dict], list[dict],
                                                                      dict[tuple[str, str], Aligned]]:
    """Per non-reference run, its summary.json entry (without statistics) and its rows of the
    statistics table; and the aligned tables the figures need. `betas` ({model_name: beta}) scales each
    listed model's implicit reward (`postprocess.compare.implicit_reward`).

    Runs whose shared tasks differ in version or prompt, or that share no task, are refused
    (DataError); only rows present in every run are compared, and each entry says how many rows of
    each run were left out."""
    by_name = {lr.run.model_name: lr for lr in loaded}
    shared = shared_tasks(loaded)
    kinds = {task: by_name[reference].tasks[task].kind for task in shared}
    restricted: dict[str, dict] = {name: {} for name in by_name}
    not_in_every_run: dict[str, dict] = {name: {} for name in by_name}
    for task in shared:
        kept, left = common_rows({name: lr.tasks[task].frame for name, lr in by_name.items()})
        for name in by_name:
            restricted[name][task] = kept[name]
            not_in_every_run[name][task] = left[name]
    entries, rows, aligned = [], [], {}
    # every axis task's ratings (TL;DR's axes, a pref task's attributes); each task uses those its rows have
    axes = list(dict.fromkeys(a for task in shared for a in rating_roles(by_name[reference].tasks[task].info).axes
                              if kinds[task] == "axis"))
    for name in by_name:
        if name == reference:
            continue
        logger.info("comparing %s against %s on %s ...", name, reference, ", ".join(shared))
        entry_rows, entry = compare_runs(restricted[reference], restricted[name], kinds, settings,
                                         reference_name=reference, model_name=name, axes=axes,
                                         beta=(betas or {}).get(name))
        entry["rows_not_in_every_run"] = {"reference": not_in_every_run[reference], "model": not_in_every_run[name]}
        entry["tasks_not_in_every_run"] = sorted(set().union(*(lr.tasks for lr in loaded)) - set(shared))
        entries.append(entry)
        rows += entry_rows
        for task in shared:
            aligned[(name, task)] = align(restricted[reference][task], restricted[name][task], kinds[task])
    return entries, rows, aligned


# --- generated samples and posts: model minus reference, paired by post ---

def _paired_means(ref: pd.Series, model: pd.Series, settings: Settings, what: str) -> tuple[Stat, Stat, Stat]:
    """mean_difference of two per-post series on the posts both have (the same draws for both)."""
    both = ref.index.intersection(model.index).sort_values()
    return mean_difference(ref.loc[both].to_numpy(dtype=float), model.loc[both].to_numpy(dtype=float),
                           both.to_numpy(), **settings.keywords(), what=what, labels=("reference", "model"))


def post_ratio_difference(ref: pd.DataFrame, model: pd.DataFrame, statistic: str, settings: Settings) -> Stat:
    """Model minus reference of `post_entropy` / `post_perplexity` on the posts both scored: t(G - 1) on the
    delete-one-post jackknife SE (`ratio_jackknife`), the paired percentile interval of the same resampled posts in
    details."""
    num, den, transform = POST_STATISTICS[statistic]
    both = ref.index.intersection(model.index).sort_values()
    values = {who: t.loc[both, [num, den]].to_numpy(dtype=float) for who, t in (("reference", ref), ("model", model))}
    keep = np.all([np.isfinite(v[:, 0]) & (v[:, 1] > 0) for v in values.values()], axis=0)
    method = f"difference model - reference of {statistic} on the posts both scored"
    if not keep.any():
        return Stat.undefined(0, method + f"; {P_NOTE}", "no post with per-token values in both runs", len(both))
    labels = both.to_numpy()[keep]
    point = {who: float(transform(v[keep, 0].sum() / v[keep, 1].sum())) for who, v in values.items()}
    details = {**point, "n_clusters": int(keep.sum())}
    resamples = settings.draws(labels)["resamples"]
    low = high = p = None
    estimate = point["model"] - point["reference"]
    if resamples is not None:
        reps = {who: resamples.cluster_totals(v[keep], labels) for who, v in values.items()}
        with np.errstate(invalid="ignore", divide="ignore"):
            diffs = (transform(reps["model"][:, 0] / reps["model"][:, 1])
                     - transform(reps["reference"][:, 0] / reps["reference"][:, 1]))
        interval = percentile_interval(diffs, settings.confidence)
        low, high, p = interval.low, interval.high, bootstrap_p(diffs)
        details.update(interval.details(), seed=resamples.seed)
        se = ratio_jackknife({who: v[keep] for who, v in values.items()}, labels, transform)
        if se is None:
            method += f"; {P_NOTE}; ci: paired cluster bootstrap percentile"
        else:
            details.update(percentile_ci_low=low, percentile_ci_high=high, p_value_bootstrap=p, se_jackknife=se[0],
                           df=se[1])
            low, high, p = t_interval(estimate, *se, settings.confidence, 0.0)
            method += f"; p: t-test of 0 on the jackknife SE (G - 1 df), inverts the interval; {RATIO_JACKKNIFE_NOTE}"
    else:
        method += f"; {P_NOTE}"
    return Stat(estimate, low, high, p, int(keep.sum()), method, int((~keep).sum()), None, details)


def generation_differences(lr: LoadedRun, ref: LoadedRun, settings: Settings, tables: GenerationTables) -> list[dict]:
    """Every generation statistic of `lr`'s model minus the reference's, paired by post, on the tasks both have."""
    model, reference = lr.run.model_name, ref.run.model_name
    rows: list[dict] = []

    def add(stat: Stat, task: str, statistic: str, group: str = ALL, measure: str = "") -> None:
        rows.append(stat_row(stat, model=model, reference=reference, task=task, statistic=statistic, measure=measure,
                             group=group))

    ref_gen, model_gen = gen_tasks(ref), gen_tasks(lr)
    # The reference's own samples scored by itself serve both: under the reference, and along its own samples.
    ref_own, model_under_ref, model_own = scored_samples(ref, reference), scored_samples(ref, model), \
        scored_samples(lr, model)
    for task in sorted(set(ref_gen) & set(model_gen)):
        a, b = tables.per_post[(reference, task)], tables.per_post[(model, task)]
        for name in (*PER_POST, *(n for n in SEMANTIC if n in a and n in b)):
            diff = _paired_means(a[name], b[name], settings, f"{name} of each post's samples")[2]
            add(diff, task, difference_name(name), ALL if name in ("mean_length", "empty_share") else PER_INPUT)
        for name, stat in tables.across.differences((reference, first_samples(ref_gen[task])),
                                                    (model, first_samples(model_gen[task])), task).items():
            add(stat, task, difference_name(name), ACROSS_INPUT)
        if task in ref_own and task in model_under_ref:
            diff = _paired_means(per_token_by_post(ref_own[task], "logprob"),
                                 per_token_by_post(model_under_ref[task], "logprob"), settings,
                                 f"{reference}'s log-prob per token of each post's samples")[2]
            add(diff, task, difference_name("sample_ref_logprob"), measure="per_token")
        if task in ref_own and task in model_own:
            trio = _paired_means(per_token_by_post(ref_own[task], "mean_entropy"),
                                 per_token_by_post(model_own[task], "mean_entropy"), settings,
                                 "mean next-token entropy (nats) along each model's own samples")
            for key, stat in zip(("reference", "model", "difference"), trio):
                add(stat, task, f"mean_entropy_{key}")
    ref_posts, model_posts = post_tasks(ref), post_tasks(lr)
    for task in sorted(set(ref_posts) & set(model_posts)):
        a, b = post_totals(ref_posts[task]), post_totals(model_posts[task])
        for statistic in POST_STATISTICS:
            add(post_ratio_difference(a, b, statistic, settings), task, difference_name(statistic))
    return rows


def generation_rows_against_reference(loaded: list[LoadedRun], reference: str | None, settings: Settings,
                                      tables: GenerationTables) -> list[dict]:
    """`generation_differences` of every run but the reference; none without a reference."""
    ref = next((lr for lr in loaded if lr.run.model_name == reference), None) if reference is not None else None
    return [row for lr in loaded if ref is not None and lr is not ref
            for row in generation_differences(lr, ref, settings, tables)]


def comparison_entries(entries: list[dict], rows: list[dict], reference: str, settings: Settings) -> list[dict]:
    """summary.json's `comparisons` with an entry for every model that has generation rows against the reference but
    no entry yet (a run of generation tasks only): the rows are placed into it."""
    have = {e["model_name"] for e in entries}
    added = [m for m in dict.fromkeys(row["model"] for row in rows) if m not in have]
    return [*entries, *({"reference": reference, "model_name": m,
                         "settings": settings.keywords()} for m in added)]


# --- the gamma hypothesis 1 predicts ---

# The alpha of hypothesis 1 that predicts gamma: the reference run's fit on the summed log-prob with what the measured
# gamma holds fixed held fixed too (`postprocess.compute.run_rows`: on pair tasks all pairs, on axis tasks the
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


# --- all of it ---

@dataclass(frozen=True)
class AgainstReference:
    """Every model against the reference: its rows of the statistics table, summary.json's `comparisons` entries
    (without their statistics) and the aligned tables the comparison figures draw, by (model_name, task)."""

    rows: list[dict]
    entries: list[dict]
    aligned: dict[tuple[str, str], Aligned]


def against_reference_rows(loaded: list[LoadedRun], rows: list[dict], tables: GenerationTables, reference: str,
                           settings: Settings, betas: Mapping[str, float]) -> AgainstReference:
    """The rows of every model against the reference (the scored tasks' statistics, the generated samples'
    differences, the predicted gamma beside gamma; `rows` the single-run rows it reads alpha from)."""
    scoring = scoring_runs(loaded, reference)
    entries, scored_rows, aligned = compare_loaded(scoring, reference, settings, betas) if scoring else ([], [], {})
    generation = generation_rows_against_reference(loaded, reference, settings, tables)
    added = scored_rows + generation
    added += predicted_gamma_rows(rows + added, reference, betas)  # gamma = 1 + alpha/beta beside gamma
    return AgainstReference(added, comparison_entries(entries, generation, reference, settings), aligned)
