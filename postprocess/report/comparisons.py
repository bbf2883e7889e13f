"""Models against a reference run, on the rows every run scored: the `comparisons` entries of summary.json
(their figures: `postprocess.report.figures.draw_comparison_figures`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from postprocess.compare.align import Aligned, align, check_compatible, common_rows
from postprocess.compare.statistics import compare_runs
from postprocess.io.load import LoadedRun
from postprocess.io.samples import rating_roles
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)


def task_meta(lr: LoadedRun) -> dict:
    return {name: {"task_version": t.version, "prompt": t.info["prompt"], "prompt_sha": t.info["prompt_sha"],
                   "chat_template": t.info["chat_template"], "continuation_end": t.info.get("continuation_end", "")}
            for name, t in lr.tasks.items()}


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
        line = f"{task}: rows scored: {counts}" + (f" (not scored by {', '.join(missing)})"
                                                                  if missing else "")
        line += f"; {entry['common']} common to all {len(names)} runs"
        if any(n != entry["common"] for n in entry["per_run"].values()) or missing:
            line += ": the runs scored different rows, so their own statistics are not on the same judgements"
        lines.append(line)
    return lines


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
        entry_rows, entry = compare_runs(restricted[reference], restricted[name], kinds, reference_name=reference,
                             model_name=name, axes=axes, n_resamples=settings.n_resamples, seed=settings.seed,
                             confidence=settings.confidence, beta=(betas or {}).get(name))
        entry["rows_not_in_every_run"] = {"reference": not_in_every_run[reference], "model": not_in_every_run[name]}
        entry["tasks_not_in_every_run"] = sorted(set().union(*(lr.tasks for lr in loaded)) - set(shared))
        entries.append(entry)
        rows += entry_rows
        for task in shared:
            aligned[(name, task)] = align(restricted[reference][task], restricted[name][task], kinds[task])
    return entries, rows, aligned
