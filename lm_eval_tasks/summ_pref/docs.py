"""The summ_pref tasks' harness docs (the rows the tasks score, not documentation): one per judgement,
hub-schema rows turned into flat docs, filtered, de-duplicated, keyed and shuffled with a seed."""

from __future__ import annotations

import logging

import datasets

from lm_eval_tasks.data.loading import shared_load, shuffled
from lm_eval_tasks.data.metadata import DEFAULT_SEED, SUBSPLITS, check_text_values, checked_seed
from lm_eval_tasks.data.rows import RATING_AXES, drop_repeats, post_id, row_source
from lm_eval_tasks.data.sources import KINDS, load_rows
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)

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
    "duplicates_dropped": datasets.Value("int64"),
    "empty_summaries": datasets.Value("int64"),
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
        return {**doc, "summary": summary["text"], "policy": summary["policy"], **summary["axes"],
                "empty_summaries": count_empty([summary])}
    first, second = row["summaries"]
    return {**doc, "summary_0": first["text"], "summary_1": second["text"], "policy_0": first["policy"],
            "policy_1": second["policy"], "choice": row["choice"], "confidence": row["extra"]["confidence"],
            "empty_summaries": count_empty(row["summaries"])}


def count_empty(summaries: list[dict]) -> int:
    """Empty or whitespace-only summaries: still scored (as a single space), but counted, since such a
    continuation measures the model's end-of-text odds rather than a summary."""
    return sum(not s["text"].strip() for s in summaries)


def build_docs(kind: str, source: str, split: str, data_dir: str | None = None, subsplit: str | None = None,
               seed: int = DEFAULT_SEED) -> list[dict]:
    """The task's docs; a judgement present twice counts once, and both that and empty summaries are
    logged (one warning each) and carried by every doc (`duplicates_dropped`, `empty_summaries`)."""
    rows, origin = load_rows(KINDS[kind], split, data_dir)
    chosen = [r for r in rows if row_source(r.row) == source and (subsplit is None or r.row["split"] == subsplit)]
    what = f"{source} {KINDS[kind]} rows in split {split!r}" + (f" with subsplit {subsplit!r}" if subsplit else "")
    if not chosen:
        raise DataError(f"no {what} of {origin}")
    kept, repeats = drop_repeats(chosen)
    if repeats:
        same = "choice" if kind == "cmp" else "ratings"
        logger.warning("summ_pref: %s of %s: dropped %d repeated judgement(s) (same post, worker, summaries and %s; "
                       "counted once); first repeat at %s (same as %s)", what, origin, len(repeats), same,
                       *repeats[0])
    docs = [{**to_doc(key, r.row, kind, split), "seed": seed, "data_origin": origin,
             "duplicates_dropped": len(repeats)} for key, r in kept]
    empty = [(r.where, doc["empty_summaries"]) for (_key, r), doc in zip(kept, docs) if doc["empty_summaries"]]
    if empty:
        logger.warning("summ_pref: %s of %s: %d empty or whitespace-only summaries, scored as a single space; "
                       "first at %s", what, origin, sum(n for _where, n in empty), empty[0][0])
    return shuffled(docs, seed)


def custom_dataset(*, kind: str, source: str, default_split: str, data_dir: str | None = None,
                   split: str | None = None, subsplit: str | None = None, seed: int | str = DEFAULT_SEED,
                   **_other_metadata) -> datasets.DatasetDict:
    """lm-eval's `custom_dataset` hook: called with the task's dataset_kwargs and the run's metadata
    (which also carries model args and the YAML's version, hence `**_other_metadata`)."""
    check_text_values(data_dir=data_dir, split=split, subsplit=subsplit)
    if subsplit not in (None, *SUBSPLITS):
        raise DataError(f"subsplit must be valid1 or valid2, got {subsplit!r}", field="subsplit")
    args = (kind, source, default_split if split is None else split, data_dir, subsplit, checked_seed(seed))
    return shared_load(args, lambda: datasets.DatasetDict(
        {"docs": datasets.Dataset.from_list(build_docs(*args), features=FEATURES[kind])}))


