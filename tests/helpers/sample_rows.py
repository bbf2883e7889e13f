"""The embedded sample's files and the real files whose layout they copy, read as rows."""

from __future__ import annotations

import json
from pathlib import Path

from lm_eval_tasks.data.sample import generate
from tests.helpers.paths import REPO, SFF_DIR, require_shared

SAMPLE_DIR = REPO / "lm_eval_tasks" / "data" / "sample"

# sample file -> the real file whose structure it copies
REAL_COUNTERPART = {
    generate.TLDR_CMP: "comparisons/batch18.json",
    generate.CNNDM_CMP: "comparisons/batch0_cnndm.json",
    generate.TLDR_AXIS: "axis_evals/tldraxis1_sample.json",
    generate.CNNDM_AXIS: "axis_evals/cnndm3.json",
}


def read_rows(path: Path) -> list[dict]:
    """The JSON lines of `path`."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def sample_rows(rel: str) -> list[dict]:
    """The rows of the committed sample file `rel` (one of `generate.FILES`)."""
    return read_rows(SAMPLE_DIR / rel)


def real_dir() -> Path:
    """The real summarize-from-feedback rows beside the repository (the test is skipped without them)."""
    return require_shared(SFF_DIR)
