"""lm-eval's files in a model folder: which samples files a reader takes (the newest of each of the plugin's tasks),
what kind of record each holds, and whether the invocation that wrote it finished writing it.

lm-eval 0.4.13 (`_cli/run.py`) writes `results_<time>.json` first, then appends each task's
`samples_<task>_<time>.jsonl` line by line. An interrupted run therefore leaves a results file whose samples files
hold fewer lines than it counts, or are missing. The results file counts each task's docs in `n-samples`
({task: {"original", "effective"}}); the samples file holds one line per doc and filter (`configs[task]
["filter_list"]`, one filter unless the task names several).

Which files are the plugin's comes from the files themselves, not from task names: every task of the plugin logs
a `record` per doc whose `kind` says how to read it (`lm_eval_tasks.records.RECORD_KINDS`); a samples file whose
first line has no `record` is another task's and is left alone. A task a results file lists without its samples
file is the plugin's when its logged config has the `record` metric; results files that log no config of the
task (hand-written ones) fall back on the plugin's task-name prefixes (`LEGACY_PREFIXES`).

`find_samples` is the one place that picks a folder's samples files: the analysis (`postprocess.io.runs`), the
sweep's resume (`postprocess.commands.sweep`) and the samples-scoring task (`lm_eval_tasks.summ_pref_samples`)
all read through it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lm_eval_tasks.records import RECORD_KINDS, SCHEMA_VERSION
from summ_pref_common.errors import DataError
from summ_pref_common.json_files import iter_json_lines, read_json

TIME = r"\d{4}-\d{2}-\d{2}T[0-9\-.]+"
RESULTS_RE = re.compile(rf"^results_(?P<time>{TIME})\.json$")
SAMPLES_RE = re.compile(rf"^samples_(?P<task>.+)_(?P<time>{TIME})\.jsonl$")
# The plugin's task names, read only where a results file logs no config of a task it lists (see the docstring).
LEGACY_PREFIXES = ("summ_pref", "pref_")
ALLOW_HINT = "--allow-incomplete uses it anyway, with a warning"


def expected_lines(results: object, task: str) -> int | None:
    """The lines lm-eval writes into the task's samples file (docs x filters), or None when the results file
    counts none."""
    if not isinstance(results, dict):
        return None
    count = ((results.get("n-samples") or {}).get(task) or {}).get("effective")
    if not isinstance(count, int) or isinstance(count, bool):
        return None
    filters = ((results.get("configs") or {}).get(task) or {}).get("filter_list")
    return count * (len(filters) if isinstance(filters, list) and filters else 1)


def whole_lines(path: Path) -> int:
    """Non-blank lines ending in a newline (lm-eval ends each with one; a line cut short does not count),
    streamed: a samples file can be large."""
    count = 0
    with open(path, "rb") as fh:
        for line in fh:
            count += line.endswith(b"\n") and bool(line.strip())
    return count


def incompleteness(samples: Path, results: Path, task: str, data: object = None) -> str | None:
    """None when the samples file holds every line its results file counts; else why not, naming the file, the
    lines expected and found. `data`: the results file already read."""
    data = read_json(results) if data is None else data
    expected = expected_lines(data, task)
    if expected is None:
        return (f"{samples}: {results.name} states no sample count for {task} (n-samples), so the samples file "
                "cannot be checked complete")
    found = whole_lines(samples)
    if found == expected:
        return None
    return (f"{samples}: holds {found} whole lines, {results.name} counts {expected} (n-samples of {task}): "
            + ("the run was interrupted while writing it" if found < expected else
               "more lines than the run wrote (another run's lines appended to it?)"))


def listed_tasks(results: object) -> set[str]:
    """The tasks lm-eval writes a samples file for in this invocation (its `configs`, counted in `n-samples`)."""
    if not isinstance(results, dict):
        return set()
    return {str(t) for key in ("configs", "n-samples") if isinstance(results.get(key), dict) for t in results[key]}


def is_plugin_task(results: object, task: str, kinds: Collection[str] = RECORD_KINDS) -> bool:
    """Whether a results file shows `task` to be one of the plugin's tasks writing records of `kinds`: its logged
    config lists the `record` metric, and the one kind that generates (`generate_until`) is gen; with no config of
    the task logged, its name starts with one of `LEGACY_PREFIXES` (summ_pref_gen* for gen)."""
    config = ((results.get("configs") or {}) if isinstance(results, dict) else {}).get(task)
    if isinstance(config, dict):
        metrics = {entry.get("metric") for entry in config.get("metric_list") or [] if isinstance(entry, dict)}
        if "record" not in metrics:
            return False
        generates = config.get("output_type") == "generate_until"
    elif task.startswith(LEGACY_PREFIXES):
        generates = task.startswith("summ_pref_gen")
    else:
        return False
    return "gen" in kinds if generates else bool(set(kinds) - {"gen"})


def missing_samples(folder: Path, newest: Mapping[str, str], kinds: Collection[str] = RECORD_KINDS
                    ) -> dict[str, str]:
    """{task: why} for each task a results file in `folder` lists without its samples file, when that results
    file is newer than the task's newest samples file (`newest`: task -> time): the newest invocation of the task
    did not finish, so an older samples file would be read in its place. The tasks checked are those of `newest`
    and the plugin's others of `kinds` (`is_plugin_task`). A results file cut short lists no task it can be
    trusted on: every task of `newest` older than it counts as unfinished."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("results_*.json")):
        m = RESULTS_RE.match(path.name)
        if not m:
            continue
        time, cut, results = m.group("time"), None, None
        try:
            results = read_json(path)
            tasks = listed_tasks(results)
        except DataError as err:
            tasks, cut = set(newest), str(err)
        for task in sorted(t for t in tasks if t in newest or is_plugin_task(results, t, kinds)):
            older = newest.get(task)
            if (folder / f"samples_{task}_{time}.jsonl").exists() or (older is not None and older >= time):
                continue
            why = (f"{cut} (a results file cut short: its run was interrupted)" if cut else
                   f"{path}: lists {task} but no samples_{task}_{time}.jsonl is beside it (the run was interrupted, "
                   "or ran without --log_samples)")
            found[task] = why + "; " + (f"the older samples_{task}_{older}.jsonl is not used in its place silently"
                                        if older else f"{task} has no samples file")
    return found


def first_record(path: Path) -> dict | None:
    """The `record` of a samples file's first line: None when that line has none (another task's file); a
    DataError when the line cannot be read (the file is empty or cut short: see `SamplesFile.kind`)."""
    for _line_no, line in iter_json_lines(path):
        record = line.get("record") if isinstance(line, dict) else None
        return record if isinstance(record, dict) else None
    raise DataError("empty file: no samples", path=path)


def record_kind(record: dict, path: Path) -> str:
    """The kind of a plugin record (one of `RECORD_KINDS`); a record without one is an error naming the file."""
    kind = record.get("kind")
    if kind not in RECORD_KINDS or record.get("schema") != SCHEMA_VERSION:
        raise DataError(f"a summ_pref record (schema {SCHEMA_VERSION}) carries its kind, one of "
                        f"{', '.join(RECORD_KINDS)}; got schema {record.get('schema')!r}, kind {kind!r}: was the "
                        "file written by these tasks?", path=path, line=1, field="record.kind")
    return kind


@dataclass(frozen=True)
class SamplesFile:
    """The newest samples file of one of the plugin's tasks in a model folder (of a samples-scoring task: per
    generating model), with what its first record says and whether lm-eval finished writing it."""

    task: str
    time: str
    samples: Path
    # the record kind of its first line; None when that line cannot be read (an empty or cut file: the run was
    # interrupted, and `incomplete` says so)
    kind: str | None
    generating_model: str = ""  # kind samples: the model whose generation it scored (`samples_from.model`)
    incomplete: str | None = None  # why the file cannot be used as complete, naming the file

    @property
    def results(self) -> Path:
        """The results file of the same invocation."""
        return self.samples.with_name(f"results_{self.time}.json")


@dataclass(frozen=True)
class FolderSamples:
    """What `find_samples` found in one model folder."""

    files: dict[tuple[str, str], SamplesFile] = field(default_factory=dict)  # by (task, generating model)
    missing: dict[str, str] = field(default_factory=dict)  # {task: why} for tasks left without a samples file

    @property
    def problems(self) -> list[str]:
        """Every reason the folder's run is incomplete, one sentence each naming the file."""
        found = [*self.missing.values(), *(f.incomplete for _key, f in sorted(self.files.items()) if f.incomplete)]
        return list(dict.fromkeys(found))  # a task's unfinished invocation, once for all its generating models


def _kind_of(path: Path, task: str, time: str, kinds: Collection[str]) -> tuple[str | None, str] | None:
    """(kind, generating model) of one samples file; None when it is another task's or of other `kinds`."""
    try:
        record = first_record(path)
    except DataError:
        results = path.with_name(f"results_{time}.json")
        try:
            data = read_json(results) if results.is_file() else None
        except DataError:
            data = None
        return (None, "") if is_plugin_task(data, task, kinds) else None
    if record is None:
        return None
    kind = record_kind(record, path)
    if kind not in kinds:
        return None
    origin = record.get("samples_from") if kind == "samples" else None
    return kind, str(origin.get("model") or "") if isinstance(origin, dict) else ""


def file_incompleteness(samples: Path, results: Path, task: str) -> str | None:
    """`incompleteness`, or why the results file cannot tell (missing, unreadable)."""
    if not results.is_file():
        return f"{samples}: no {results.name} beside it (was the run interrupted?)"
    try:
        return incompleteness(samples, results, task)
    except DataError as err:
        return str(err)


def find_samples(folder: Path, kinds: Collection[str] = RECORD_KINDS) -> FolderSamples:
    """The newest samples file of each of the plugin's tasks in one model folder whose records are of `kinds`
    (of a samples-scoring task, the newest per generating model), each with why it is incomplete, and the tasks
    a newer invocation left without a samples file. A first record without a kind is a DataError."""
    newest: dict[tuple[str, str], tuple[str, Path, str | None]] = {}
    for path in sorted(folder.glob("samples_*.jsonl")):
        m = SAMPLES_RE.match(path.name)
        if not m or (found := _kind_of(path, m.group("task"), m.group("time"), kinds)) is None:
            continue
        kind, model = found
        key = (m.group("task"), model)
        if m.group("time") > newest.get(key, ("",))[0]:
            newest[key] = (m.group("time"), path, kind)
    latest: dict[str, str] = {}
    for (task, _model), (time, _path, _kind) in newest.items():
        latest[task] = max(time, latest.get(task, ""))
    missing = missing_samples(folder, latest, kinds)
    files = {(task, model): SamplesFile(task, time, path, kind, model, missing.get(task) or file_incompleteness(
                 path, path.with_name(f"results_{time}.json"), task))
             for (task, model), (time, path, kind) in sorted(newest.items())}
    return FolderSamples(files, {task: why for task, why in missing.items() if task not in latest})
