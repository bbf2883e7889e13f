"""The Task class behind every summ_pref YAML: one loglikelihood request per summary."""

from __future__ import annotations

from lm_eval_tasks.metrics import axis_values, cmp_values
from lm_eval_tasks.summ_pref.record import build_record, summaries_of
from lm_eval_tasks.task_base import ContinuationsTask


class SummPrefTask(ContinuationsTask):
    """Axis docs emit one request, comparison docs two, all on the same context (the post)."""

    def texts(self, doc: dict) -> list[str]:
        return [text for text, _policy in summaries_of(doc)]

    def process_results(self, doc: dict, results: list) -> dict:
        record = build_record(doc, results, prompt=self.prompt_name, chat_template=self._chat_template,
                              continuation_end=self._end)
        values = axis_values(record) if record["kind"] == "axis" else cmp_values(record)
        return {"record": record, **values}
