"""The Task class of `pref_pairs` and `pref_axis`: the requests of a doc, and its record.

Context and continuation of each response:

* `raw`: the prompt as lm-eval renders it (plain, or as the user turn under `--apply_chat_template`); the
  continuation is `separator` + response (the response alone under a chat template).
* `chat` (the prompt is a list of messages): under `--apply_chat_template` the messages rendered by the
  model's own template with the generation prompt (lm-eval hands the template to `construct_requests`); the
  continuation is the response. Without a template, the plain format of `plain_chat` below, and the
  continuation is " " + response.

Trailing whitespace of the context is moved to the start of the continuation, as lm-eval does before
tokenizing, so the record's continuation is exactly the scored string.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lm_eval.api.instance import Instance

from lm_eval_tasks.metrics import MEASURES, cmp_values, measure
from lm_eval_tasks.records import SCHEMA_VERSION, scored_continuation
from lm_eval_tasks.task_base import PluginTask
from summ_pref_common.errors import DataError

# Messages without a chat template: "User: ...\n\nAssistant: ...", ending with the generation prompt
# "Assistant:" (the response follows after one space).
PLAIN_ROLES = {"system": "System", "user": "User", "assistant": "Assistant"}

ChatTemplate = Callable[[list[dict]], str]


def plain_chat(messages: Sequence[dict]) -> str:
    """Messages in the documented plain format.

    >>> plain_chat([{"role": "user", "content": "Hi"}])
    'User: Hi\\n\\nAssistant:'
    """
    return "\n\n".join([*(f"{PLAIN_ROLES[m['role']]}: {m['content']}" for m in messages), "Assistant:"])


def doc_prompt(doc: dict) -> str:
    """doc_to_text: the raw prompt, or the messages in the plain format (a chat template replaces it)."""
    return doc["prompt"] if doc["prompt_format"] == "raw" else plain_chat(doc["messages"])


def responses_of(doc: dict) -> list[tuple[str, str | None]]:
    """(text, policy) of each scored response, in request order."""
    if "response" in doc:
        return [(doc["response"], doc["policy"])]
    return [(doc["response_0"], doc["policy_0"]), (doc["response_1"], doc["policy_1"])]


def requests_of(doc: dict, ctx: str, chat_template: ChatTemplate | None) -> list[tuple[str, str]]:
    """(context, continuation) of each response; `ctx` is lm-eval's rendering of `doc_prompt`."""
    if doc["prompt_format"] == "chat" and chat_template is not None:
        context, lead = chat_template(doc["messages"]), ""
    elif doc["prompt_format"] == "chat":
        context, lead = ctx, " "
    else:
        context, lead = ctx, "" if chat_template is not None else doc["separator"]
    stripped = context.rstrip()
    moved = context[len(stripped):]
    return [(stripped, moved + lead + text) for text, _ in responses_of(doc)]


def build_record(doc: dict, continuations: Sequence[str], results: Sequence[Sequence[Any]], *,
                 chat_template: bool) -> dict:
    """The record of docs/record-schema.md; a pair is kind "cmp", a rated response kind "axis" with `ratings`
    under the dataset's attribute names, the `outcome` attribute and the `quality` attributes."""
    kind = "axis" if "response" in doc else "cmp"
    record = {"schema": SCHEMA_VERSION, "kind": kind, "key": doc["key"], "post_id": doc["post_id"],
              "source": doc["source"], "split": doc["split"], "subsplit": None, "batch": None, "worker": None,
              "prompt": f"pref_{doc['prompt_format']}", "prompt_sha": doc["prompt_sha"],
              "chat_template": chat_template, "seed": doc["seed"]}
    if kind == "axis":
        record.update(ratings=dict(doc["ratings"]), outcome=doc["outcome"], quality=list(doc["quality"]))
    else:
        record.update(choice=doc["choice"], confidence=None)
    record["summaries"] = [{"policy": policy, **scored_continuation(cont, result)} for cont, (_, policy), result
                           in zip(continuations, responses_of(doc), results, strict=True)]
    return record


def axis_values(record: dict) -> dict[str, Any]:
    """The harness table's values of a rated response: its log-probability, and (measure, outcome rating)
    for the Spearman aggregation."""
    response = record["summaries"][0]
    outcome = record["ratings"][record["outcome"]]
    return {"logprob": response["logprob"], "logprob_per_byte": measure(response, "per_byte"),
            **{f"spearman_{m}_outcome": [measure(response, m), outcome] for m in MEASURES}}


class PrefTask(PluginTask):
    """Pair docs emit two requests, rated-response docs one; the requests of each doc are kept for its record."""

    def __init__(self, config: dict | None = None) -> None:
        super().__init__(config)
        self._chat_template = False
        self._continuations: dict[str, list[str]] = {}

    def construct_requests(self, doc: dict, ctx: str, **kwargs) -> list[Instance]:
        template = kwargs.pop("chat_template", None) if kwargs.pop("apply_chat_template", False) else None
        kwargs.pop("chat_template", None)
        self._chat_template = template is not None
        pairs = requests_of(doc, ctx, template)
        self._continuations[doc["key"]] = [cont for _, cont in pairs]
        return [Instance(request_type="loglikelihood", doc=doc, idx=i, arguments=pair, **kwargs)
                for i, pair in enumerate(pairs)]

    def process_results(self, doc: dict, results: list) -> dict:
        continuations = self._continuations.get(doc["key"])
        if continuations is None:
            raise DataError("this doc's requests were not built in this process (the pref tasks do not support "
                            "--cache_requests)", field="key")
        record = build_record(doc, continuations, results, chat_template=self._chat_template)
        values = axis_values(record) if record["kind"] == "axis" else cmp_values(record)
        return {"record": record, **values}
