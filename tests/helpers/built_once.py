"""Expensive session set-up built once per test run, however many pytest-xdist workers ask for it.

Each xdist worker is its own process with its own session, so a session fixture would otherwise be built once
per worker (a scored run or a report: 10-20 CPU seconds each on the shared 2 cores). The first worker to ask
builds the folder under a file lock in the run's base temporary folder, which every worker shares and pytest
empties at the start of each run; the others wait for it and read it. A build that failed leaves no marker, so
the next worker builds it again and fails the same way (its error shows in that worker's test too)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock


def run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base temporary folder of the whole run: the workers' own (…/popen-gw0) sit inside it."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder `name` of this run (named so: a model's folder name shows in its report), filled by
    `build(folder)` in the first process that asks; read only. Its lock and done marker sit beside it."""
    root = run_root(tmp_path_factory) / "built-once"
    root.mkdir(exist_ok=True)
    folder, done = root / name, root / f"{name}.built"
    with FileLock(str(root / f"{name}.lock")):
        if not done.exists():
            if folder.exists():  # a build that failed in another worker
                shutil.rmtree(folder)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder
