"""In-process lm-eval runs of the plugin's tasks (the one `simple_evaluate` call of the tests), optionally writing
their output folder as the CLI does (results and samples files)."""

from __future__ import annotations

from pathlib import Path

from lm_eval import simple_evaluate
from lm_eval.loggers import EvaluationTracker

import lm_eval_tasks.models  # noqa: F401  (registers hf-prefix)
from tests.helpers.harness_utils import task_manager


def run_tasks(model_dir: Path, tasks: list[str], *, limit: int | None, out: Path | None = None, model: str = "hf",
              gen_kwargs: str | None = None, batch_size: int = 4, **metadata) -> dict:
    """simple_evaluate on the plugin's tasks; with `out`, the results and samples files are written under
    out/<model folder>/ like `lm_eval run --output_path out --log_samples`."""
    tracker = EvaluationTracker(output_path=str(out)) if out is not None else None
    res = simple_evaluate(
        model=model,
        model_args=f"pretrained={model_dir},dtype=float32",
        tasks=tasks,
        task_manager=task_manager(**metadata),
        limit=limit,
        log_samples=True,
        bootstrap_iters=0,
        device="cpu",
        batch_size=batch_size,
        gen_kwargs=gen_kwargs,
        evaluation_tracker=tracker,
    )
    if tracker is not None:
        tracker.save_results_aggregated(results=res, samples=res["samples"])
        for task in res["configs"]:
            tracker.save_results_samples(task_name=task, samples=res["samples"][task])
    return res


def by_doc_id(samples: list[dict]) -> list[dict]:
    return sorted(samples, key=lambda s: s["doc_id"])
