"""From runs on disk to everything a report shows: the statistics table, the typed run facts, the skeleton of
summary.json, the preference-model fits and the aligned tables the figures draw (`compute_report`).

Why one entry: the settings travel as one `Settings` object from the command line to every producer, and report/
only renders what this returns.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from postprocess.compare.align import Aligned
from postprocess.compute.against_reference import against_reference_rows, scoring_runs, shared_tasks
from postprocess.compute.facts import DEFAULT_MAIN_MEASURE, ReportFacts, report_facts
from postprocess.compute.generation_rows import gen_tasks, generation_rows, generation_tables
from postprocess.compute.jobs import compute_statistics, preference_fits
from postprocess.compute.loading import check_same_scoring, coverage_lines, load_runs, row_coverage
from postprocess.compute.model_against_model import model_pair_rows
from postprocess.compute.skeleton import report_skeleton
from postprocess.io.embedding_model import resolve_embedding_model
from postprocess.io.embeddings import Embedder
from postprocess.io.load import LoadedRun
from postprocess.io.runs import Run
from postprocess.stats.bootstrap import Settings
from postprocess.stats.multiplicity import with_holm
from postprocess.stats.table import statistics_table

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """What a report is asked for besides its runs: the bootstrap `settings`, the `reference` model_name (None: no
    comparison), each compared model's KL coefficient (`betas`), the measure answers are stated on, the worker
    processes, console progress and the sentence-embedding model of semantic diversity (None: none)."""

    settings: Settings = field(default_factory=Settings)
    reference: str | None = None
    betas: Mapping[str, float] = field(default_factory=dict)
    main_measure: str = DEFAULT_MAIN_MEASURE
    jobs: int = 1
    progress: bool = True
    embedding_model: str | None = None


@dataclass(frozen=True)
class ReportData:
    """A report's computed content: the statistics `table` (`postprocess.stats.table.COLUMNS`, with `p_holm`), the
    run `facts`, the `skeleton` summary.json is made from with the table, the `loaded` runs the run figures draw,
    the preference-model `fits` by (model_name, pair task) and the `aligned` tables of each model against the
    reference by (model_name, task)."""

    table: pd.DataFrame
    facts: ReportFacts
    skeleton: dict
    loaded: list[LoadedRun]
    fits: dict[tuple[str, str], dict]
    aligned: dict[tuple[str, str], Aligned]


def load_checked(runs: list[Run], request: Request) -> tuple[list[LoadedRun], list[str], dict]:
    """The runs loaded and checked (scored alike; against the reference, sharing a task), with the incomplete
    inputs and the row coverage, logged."""
    loaded, incomplete = load_runs(runs, request.progress, [f"{run.model_name}: {why}" for run in runs
                                                             for why in run.incomplete])
    check_same_scoring(loaded)
    scoring = scoring_runs(loaded, request.reference)
    if request.reference is not None and scoring:
        shared_tasks(scoring)
    coverage = row_coverage(loaded)
    if len(loaded) > 1:
        for line in coverage_lines(coverage, [lr.run.model_name for lr in loaded]):
            logger.info(line)
    return loaded, incomplete, coverage


def compute_report(runs: list[Run], run_dirs: list[Path], request: Request) -> ReportData:
    """Every statistic of the runs as one table, with the facts, skeleton, fits and aligned tables of `ReportData`.
    `run_dirs` are the folders named on the command line (summary.json names each run's folder from them)."""
    settings, reference = request.settings, request.reference
    loaded, incomplete, coverage = load_checked(runs, request)
    results = compute_statistics(loaded, settings, request.jobs)
    fits = preference_fits(loaded, results)
    skeleton = report_skeleton(loaded, fits, settings, request.main_measure, run_dirs, coverage, incomplete)
    rows = [row for task_rows, _ in results.values() for row in task_rows]
    embedder = None
    if request.embedding_model is not None and any(gen_tasks(lr) for lr in loaded):
        embedder = Embedder(resolve_embedding_model(request.embedding_model), progress=request.progress)
        skeleton["settings"]["embedding_model"] = embedder.model.record
    tables = generation_tables(loaded, settings, embedder)
    rows += generation_rows(loaded, settings, reference, tables)
    aligned, comparisons = {}, []
    if reference is not None:
        against = against_reference_rows(loaded, rows, tables, reference, settings, request.betas)
        skeleton["reference"] = reference
        skeleton["comparisons"] = comparisons = against.entries
        rows += against.rows
        aligned = against.aligned
    frames = {lr.run.model_name: {name: task.frame for name, task in lr.tasks.items()} for lr in loaded}
    kinds = {name: task.kind for lr in loaded for name, task in lr.tasks.items()}
    rows += model_pair_rows(frames, kinds, settings, reference=reference)
    facts = report_facts(settings, main_measure=request.main_measure,
                         embedding_model=skeleton["settings"].get("embedding_model"),
                         package_version=skeleton["package"]["version"], lm_eval_version=skeleton["lm_eval_version"],
                         created=skeleton["created"], runs=skeleton["runs"], reference=reference,
                         comparisons=comparisons, row_coverage=coverage, incomplete_inputs=incomplete,
                         inputs=skeleton["inputs"])
    return ReportData(with_holm(statistics_table(rows)), facts, skeleton, loaded, fits, aligned)
