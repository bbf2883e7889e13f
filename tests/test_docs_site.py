"""The documentation site: its reference pages are generated from the code, and a page that names a statistic,
option or metadata key that does not exist fails `mkdocs build --strict` (anchor validation, mkdocs.yml)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lm_eval_tasks.data.metadata import METADATA_KEYS
from postprocess.commands.cli import build_parser
from postprocess.stats.registry import REGISTRY
from tests.helpers.paths import REPO

HOOK = REPO / "docs" / "hooks" / "reference_pages.py"


def hook():
    spec = importlib.util.spec_from_file_location("reference_pages", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_pages_hold_every_statistic_option_and_metadata_key():
    pages = hook()
    statistics, tasks, cli = pages.statistics_page(), pages.tasks_page(), pages.cli_page()
    assert [name for name in REGISTRY if f"{{#{name}}}" not in statistics] == []
    assert [key for key in METADATA_KEYS if f"{{#{key}}}" not in tasks] == []
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    anchors = [pages.option_anchor(name, action) for name, command in sub.choices.items() if name != "eval"
               for action in command._actions if not isinstance(action, argparse._HelpAction)]
    assert "report--reference" in anchors and "sweep--rescore" in anchors
    assert [a for a in anchors if f"{{#{a}}}" not in cli] == []
    assert "{#summ_pref_cmp}" in tasks and "{#pref_pairs}" in tasks


def site_copy(root: Path) -> Path:
    """What `mkdocs build` reads: mkdocs.yml, docs/ and the benchmarks page it includes."""
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "docs", root / "docs")
    (root / "benchmarks").mkdir()
    shutil.copy(REPO / "benchmarks" / "README.md", root / "benchmarks" / "README.md")
    return root


def build(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("page, bogus", [
    ("tutorial.md", "[`typicality_bogus`](reference/statistics.md#typicality_bogus)"),
    ("how-to/sweeps.md", "[`--no-such-flag`](../reference/cli.md#sweep--no-such-flag)"),
    ("how-to/any-dataset.md", "[`data_dirr`](../reference/tasks.md#data_dirr)"),
])
def test_a_page_naming_what_does_not_exist_fails_the_strict_build(tmp_path, page, bogus):
    root = site_copy(tmp_path)
    target = root / "docs" / page
    target.write_text(target.read_text(encoding="utf-8") + f"\nSee {bogus}.\n", encoding="utf-8")
    failed = build(root)
    assert failed.returncode != 0
    anchor = bogus.rsplit("#", 1)[1].rstrip(")")
    assert f"does not contain an anchor '#{anchor}'" in failed.stderr + failed.stdout


def test_the_site_builds_strictly(tmp_path):
    """The same copy without the bogus name builds: the failures above are the names' doing."""
    done = build(site_copy(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "site" / "reference" / "statistics" / "index.html").is_file()
