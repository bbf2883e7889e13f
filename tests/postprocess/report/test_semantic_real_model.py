"""Known truth on a real model and real posts: the embedded SmolLM2's greedy samples (K copies of one text) are less
semantically diverse than its samples at T = 1."""

from __future__ import annotations

import numpy as np
import pytest
from lm_eval import simple_evaluate

import lm_eval_tasks.models  # noqa: F401  (registers hf-prefix)
from postprocess.io.embedding_model import PLACEHOLDER, resolve_embedding_model
from postprocess.io.embeddings import Embedder
from postprocess.stats.diversity import non_empty
from postprocess.stats.semantic import semantic_distance, vendi_score
from tests.helpers.harness_utils import task_manager

POSTS, K = 3, 4


def samples(model_dir, sff_dir, gen_kwargs: str | None) -> list[list[str]]:
    """K samples on each of the first real validation posts, inside the chat template (without it the model often
    opens with a newline, an empty sample)."""
    res = simple_evaluate(model="hf", model_args=f"pretrained={model_dir},dtype=float32", tasks=["summ_pref_gen"],
                          task_manager=task_manager(data_dir=str(sff_dir), k=K), limit=POSTS, log_samples=True,
                          bootstrap_iters=0, device="cpu", batch_size=K, gen_kwargs=gen_kwargs,
                          apply_chat_template=True)
    return [[s["text"] for s in line["record"]["samples"]] for line in res["samples"]["summ_pref_gen"]]


@pytest.mark.slow
def test_greedy_samples_are_less_semantically_diverse_than_t1(smollm2_dir, sff_dir):
    embedder = Embedder(resolve_embedding_model(PLACEHOLDER), progress=False)

    def per_input(groups: list[list[str]]) -> tuple[float, float]:
        kept = [embedder.encode(non_empty(texts)) for texts in groups if len(non_empty(texts)) >= 2]
        assert len(kept) >= 2, groups
        return (float(np.mean([semantic_distance(e) for e in kept])), float(np.mean([vendi_score(e) for e in kept])))

    sampled, greedy = samples(smollm2_dir, sff_dir, "temperature=1.0"), samples(smollm2_dir, sff_dir,
                                                                                "do_sample=False")
    assert len(sampled) == len(greedy) == POSTS
    (d_sampled, v_sampled), (d_greedy, v_greedy) = per_input(sampled), per_input(greedy)
    assert d_greedy == pytest.approx(0, abs=1e-6) and v_greedy == pytest.approx(1, abs=1e-6)  # K copies
    assert d_sampled > d_greedy + 0.05 and v_sampled > v_greedy + 0.2
