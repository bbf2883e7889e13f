"""The harness docs (the rows the tasks score, not documentation): hub-schema rows turned into flat docs,
filtered, de-duplicated, keyed and shuffled with a seed."""

from __future__ import annotations

import difflib
import logging
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
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
             "axis CNN/DM: test); pref tasks: the split of `dataset`, required with it",
    "subsplit": "only rows of OpenAI's split valid1 or valid2; default: all rows of the split",
    "seed": f"seed of the doc shuffle, so --limit N is a reproducible random sample; default {DEFAULT_SEED}",
    "continuation_end": "a string appended to every scored summary, e.g. \"<|endoftext|>\" (the EOS token of GPT-2, "
                        "GPT-NeoX and Pythia tokenizers) to score a finished response as DPO does (Huang et al. "
                        "2024); a special token's string is mapped to its id, its log-prob is in the sum and it "
                        "counts as a token, but adds no byte (n_bytes is the summary's); default: none",
    "k": "samples per post of the generation tasks (summ_pref_gen*); default: the YAML's repeats, 8",
    "samples_from": "summ_pref_samples: the lm-eval output folder (or its model folder) of a generation run whose "
                    "samples it scores; required by that task",
    "samples_task": "summ_pref_samples: score only this generation task's samples (e.g. summ_pref_gen_oai); "
                    "default: every summ_pref_gen* task found in samples_from",
    "allow_incomplete": "summ_pref_samples: true scores a generation run lm-eval did not finish writing (fewer "
                        "samples lines than its results file counts), with a warning; default false: refused",
    # The pref tasks (pref_pairs, pref_axis: lm_eval_tasks/pref/README.md); `PREF_KEYS`.
    "dataset": "pref tasks: a Hugging Face hub dataset id (with split, and dataset_revision); or give data_files",
    "dataset_revision": "pref tasks: the hub dataset's revision (a commit, tag or branch; not `revision`, which "
                        "--model_args would fill with the model's); default main",
    "data_files": "pref tasks: a local JSON-lines or parquet file, a glob, or a list of them (instead of dataset)",
    "fields": "pref tasks: {role: column} (a dotted path for a nested value); pref_pairs: prompt, chosen, rejected "
              "(or responses and choice), pref_axis: prompt, response and each rated attribute; default: the "
              "role's own name; prompt may be a {column} template, or null to read it off the responses",
    "prompt_format": "pref tasks: raw (prompt text) or chat (a list of messages, rendered by the model's chat "
                     "template under --apply_chat_template, else as 'User: ...\\n\\nAssistant:'); default raw",
    "separator": "pref tasks, raw format: text between the prompt and each response; default a newline",
    "response_marker": "pref tasks with fields.prompt null: the prompt is the text the responses share, up to "
                       "and including its last marker (e.g. \"\\n\\nAssistant:\")",
    "outcome": "pref_axis: the attribute the typicality alpha predicts; default the first in fields",
    "quality": "pref_axis: the attribute(s) it holds fixed (the first: alpha on pairs tied on it); default all others",
}
# Keys only the pref tasks take, and keys they do not take: refused when no task of the run would read them.
PREF_KEYS = ("dataset", "dataset_revision", "data_files", "fields", "prompt_format", "separator", "response_marker",
             "outcome", "quality")
NOT_PREF_KEYS = ("data_dir", "subsplit", "continuation_end", "k", "samples_from", "samples_task", "allow_incomplete")
PREF_PREFIX = "pref_"
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


def read_keys(tasks: Sequence[str] = ()) -> list[str]:
    """The --metadata keys some of `tasks` read (all keys without tasks): the pref tasks' keys only with a pref
    task, the summ_pref data keys only with another task."""
    pref = [t.startswith(PREF_PREFIX) for t in tasks]
    return [k for k in METADATA_KEYS
            if not tasks or not ((k in PREF_KEYS and not any(pref)) or (k in NOT_PREF_KEYS and all(pref)))]


def check_user_metadata(metadata: Mapping, tasks: Sequence[str] = ()) -> None:
    """The user's --metadata keys. custom_dataset cannot check them (it also receives model args and YAML
    metadata), and a typo such as `dat_dir` would otherwise be ignored and the hub data scored. With the run's
    `tasks`, a key none of them reads is refused too (the pref tasks' keys and the others')."""
    unknown = sorted(set(metadata) - set(METADATA_KEYS))
    known = read_keys(tasks)
    unread = [k for k in metadata if k in METADATA_KEYS and k not in known]
    if not unknown and unread:
        raise DataError(f"none of the tasks {', '.join(tasks)} reads it (" + ("only the pref tasks take "
                        f"{', '.join(PREF_KEYS)}" if unread[0] in PREF_KEYS else "the pref tasks read their "
                        "data from dataset or data_files") + ")", field=unread[0])
    if not unknown:
        return
    guesses = [f"{k} (did you mean {close[0]}?)" if (close := difflib.get_close_matches(k, known, 1)) else k
               for k in unknown]
    raise DataError(f"unknown --metadata key{'s' if len(unknown) > 1 else ''} {', '.join(guesses)}; the "
                    f"{'pref' if any(t.startswith(PREF_PREFIX) for t in tasks) else 'summ_pref'} tasks know "
                    f"{', '.join(known)} (see `summ-pref eval "
                    "--help`)", field=unknown[0])


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
    return shared_load(args, lambda: datasets.DatasetDict(
        {"docs": datasets.Dataset.from_list(build_docs(*args), features=FEATURES[kind])}))


def shared_load(args: tuple, load: Callable[[], datasets.DatasetDict]) -> datasets.DatasetDict:
    """`load()`, or within `sharing_loads()` the DatasetDict an earlier call with the same `args` returned
    (every custom_dataset hook goes through here, so check_run's load is the one lm-eval scores)."""
    shared = _shared_loads.get()
    if shared is not None and args in shared:
        return shared[args]
    dataset = load()
    if shared is not None:
        shared[args] = dataset
    return dataset
