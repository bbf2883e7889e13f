"""The per-doc `record`: everything the analysis needs, logged as native JSON (docs/record-schema.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lm_eval_tasks.prompts import continuation, template_sha
from lm_eval_tasks.rows import RATING_AXES

SCHEMA_VERSION = 1
# Names of what a backend returns after (logprob, is_greedy), in order; hf-prefix returns all four.
BACKEND_EXTRA_FIELDS = ("n_tokens", "token_logprobs", "token_entropies", "context_truncated")


def summaries_of(doc: dict) -> list[tuple[str, str | None]]:
    """(text, policy) of each scored summary, in request order."""
    if "summary" in doc:
        return [(doc["summary"], doc["policy"])]
    return [(doc["summary_0"], doc["policy_0"]), (doc["summary_1"], doc["policy_1"])]


def scored_summary(text: str, policy: str | None, result: Sequence[Any], chat_template: bool,
                   end: str = "") -> dict:
    """One summary's entry; `result` is a backend response, unpacked as (ll, is_greedy, *extra)."""
    return {"policy": policy, **scored_continuation(continuation(text, chat_template, end), result, end)}


def scored_continuation(cont: str, result: Sequence[Any], end: str = "") -> dict:
    """The entry of one scored string `cont` (exactly the continuation requested): its size, the backend's
    (ll, is_greedy) and the extras it returns, named by BACKEND_EXTRA_FIELDS. The size (`n_bytes`, `n_chars`)
    is the summary's: a trailing `end` (the continuation_end, e.g. an EOS token) is scored but not counted."""
    logprob, is_greedy, *extra = result
    text = cont.removesuffix(end) if end else cont
    entry = {
        "continuation": cont,
        "n_bytes": len(text.encode("utf-8")),
        "n_chars": len(text),
        "logprob": float(logprob),
        "is_greedy": bool(is_greedy),
    }
    entry.update(zip(BACKEND_EXTRA_FIELDS, extra))
    if len(extra) > len(BACKEND_EXTRA_FIELDS):
        entry["extra"] = list(extra[len(BACKEND_EXTRA_FIELDS):])
    return entry


def build_record(doc: dict, results: Sequence[Sequence[Any]], *, prompt: str, chat_template: bool,
                 continuation_end: str = "") -> dict:
    kind = "axis" if "summary" in doc else "cmp"
    record = {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        **{k: doc[k] for k in ("key", "post_id", "source", "split", "subsplit", "batch", "worker")},
        "prompt": prompt,
        "prompt_sha": template_sha(prompt),
        "chat_template": chat_template,
        "continuation_end": continuation_end,
        "seed": doc["seed"],
    }
    if kind == "axis":
        record["ratings"] = {axis: doc[axis] for axis in RATING_AXES}
    else:
        record["choice"] = doc["choice"]
        record["confidence"] = doc["confidence"]
    record["summaries"] = [
        scored_summary(text, policy, result, chat_template, continuation_end)
        for (text, policy), result in zip(summaries_of(doc), results, strict=True)
    ]
    return record
