"""`summ-pref report`: statistics, tables, figures, summary.json and report.md for one or more runs.

Everything is written into a temporary folder beside OUT and moved into place at the end, so a
failure leaves no half-written report, and an existing OUT is never overwritten without --force.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from multiprocessing import get_context
from pathlib import Path

import lm_eval

from lm_eval_tasks.errors import DataError
from postprocess.io.load import LoadedRun, load_run
from postprocess.io.provenance import describe_runs, synthetic_tasks
from postprocess.io.runs import Run, discover_runs
from postprocess.io.samples import describe_data_notes
from postprocess.report.comparisons import (
    check_same_scoring,
    compare_loaded,
    coverage_lines,
    row_coverage,
    shared_tasks,
)
from postprocess.report.figures import draw_comparison_figures, draw_run_figures
from postprocess.report.markdown import render_report
from postprocess.report.run_statistics import BREAKDOWNS, axis_breakdown, axis_statistics, cmp_statistics
from postprocess.report.tables import write_tables
from postprocess.stats.bootstrap import Settings
from postprocess.stats.measures import available_measures


def package_version() -> str:
    try:
        return version("summ-pref")
    except PackageNotFoundError:
        from postprocess import __version__

        return __version__


def _job(kind: str, frame, settings: Settings, measures: list[str], column: str | None):
    """One independent piece of statistics (module-level so worker processes can run it)."""
    if kind == "axis":
        return axis_statistics(frame, settings, measures)
    if kind == "breakdown":
        return axis_breakdown(frame, settings, measures, column)
    return cmp_statistics(frame, settings, measures)


def compute_statistics(loaded: list[LoadedRun], settings: Settings, jobs: int, log=print) -> dict:
    """All statistics of all runs, spread over `jobs` processes; every job draws its own resamples
    from the same seed, so the numbers do not depend on the number of processes."""
    work = {}
    for i, lr in enumerate(loaded):
        for name, task in lr.tasks.items():
            measures = [m for m, reason in available_measures(task.frame, task.kind).items() if reason is None]
            if task.kind == "axis":
                work[(i, name, "axis")] = ("axis", task.frame, settings, measures, None)
                for label, column in BREAKDOWNS.items():
                    work[(i, name, label)] = ("breakdown", task.frame, settings, measures, column)
            else:
                work[(i, name, "cmp")] = ("cmp", task.frame, settings, measures, None)
    if jobs <= 1:
        return {key: _job(*args) for key, args in work.items()}
    results = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_job, *args): key for key, args in work.items()}
        for done, future in enumerate(as_completed(futures), start=1):
            key = futures[future]
            results[key] = future.result()
            log(f"[summ-pref] statistics {done}/{len(futures)}: {loaded[key[0]].run.model_name} / {key[1]} / {key[2]}")
    return results


def run_summary(i: int, loaded: LoadedRun, results: dict) -> dict:
    run = loaded.run
    out = {
        "model_name": run.model_name,
        "model": run.model,
        "model_args": run.model_args,
        "task_versions": run.task_versions,
        "run_folder": str(run.folder),
        "lm_eval_version": run.lm_eval_version,
        "transformers_version": run.transformers_version,
        "token_counts": loaded.token_counts,
        "tasks": {},
        "axis": {},
        "axis_breakdowns": {},
        "cmp": {},
    }
    for name, task in loaded.tasks.items():
        measures = available_measures(task.frame, task.kind)
        out["tasks"][name] = {**task.info, "version": task.version, "verification": task.verification,
                              "measures_absent": {m: r for m, r in measures.items() if r is not None}}
        if task.kind == "axis":
            out["axis"][name] = results[(i, name, "axis")]
            out["axis_breakdowns"][name] = {label: results[(i, name, label)] for label in BREAKDOWNS}
        else:
            out["cmp"][name] = results[(i, name, "cmp")]
    return out


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def check_out_apart(out: Path, run_dirs: list[Path], runs: list[Run]) -> None:
    """Refuse an OUT that is, contains or lies inside anything the report reads (symlinks resolved):
    --force replaces OUT, which would delete the very runs being analysed."""
    target = out.resolve()
    files = [path for run in runs for tf in run.tasks.values() for path in (tf.samples, tf.results)]
    inputs = [(path, path.resolve()) for path in [*run_dirs, *(run.folder for run in runs), *files]]
    for relation, overlaps in (("is", lambda real: target == real), ("contains", lambda real: target in real.parents),
                               ("lies inside", lambda real: real in target.parents)):
        for path, real in inputs:
            if overlaps(real):
                raise DataError(f"--out {relation} the input {path}; the report would overwrite what it reads: "
                                "choose an --out outside the runs", path=out)


def prepare_out(out: Path, force: bool) -> Path:
    if out.exists() and not out.is_dir():
        raise DataError("--out exists and is not a folder", path=out)
    if out.exists() and any(out.iterdir()) and not force:
        raise DataError("output folder exists and is not empty; choose another --out or pass --force to replace it",
                        path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))


DEFAULT_SETTINGS = Settings()


def build_report(run_dirs: list[Path], out: Path, *, settings: Settings = DEFAULT_SETTINGS,
                 reference: str | None = None, force: bool = False, log=print, progress: bool = True,
                 jobs: int | None = None) -> dict:
    """Analyse the runs and write OUT/{report.md, summary.json, figures/, tables/}; return the summary."""
    runs = discover_runs(run_dirs)
    check_out_apart(out, run_dirs, runs)
    if reference is not None and reference not in {r.model_name for r in runs}:
        raise DataError(f"--reference {reference!r} is not the model_name of any run: "
                        f"{sorted(r.model_name for r in runs)}")
    staging = prepare_out(out, force)
    try:
        started = time.time()
        loaded = [load_run(run, progress) for run in runs]
        for lr in loaded:
            for name, task in lr.tasks.items():
                log(f"[summ-pref] {lr.run.model_name} / {name}: {len(task.frame)} rows; {task.verification}")
                for note in describe_data_notes(task.info["data_notes"]):
                    log(f"[summ-pref] {lr.run.model_name} / {name}: {note}")
        check_same_scoring(loaded)
        if reference is not None:
            shared_tasks(loaded)
        coverage = row_coverage(loaded)
        if len(loaded) > 1:
            for line in coverage_lines(coverage, [lr.run.model_name for lr in loaded]):
                log(line)
        results = compute_statistics(loaded, settings, default_jobs() if jobs is None else jobs, log)
        summary = {
            "package": {"name": "summ-pref", "version": package_version()},
            "lm_eval_version": lm_eval.__version__ if hasattr(lm_eval, "__version__") else version("lm_eval"),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "settings": asdict(settings),
            "inputs": [i for lr in loaded for i in lr.inputs],
            "runs": describe_runs([run_summary(i, lr, results) for i, lr in enumerate(loaded)]),
            "row_coverage": coverage,
        }
        summary["synthetic_data"] = bool(synthetic_tasks(summary["runs"]))
        aligned = {}
        if reference is not None:
            summary["reference"] = reference
            summary["comparisons"], aligned = compare_loaded(loaded, reference, settings, log)
        summary["elapsed_s"] = round(time.time() - started, 2)
        figures = draw_run_figures(loaded, summary, staging / "figures", settings)
        if aligned:
            figures += draw_comparison_figures(summary, aligned, staging / "figures")
        write_tables(summary, staging / "tables")
        (staging / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
        (staging / "report.md").write_text(render_report(summary, figures))
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log(f"[summ-pref] report written to {out / 'report.md'}")
    return summary
