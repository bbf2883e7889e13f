"""Load every run's tasks into joined tables, verified against the dataset where it is reachable."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.model_checks import continuation_end_note
from lm_eval_tasks.summ_pref.docs import build_docs
from postprocess.io.generations import LoadedGeneration, read_generation
from postprocess.io.provenance import portable_folder, portable_origin
from postprocess.io.runs import Run, sha256_file
from postprocess.io.samples import CopyMeasure, read_samples, verify_against_docs
from postprocess.io.token_counts import LazyCounter


@dataclass
class LoadedTask:
    name: str
    kind: str
    frame: pd.DataFrame
    info: dict
    version: object
    verification: str


@dataclass
class LoadedRun:
    run: Run
    tasks: dict[str, LoadedTask] = field(default_factory=dict)
    inputs: list[dict] = field(default_factory=list)
    token_counts: str = ""
    generation: dict[str, LoadedGeneration] = field(default_factory=dict)


def origin_dir(origin: str | None) -> str | None:
    """The data_dir a run's docs came from, when it can be read again here (origin `sample`: the embedded one)."""
    if origin == "sample":
        return SAMPLE_NAME
    if origin and origin.split(":", 1)[0] in ("original", "parquet"):
        path = origin.split(":", 1)[1]
        return path if Path(path).is_dir() else None
    return None


def verify(frame: pd.DataFrame, info: dict, path: Path) -> str:
    data_dir = origin_dir(info["data_origin"])
    if str(info["data_origin"]).startswith("files:"):  # the pref tasks' data_files
        return "not re-checked: the report re-reads only the summ_pref tasks' data folders"
    if data_dir is None:
        return f"not re-checked: the run's data ({portable_origin(info['data_origin'])}) is not readable here"
    docs = build_docs(info["kind"], info["source"], info["split"], data_dir, seed=int(info["seed"]))
    n = verify_against_docs(frame, docs, path)
    return f"all {n} samples matched their dataset rows ({portable_origin(info['data_origin'])})"


def input_entry(path: Path, run: Run) -> dict:
    """summary.json's record of one file read: its path from the run's model folder on (the folder by its
    portable name: `postprocess.io.provenance.portable_folder`) and its sha256."""
    folder = portable_folder(run.folder.name, run.recorded_name)
    return {"path": f"{folder}/{path.relative_to(run.folder).as_posix()}", "sha256": sha256_file(path)}


def load_run(run: Run, progress: bool = True, copy_measure: CopyMeasure | None = None) -> LoadedRun:
    """Every task of a run read and checked; `copy_measure` (see `postprocess.io.samples.read_samples`) adds
    each summary's copy columns where the samples logged the source text."""
    loaded = LoadedRun(run)
    counter = LazyCounter(run.model_args)
    end_notes: dict[str, str] = {}
    for name, files in sorted(run.tasks.items()):
        frame, info = read_samples(files.samples, progress, count_tokens=counter, total=files.n_samples,
                                   copy_measure=copy_measure)
        end = info.get("continuation_end")
        if end and end not in end_notes:  # the run's tokenizer is loaded once per distinct end
            end_notes[end] = continuation_end_note(end, run.model_args) or ""
        info["data_notes"]["continuation_end_not_special"] = end_notes.get(end, "") if end else ""
        checked = verify(frame, info, files.samples)
        info = {**info, "data_origin": portable_origin(info["data_origin"])}  # no path of this machine in outputs
        loaded.tasks[name] = LoadedTask(name, info["kind"], frame, info, files.version, checked)
        for path in (files.samples, files.results):
            loaded.inputs.append(input_entry(path, run))
    loaded.token_counts = counter.description()
    for name, files in sorted(run.generation.items()):
        frame, info = read_generation(files.samples, progress, total=files.n_samples)
        info = {**info, "data_origin": portable_origin(info["data_origin"])}
        loaded.generation[name] = LoadedGeneration(files.task, info["kind"], frame, info, files.version)
        loaded.inputs += [input_entry(path, run) for path in (files.samples, files.results)]
    return loaded
