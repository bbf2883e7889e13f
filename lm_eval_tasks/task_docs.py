"""The harness docs (the rows the tasks score, not documentation): hub-schema rows turned into flat docs,
filtered, de-duplicated, keyed and shuffled with a seed."""

from __future__ import annotations

import difflib
import logging
import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

import datasets

from lm_eval_tasks.data_sources import load_rows
from lm_eval_tasks.errors import DataError
from lm_eval_tasks.rows import RATING_AXES, drop_repeats, post_id

logger = logging.getLogger(__name__)

DEFAULT_SEED = 1234
# Every key a user may pass with --metadata, with what it does and its default (shown by `summ-pref eval --help`).
METADATA_KEYS = {
    "data_dir": "local copy of the data (OpenAI's folder or the hub's parquet export), or @sample for the embedded "
                "synthetic sample; default: $SUMM_PREF_DATA_DIR, else the Hugging Face hub",
    "split": "hub split to score (validation, test, train); default: the task's own (axis/cmp TL;DR: validation, "
             "axis CNN/DM: test)",
    "subsplit": "only rows of OpenAI's split valid1 or valid2; default: all rows of the split",
    "seed": f"seed of the doc shuffle, so --limit N is a reproducible random sample; default {DEFAULT_SEED}",
}
KINDS = {"axis": "axis", "cmp": "comparisons"}
SUBSPLITS = ("valid1", "valid2", "test", "train")
# Within `sharing_loads()`, the DatasetDict of each distinct custom_dataset call, so the data is read once.
_shared_loads: ContextVar[dict[tuple, datasets.DatasetDict] | None] = ContextVar("summ_pref_shared_loads", default=None)

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


def shuffled(docs: list[dict], seed: int) -> list[dict]:
    """Sort by key (source order differs between hub and local files), then shuffle with the seed,
    so `--limit N` is the same random sample of N rows from any source."""
    ordered = sorted(docs, key=lambda d: d["key"])
    random.Random(seed).shuffle(ordered)
    return ordered


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


def check_user_metadata(metadata: Mapping) -> None:
    """The user's --metadata keys. custom_dataset cannot check them (it also receives model args and YAML
    metadata), and a typo such as `dat_dir` would otherwise be ignored and the hub data scored."""
    unknown = sorted(set(metadata) - set(METADATA_KEYS))
    if not unknown:
        return
    guesses = [f"{k} (did you mean {close[0]}?)" if (close := difflib.get_close_matches(k, METADATA_KEYS, 1)) else k
               for k in unknown]
    raise DataError(f"unknown --metadata key{'s' if len(unknown) > 1 else ''} {', '.join(guesses)}; the summ_pref "
                    f"tasks know {', '.join(METADATA_KEYS)} (see `summ-pref eval --help`)", field=unknown[0])


def checked_seed(seed: object) -> int:
    """An int, or a string of one (JSON users write "7"); anything else is refused, not guessed."""
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed
    if isinstance(seed, str) and seed.strip().lstrip("+-").isdigit():
        return int(seed)
    raise DataError(f"expected an integer (the shuffle seed), got {type(seed).__name__} {seed!r:.60}", field="seed")


def check_text_values(**values: object) -> None:
    """data_dir, split and subsplit are strings when given; a number or list would otherwise fail deep inside."""
    for name, value in values.items():
        if value is not None and not isinstance(value, str):
            raise DataError(f"expected a string, got {type(value).__name__} {value!r:.60}", field=name)


@contextmanager
def sharing_loads() -> Iterator[None]:
    """Within the block, identical custom_dataset calls share one load: `summ-pref eval` loads (and so
    validates) the data before lm-eval loads the model, and lm-eval's own call then reuses it."""
    token = _shared_loads.set({})
    try:
        yield
    finally:
        _shared_loads.reset(token)


def custom_dataset(*, kind: str, source: str, default_split: str, data_dir: str | None = None,
                   split: str | None = None, subsplit: str | None = None, seed: int | str = DEFAULT_SEED,
                   **_other_metadata) -> datasets.DatasetDict:
    """lm-eval's `custom_dataset` hook: called with the task's dataset_kwargs and the run's metadata
    (which also carries model args and the YAML's version, hence `**_other_metadata`)."""
    check_text_values(data_dir=data_dir, split=split, subsplit=subsplit)
    if subsplit not in (None, *SUBSPLITS):
        raise DataError(f"subsplit must be valid1 or valid2, got {subsplit!r}", field="subsplit")
    args = (kind, source, default_split if split is None else split, data_dir, subsplit, checked_seed(seed))
    shared = _shared_loads.get()
    if shared is not None and args in shared:
        return shared[args]
    dataset = datasets.DatasetDict({"docs": datasets.Dataset.from_list(build_docs(*args), features=FEATURES[kind])})
    if shared is not None:
        shared[args] = dataset
    return dataset
