"""The summ_pref record of one judgement: its fields from the doc, the prompt's hash, and each summary scored as
the continuation requested (one leading space, the continuation_end appended but not counted)."""

from __future__ import annotations

import pytest

from lm_eval_tasks.data.prompts import template_sha
from lm_eval_tasks.records import SCHEMA_VERSION
from lm_eval_tasks.summ_pref.record import build_record, summaries_of

COMMON = {"key": "k", "post_id": "t3_x", "source": "tldr", "split": "validation", "subsplit": "valid1",
          "batch": "b", "worker": "w", "seed": 7}
CMP = {**COMMON, "summary_0": "first", "summary_1": " second", "policy_0": "sft", "policy_1": None, "choice": 1,
       "confidence": 8}
AXIS = {**COMMON, "summary": "only", "policy": "ppo", "overall": 6.0, "accuracy": None, "coverage": 5.0,
        "coherence": 7.0}


def test_a_comparison_record_scores_both_summaries_in_request_order():
    record = build_record(CMP, [(-4.0, False), (-2.5, True, 3)], prompt="oai", chat_template=False,
                          continuation_end="</s>")
    assert {k: record[k] for k in ("schema", "kind", "key", "seed", "prompt", "prompt_sha", "choice", "confidence",
                                   "chat_template", "continuation_end")} == {
        "schema": SCHEMA_VERSION, "kind": "cmp", "key": "k", "seed": 7, "prompt": "oai",
        "prompt_sha": template_sha("oai"), "choice": 1, "confidence": 8, "chat_template": False,
        "continuation_end": "</s>"}
    first, second = record["summaries"]
    assert first == {"policy": "sft", "continuation": " first</s>", "n_bytes": 6, "n_chars": 6, "logprob": -4.0,
                     "is_greedy": False}
    assert (second["continuation"], second["n_tokens"], second["policy"]) == (" second</s>", 3, None)


def test_an_axis_record_holds_the_ratings_and_no_space_after_a_chat_template():
    record = build_record(AXIS, [(-1.0, False)], prompt="reddit", chat_template=True)
    assert record["kind"] == "axis" and "choice" not in record
    assert record["ratings"] == {"overall": 6.0, "accuracy": None, "coverage": 5.0, "coherence": 7.0}
    assert record["summaries"][0]["continuation"] == "only"
    assert summaries_of(AXIS) == [("only", "ppo")] and summaries_of(CMP) == [("first", "sft"), (" second", None)]


def test_one_result_per_summary():
    with pytest.raises(ValueError):
        build_record(CMP, [(-4.0, False)], prompt="oai", chat_template=False)
