"""`summ-pref sweep --executor local` with the real harness: two tiny models generating on the embedded sample, each
model's steps a submitit job (real subprocesses, two at once), give the inline sweep's statistics row for row."""

from __future__ import annotations

import json

import pytest

from postprocess.commands.demo import in_process
from postprocess.commands.sweep import run_sweep
from postprocess.commands.sweep_jobs import run_sweep_jobs
from tests.helpers.presets import SWEEP, tiny_preset


@pytest.mark.slow
def test_local_executor_on_tiny_models_equals_the_inline_sweep(tiny_bos_model, tiny_nobos_model, tmp_path):
    preset = tmp_path / "tiny.yaml"
    tiny_preset(preset, tiny_bos_model, tiny_nobos_model, "hf-prefix", generate={"k": 2, "temperature": 1.0,
                                                                                 "posts": 2})
    inline = run_sweep(preset, tmp_path / "inline", runner=in_process, **SWEEP)
    local = run_sweep_jobs(preset, tmp_path / "local", executor="local", jobs=2, **SWEEP)
    table = "report/tables/statistics.csv"
    rows = (tmp_path / "local" / table).read_text().splitlines()
    assert rows == (tmp_path / "inline" / table).read_text().splitlines() and len(rows) > 10
    assert any("summ_pref_gen" in row for row in rows)
    assert len(json.loads((tmp_path / "local" / "jobs.json").read_text())) == 3
    assert [r["model_name"] for r in local["runs"]] == [r["model_name"] for r in inline["runs"]]
