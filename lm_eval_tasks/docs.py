"""Turn hub-schema rows into the flat docs the tasks score, filtered, keyed and shuffled with a seed."""

from __future__ import annotations

import random

import datasets

from lm_eval_tasks.data_sources import load_rows
from lm_eval_tasks.errors import DataError
from lm_eval_tasks.rows import RATING_AXES, keyed, post_id

DEFAULT_SEED = 1234
KINDS = {"axis": "axis", "cmp": "comparisons"}
SOURCES = ("tldr", "cnndm")

_COMMON = {
    "key": datasets.Value("string"),
    "post_id": datasets.Value("string"),
    "source": datasets.Value("string"),
    "split": datasets.Value("string"),
    "subsplit": datasets.Value("string"),
    "batch": datasets.Value("string"),
    "worker": datasets.Value("string"),
    "title": datasets.Value("string"),
    "subreddit": datasets.Value("string"),
    "site": datasets.Value("string"),
    "text": datasets.Value("string"),
    "seed": datasets.Value("int64"),
    "data_origin": datasets.Value("string"),
}
FEATURES = {
    "axis": datasets.Features({
        **_COMMON,
        "summary": datasets.Value("string"),
        "policy": datasets.Value("string"),
        **{axis: datasets.Value("float64") for axis in RATING_AXES},
    }),
    "cmp": datasets.Features({
        **_COMMON,
        "summary_0": datasets.Value("string"),
        "summary_1": datasets.Value("string"),
        "policy_0": datasets.Value("string"),
        "policy_1": datasets.Value("string"),
        "choice": datasets.Value("int64"),
        "confidence": datasets.Value("int64"),
    }),
}


def row_source(row: dict) -> str:
    return "tldr" if isinstance(row["info"]["post"], str) else "cnndm"


def to_doc(key: str, row: dict, kind: str, split: str) -> dict:
    info = row["info"]
    doc = {
        "key": key,
        "post_id": post_id(info),
        "source": row_source(row),
        "split": split,
        "subsplit": row["split"],
        "batch": row["batch"],
        "worker": row["worker"],
        "title": info["title"],
        "subreddit": info["subreddit"],
        "site": info["site"],
        "text": info["post"] if isinstance(info["post"], str) else info["article"],
    }
    if kind == "axis":
        summary = row["summary"]
        return {**doc, "summary": summary["text"], "policy": summary["policy"], **summary["axes"]}
    first, second = row["summaries"]
    return {**doc, "summary_0": first["text"], "summary_1": second["text"], "policy_0": first["policy"],
            "policy_1": second["policy"], "choice": row["choice"], "confidence": row["extra"]["confidence"]}


def shuffled(docs: list[dict], seed: int) -> list[dict]:
    """Sort by key (source order differs between hub and local files), then shuffle with the seed,
    so `--limit N` is the same random sample of N rows from any source."""
    ordered = sorted(docs, key=lambda d: d["key"])
    random.Random(seed).shuffle(ordered)
    return ordered


def build_docs(kind: str, source: str, split: str, data_dir: str | None = None, subsplit: str | None = None,
               seed: int = DEFAULT_SEED) -> list[dict]:
    rows, origin = load_rows(KINDS[kind], split, data_dir)
    docs = [
        {**to_doc(key, row, kind, split), "seed": seed, "data_origin": origin}
        for key, row in keyed(rows)
        if row_source(row) == source and (subsplit is None or row["split"] == subsplit)
    ]
    if not docs:
        raise DataError(f"no {source} {KINDS[kind]} rows in split {split!r}"
                        + (f" with subsplit {subsplit!r}" if subsplit else "") + f" of {origin}")
    return shuffled(docs, seed)


def custom_dataset(*, kind: str, source: str, default_split: str, data_dir: str | None = None,
                   split: str | None = None, subsplit: str | None = None, seed: int | str = DEFAULT_SEED,
                   **_other_metadata) -> datasets.DatasetDict:
    """lm-eval's `custom_dataset` hook: called with the task's dataset_kwargs and the run's metadata
    (which also carries model args and the YAML's version, hence `**_other_metadata`)."""
    if subsplit not in (None, "valid1", "valid2", "test", "train"):
        raise DataError(f"subsplit must be valid1 or valid2, got {subsplit!r}", field="subsplit")
    docs = build_docs(kind, source, split or default_split, data_dir, subsplit, int(seed))
    return datasets.DatasetDict({"docs": datasets.Dataset.from_list(docs, features=FEATURES[kind])})
