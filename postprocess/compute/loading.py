"""The runs of a report loaded and checked: each task read and checked against its dataset (with the copy columns
of `copy_measure`), runs that scored one task differently refused, the rows each run scored (row coverage)."""

from __future__ import annotations

import logging

from postprocess.compare.align import check_compatible
from postprocess.io.load import LoadedRun, load_run
from postprocess.io.runs import Run
from postprocess.io.samples import COPY_COLUMNS, describe_data_notes
from postprocess.stats.copying import copying_table

logger = logging.getLogger(__name__)


def copy_measure(summaries: list[str], source: str) -> list[dict]:
    """Each summary's copy columns (`postprocess.io.samples.COPY_COLUMNS`) against its source text, from
    `postprocess.stats.copying` (coverage, density, the 1-3-gram shares)."""
    table = copying_table(summaries, [source] * len(summaries))
    fields = ("coverage", "density", "ngram_share_1", "ngram_share_2", "ngram_share_3")
    return [{col: float(row[f]) for col, f in zip(COPY_COLUMNS, fields, strict=True)}
            for row in table.to_dict("records")]


def load_runs(runs: list[Run], progress: bool, incomplete: list[str]) -> tuple[list[LoadedRun], list[str]]:
    """Every run loaded and checked against its dataset, with what was read logged; the incomplete inputs (the
    runs' own and the samples of incomplete generation runs), each logged as a warning."""
    loaded = [load_run(run, progress, copy_measure) for run in runs]
    for lr in loaded:
        for name, task in lr.tasks.items():
            logger.info("%s / %s: %d rows; %s", lr.run.model_name, name, len(task.frame), task.verification)
            for note in describe_data_notes(task.info["data_notes"]):
                logger.info("%s / %s: %s", lr.run.model_name, name, note)
    incomplete = incomplete + [f"{lr.run.model_name}: {name} scored the samples of an incomplete generation run: {why}"
                               for lr in loaded for name, g in sorted(lr.generation.items())
                               for why in g.info.get("incomplete", [])]
    for line in incomplete:
        logger.warning("warning: incomplete input used (--allow-incomplete): %s", line)
    return loaded, incomplete


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
