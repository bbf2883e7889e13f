"""`summ-pref sweep` scores each model of a preset once, resumes, and writes the comparison report; with
`generate:`, on tiny models, the generation, scored-samples and report outputs too (the step logic with fakes:
tests/commands/test_sweep_generation.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from lm_eval_tasks.errors import DataError
from postprocess.commands.demo import in_process
from postprocess.commands.sweep import run_sweep
from postprocess.io.provenance import portable_name
from postprocess.io.runs import SAMPLES_RE
from postprocess.stats.bootstrap import Settings
from tests.helpers.console import run
from tests.helpers.fake_eval import RecordingRunner, must_not_run

FAST = Settings(n_resamples=100)
SWEEP = {"limit": 6, "metadata": {"data_dir": "@sample"}, "batch_size": "4", "device": "cpu", "settings": FAST}


def tiny_preset(path: Path, base: Path, tuned: Path, model: str, **extra) -> dict:
    """Writes a preset of the two tiny models (`base` the reference) scoring summ_pref_cmp; returns its spec."""
    spec = {"family": "tiny", "description": "two tiny local models", "reference": "base",
            "tasks": ["summ_pref_cmp"], **extra,
            "models": [{"name": name, "role": role, "model": model,
                        "model_args": {"pretrained": str(folder), "dtype": "float32"}}
                       for name, role, folder in (("base", "base", base), ("tuned", "dpo", tuned))]}
    path.write_text(yaml.safe_dump(spec))
    return spec


def test_sweep_scores_each_model_once_and_resumes(tiny_bos_model, tiny_nobos_model, tmp_path):
    preset = tmp_path / "tiny.yaml"
    tiny_preset(preset, tiny_bos_model, tiny_nobos_model, "hf")
    runner = RecordingRunner(run)
    summary = run_sweep(preset, tmp_path / "sweep", runner=runner, **SWEEP)
    assert len(runner.calls) == 2
    assert summary["reference"] == portable_name(str(tiny_bos_model))  # the folder's name and content hash
    assert summary["comparisons"][0]["cmp"]["summ_pref_cmp"]["implicit_reward"]["agreement"]["n"] == 6

    run_sweep(preset, tmp_path / "sweep", runner=must_not_run, **SWEEP)
    shutil.rmtree(tmp_path / "sweep" / "runs" / "tuned")
    runner = RecordingRunner(run)
    again = run_sweep(preset, tmp_path / "sweep", runner=runner, **SWEEP)
    assert len(runner.calls) == 1 and str(tiny_nobos_model) in " ".join(runner.calls[0])
    assert (again["comparisons"][0]["cmp"]["summ_pref_cmp"]["implicit_reward"]["agreement"]["estimate"]
            == summary["comparisons"][0]["cmp"]["summ_pref_cmp"]["implicit_reward"]["agreement"]["estimate"])


@pytest.mark.slow
def test_sweep_with_generation_on_tiny_models_writes_every_output_and_resumes(tiny_bos_model, tiny_nobos_model,
                                                                              tmp_path):
    """The real harness (in this process, as the demo runs it) on two tiny models: each generates K samples per post,
    scores its posts and its own samples; the reference scores the other's samples; the report reads them all. A
    second sweep runs nothing; another K is refused without --rescore."""
    preset = tmp_path / "tiny.yaml"
    spec = tiny_preset(preset, tiny_bos_model, tiny_nobos_model, "hf-prefix",
                       generate={"k": 3, "temperature": 1.0, "posts": 3})
    runner = RecordingRunner(in_process)
    summary = run_sweep(preset, tmp_path / "sweep", runner=runner, **SWEEP)
    assert len(runner.calls) == 9
    base, tuned = (tmp_path / "sweep" / "runs" / name / "run-1" for name in ("base", "tuned"))
    tuned_model = next(p for p in tuned.iterdir() if p.is_dir())
    for folder in (base, tuned):
        assert {SAMPLES_RE.match(p.name).group("task") for p in folder.rglob("samples_*")} == {
            "summ_pref_cmp", "summ_pref_gen", "summ_pref_posts", "summ_pref_samples"}
    scored = [json.loads(line)["record"] for p in base.rglob("samples_summ_pref_samples_*.jsonl")
              for line in p.read_text().splitlines()]
    assert {r["samples_from"]["run"] for r in scored} == {str(next(p for p in base.iterdir() if p.is_dir())),
                                                           str(tuned_model)}
    generated = [json.loads(line)["record"] for line in next(tuned_model.glob("samples_summ_pref_gen_*")).open()]
    assert len(generated) == 3 and all(len(r["samples"]) == 3 for r in generated)
    assert generated[0]["generation"]["torch_seed"] == 1234 and generated[0]["generation"]["temperature"] == 1.0
    runs = {r["model_name"]: r for r in summary["runs"]}
    for name in (portable_name(str(tiny_bos_model)), portable_name(str(tiny_nobos_model))):
        generation = runs[name]["generation"]["summ_pref_gen"]
        assert generation["per_input"]["distinct_1"]["n"] == 3 and generation["sample_ref_logprob"]["n"] == 3
        assert runs[name]["token_entropy"]["summ_pref_gen"]["mean_entropy"]["n"] == 3
        assert runs[name]["posts"]["summ_pref_posts"]["post_perplexity"]["estimate"] > 1
    (comparison,) = summary["comparisons"]
    assert comparison["generation"]["summ_pref_gen"]["sample_ref_logprob"]["n"] == 3
    assert "## Generated samples" in (tmp_path / "sweep" / "report" / "report.md").read_text()

    run_sweep(preset, tmp_path / "sweep", runner=must_not_run, **SWEEP)
    preset.write_text(yaml.safe_dump({**spec, "generate": {**spec["generate"], "k": 2}}))
    with pytest.raises(DataError, match=r"base, tuned: generate.k 3 -> 2\. Pass --rescore"):
        run_sweep(preset, tmp_path / "sweep", runner=must_not_run, **SWEEP)
