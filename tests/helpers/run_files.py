"""Synthetic lm-eval run folders, and edits of their samples files, for the tests of reading and reporting."""

from __future__ import annotations

import json
from pathlib import Path

from postprocess.io.synthetic_runs import write_run

SIZES = {"n_pairs": 60, "n_axis": 40, "n_posts_cmp": 12, "n_posts_axis": 8}


def synthetic(root: Path, name: str = "m", **kw) -> Path:
    """An lm-eval --output_path folder `root` holding one synthetic model folder `root/name`."""
    write_run(root / name, model_name=name, **{**SIZES, **kw})
    return root


def samples_file(root: Path, task: str, name: str = "m") -> Path:
    (path,) = (root / name).glob(f"samples_{task}_*.jsonl")
    return path


def rewrite(path: Path, edit) -> None:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(s) + "\n" for s in edit(lines)))


def edit_line(path: Path, index: int, change) -> None:
    def edit(lines):
        change(lines[index])
        return lines

    rewrite(path, edit)
