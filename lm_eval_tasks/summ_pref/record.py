"""The summ_pref tasks' per-judgement `record` (kind axis or cmp): the judgement and each scored summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lm_eval_tasks.data.prompts import continuation, template_sha
from lm_eval_tasks.data.rows import RATING_AXES
from lm_eval_tasks.records import SCHEMA_VERSION, scored_continuation


def summaries_of(doc: dict) -> list[tuple[str, str | None]]:
    """(text, policy) of each scored summary, in request order."""
    if "summary" in doc:
        return [(doc["summary"], doc["policy"])]
    return [(doc["summary_0"], doc["policy_0"]), (doc["summary_1"], doc["policy_1"])]


def scored_summary(text: str, policy: str | None, result: Sequence[Any], chat_template: bool,
                   end: str = "") -> dict:
    """One summary's entry; `result` is a backend response, unpacked as (ll, is_greedy, *extra)."""
    return {"policy": policy, **scored_continuation(continuation(text, chat_template, end), result, end)}


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
