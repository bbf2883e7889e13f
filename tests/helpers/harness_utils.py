"""The plugin's task manager, and scores checked independently of lm-eval (in-process runs: `harness_runs`)."""

from __future__ import annotations

from pathlib import Path

import torch
from lm_eval.tasks import TaskManager
from transformers import AutoModelForCausalLM, AutoTokenizer

from lm_eval_tasks import TASKS_DIR


def task_manager(**metadata) -> TaskManager:
    """include_defaults=False: milliseconds instead of indexing ~14,000 built-in YAMLs."""
    return TaskManager(include_path=str(TASKS_DIR), include_defaults=False, metadata=metadata)


class IndependentScorer:
    """Summed logprob of a continuation, computed with transformers alone, the way lm-eval defines it:
    trailing context whitespace moves to the continuation; the continuation's tokens are
    tok(ctx + cont)[len(tok(ctx)):] (joint encoding)."""

    def __init__(self, model_dir: Path):
        self.tok = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()

    def __call__(self, context: str, continuation: str) -> float:
        stripped = context.rstrip()
        continuation = context[len(stripped):] + continuation
        whole = self.tok(stripped + continuation).input_ids
        n_ctx = len(self.tok(stripped).input_ids)
        with torch.no_grad():
            logits = self.model(torch.tensor([whole])).logits[0]
        # log-softmax in the model's float32, like every backend; in float64 the sums move by up to
        # ~4e-4 nats on SmolLM2's 49k vocabulary (the float32 normaliser's rounding), more than 1e-4.
        logprobs = torch.log_softmax(logits, dim=-1)
        return sum(float(logprobs[i - 1, whole[i]]) for i in range(n_ctx, len(whole)))
