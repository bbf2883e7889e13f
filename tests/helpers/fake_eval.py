"""A stand-in for `summ-pref eval` that writes a synthetic run where lm-eval would, in milliseconds,
so the sweep's and the demo's folder handling can be tested without scoring a model."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from tests.helpers.synthetic_runs import TIMESTAMP, write_run

_CALLS = itertools.count()


def option(cmd: list[str], name: str, default: str | None = None) -> str | None:
    return cmd[cmd.index(name) + 1] if name in cmd else default


def write_fake_run(cmd: list[str], *, drop_task: str | None = None) -> Path:
    """The run lm-eval would leave for this command line: OUTPUT_PATH/<model>/results + samples, named
    with a fresh timestamp (as lm-eval does), with --limit rows per task; `drop_task` leaves one task
    out, as an interrupted run would."""
    pretrained = dict(kv.split("=", 1) for kv in option(cmd, "--model_args").split(","))["pretrained"]
    folder = Path(option(cmd, "--output_path")) / pretrained.replace("/", "__")
    n = int(option(cmd, "--limit", "30"))
    seed = sum(map(ord, pretrained))
    write_run(folder, n_pairs=n, n_axis=n, n_posts_cmp=max(2, n // 2), n_posts_axis=max(2, n // 2), seed=seed,
              model_name=pretrained, shift=(seed % 7) / 10)
    stamp = f"2026-01-01T00-00-00.{next(_CALLS):06d}"
    for path in folder.glob(f"*{TIMESTAMP}*"):
        path.rename(path.with_name(path.name.replace(TIMESTAMP, stamp)))
    if drop_task:
        (folder / f"samples_{drop_task}_{stamp}.jsonl").unlink()
    return folder


class RecordingRunner:
    """A sweep runner that records each eval command line, then hands it to `step` (the real harness, or a
    fake that writes what the step would leave)."""

    def __init__(self, step: Callable[[list[str]], object]):
        self.step = step
        self.calls: list[list[str]] = []

    def __call__(self, cmd: list[str]):
        self.calls.append(cmd)
        return self.step(cmd)


def must_not_run(cmd: list[str]):
    """The runner of a sweep that must find every step done (or refuse before scoring)."""
    raise AssertionError(f"an eval step ran that should not have: {cmd}")
