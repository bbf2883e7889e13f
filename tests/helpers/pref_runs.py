"""The pref tasks run in process on a local model, written as lm-eval's CLI writes a run, and HelpSteer-shaped
fixtures (made-up rows with the columns of nvidia/HelpSteer) for them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from lm_eval import simple_evaluate
from lm_eval.loggers import EvaluationTracker

from tests.helpers.harness_utils import task_manager

HELPSTEER_ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
WORDS = ("the", "cat", "sat", "on", "a", "mat", "my", "girlfriend", "said", "money", "court", "press", "budget",
         "family", "thinks", "advice", "needed", "police", "week", "post")


def write_pref_run(out: Path, model_dir: Path, tasks: list[str], *, limit: int | None = None,
                   apply_chat_template: bool = False, **metadata) -> dict:
    """`summ-pref eval --log_samples --output_path OUT` in process: results_*.json and samples_<task>_*.jsonl
    under OUT/<model folder>; returns lm-eval's results (samples included)."""
    tracker = EvaluationTracker(output_path=str(out))
    res = simple_evaluate(model="hf", model_args=f"pretrained={model_dir},dtype=float32", tasks=tasks,
                          task_manager=task_manager(**metadata), limit=limit, log_samples=True, bootstrap_iters=0,
                          device="cpu", batch_size=8, evaluation_tracker=tracker,
                          apply_chat_template=apply_chat_template, metadata=metadata)
    samples = res.pop("samples")
    tracker.save_results_aggregated(results=res, samples=samples)
    for task in res["configs"]:
        tracker.save_results_samples(task_name=task, samples=samples[task])
    return {**res, "samples": samples}


def helpsteer_rows(n_prompts: int = 12, per_prompt: int = 4, seed: int = 0) -> list[dict]:
    """Rows shaped like nvidia/HelpSteer (prompt, response, five 0-4 ratings), several responses per prompt;
    the made-up ratings rise with a latent quality so the statistics have something to find."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_prompts):
        prompt = f"Question {p}: " + " ".join(rng.choice(WORDS, 8))
        for _ in range(per_prompt):
            quality = rng.normal()
            response = " ".join(rng.choice(WORDS, int(rng.integers(4, 14))))
            ratings = {a: int(np.clip(np.round(2 + quality + rng.normal(0, 0.7)), 0, 4)) for a in HELPSTEER_ATTRIBUTES}
            rows.append({"prompt": prompt, "response": response, **ratings})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
