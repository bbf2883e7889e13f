"""lm-eval's files of one invocation in a model folder, and whether the invocation finished writing them.

lm-eval 0.4.13 (`_cli/run.py`) writes `results_<time>.json` first, then appends each task's
`samples_<task>_<time>.jsonl` line by line. An interrupted run therefore leaves a results file whose samples files
hold fewer lines than it counts, or are missing. The results file counts each task's docs in `n-samples`
({task: {"original", "effective"}}); the samples file holds one line per doc and filter (`configs[task]
["filter_list"]`, one filter unless the task names several). The analysis (`postprocess.io.runs`), the sweep's
resume and the samples-scoring task all use these checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from summ_pref_common.errors import DataError
from summ_pref_common.json_files import read_json

TIME = r"\d{4}-\d{2}-\d{2}T[0-9\-.]+"
RESULTS_RE = re.compile(rf"^results_(?P<time>{TIME})\.json$")
# The plugin's task names: summ_pref* and the preference-dataset tasks pref_pairs, pref_axis.
PLUGIN_TASK_PREFIXES = ("summ_pref", "pref_")
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


def missing_samples(folder: Path, newest: Mapping[str, str], prefixes: tuple[str, ...] = PLUGIN_TASK_PREFIXES
                    ) -> dict[str, str]:
    """{task: why} for each task a results file in `folder` lists without its samples file, when that results
    file is newer than the task's newest samples file (`newest`: task -> time): the newest invocation of the task
    did not finish, so an older samples file would be read in its place. A results file cut short lists no task
    it can be trusted on: every task of `newest` older than it counts as unfinished."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("results_*.json")):
        m = RESULTS_RE.match(path.name)
        if not m:
            continue
        time, cut = m.group("time"), None
        try:
            tasks = listed_tasks(read_json(path))
        except DataError as err:
            tasks, cut = set(newest), str(err)
        for task in sorted(t for t in tasks if t.startswith(prefixes)):
            older = newest.get(task)
            if (folder / f"samples_{task}_{time}.jsonl").exists() or (older is not None and older >= time):
                continue
            why = (f"{cut} (a results file cut short: its run was interrupted)" if cut else
                   f"{path}: lists {task} but no samples_{task}_{time}.jsonl is beside it (the run was interrupted, "
                   "or ran without --log_samples)")
            found[task] = why + "; " + (f"the older samples_{task}_{older}.jsonl is not used in its place silently"
                                        if older else f"{task} has no samples file")
    return found
