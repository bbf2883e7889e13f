"""Find lm-eval runs on disk: a model folder holding results_*.json and samples_<task>_*.jsonl.

lm-eval writes `<output_path>/<sanitized model name>/results_<time>.json` and
`samples_<task>_<time>.jsonl` per invocation; a folder may hold several invocations, so the newest
samples file of each task is used, with the results file of the same invocation (`lm_eval_tasks.run_files.
find_samples`). Which tasks are read, and how, comes from the record kind each file's records carry, not from
task names. A file is used only when complete: every line its results file counts is there, and no newer
invocation of the task left its samples file unwritten; otherwise the run is refused, or with `allow_incomplete`
read and its shortfalls listed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lm_eval_tasks.records import GENERATION_KINDS
from lm_eval_tasks.run_files import ALLOW_HINT, find_samples
from postprocess.io.provenance import portable_name
from summ_pref_common.errors import DataError
from summ_pref_common.json_files import read_json


@dataclass(frozen=True)
class TaskFiles:
    task: str
    samples: Path
    results: Path
    version: object
    n_samples: int | None = None  # lm-eval's count of the docs scored, when the results file gives it


@dataclass
class Run:
    """One model's scored tasks, with the provenance the report carries."""

    folder: Path
    model_name: str  # the portable key (`postprocess.io.provenance.portable_name`), never a path of this machine
    recorded_name: str  # lm-eval's model_name: for a local model, its path on this machine
    model_args: str | dict  # as lm-eval recorded them: `pretrained` is where the model lies here
    model: str
    lm_eval_version: str | None
    transformers_version: str | None
    tasks: dict[str, TaskFiles] = field(default_factory=dict)
    # The generation tasks (records of kind gen, samples, post: `postprocess.io.generations`), by task name; a
    # samples-scoring task has one entry per generating model, "<task>:<model>".
    generation: dict[str, TaskFiles] = field(default_factory=dict)
    # What makes the run incomplete (each a sentence naming the file), when it was read with allow_incomplete.
    incomplete: list[str] = field(default_factory=list)

    @property
    def task_versions(self) -> dict[str, object]:
        return {name: tf.version for name, tf in self.tasks.items()}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def refuse_incomplete(problems: list[str]) -> None:
    """One line for the first shortfall of a run (and how many more there are), with the opt-in."""
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DataError(f"{problems[0]}{more}; {ALLOW_HINT}")


def read_run(folder: Path, allow_incomplete: bool = False) -> Run | None:
    """The run in one model folder, or None when it holds no samples of the plugin's tasks.

    The record kind of each samples file says whether it is a generation task (gen, samples, post) or a scored
    judgement (axis, cmp); the newest file of each task is kept, and of a samples-scoring task the newest per
    generating model. An incomplete run is refused unless `allow_incomplete`, which keeps what makes it incomplete
    in `Run.incomplete`."""
    found = find_samples(folder)
    if not found.files:
        return None
    run: Run | None = None
    for (task, generating_model), files in found.files.items():
        if not files.results.is_file():
            raise DataError(f"samples file has no {files.results.name} beside it (was the run interrupted?)",
                            path=files.samples)
        results = read_json(files.results)
        config = results.get("config", {})
        model_args = config.get("model_args")  # a dict from the CLI, a string from the Python API
        if run is None:
            recorded = str(results.get("model_name") or config.get("model"))
            run = Run(folder=folder, model_name=portable_name(recorded), recorded_name=recorded,
                      model_args=model_args, model=str(config.get("model")),
                      lm_eval_version=results.get("lm_eval_version"),
                      transformers_version=results.get("transformers_version"))
        elif model_args != run.model_args:
            raise DataError(f"task {task} was run with model_args {model_args!r}, other tasks in this folder with "
                            f"{run.model_args!r}: one folder must hold one model", path=files.results)
        n_samples = results.get("n-samples", {}).get(task, {}).get("effective")
        entry = TaskFiles(task, files.samples, files.results, results.get("versions", {}).get(task),
                          n_samples if isinstance(n_samples, int) else None)
        if files.kind in GENERATION_KINDS:
            run.generation[f"{task}:{portable_name(generating_model)}" if generating_model else task] = entry
        else:
            run.tasks[task] = entry
    if not allow_incomplete:
        refuse_incomplete(found.problems)
    run.incomplete = found.problems
    return run


def runs_in(run_dir: Path, allow_incomplete: bool = False) -> list[Run]:
    """The runs of an lm-eval --output_path folder (one per model sub-folder) or of one model folder."""
    folders = [run_dir, *sorted(p for p in run_dir.iterdir() if p.is_dir())]
    return [run for folder in folders if (run := read_run(folder, allow_incomplete)) is not None]


def discover_runs(run_dirs: list[Path], allow_incomplete: bool = False) -> list[Run]:
    """Every run under the given lm-eval --output_path folders (or model folders), in a stable order."""
    runs = []
    for run_dir in run_dirs:
        if not run_dir.is_dir():
            raise DataError("not a folder", path=run_dir)
        found = runs_in(run_dir, allow_incomplete)
        if not found:
            raise DataError("no lm-eval run of these tasks here: expected <model folder>/results_*.json and "
                            "samples_<task>_*.jsonl of a summ_pref or pref task (run lm-eval with --log_samples)",
                            path=run_dir)
        runs += found
    names = [r.model_name for r in runs]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"the same model_name appears in several runs: {dup}; give each run once")
    return runs
