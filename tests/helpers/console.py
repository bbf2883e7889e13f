"""The console commands of this environment, run offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SUMM_PREF = str(Path(sys.executable).parent / "summ-pref")
LM_EVAL = str(Path(sys.executable).parent / "lm_eval")


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """A console command of this environment, offline."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, **kw)
