"""The base classes of the plugin's task classes: how a task is built from its YAML, and the loglikelihood
requests of several continuations (summaries, samples) on one context."""

from __future__ import annotations

from lm_eval.api.instance import Instance
from lm_eval.api.task import ConfigurableTask

from lm_eval_tasks.data.prompts import checked_end, continuation


class PluginTask(ConfigurableTask):
    """A task whose metrics its own `process_results` computes."""

    def __init__(self, config: dict | None = None) -> None:
        # lm-eval's factory passes the whole YAML dict, `class` key included. A set `process_results`
        # tells the harness the metrics are ours (no registry lookup); the subclass's override does the work.
        config = {k: v for k, v in (config or {}).items() if k != "class"}
        super().__init__(config={**config, "process_results": self.process_results})

    @property
    def prompt_name(self) -> str:
        return self.config.metadata["prompt_style"]


class ContinuationsTask(PluginTask):
    """One loglikelihood request per text of `texts(doc)`, all on the doc's context, each text made the scored
    continuation (one leading space, then `--metadata continuation_end`)."""

    def __init__(self, config: dict | None = None) -> None:
        super().__init__(config)
        self._chat_template = False
        # --metadata continuation_end (e.g. the EOS token), checked here: before the model loads
        self._end = checked_end((self.config.metadata or {}).get("continuation_end"))

    def texts(self, doc: dict) -> list[str]:
        raise NotImplementedError

    def construct_requests(self, doc: dict, ctx: str, **kwargs) -> list[Instance]:
        self._chat_template = bool(kwargs.pop("apply_chat_template", False))
        kwargs.pop("chat_template", None)
        return [
            Instance(request_type="loglikelihood", doc=doc, idx=i,
                     arguments=(ctx, continuation(text, self._chat_template, self._end)), **kwargs)
            for i, text in enumerate(self.texts(doc))
        ]
