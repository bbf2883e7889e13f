"""`summ-pref sweep configs/FAMILY.yaml`: score every model of a family preset on the same rows,
one after another, then write the comparison report against the preset's reference.

Resumable: a model whose folder already holds samples of every task is not scored again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from lm_eval_tasks.errors import DataError
from postprocess.analysis import Settings
from postprocess.report import build_report
from postprocess.runs import Run, runs_in


def load_preset(path: Path) -> dict:
    try:
        preset = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise DataError(f"cannot read preset ({err})", path=path) from None
    for field in ("family", "reference", "tasks", "models"):
        if field not in (preset or {}):
            raise DataError("missing", path=path, field=field)
    names = [m.get("name") for m in preset["models"]]
    if preset["reference"] not in names:
        raise DataError(f"reference {preset['reference']!r} is not one of the models {names}", path=path,
                        field="reference")
    return preset


def model_args_string(args: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in args.items())


def find_run(folder: Path) -> Run | None:
    """The run lm-eval wrote under an --output_path folder (it adds one model sub-folder)."""
    found = runs_in(folder) if folder.is_dir() else []
    return found[0] if found else None


def is_finished(folder: Path, tasks: list[str]) -> bool:
    """Finished = every task has a samples file with a results file beside it (lm-eval writes both last)."""
    run = find_run(folder)
    return run is not None and set(tasks) <= set(run.tasks)


def eval_command(model: dict, tasks: list[str], out: Path, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "lm_eval_tasks.harness", "--model", model.get("model", "hf"),
            "--model_args", model_args_string(model["model_args"]), "--tasks", ",".join(tasks),
            "--log_samples", "--output_path", str(out), *extra]


def run_sweep(preset_path: Path, out: Path, *, limit: int | None = None, metadata: dict | None = None,
              batch_size: str = "auto", device: str | None = None, settings: Settings = Settings(),
              log=print, runner=subprocess.run) -> dict:
    preset = load_preset(preset_path)
    tasks = list(preset["tasks"])
    extra = ["--batch_size", str(batch_size)]
    if device:
        extra += ["--device", device]
    if limit is not None:
        extra += ["--limit", str(limit)]
    if metadata:
        extra += ["--metadata", json.dumps(metadata)]
    runs = out / "runs"
    for i, model in enumerate(preset["models"], start=1):
        folder = runs / model["name"]
        if is_finished(folder, tasks):
            log(f"[summ-pref] sweep {i}/{len(preset['models'])}: {model['name']} already scored, skipping")
            continue
        log(f"[summ-pref] sweep {i}/{len(preset['models'])}: scoring {model['name']} ...")
        proc = runner(eval_command(model, tasks, folder, extra))
        if proc.returncode != 0:
            raise SystemExit(f"summ-pref sweep: scoring {model['name']} failed (exit {proc.returncode}); "
                             f"finished models are kept, rerun the same command to resume")
    reference = find_run(runs / preset["reference"])
    if reference is None:
        raise DataError("the reference model left no run", path=runs / preset["reference"])
    return build_report([runs / m["name"] for m in preset["models"]], out / "report", settings=settings,
                        reference=reference.model_name, force=True, log=log)
