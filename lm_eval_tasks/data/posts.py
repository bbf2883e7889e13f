"""The distinct posts (or articles) of a split as harness docs: what the generation and posts tasks run on.

A post is read from every judgement row that shows it (comparison rows, and axis rows where the axis data has
the split), kept once per `post_id` and shuffled with the seed, so `--limit N` is N random posts.
"""

from __future__ import annotations

import hashlib
import json
import logging

import datasets

from lm_eval_tasks.data.loading import shared_load, shuffled
from lm_eval_tasks.data.metadata import DEFAULT_SEED, SUBSPLITS, check_text_values, checked_seed
from lm_eval_tasks.data.prompts import template_sha
from lm_eval_tasks.data.rows import HUB_SPLIT, post_id, row_source
from lm_eval_tasks.data.sources import KINDS, load_rows
from lm_eval_tasks.records import SCHEMA_VERSION
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)

POST_FIELDS = ("title", "subreddit", "site", "text")
# a post as every post-level task's doc shows it (the samples-scoring docs extend it)
POST_FEATURES = {
    "key": datasets.Value("string"),
    "post_id": datasets.Value("string"),
    "source": datasets.Value("string"),
    "split": datasets.Value("string"),
    "subsplit": datasets.Value("string"),
    **{name: datasets.Value("string") for name in POST_FIELDS},
    "seed": datasets.Value("int64"),
}
FEATURES = datasets.Features({**POST_FEATURES, "data_origin": datasets.Value("string")})


def post_of(row: dict) -> dict:
    """The post fields of one normalised row (`text` is the Reddit post or the news article)."""
    info = row["info"]
    text = info["post"] if isinstance(info["post"], str) else info["article"]
    return {"post_id": post_id(info), "title": info["title"], "subreddit": info["subreddit"], "site": info["site"],
            "text": text}


def post_key(post: dict) -> str:
    """A stable id of the post as prompted: the hash of its id and every field the prompts show."""
    fields = [post["post_id"], *(post[name] for name in POST_FIELDS)]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()[:20]


def kinds_with_split(split: str) -> list[str]:
    """The kinds of rows (cmp, axis) whose hub config has the split: train is comparisons only, test axis only."""
    kinds = [kind for kind, config in KINDS.items() if split in HUB_SPLIT[config].values()]
    if not kinds:
        known = sorted({s for config in KINDS.values() for s in HUB_SPLIT[config].values()})
        raise DataError(f"unknown split {split!r} (expected one of {known})", field="split")
    return kinds


def build_post_docs(source: str, split: str, data_dir: str | None = None, subsplit: str | None = None,
                    seed: int = DEFAULT_SEED) -> list[dict]:
    """One doc per distinct post_id of the split's rows of `source`, in seeded random order.

    Rows of one post_id that differ in their text (never seen in OpenAI's data) keep the version with the
    smallest key, with a warning; `subsplit` is every OpenAI split the post's rows carry, joined by '+'."""
    versions: dict[str, dict[str, dict]] = {}
    subsplits: dict[str, set[str]] = {}
    origins = []
    for kind in kinds_with_split(split):
        rows, origin = load_rows(KINDS[kind], split, data_dir)
        origins.append(origin)
        for located in rows:
            row = located.row
            if row_source(row) != source or (subsplit is not None and row["split"] != subsplit):
                continue
            post = post_of(row)
            versions.setdefault(post["post_id"], {})[post_key(post)] = post
            subsplits.setdefault(post["post_id"], set()).add(row["split"])
    what = f"{source} posts in split {split!r}" + (f" with subsplit {subsplit!r}" if subsplit else "")
    origin = " + ".join(dict.fromkeys(origins))
    if not versions:
        raise DataError(f"no {what} of {origin}")
    differing = sorted(pid for pid, by_key in versions.items() if len(by_key) > 1)
    if differing:
        logger.warning("summ_pref: %s of %s: %d post id(s) carry different texts in different rows; the version "
                       "with the smallest key is used; first: %s", what, origin, len(differing), differing[0])
    docs = []
    for pid, by_key in versions.items():
        key = min(by_key)
        docs.append({"key": key, **by_key[key], "source": source, "split": split,
                     "subsplit": "+".join(sorted(subsplits[pid])), "seed": seed, "data_origin": origin})
    return shuffled(docs, seed)


def custom_dataset(*, source: str, default_split: str, data_dir: str | None = None, split: str | None = None,
                   subsplit: str | None = None, seed: int | str = DEFAULT_SEED, **_other_metadata
                   ) -> datasets.DatasetDict:
    """lm-eval's `custom_dataset` hook of the generation and posts tasks (as
    `lm_eval_tasks.summ_pref.docs.custom_dataset`)."""
    check_text_values(data_dir=data_dir, split=split, subsplit=subsplit)
    if subsplit not in (None, *SUBSPLITS):
        raise DataError(f"subsplit must be valid1 or valid2, got {subsplit!r}", field="subsplit")
    args = ("posts", source, default_split if split is None else split, data_dir, subsplit, checked_seed(seed))
    return shared_load(args, lambda: datasets.DatasetDict(
        {"docs": datasets.Dataset.from_list(build_post_docs(*args[1:]), features=FEATURES)}))


def post_record(doc: dict, kind: str, *, prompt: str, chat_template: bool) -> dict:
    """The fields every per-post record (kinds gen, samples, post) starts with (docs/record-schema.md)."""
    return {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        **{name: doc[name] for name in ("key", "post_id", "source", "split", "subsplit")},
        "prompt": prompt,
        "prompt_sha": template_sha(prompt),
        "chat_template": chat_template,
        "seed": doc["seed"],
    }
