"""Models against a reference: two real eval runs, the comparison report and its refusals (the sweep that
resumes: tests/postprocess/commands/test_sweep.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from lm_eval_tasks.harness import run_checked
from postprocess.io.provenance import portable_name
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF, run

FAST = Settings(n_resamples=100)


def eval_run(model_dir: Path, data_dir: Path, out: Path, limit: int = 25) -> Path:
    """`summ-pref eval` of the pair and news-axis tasks into OUT, run in this process (`run_checked`, what the
    command runs, without a new interpreter's start-up and imports; the command itself: `cli_eval_run`)."""
    run_checked(["--model", "hf", "--model_args", f"pretrained={model_dir},dtype=float32",
                 "--tasks", "summ_pref_cmp,summ_pref_axis_cnndm", "--metadata", json.dumps({"data_dir": str(data_dir)}),
                 "--limit", str(limit), "--batch_size", "8", "--device", "cpu", "--log_samples",
                 "--output_path", str(out)])
    return out


@pytest.fixture(scope="module")
def reference_run(tiny_bos_model, sff_dir, tmp_path_factory) -> Path:
    return eval_run(tiny_bos_model, sff_dir, tmp_path_factory.mktemp("ref") / "out")


def model_name(run_dir: Path) -> str:
    """The run's key in the report: lm-eval's model_name (a local folder) made portable."""
    (results,) = run_dir.glob("*/results_*.json")
    return portable_name(json.loads(results.read_text())["model_name"])


def scores(run_dir: Path, task: str) -> dict[str, dict]:
    (path,) = run_dir.glob(f"*/samples_{task}_*.jsonl")
    return {r["key"]: r for r in (json.loads(line)["record"] for line in path.read_text().splitlines())}


@pytest.fixture(scope="module")
def comparison(reference_run, cli_eval_run, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("cmp") / "out"
    proc = run([SUMM_PREF, "report", str(reference_run), str(cli_eval_run), "--reference",
                model_name(reference_run), "--out", str(out), "--n-resamples", "200"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"out": out, "summary": json.loads((out / "summary.json").read_text())}


def test_implicit_reward_agreement_equals_independent_computation(comparison, reference_run, cli_eval_run):
    ref, model = scores(reference_run, "summ_pref_cmp"), scores(cli_eval_run, "summ_pref_cmp")
    assert set(ref) == set(model) and len(ref) == 25  # same seed, same held-out rows
    wins = []
    for key, r in ref.items():
        reward = [m["logprob"] - s["logprob"] for m, s in zip(model[key]["summaries"], r["summaries"])]
        wins.append(0.5 if reward[0] == reward[1] else float((reward[1] > reward[0]) == (r["choice"] == 1)))
    (entry,) = comparison["summary"]["comparisons"]
    assert entry["reference"] == model_name(reference_run) and entry["model_name"] == model_name(cli_eval_run)
    stat = entry["cmp"]["summ_pref_cmp"]["implicit_reward"]["agreement"]
    assert stat["estimate"] == pytest.approx(np.mean(wins), abs=1e-12) and stat["n"] == 25
    assert stat["ci_low"] <= stat["estimate"] <= stat["ci_high"]


def test_implicit_reward_correlation_and_differences(comparison, reference_run, cli_eval_run):
    ref, model = scores(reference_run, "summ_pref_axis_cnndm"), scores(cli_eval_run, "summ_pref_axis_cnndm")
    keys = sorted(ref)
    reward = np.array([model[k]["summaries"][0]["logprob"] - ref[k]["summaries"][0]["logprob"] for k in keys])
    overall = np.array([ref[k]["ratings"]["overall"] for k in keys], dtype=float)
    (entry,) = comparison["summary"]["comparisons"]
    got = entry["axis"]["summ_pref_axis_cnndm"]["implicit_reward"]["overall"]["spearman"]
    assert got["estimate"] == pytest.approx(stats.spearmanr(reward, overall).statistic, abs=1e-12)
    runs = {r["model_name"]: r for r in comparison["summary"]["runs"]}
    diff = entry["cmp"]["summ_pref_cmp"]["differences"]["sum"]["agreement"]
    expected = (runs[entry["model_name"]]["cmp"]["summ_pref_cmp"]["sum"]["agreement"]["estimate"]
                - runs[entry["reference"]]["cmp"]["summ_pref_cmp"]["sum"]["agreement"]["estimate"])
    assert diff["estimate"] == pytest.approx(expected, abs=1e-12)


def test_comparison_report_shows_findings_and_figures(comparison):
    text = (comparison["out"] / "report.md").read_text()
    assert "## Answers" in text and "## Hypothesis 2: " in text and "implicit reward" in text
    for name in ("implicit_reward__summ_pref_cmp.png", "models_correlation__summ_pref_axis_cnndm.png"):
        assert f"figures/{name}" in text and (comparison["out"] / "figures" / name).exists()
    assert (comparison["out"] / "tables" / "comparisons.csv").exists()


def _copy(run_dir: Path, tmp: Path, name: str) -> Path:
    dest = tmp / name
    shutil.copytree(run_dir, dest)
    return dest


def test_different_task_versions_are_refused(reference_run, cli_eval_run, tmp_path):
    other = _copy(cli_eval_run, tmp_path, "other")
    (results,) = other.glob("*/results_*.json")
    data = json.loads(results.read_text())
    data["versions"]["summ_pref_cmp"] = 2.0
    results.write_text(json.dumps(data))
    with pytest.raises(DataError, match=r"summ_pref_cmp.*task_version"):
        build_report([reference_run, other], tmp_path / "out", reference=model_name(reference_run), settings=FAST,
                     progress=False)
    assert not (tmp_path / "out").exists()


def test_different_prompts_are_refused(reference_run, cli_eval_run, tmp_path):
    other = _copy(cli_eval_run, tmp_path, "other")
    (path,) = other.glob("*/samples_summ_pref_cmp_*.jsonl")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for sample in lines:
        sample["record"]["prompt_sha"] = "f" * 16
    path.write_text("".join(json.dumps(s) + "\n" for s in lines))
    with pytest.raises(DataError, match="prompt_sha"):
        build_report([reference_run, other], tmp_path / "out", reference=model_name(reference_run), settings=FAST,
                     progress=False)


def test_only_rows_in_every_run_are_compared_and_counted(reference_run, tiny_nobos_model, sff_dir, tmp_path):
    shorter = eval_run(tiny_nobos_model, sff_dir, tmp_path / "short", limit=20)
    summary = build_report([reference_run, shorter], tmp_path / "out", reference=model_name(reference_run),
                           settings=FAST, progress=False)
    (entry,) = summary["comparisons"]
    assert entry["rows_not_in_every_run"]["reference"]["summ_pref_cmp"] == {"not in every run": 5}
    assert entry["rows_not_in_every_run"]["model"]["summ_pref_cmp"] == {"not in every run": 0}
    assert entry["cmp"]["summ_pref_cmp"]["implicit_reward"]["agreement"]["n"] == 20


def test_unknown_reference_is_refused(reference_run, tmp_path):
    with pytest.raises(DataError, match="--reference 'nope' is not the model_name of any run"):
        build_report([reference_run], tmp_path / "out", reference="nope", settings=FAST, progress=False)

