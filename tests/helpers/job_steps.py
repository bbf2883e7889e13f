"""A sweep runner for job executors: the fake steps of `tests.helpers.fake_generation`, picklable into submitit's
job processes, with timestamps unique across processes (as lm-eval's are) and a log of every step (start, end,
CUDA_VISIBLE_DEVICES) so tests can check the order and concurrency of the jobs."""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import fake_eval, fake_generation
from tests.helpers.fake_eval import option


@dataclass
class JobSteps:
    """`folder` holds the shared timestamp counter and events.jsonl; `fail` (task, pretrained) fails that step;
    each step takes `seconds`, and waits for `folder/release` first when `hold` is set."""

    folder: Path
    fail: tuple[str, str] | None = None
    seconds: float = 0.0
    hold: bool = False

    def _next_stamps(self) -> int:
        with open(self.folder / "counter", "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0)
            n = int(f.read() or 0)
            f.seek(0), f.truncate(), f.write(str(n + 1000))
        return n

    def __call__(self, cmd: list[str]) -> subprocess.CompletedProcess:
        start = time.time()
        while self.hold and not (self.folder / "release").exists() and time.time() - start < 300:
            time.sleep(0.2)
        time.sleep(self.seconds)
        n = self._next_stamps()
        fake_eval._CALLS = itertools.count(n)
        fake_generation._CALLS = itertools.count(n)
        model, task = option(cmd, "--model_args").split(",")[0].removeprefix("pretrained="), option(cmd, "--tasks")
        failed = self.fail is not None and self.fail == (task, model)
        if not failed:
            fake_generation.write_fake_step(cmd)
        event = {"model": model, "tasks": task, "metadata": option(cmd, "--metadata"), "start": start,
                 "end": time.time(), "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"), "pid": os.getpid()}
        with open(self.folder / "events.jsonl", "a") as f:
            f.write(json.dumps(event) + "\n")
        return subprocess.CompletedProcess(cmd, 1 if failed else 0)

    def events(self) -> list[dict]:
        path = self.folder / "events.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
