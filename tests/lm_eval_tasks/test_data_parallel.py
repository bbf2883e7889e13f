"""Scaling out. Data parallel: `accelerate launch -m lm_eval_tasks.harness` with 2 CPU processes (gloo) shards
the docs over the ranks and logs what one process logs, and `summ-pref report` over it is the one-process report.
vLLM: its results, plain (logprob, is_greedy) pairs, make the same records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.records import BACKEND_EXTRA_FIELDS
from tests.helpers.console import SUMM_PREF
from tests.helpers.harness_utils import task_manager

ACCELERATE = str(Path(sys.executable).parent / "accelerate")
TASKS = ("summ_pref_cmp", "summ_pref_axis")
# lm-eval writes these summary.json fields from the run folder and the clock
RUN_SPECIFIC = {"created", "elapsed_s", "path", "sha256", "run_folder"}


def command(cmd: list[str]) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "ACCELERATE_USE_CPU": "1"}  # accelerate's switch for several CPU processes (gloo)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr


def eval_runs(model: Path, out: Path, model_args: str, batch_size: int) -> dict[int, Path]:
    """The same `summ-pref eval` call in 1 and in 2 processes (the README's command): {processes: run folder}."""
    args = ["--model", "hf-prefix", "--model_args", f"pretrained={model},dtype=float32{model_args}",
            "--tasks", "summ_pref", "--metadata", json.dumps({"data_dir": SAMPLE_NAME}),
            "--batch_size", str(batch_size), "--log_samples"]
    command([SUMM_PREF, "eval", *args, "--output_path", str(out / "one")])
    log = command([ACCELERATE, "launch", "--multi_gpu", "--num_processes", "2", "-m", "lm_eval_tasks.harness",
                   *args, "--output_path", str(out / "two")])
    for task in TASKS:  # each rank built its own shard (stock hf on CPU has every process call itself rank 0)
        assert f"Building contexts for {task} on rank 0" in log and f"Building contexts for {task} on rank 1" in log
    return {1: out / "one", 2: out / "two"}


def samples(run: Path, task: str) -> dict[str, dict]:
    """The task's logged samples by doc key; a key logged twice fails."""
    (path,) = run.glob(f"*/samples_{task}_*.jsonl")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    by_key = {line["doc"]["key"]: line for line in lines}
    assert len(by_key) == len(lines)
    return by_key


@pytest.fixture(scope="module")
def packed_runs(tiny_nobos_model, tmp_path_factory) -> dict[int, Path]:
    """hf-prefix as users run it: rows pack every continuation of a post, 4 rows per forward pass. The sample's
    posts recur over docs, so a post's summaries are split over the ranks and packed with other neighbours."""
    return eval_runs(tiny_nobos_model, tmp_path_factory.mktemp("dp_packed"), "", batch_size=4)


@pytest.fixture(scope="module")
def exact_runs(tiny_nobos_model, tmp_path_factory) -> dict[int, Path]:
    """One continuation per row and one row per pass: each request is computed alike whatever shares its rank,
    so any difference is the data-parallel machinery's (sharding, gathering), not float reassociation."""
    return eval_runs(tiny_nobos_model, tmp_path_factory.mktemp("dp_exact"), ",max_row_tokens=1", batch_size=1)


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS)
def test_two_processes_log_the_samples_of_one(packed_runs, task):
    one, two = samples(packed_runs[1], task), samples(packed_runs[2], task)
    assert len(one) == len(two) > 0 and one.keys() == two.keys()
    for key, line in one.items():
        other = two[key]
        assert line.keys() == other.keys() and line["doc"] == other["doc"] and line["doc_id"] == other["doc_id"]
        for a, b in zip(line["record"]["summaries"], other["record"]["summaries"], strict=True):
            assert {k: v for k, v in a.items() if not isinstance(v, (float, list))} == \
                   {k: v for k, v in b.items() if not isinstance(v, (float, list))}
            np.testing.assert_allclose(a["token_logprobs"], b["token_logprobs"], rtol=0, atol=1e-5)
            np.testing.assert_allclose(a["token_entropies"], b["token_entropies"], rtol=0, atol=1e-5)
            # the sum is reduced in float32, as hf's: a post packed with other summaries moves it by up to an ulp
            # (3e-5 for a sum of -300)
            assert abs(a["logprob"] - b["logprob"]) <= 1e-5 + 2 * np.spacing(np.float32(abs(a["logprob"])))


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS)
def test_two_processes_log_exactly_the_samples_of_one(exact_runs, task):
    assert samples(exact_runs[1], task) == samples(exact_runs[2], task)


def without_run_specific(value):
    if isinstance(value, dict):
        return {k: without_run_specific(v) for k, v in value.items() if k not in RUN_SPECIFIC}
    if isinstance(value, list):
        return [without_run_specific(v) for v in value]
    return value


@pytest.mark.slow
def test_the_report_of_two_processes_is_the_report_of_one(exact_runs, tmp_path):
    reports = {}
    for n, run in exact_runs.items():
        command([SUMM_PREF, "report", str(run), "--out", str(tmp_path / f"report{n}"), "--n-resamples", "100",
                 "--jobs", "1"])
        reports[n] = tmp_path / f"report{n}"
    pd.testing.assert_frame_equal(pd.read_csv(reports[1] / "tables" / "statistics.csv"),
                                  pd.read_csv(reports[2] / "tables" / "statistics.csv"), check_exact=True)
    one, two = (json.loads((reports[n] / "summary.json").read_text()) for n in (1, 2))
    assert without_run_specific(one) == without_run_specific(two)


# vLLM: `VLLM._parse_logprobs` returns (sum of the prompt logprobs, is_greedy), a float and a bool, and nothing else

@pytest.mark.parametrize("task_name, results", [
    ("summ_pref_cmp", [(-12.5, False), (-3.25, True)]),
    ("summ_pref_axis", [(-7.75, True)]),
])
def test_vllm_shaped_results_make_records(task_name, results):
    task = task_manager(data_dir=SAMPLE_NAME).load([task_name])["tasks"][task_name]
    doc = next(iter(task.test_docs()))
    out = task.process_results(doc, results)
    summaries = out["record"]["summaries"]
    assert [(s["logprob"], s["is_greedy"]) for s in summaries] == results
    for summary in summaries:
        assert type(summary["logprob"]) is float and type(summary["is_greedy"]) is bool
        assert not set(BACKEND_EXTRA_FIELDS) & summary.keys() and "extra" not in summary
    if task_name == "summ_pref_cmp":  # the higher sum is summary 1
        assert out["agreement_sum"] == float(doc["choice"] == 1)
