"""Where the repository and the real data beside it are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
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
