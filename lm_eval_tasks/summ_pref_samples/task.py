"""The samples-scoring task's class (summ_pref_samples): K loglikelihood requests per post, one per sample of a
generation run, all on the prompt the samples were generated after."""

from __future__ import annotations

import json

from lm_eval_tasks.data.posts import post_record
from lm_eval_tasks.data.prompts import continuation, render
from lm_eval_tasks.metrics import measure
from lm_eval_tasks.records import scored_continuation
from lm_eval_tasks.task_base import ContinuationsTask


def generation_prompt(doc: dict) -> str:
    """The prompt the samples were generated after (its style is in the doc)."""
    return render(doc["prompt"], doc)


class SamplesTask(ContinuationsTask):
    """K loglikelihood requests per post, one per sample, all on the post's prompt (with --metadata
    continuation_end, as the summ_pref tasks append it to human summaries)."""

    def texts(self, doc: dict) -> list[str]:
        return [sample["text"] for sample in doc["samples"]]

    def process_results(self, doc: dict, results: list) -> dict:
        summaries = [
            {"index": sample["index"],
             **scored_continuation(continuation(sample["text"], self._chat_template, self._end), result, self._end)}
            for sample, result in zip(doc["samples"], results, strict=True)
        ]
        record = {
            **post_record(doc, "samples", prompt=doc["prompt"], chat_template=self._chat_template),
            "continuation_end": self._end,
            "samples_from": json.loads(doc["samples_from"]),
            "summaries": summaries,
        }
        n = len(summaries)
        return {
            "record": record,
            "logprob": sum(s["logprob"] for s in summaries) / n,
            "logprob_per_byte": sum(measure(s, "per_byte") for s in summaries) / n,
        }
