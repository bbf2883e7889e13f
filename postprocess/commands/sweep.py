"""`summ-pref sweep configs/FAMILY.yaml`: score every model of a family preset on the same rows,
one after another, then write the comparison report against the preset's reference.

Each scoring of a model goes into a new folder OUT/runs/<model>/run-<N>/ that starts with
`sweep_settings.json`: the tasks and their versions, --limit, the data source and a hash of its
content, the doc-shuffle seed, the backend and the model args. A model counts as scored only by a
run whose recorded settings equal the current ones and which holds every task (an interrupted run
does not); the report is built from those runs only. When a model's finished run was made with other
settings, the sweep refuses and names the differences, unless --rescore asks to score again. Old runs
are never deleted or overwritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from lm_eval_tasks import TASKS_DIR
from lm_eval_tasks.data_sources import (
    HUB_REPO,
    HUB_REVISION,
    ORIGINAL_FOLDER,
    SAMPLE_DIR,
    SAMPLE_NAME,
    resolve_data_dir,
)
from lm_eval_tasks.errors import DataError
from lm_eval_tasks.json_files import read_json
from lm_eval_tasks.task_docs import DEFAULT_SEED, METADATA_KEYS
from postprocess.io.runs import Run, runs_in, sha256_file
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings

logger = logging.getLogger(__name__)

SETTINGS_FILE = "sweep_settings.json"
RUN_FOLDER = re.compile(r"^run-(\d+)$")
# The files the data readers read (lm_eval_tasks.data_sources): OpenAI's layout and the parquet export.
DATA_PATTERNS = [f"{folder}/*.{ext}" for folder in ORIGINAL_FOLDER.values() for ext in ("json", "jsonl")] \
    + ["*/*/*.parquet"]


def load_preset(path: Path) -> dict:
    try:
        preset = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise DataError(f"cannot read preset ({err})", path=path) from None
    for field in ("family", "reference", "tasks", "models"):
        if field not in (preset or {}):
            raise DataError("missing", path=path, field=field)
    for i, model in enumerate(preset["models"]):
        for field in ("name", "model_args"):
            if field not in model:
                raise DataError("missing", path=path, field=f"models[{i}].{field}")
    names = [m["name"] for m in preset["models"]]
    if len(set(names)) != len(names):
        raise DataError(f"model names must be unique, got {names}", path=path, field="models")
    if preset["reference"] not in names:
        raise DataError(f"reference {preset['reference']!r} is not one of the models {names}", path=path,
                        field="reference")
    return preset


def task_versions(tasks: list[str], preset_path: Path) -> dict[str, object]:
    """Each task's version from its YAML (groups expand to their tasks), read by lm-eval's own index
    without building the tasks, so no data is loaded here."""
    from lm_eval.tasks import TaskManager

    index = TaskManager(include_path=str(TASKS_DIR), include_defaults=False).task_index
    versions: dict[str, object] = {}
    pending = list(tasks)
    while pending:
        name = pending.pop(0)
        entry = index.get(name)
        if entry is None:
            raise DataError(f"{name!r} is not a summ-pref task or group (known: {sorted(index)})", path=preset_path,
                            field="tasks")
        config = entry.cfg or {}
        if "group" in config:
            pending[:0] = list(config["task"])
        else:
            versions[name] = (config.get("metadata") or {}).get("version")
    return versions


def data_fingerprint(metadata: dict) -> tuple[str, str | None]:
    """Where the rows come from, and a sha256 over the data files (sorted by relative path, each
    path hashed with its content), so the same folder with other contents counts as other data.
    The hub cannot be hashed without downloading it: its repository and revision stand for it."""
    root = resolve_data_dir(metadata.get("data_dir"))
    if root is None:
        return f"hub:{HUB_REPO}@{HUB_REVISION}", None
    files = sorted({p for pattern in DATA_PATTERNS for p in root.glob(pattern) if p.is_file()})
    if not files:
        raise DataError("no data files: expected comparisons/*.json, axis_evals/*.json (OpenAI's layout) or "
                        "<config>/<split>/*.parquet (the hub's parquet export)", path=root)
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.relative_to(root).as_posix()}\0{sha256_file(path)}\n".encode())
    return (SAMPLE_NAME if root == SAMPLE_DIR else str(root.resolve())), digest.hexdigest()


def sweep_settings(tasks: dict[str, object], model: dict, limit: int | None, metadata: dict) -> dict:
    """Everything that decides what a model's run scored; two runs with equal settings are interchangeable."""
    data, data_sha256 = data_fingerprint(metadata)
    return {"tasks": tasks, "limit": limit, "data": data, "data_sha256": data_sha256,
            "seed": metadata.get("seed", DEFAULT_SEED),
            "metadata": {k: v for k, v in sorted(metadata.items()) if k not in ("data_dir", "seed")},
            "model": model.get("model", "hf"), "model_args": model["model_args"]}


def model_args_string(args: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in args.items())


def find_run(folder: Path) -> Run | None:
    """The run lm-eval wrote under an --output_path folder (it adds one model sub-folder)."""
    found = runs_in(folder) if folder.is_dir() else []
    return found[0] if found else None


@dataclass(frozen=True)
class PastRun:
    """One earlier scoring of a model: its folder, its recorded settings (None for a folder from an
    older summ-pref that recorded none) and whether it holds every task."""

    folder: Path
    settings: dict | None
    finished: bool


def past_runs(model_dir: Path, tasks: list[str]) -> list[PastRun]:
    """The model's runs, oldest first: folders without a run number (older sweeps) before run-1, run-2, ..."""
    if not model_dir.is_dir():
        return []
    folders = sorted((p for p in model_dir.iterdir() if p.is_dir()),
                     key=lambda p: (1, int(m.group(1))) if (m := RUN_FOLDER.match(p.name)) else (0, p.name))
    found = []
    for folder in folders:
        settings_path = folder / SETTINGS_FILE
        settings = read_json(settings_path) if settings_path.exists() else None
        try:
            run = find_run(folder)
        except DataError:  # a results file cut short by an interruption: that run answers nothing
            run = None
        if settings is None and run is None:
            continue
        found.append(PastRun(folder, settings, run is not None and set(tasks) <= set(run.tasks)))
    return found


def next_run_folder(model_dir: Path) -> Path:
    numbers = [int(m.group(1)) for p in model_dir.glob("run-*") if (m := RUN_FOLDER.match(p.name))]
    return model_dir / f"run-{max(numbers, default=0) + 1}"


def _shown(key: str, value: object) -> str:
    if value is None:
        return "none"
    if key == "data_sha256":
        return str(value)[:12]
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def differences(old: dict | None, new: dict) -> str:
    """`key old -> new` for every setting that differs, in the order of `new`."""
    if old is None:
        return "settings not recorded (a run of an older summ-pref)"
    return ", ".join(f"{key} {_shown(key, old.get(key))} -> {_shown(key, value)}"
                     for key, value in new.items() if old.get(key) != value)


def plan_model(past: list[PastRun], settings: dict, rescore: bool) -> tuple[Path | None, str | None]:
    """(the finished run to reuse, or None to score), and the refusal reason when a finished run was made
    with other settings and neither --rescore nor an interrupted run with the current settings allows scoring."""
    same = [p for p in past if p.finished and p.settings == settings]
    if same:
        return same[-1].folder, None
    finished = [p for p in past if p.finished]
    if finished and not rescore and past[-1].settings != settings:
        return None, differences(finished[-1].settings, settings)
    return None, None


def _check_metadata(metadata: dict) -> None:
    unknown = sorted(set(metadata) - set(METADATA_KEYS))
    if unknown:
        raise DataError(f"unknown key(s) {unknown}; known keys: {sorted(METADATA_KEYS)}", field="--metadata")


def eval_command(model: dict, tasks: list[str], out: Path, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "lm_eval_tasks.harness", "--model", model.get("model", "hf"),
            "--model_args", model_args_string(model["model_args"]), "--tasks", ",".join(tasks),
            "--log_samples", "--output_path", str(out), *extra]


def run_sweep(preset_path: Path, out: Path, *, limit: int | None = None, metadata: dict | None = None,
              batch_size: str = "auto", device: str | None = None, settings: Settings | None = None,
              rescore: bool = False,
              runner: Callable[[list[str]], subprocess.CompletedProcess] = subprocess.run) -> dict:
    """Score the preset's models that have no finished run with the current settings, then report."""
    preset = load_preset(preset_path)
    metadata = metadata or {}
    _check_metadata(metadata)
    versions = task_versions(list(preset["tasks"]), preset_path)
    tasks = list(versions)
    runs = out / "runs"
    models = preset["models"]
    wanted = {m["name"]: sweep_settings(versions, m, limit, metadata) for m in models}
    plans = {m["name"]: plan_model(past_runs(runs / m["name"], tasks), wanted[m["name"]], rescore) for m in models}
    refused: dict[str, list[str]] = {}
    for name, (_, reason) in plans.items():
        if reason is not None:
            refused.setdefault(reason, []).append(name)
    if refused:
        raise DataError("finished runs were made with other settings (old -> new): "
                        + "; ".join(f"{', '.join(names)}: {reason}" for reason, names in refused.items())
                        + ". Pass --rescore to score again into new run folders (the old runs are kept)", path=runs)
    extra = ["--batch_size", str(batch_size)]
    if device:
        extra += ["--device", device]
    if limit is not None:
        extra += ["--limit", str(limit)]
    if metadata:
        extra += ["--metadata", json.dumps(metadata)]
    chosen: dict[str, Path] = {}
    for i, model in enumerate(models, start=1):
        name, step = model["name"], f"sweep {i}/{len(models)}: {model['name']}"
        reuse, _ = plans[name]
        if reuse is not None:
            logger.info("%s already scored with these settings in %s, skipping", step, reuse)
            chosen[name] = reuse
            continue
        folder = next_run_folder(runs / name)
        folder.mkdir(parents=True)
        (folder / SETTINGS_FILE).write_text(json.dumps(wanted[name], indent=2) + "\n", encoding="utf-8")
        logger.info("%s scoring into %s ...", step, folder)
        proc = runner(eval_command(model, tasks, folder, extra))
        if proc.returncode != 0:
            raise DataError(f"scoring {name} failed (exit {proc.returncode}); finished models are kept, rerun the "
                            f"same command to resume", path=folder)
        scored = find_run(folder)
        if scored is None or not set(tasks) <= set(scored.tasks):
            raise DataError(f"scoring {name} exited 0 but left no samples of every task {tasks}", path=folder)
        chosen[name] = folder
    reference = find_run(chosen[preset["reference"]])
    return build_report([chosen[m["name"]] for m in models], out / "report", settings=settings or Settings(),
                        reference=reference.model_name, force=True)
