"""`summ-pref sweep` scores each model of a preset once, resumes, and writes the comparison report."""

from __future__ import annotations

import shutil

import yaml

from postprocess.commands.sweep import run_sweep
from postprocess.stats.bootstrap import Settings
from tests.helpers.console import run

FAST = Settings(n_resamples=100)


def test_sweep_scores_each_model_once_and_resumes(tiny_bos_model, tiny_nobos_model, tmp_path):
    preset = tmp_path / "tiny.yaml"
    preset.write_text(yaml.safe_dump({
        "family": "tiny", "description": "two tiny local models", "reference": "base",
        "tasks": ["summ_pref_cmp"],
        "models": [{"name": "base", "role": "base", "model": "hf",
                    "model_args": {"pretrained": str(tiny_bos_model), "dtype": "float32"}},
                   {"name": "tuned", "role": "dpo", "model": "hf",
                    "model_args": {"pretrained": str(tiny_nobos_model), "dtype": "float32"}}]}))
    calls = []

    def counting_runner(cmd):
        calls.append(cmd)
        return run(cmd)

    kw = {"limit": 6, "metadata": {"data_dir": "@sample"}, "batch_size": "4", "device": "cpu", "settings": FAST}
    summary = run_sweep(preset, tmp_path / "sweep", runner=counting_runner, **kw)
    assert len(calls) == 2
    assert summary["reference"] == str(tiny_bos_model)
    assert summary["comparisons"][0]["cmp"]["summ_pref_cmp"]["implicit_reward"]["agreement"]["n"] == 6

    def must_not_run(cmd):
        raise AssertionError(f"a finished model was scored again: {cmd}")

    run_sweep(preset, tmp_path / "sweep", runner=must_not_run, **kw)
    shutil.rmtree(tmp_path / "sweep" / "runs" / "tuned")
    calls.clear()
    again = run_sweep(preset, tmp_path / "sweep", runner=counting_runner, **kw)
    assert len(calls) == 1 and str(tiny_nobos_model) in " ".join(calls[0])
    assert (again["comparisons"][0]["cmp"]["summ_pref_cmp"]["implicit_reward"]["agreement"]["estimate"]
            == summary["comparisons"][0]["cmp"]["summ_pref_cmp"]["implicit_reward"]["agreement"]["estimate"])
