"""Rows of the summarize-from-feedback layout that pass every check, and ways to break them, for the tests of the
data layer and of `summ-pref eval`'s one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

GOOD_CMP = {"info": {"id": "t3_x", "post": "A post.", "title": "T", "subreddit": "s"}, "split": "valid1",
            "summaries": [{"text": " a", "policy": "p"}, {"text": " b", "policy": "q"}], "choice": 0,
            "worker": "w", "batch": "b", "extra": {"confidence": 3}}
GOOD_AXIS = {"info": {"id": "t3_x", "post": "A post.", "title": "T", "subreddit": "s"}, "split": "valid1",
             "summary": {"text": " a", "policy": "p", "axes": {"overall": 3, "accuracy": None, "coverage": 7,
                                                              "coherence": 1}}, "worker": "w", "batch": "b"}


def with_field(row: dict, path: list, value) -> dict:
    """A deep copy of `row` with the field at `path` set to `value` (deleted where `value` is KeyError)."""
    row = json.loads(json.dumps(row))
    target = row
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return row


def write_lines(folder: Path, name: str, lines: list[str]) -> Path:
    """FOLDER/NAME holding `lines`, one a line."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
