"""A wheel install, not only the editable one CI used to see, ships every file the tasks read and runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import postprocess
from tests.helpers.paths import REPO

PACKAGES = ("lm_eval_tasks/", "postprocess/", "summ_pref_common/")


def checkout_files() -> list[str]:
    """Tracked and new, not ignored, files: what a clean checkout of this working tree holds."""
    listing = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                             capture_output=True, check=True).stdout.decode()
    return sorted(p for p in listing.split("\0") if p and (REPO / p).is_file())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built offline from a copy of the checkout: an in-tree build would leave build/ in the working tree, and
    stale build files could hide a missing package-data pattern."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    for rel in checkout_files():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "--quiet", "--wheel-dir", str(tmp / "dist"), str(src)], check=False, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (built,) = (tmp / "dist").glob("summ_pref-*.whl")
    return built


def test_wheel_ships_every_file_of_the_packages(wheel):
    """YAMLs, the `_*_template_yaml` files they include, task cards, the sample's data, the code."""
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = [p for p in checkout_files() if p.startswith(PACKAGES) and p not in shipped]
    assert missing == []


def fresh_environment(root: Path) -> Path:
    """A virtual environment without the editable install: its site-packages names this venv's site-packages
    in a .pth path line, so the dependencies import, while .pth files inside that folder (the editable
    finder among them) are not processed."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "project_dependencies.pth").write_text("\n".join(ours) + "\n")
    return site


@pytest.mark.slow
def test_wheel_install_scores_the_sample_outside_the_checkout(wheel, tiny_nobos_model, tmp_path):
    env_dir = tmp_path / "venv"
    site = fresh_environment(env_dir)
    # --ignore-installed: pip sees the project venv's summ-pref through the .pth line and must neither skip
    # the install nor uninstall that one.
    subprocess.run([env_dir / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--ignore-installed", "--no-warn-script-location", str(wheel)], check=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"HF_HUB_OFFLINE": "1",
                                                                        "HF_DATASETS_OFFLINE": "1"}

    def run(*cmd) -> subprocess.CompletedProcess:
        return subprocess.run(list(cmd), check=False, cwd=outside, env=env, capture_output=True, text=True,
                              timeout=600)

    where = run(env_dir / "bin" / "python", "-c", "import lm_eval_tasks, postprocess, summ_pref_common; "
                "print(lm_eval_tasks.__file__); print(postprocess.__file__); print(summ_pref_common.__file__)")
    assert where.returncode == 0, where.stderr[-2000:]
    assert all(Path(f).is_relative_to(site) for f in where.stdout.split()), where.stdout
    proc = run(env_dir / "bin" / "summ-pref", "eval", "--model", "hf-prefix",
               "--model_args", f"pretrained={tiny_nobos_model},dtype=float32", "--tasks", "summ_pref_cmp",
               "--metadata", json.dumps({"data_dir": "@sample"}), "--limit", "4", "--batch_size", "4",
               "--device", "cpu", "--log_samples", "--output_path", "runs")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (samples,) = (outside / "runs").glob("*/samples_summ_pref_cmp_*.jsonl")
    docs = [json.loads(line)["doc"] for line in samples.read_text().splitlines()]
    assert len(docs) == 4 and {d["data_origin"] for d in docs} == {"sample"}
    (results,) = (outside / "runs").glob("*/results_*.json")
    assert str(site) in results.read_text() and str(REPO) not in results.read_text()
    installed = run(env_dir / "bin" / "python", "-c", "import importlib.metadata as m; print(m.version('summ-pref'))")
    assert installed.stdout.strip() == postprocess.__version__
