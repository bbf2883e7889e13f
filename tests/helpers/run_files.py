"""Synthetic lm-eval run folders, and edits of their samples files, for the tests of reading and reporting."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.synthetic_runs import write_run

SIZES = {"n_pairs": 60, "n_axis": 40, "n_posts_cmp": 12, "n_posts_axis": 8}


def synthetic(root: Path, name: str = "m", **kw) -> Path:
    """An lm-eval --output_path folder `root` holding one synthetic model folder `root/name`."""
    write_run(root / name, model_name=name, **{**SIZES, **kw})
    return root


def samples_file(root: Path, task: str, name: str = "m") -> Path:
    (path,) = (root / name).glob(f"samples_{task}_*.jsonl")
    return path


def results_of(samples: Path) -> Path:
    """The results file of the invocation that wrote `samples` (lm-eval names both with one timestamp)."""
    time = samples.name.rsplit("_", 1)[1].removesuffix(".jsonl")
    return samples.with_name(f"results_{time}.json")


def rewrite(path: Path, edit) -> None:
    """Edit a samples file's lines, as a run that scored those lines would have written them: its results file
    counts the new number of lines (n-samples), so the run stays complete. (An interrupted run: `interrupt`.)"""
    lines = edit([json.loads(line) for line in path.read_text().splitlines()])
    path.write_text("".join(json.dumps(s) + "\n" for s in lines))
    results = results_of(path)
    data = json.loads(results.read_text())
    task = path.name.removeprefix("samples_").rsplit("_", 1)[0]
    if task in data.get("n-samples", {}):
        data["n-samples"][task]["effective"] = len(lines)
        results.write_text(json.dumps(data))


def unscored(samples: Path) -> None:
    """Remove a task from its run, as a run that never scored it: its samples file and its entries in the results
    file. (A results file that lists a task without its samples file is an interrupted run.)"""
    results = results_of(samples)
    task = samples.name.removeprefix("samples_").rsplit("_", 1)[0]
    data = json.loads(results.read_text())
    for key in ("n-samples", "configs", "versions"):
        data.get(key, {}).pop(task, None)
    results.write_text(json.dumps(data))
    samples.unlink()


def interrupt(path: Path, keep: int, cut: int = 0) -> None:
    """Leave only the first `keep` lines of a samples file (and `cut` characters of the next), as lm-eval leaves
    one when it is stopped while writing: its results file, written first, still counts every line."""
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:keep]) + (lines[keep][:cut] if cut and keep < len(lines) else ""))


def edit_line(path: Path, index: int, change) -> None:
    def edit(lines):
        change(lines[index])
        return lines

    rewrite(path, edit)
