"""The generation tasks (summ_pref_gen*): K sampled summaries per post, logged with their settings.

One `generate_until` request per post, repeated K times by lm-eval (`repeats`); the YAML's `filter_list`
keeps all K responses (lm-eval's default filter would keep the first), so the record holds every sample.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from lm_eval.api.instance import Instance
from lm_eval.models.utils import normalize_gen_kwargs

from lm_eval_tasks.data.posts import post_record
from lm_eval_tasks.task_base import PluginTask
from summ_pref_common.errors import DataError


def keep_all(resps: Iterable[list[str]], docs: Sequence[dict]) -> Iterable[list[str]]:
    """The identity filter (lm-eval's `custom` filter with this function): every doc keeps its K responses."""
    return resps


def checked_k(value: object) -> int:
    """The samples per post from --metadata `k`: a positive int, or a string of one."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DataError(f"expected a positive integer (samples per post), got {type(value).__name__} {value!r:.60}",
                        field="k")
    return value


def generation_settings(generation_kwargs: dict, k: int, torch_seed: int | None) -> dict:
    """What the backend was asked for, as lm-eval normalises it for every backend (do_sample=False sets
    temperature 0; EOS also stops hf's generation, beside `until`), with K and torch's seed."""
    settings = dict(normalize_gen_kwargs(generation_kwargs))
    return {**settings, "k": k, "torch_seed": torch_seed}


def sample_words(text: str) -> int:
    """Whitespace tokens, the unit of the harness's quick length metric."""
    return len(text.split())


class GenerationTask(PluginTask):
    """`generate_until` with K samples per post; `--metadata '{"k": K}'` overrides the YAML's `repeats`."""

    def __init__(self, config: dict | None = None) -> None:
        config = dict(config or {})
        metadata = config.get("metadata") or {}
        if "k" in metadata:
            config["repeats"] = checked_k(metadata["k"])
        super().__init__(config)
        self._chat_template = False
        self._torch_seed: int | None = None

    def construct_requests(self, doc: dict, ctx: str, **kwargs) -> Instance:
        # torch's seed as the harness set it (--seed, third value) before any request is built: sampling in
        # hf draws from it; the same samples also need the same batches, device and library versions.
        self._chat_template = bool(kwargs.get("apply_chat_template", False))
        self._torch_seed = torch.initial_seed()
        return super().construct_requests(doc, ctx, **kwargs)

    def process_results(self, doc: dict, results: list) -> dict:
        (samples,) = results
        if isinstance(samples, str):
            raise ValueError(f"{self.config.task}: got one response per doc, not K; its filter_list must keep "
                             f"all responses (lm_eval_tasks.summ_pref_gen.task.keep_all)")
        settings = generation_settings(self.config.generation_kwargs, self.config.repeats, self._torch_seed)
        record = {
            **post_record(doc, "gen", prompt=self.prompt_name, chat_template=self._chat_template),
            "generation": settings,
            "samples": [{"index": i, "text": text} for i, text in enumerate(samples)],
            "empty_samples": sum(not text.strip() for text in samples),
        }
        return {
            "record": record,
            "sample_words": sum(sample_words(t) for t in samples) / len(samples),
            "distinct_samples": len(set(samples)),
        }
