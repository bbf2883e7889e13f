"""Run lm-eval's own CLI with this plugin's tasks and model backends available.

lm-eval 0.4.13 reads no entry points, so an installed package cannot register tasks or models by
itself: this wrapper imports the backends and adds `--include_path` before handing over.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from lm_eval_tasks import TASKS_DIR
from lm_eval_tasks.default_model import resolve_pretrained


def register_backends() -> None:
    """Importing the module runs its @register_model decorators (hf-prefix)."""
    importlib.import_module("lm_eval_tasks.models")


def harness_argv(args: Sequence[str]) -> list[str]:
    """`lm_eval run` arguments: ours plus --include_path; `pretrained=@default` becomes the local model."""
    argv = list(args)
    if any(a == "--include_path" or a.startswith("--include_path=") for a in argv):
        raise SystemExit("summ-pref eval sets --include_path to its own tasks; lm-eval accepts only one path. "
                         "Use `lm_eval --include_path DIR ...` directly to add other tasks.")
    for i, a in enumerate(argv):
        if a == "--model_args" and i + 1 < len(argv):
            argv[i + 1] = resolve_pretrained(argv[i + 1])
        elif a.startswith("--model_args="):
            argv[i] = "--model_args=" + resolve_pretrained(a.split("=", 1)[1])
    return ["run", *argv, "--include_path", str(TASKS_DIR)]


def run_lm_eval(args: Sequence[str]) -> None:
    from lm_eval._cli import HarnessCLI
    from lm_eval.utils import setup_logging

    from lm_eval_tasks.errors import DataError

    register_backends()
    setup_logging()
    cli = HarnessCLI()
    parsed = cli._parser.parse_args(harness_argv(args))
    try:
        cli.execute(parsed)
    except DataError as err:  # raised while loading tasks, before anything is written
        raise SystemExit(f"summ-pref eval: error: {err}") from None


if __name__ == "__main__":
    run_lm_eval(sys.argv[1:])
