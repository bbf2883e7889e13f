"""The Task class behind every summ_pref YAML: one loglikelihood request per summary."""

from __future__ import annotations

from lm_eval.api.instance import Instance
from lm_eval.api.task import ConfigurableTask

from lm_eval_tasks.metrics import axis_values, cmp_values
from lm_eval_tasks.prompts import checked_end, continuation
from lm_eval_tasks.records import build_record, summaries_of


class SummPrefTask(ConfigurableTask):
    """Axis docs emit one request, comparison docs two, all on the same context (the post)."""

    def __init__(self, config: dict | None = None) -> None:
        # lm-eval's factory passes the whole YAML dict, `class` key included. A set `process_results`
        # tells the harness the metrics are ours (no registry lookup); the override below does the work.
        config = {k: v for k, v in (config or {}).items() if k != "class"}
        super().__init__(config={**config, "process_results": self.process_results})
        self._chat_template = False
        # --metadata continuation_end (e.g. the EOS token), checked here: before the model loads
        self._end = checked_end((self.config.metadata or {}).get("continuation_end"))

    @property
    def prompt_name(self) -> str:
        return self.config.metadata["prompt_style"]

    def construct_requests(self, doc: dict, ctx: str, **kwargs) -> list[Instance]:
        self._chat_template = bool(kwargs.pop("apply_chat_template", False))
        kwargs.pop("chat_template", None)
        return [
            Instance(request_type="loglikelihood", doc=doc, idx=i,
                     arguments=(ctx, continuation(text, self._chat_template, self._end)), **kwargs)
            for i, (text, _policy) in enumerate(summaries_of(doc))
        ]

    def process_results(self, doc: dict, results: list) -> dict:
        record = build_record(doc, results, prompt=self.prompt_name, chat_template=self._chat_template,
                              continuation_end=self._end)
        values = axis_values(record) if record["kind"] == "axis" else cmp_values(record)
        return {"record": record, **values}
