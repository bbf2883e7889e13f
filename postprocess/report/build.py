"""`summ-pref report`: statistics, tables, figures, summary.json and report.md for one or more runs.

Everything is written into a staging folder beside OUT and moved into place at the end
(`postprocess.io.output_folder`): a failure leaves no half-written report, and --force replaces only a report
folder the same command wrote before.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path

from postprocess.compute.against_reference import check_betas
from postprocess.compute.facts import DEFAULT_MAIN_MEASURE
from postprocess.compute.report_data import ReportData, Request, compute_report
from postprocess.io.output_folder import OutputConflict, stage
from postprocess.io.provenance import model_key
from postprocess.io.runs import Run, discover_runs
from postprocess.report.figures import (
    draw_answer_figures,
    draw_comparison_figures,
    draw_generation_figures,
    draw_run_figures,
)
from postprocess.report.markdown import render_report
from postprocess.report.summary_view import summary_from_table
from postprocess.report.tables import write_tables
from postprocess.stats.bootstrap import Settings
from postprocess.stats.measures import MEASURES
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def check_out_apart(out: Path, run_dirs: list[Path], runs: list[Run]) -> None:
    """Refuse an OUT that is, contains or lies inside anything the report reads (symlinks resolved):
    --force replaces OUT, which would delete the very runs being analysed."""
    target = out.resolve()
    files = [path for run in runs for tf in (*run.tasks.values(), *run.generation.values())
             for path in (tf.samples, tf.results)]
    inputs = [(path, path.resolve()) for path in [*run_dirs, *(run.folder for run in runs), *files]]
    for relation, overlaps in (("is", lambda real: target == real), ("contains", lambda real: target in real.parents),
                               ("lies inside", lambda real: real in target.parents)):
        for path, real in inputs:
            if overlaps(real):
                raise DataError(f"--out {relation} the input {path}; the report would overwrite what it reads: "
                                "choose an --out outside the runs", path=out)


DEFAULT_SETTINGS = Settings()


def resolve_reference(reference: str | None, names: list[str]) -> str | None:
    """--reference as the model_name it names (a model_name, @default, a model folder or its name)."""
    if reference is None:
        return None
    if model_key(reference, names) is None:
        raise DataError(f"--reference {reference!r} is not the model_name of any run: {sorted(names)} (or "
                        "@default, a model folder, a folder's name)")
    return model_key(reference, names)


def write_outputs(staging: Path, summary: dict, data: ReportData) -> None:
    """figures/, tables/, summary.json and report.md into the staging folder."""
    facts, table, figures_dir = data.facts, data.table, staging / "figures"
    figures = draw_answer_figures(facts, table, figures_dir)
    figures += draw_run_figures(data.loaded, facts, data.fits, table, figures_dir)
    if data.aligned:
        figures += draw_comparison_figures(facts, table, data.aligned, figures_dir)
    figures += draw_generation_figures(facts, table, figures_dir)
    write_tables(facts, table, staging / "tables")
    (staging / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
    (staging / "report.md").write_text(render_report(facts, table, figures))


def build_report(run_dirs: list[Path], out: Path, *, settings: Settings = DEFAULT_SETTINGS,
                 reference: str | None = None, force: bool = False, progress: bool = True,
                 jobs: int | None = None, betas: Mapping[str, float] | None = None,
                 main_measure: str = DEFAULT_MAIN_MEASURE, allow_incomplete: bool = False,
                 made_by: str = "summ-pref report", embedding_model: str | None = None) -> dict:
    """Analyse the runs and write OUT/{report.md, summary.json, figures/, tables/}; return the summary.

    `main_measure` (one of `MEASURES`) is the measure report.md's answers and findings are stated on; summary.json
    records it in its settings. `betas` ({model_name: beta}) gives a compared model's KL coefficient (DPO's β): its
    implicit reward is then β·(log-prob minus the reference's); a model without one gets the plain log-ratio.
    `allow_incomplete` reads runs whose samples files lm-eval did not finish (`postprocess.io.runs.read_run`),
    stating so in the console, summary.json (`incomplete_inputs`) and report.md. `made_by` names the command in OUT's
    marker: --force replaces only a folder of the same command.
    `embedding_model` (a hub id, a local sentence-transformers folder or `@default`, the embedded copy) adds the
    semantic diversity of generated samples; summary.json's settings record it (name, source, weights hash)."""
    if main_measure not in MEASURES:
        raise DataError(f"--main-measure {main_measure!r}: expected one of {', '.join(MEASURES)}")
    runs = discover_runs(run_dirs, allow_incomplete)
    check_out_apart(out, run_dirs, runs)
    names = [r.model_name for r in runs]
    reference = resolve_reference(reference, names)
    betas = {model_key(name, names) or name: beta for name, beta in (betas or {}).items()}
    check_betas(betas, reference, names)
    staged = stage(out, made_by, force=force)
    try:
        started = time.time()
        request = Request(settings, reference, betas, main_measure, default_jobs() if jobs is None else jobs,
                          progress, embedding_model)
        data = compute_report(runs, run_dirs, request)
        summary = summary_from_table(data.table, data.skeleton)
        summary["elapsed_s"] = round(time.time() - started, 2)
        write_outputs(staged.path, summary, data)
        staged.commit()
    except OutputConflict:
        raise
    except BaseException:
        staged.abandon()
        raise
    logger.info("report written to %s", out / "report.md")
    return summary
