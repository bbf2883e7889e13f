"""`summ-pref report`: statistics, tables, figures, summary.json and report.md for one or more runs.

Everything is written into a temporary folder beside OUT and moved into place at the end, so a
failure leaves no half-written report, and an existing OUT is never overwritten without --force.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import lm_eval

from lm_eval_tasks.errors import DataError
from postprocess.analysis import Settings, available_measures, axis_breakdowns, axis_statistics, cmp_statistics
from postprocess.load import LoadedRun, load_run
from postprocess.report_figures import draw_run_figures
from postprocess.report_markdown import render_report
from postprocess.report_tables import write_tables
from postprocess.runs import discover_runs


def package_version() -> str:
    try:
        return version("summ-pref")
    except PackageNotFoundError:
        from postprocess import __version__

        return __version__


def run_summary(loaded: LoadedRun, settings: Settings, log=print) -> dict:
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
        usable = [m for m, reason in measures.items() if reason is None]
        log(f"[summ-pref] {run.model_name} / {name}: {len(task.frame)} rows, measures {', '.join(usable)}")
        out["tasks"][name] = {**task.info, "version": task.version, "verification": task.verification,
                              "measures_absent": {m: r for m, r in measures.items() if r is not None}}
        if task.kind == "axis":
            out["axis"][name] = axis_statistics(task.frame, settings, usable)
            out["axis_breakdowns"][name] = axis_breakdowns(task.frame, settings, usable)
        else:
            out["cmp"][name] = cmp_statistics(task.frame, settings, usable)
    return out


def prepare_out(out: Path, force: bool) -> Path:
    if out.exists() and any(out.iterdir()) and not force:
        raise DataError("output folder exists and is not empty; choose another --out or pass --force to replace it",
                        path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))


def build_report(run_dirs: list[Path], out: Path, *, settings: Settings = Settings(), reference: str | None = None,
                 force: bool = False, log=print, progress: bool = True) -> dict:
    """Analyse the runs and write OUT/{report.md, summary.json, figures/, tables/}; return the summary."""
    runs = discover_runs(run_dirs)
    if reference is not None and reference not in {r.model_name for r in runs}:
        raise DataError(f"--reference {reference!r} is not the model_name of any run: "
                        f"{sorted(r.model_name for r in runs)}")
    staging = prepare_out(out, force)
    try:
        started = time.time()
        loaded = [load_run(run, progress) for run in runs]
        summary = {
            "package": {"name": "summ-pref", "version": package_version()},
            "lm_eval_version": lm_eval.__version__ if hasattr(lm_eval, "__version__") else version("lm_eval"),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "settings": asdict(settings),
            "inputs": [i for lr in loaded for i in lr.inputs],
            "runs": [run_summary(lr, settings, log) for lr in loaded],
        }
        if reference is not None:
            from postprocess.comparison_report import comparisons

            summary["reference"] = reference
            summary["comparisons"] = comparisons(loaded, reference, settings, log)
        summary["elapsed_s"] = round(time.time() - started, 2)
        figures = draw_run_figures(loaded, summary, staging / "figures", settings)
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
