"""`summ-pref eval` run in process on arguments that must be refused: its one-line error, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.harness import run_lm_eval


def eval_error(args: list[str], out: Path) -> str:
    """Run `summ-pref eval ARGS --output_path OUT` in process; return its one-line error, checking nothing
    was written."""
    with pytest.raises(SystemExit) as exc:
        run_lm_eval([*args, "--log_samples", "--output_path", str(out)])
    message = str(exc.value.code)
    assert message.startswith("summ-pref eval: error: ") and "\n" not in message, message
    assert not out.exists()
    return message


def sample_args(model: str = "./no/such/model", tasks: str = "summ_pref_cmp", **metadata) -> list[str]:
    """Arguments of `summ-pref eval` on the embedded sample, with `metadata` added to its --metadata."""
    return ["--model", "hf", "--model_args", f"pretrained={model}", "--tasks", tasks,
            "--metadata", json.dumps({"data_dir": SAMPLE_NAME, **metadata})]
