"""Models against a reference run, on the rows every run scored: the `comparisons` of summary.json
and their figures (issue: base vs RLHF)."""

from __future__ import annotations

from pathlib import Path

from lm_eval_tasks.errors import DataError
from postprocess.align import Aligned, align, check_compatible, common_rows
from postprocess.analysis import Settings
from postprocess.compare import compare_runs, shift_points
from postprocess.compare_figures import (
    correlation_table,
    implicit_reward_agreement_bars,
    implicit_reward_table,
    model_correlation_bars,
    shift_hexbin,
)
from postprocess.load import LoadedRun
from postprocess.provenance import display_name_map
from postprocess.report_figures import SavedFigure, save, slug


def task_meta(lr: LoadedRun) -> dict:
    return {name: {"task_version": t.version, "prompt": t.info["prompt"], "prompt_sha": t.info["prompt_sha"],
                   "chat_template": t.info["chat_template"]} for name, t in lr.tasks.items()}


def check_same_scoring(loaded: list[LoadedRun]) -> None:
    """Refuse runs that scored one task with different versions or prompts, with or without a
    reference: their statistics would otherwise sit side by side as if they measured the same thing."""
    metas = {lr.run.model_name: task_meta(lr) for lr in loaded}
    for task in sorted({task for meta in metas.values() for task in meta}):
        check_compatible({name: {task: meta[task]} for name, meta in metas.items() if task in meta})


def shared_tasks(loaded: list[LoadedRun]) -> list[str]:
    """The tasks every run scored (checked compatible); none is an error, since a comparison
    against the reference would then be empty."""
    shared = check_compatible({lr.run.model_name: task_meta(lr) for lr in loaded})
    if not shared:
        raise DataError("the runs have no task in common, so nothing can be compared against the reference ("
                        + "; ".join(f"{lr.run.model_name}: {', '.join(sorted(lr.tasks))}" for lr in loaded) + ")")
    return shared


def row_coverage(loaded: list[LoadedRun]) -> dict[str, dict]:
    """Per task, the rows each run scored and how many keys every run shares (0 when a run lacks
    the task): runs ranked side by side on different rows must say so.

    Returns ``{task: {"per_run": {model_name: n}, "common": n}}``, runs without the task left out
    of per_run."""
    coverage = {}
    for task in sorted({task for lr in loaded for task in lr.tasks}):
        keys = [set(lr.tasks[task].frame["key"]) if task in lr.tasks else set() for lr in loaded]
        coverage[task] = {"per_run": {lr.run.model_name: len(lr.tasks[task].frame) for lr in loaded
                                      if task in lr.tasks},
                          "common": len(set.intersection(*keys))}
    return coverage


def coverage_lines(coverage: dict[str, dict], names: list[str]) -> list[str]:
    """One console line per task: rows per run, rows common to all, and a warning where they differ."""
    lines = []
    for task, entry in coverage.items():
        counts = ", ".join(f"{name} {n}" for name, n in entry["per_run"].items())
        missing = [name for name in names if name not in entry["per_run"]]
        line = f"[summ-pref] {task}: rows scored: {counts}" + (f" (not scored by {', '.join(missing)})"
                                                                  if missing else "")
        line += f"; {entry['common']} common to all {len(names)} runs"
        if any(n != entry["common"] for n in entry["per_run"].values()) or missing:
            line += ": the runs scored different rows, so their own statistics are not on the same judgements"
        lines.append(line)
    return lines


def compare_loaded(loaded: list[LoadedRun], reference: str, settings: Settings,
                   log=print) -> tuple[list[dict], dict[tuple[str, str], Aligned]]:
    """One summary.json entry per non-reference run, and the aligned tables the figures need.

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
    entries, aligned = [], {}
    for name in by_name:
        if name == reference:
            continue
        log(f"[summ-pref] comparing {name} against {reference} on {', '.join(shared)} ...")
        entry = compare_runs(restricted[reference], restricted[name], kinds, reference_name=reference,
                             model_name=name, n_resamples=settings.n_resamples, seed=settings.seed,
                             confidence=settings.confidence)
        entry["rows_not_in_every_run"] = {"reference": not_in_every_run[reference], "model": not_in_every_run[name]}
        entry["tasks_not_in_every_run"] = sorted(set().union(*(lr.tasks for lr in loaded)) - set(shared))
        entries.append(entry)
        for task in shared:
            aligned[(name, task)] = align(restricted[reference][task], restricted[name][task], kinds[task])
    return entries, aligned


def draw_comparison_figures(summary: dict, aligned: dict[tuple[str, str], Aligned],
                            folder: Path) -> list[SavedFigure]:
    saved = []
    names = display_name_map(summary)
    reference = names[summary["reference"]]
    for (model_name, task), table in sorted(aligned.items()):
        ax = shift_hexbin(*shift_points(table))
        name = names[model_name]
        saved.append(SavedFigure(None, None, f"Likelihood shift of {name} against {reference} ({task})",
                                 save(ax.figure, folder, f"shift__{slug(name)}__{task}.png"),
                                 "Per distinct summary: the reference's log-prob per byte (x) and the model's "
                                 "change of it (y), hexbin counts, binned medians with CIs; a rising trend means "
                                 "probability moved further into what the reference already found likely."))
    tasks = sorted({task for _, task in aligned})
    for task in tasks:
        if task in summary["runs"][0]["axis"]:
            ax = model_correlation_bars(correlation_table(summary, task))
            saved.append(SavedFigure(None, None, f"Spearman with each rating, per model ({task})",
                                     save(ax.figure, folder, f"models_correlation__{task}.png"),
                                     "Spearman ρ of log-prob per byte with each rating per model, with cluster-"
                                     "bootstrap CIs."))
        elif task in summary["runs"][0]["cmp"]:
            ax = implicit_reward_agreement_bars(implicit_reward_table(summary, task), reference=reference)
            saved.append(SavedFigure(None, None, f"Implicit-reward agreement per model ({task})",
                                     save(ax.figure, folder, f"implicit_reward__{task}.png"),
                                     f"Agreement of r = log-prob(model) − log-prob({reference}) with the human "
                                     "choice, with cluster-bootstrap CIs; dashed: chance."))
    return saved
