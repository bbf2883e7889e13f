"""summary.json without its statistics (the skeleton the table's rows fill: `postprocess.report.summary_view`):
package, settings, inputs, each run's provenance and tasks, row coverage, incomplete inputs."""

from __future__ import annotations

import time
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import lm_eval

from postprocess.compute.generation_rows import generation_tasks_info
from postprocess.compute.run_rows import AXIS_BREAKDOWNS
from postprocess.io.load import LoadedRun, LoadedTask
from postprocess.io.provenance import describe_runs, portable_folder, synthetic_tasks
from postprocess.io.runs import Run
from postprocess.stats.bootstrap import Settings
from postprocess.stats.measures import available_measures


def package_version() -> str:
    try:
        return version("summ-pref")
    except PackageNotFoundError:
        from postprocess import __version__

        return __version__


def lm_eval_version() -> str:
    return lm_eval.__version__ if hasattr(lm_eval, "__version__") else version("lm_eval")


def task_entry(task: LoadedTask) -> dict:
    """A task's entry under its run: what was recorded about its data and prompt, its version, how it was checked
    against its dataset and the measures it lacks (with why)."""
    measures = available_measures(task.frame, task.kind)
    return {**task.info, "version": task.version, "verification": task.verification,
            "measures_absent": {m: r for m, r in measures.items() if r is not None}}


def run_entry(loaded: LoadedRun, fits: dict[tuple[str, str], dict]) -> dict:
    """One run's entry of summary.json without its statistics (the table's rows fill it); `fits` the preference
    models by (model_name, pair task)."""
    run = loaded.run
    out = {
        "model_name": run.model_name,
        "model": run.model,
        "model_args": run.model_args,
        "task_versions": run.task_versions,
        "run_folder": run.folder.name,  # replaced by `run_label`, which knows the RUN_DIRs
        "lm_eval_version": run.lm_eval_version,
        "transformers_version": run.transformers_version,
        "token_counts": loaded.token_counts,
        "tasks": {},
        "axis": {},
        "axis_breakdowns": {},
        "cmp": {},
    }
    for name, task in loaded.tasks.items():
        out["tasks"][name] = task_entry(task)
        if task.kind == "axis":
            out["axis"][name] = {}
            out["axis_breakdowns"][name] = {by: {} for by in AXIS_BREAKDOWNS}
        else:
            fit = fits[(run.model_name, name)]
            out["cmp"][name] = {"preference_model": {key: f.to_dict() for key, f in fit.items()}}
    return out


def run_label(run: Run, run_dirs: list[Path]) -> str:
    """A run's folder from the RUN_DIR that holds it on, that RUN_DIR by its name ("runs/<model folder>",
    "run-2/<model folder>"): where it lies among the inputs, without a path of this machine; lm-eval's model
    folder is named by its portable key (`portable_folder`)."""
    folder = run.folder.resolve()
    holder = next((d.resolve() for d in run_dirs if d.resolve() == folder or d.resolve() in folder.parents),
                  folder)
    parts = folder.relative_to(holder.parent).parts
    return "/".join([*parts[:-1], portable_folder(parts[-1], run.recorded_name)])


def report_skeleton(loaded: list[LoadedRun], fits: dict[tuple[str, str], dict], settings: Settings,
                    main_measure: str, run_dirs: list[Path], coverage: dict, incomplete: list[str]) -> dict:
    """summary.json without its statistics: package, settings, inputs, the runs' provenance, row coverage."""
    skeleton = {
        "package": {"name": "summ-pref", "version": package_version()},
        "lm_eval_version": lm_eval_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": {**asdict(settings), "main_measure": main_measure},
        "inputs": [i for lr in loaded for i in lr.inputs],
        "runs": describe_runs([{**run_entry(lr, fits), "run_folder": run_label(lr.run, run_dirs)} for lr in loaded]),
        "row_coverage": coverage,
        "incomplete_inputs": incomplete,
    }
    skeleton["synthetic_data"] = bool(synthetic_tasks(skeleton["runs"]))
    for entry, lr in zip(skeleton["runs"], loaded):
        if lr.generation:
            entry["generation_tasks"] = generation_tasks_info(lr)
    return skeleton
