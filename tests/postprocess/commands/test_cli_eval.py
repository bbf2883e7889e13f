"""`summ-pref eval` is lm-eval's own CLI plus the plugin: the documented call on real rows, and bad data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lm_eval_tasks import TASKS_DIR
from tests.helpers.console import LM_EVAL, SUMM_PREF, run


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_eval_call_writes_results_and_samples(cli_eval_run):
    (model_dir,) = [p for p in cli_eval_run.iterdir() if p.is_dir()]
    results = json.loads(next(model_dir.glob("results_*.json")).read_text())
    assert results["versions"]["summ_pref_cmp"] == 1.1 and results["versions"]["summ_pref_axis_cnndm"] == 1.1
    for task, n_summaries in (("summ_pref_cmp", 2), ("summ_pref_axis_cnndm", 1)):
        lines = next(model_dir.glob(f"samples_{task}_*.jsonl")).read_text().splitlines()
        records = [json.loads(line)["record"] for line in lines]
        assert len(records) == 25 and len({r["key"] for r in records}) == 25
        assert all(len(r["summaries"]) == n_summaries for r in records)
        docs = [json.loads(line)["doc"] for line in lines]
        assert {d["duplicates_dropped"] for d in docs} == {0} and all(d["empty_summaries"] == 0 for d in docs)


@pytest.mark.parametrize("existing", [True, False])
def test_bad_data_gives_one_clear_error_and_leaves_output_untouched(tiny_nobos_model, tmp_path, existing):
    data = tmp_path / "data"
    (data / "comparisons").mkdir(parents=True)
    (data / "comparisons" / "batch1.json").write_text('{"info": {"post": "p"}, "split": "valid1", '
                                                      '"summaries": [{"text": " a"}, {"text": " b"}], "choice": 3}\n')
    out = tmp_path / "out"
    if existing:
        (out / "earlier_run").mkdir(parents=True)
        (out / "earlier_run" / "results_1.json").write_text("{}")
    before = snapshot(out) if existing else None
    proc = run([SUMM_PREF, "eval", "--model", "hf", "--model_args", f"pretrained={tiny_nobos_model}",
                "--tasks", "summ_pref_cmp", "--metadata", json.dumps({"data_dir": str(data)}),
                "--log_samples", "--output_path", str(out)])
    assert proc.returncode != 0
    assert f"{data / 'comparisons' / 'batch1.json'}:1: field 'choice': choice must be 0 or 1, got 3" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (snapshot(out) == before) if existing else not out.exists()


def test_lm_eval_validate_accepts_every_task():
    tasks = "summ_pref,summ_pref_axis_cnndm,summ_pref_cmp_cnndm,summ_pref_axis_oai,summ_pref_cmp_oai"
    proc = run([LM_EVAL, "validate", "--tasks", tasks, "--include_path", str(TASKS_DIR)])
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_help_of_every_command():
    for cmd in ([SUMM_PREF, "--help"], [SUMM_PREF, "report", "--help"], [SUMM_PREF, "sweep", "--help"],
                [SUMM_PREF, "demo", "--help"], [sys.executable, "-m", "postprocess", "report", "--help"]):
        proc = run(cmd)
        assert proc.returncode == 0 and "usage:" in proc.stdout, (cmd, proc.stderr[-1000:])
