"""`summ-pref sweep` scores each model of a preset once, resumes, and writes the comparison report; with
`generate:`, on tiny models, the generation, scored-samples and report outputs too (the step logic with fakes:
tests/postprocess/commands/test_sweep_generation.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from lm_eval_tasks.run_files import SAMPLES_RE
from postprocess.commands import sweep
from postprocess.commands.demo import in_process
from postprocess.commands.sweep import run_sweep
from postprocess.io.provenance import portable_name
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF, run
from tests.helpers.fake_eval import RecordingRunner, must_not_run, option, write_fake_run
from tests.helpers.presets import SWEEP, tiny_preset


def test_sweep_scores_each_model_once_and_resumes(tiny_bos_model, tiny_nobos_model, tmp_path):
    preset = tmp_path / "tiny.yaml"
    tiny_preset(preset, tiny_bos_model, tiny_nobos_model, "hf")
    runner = RecordingRunner(in_process)  # each step's eval command in this process (no start-up and imports)
    summary = run_sweep(preset, tmp_path / "sweep", runner=runner, **SWEEP)
    assert len(runner.calls) == 2
    assert summary["reference"] == portable_name(str(tiny_bos_model))  # the folder's name and content hash
    assert summary["comparisons"][0]["cmp"]["summ_pref_cmp"]["implicit_reward"]["agreement"]["n"] == 6

    run_sweep(preset, tmp_path / "sweep", runner=must_not_run, **SWEEP)
    shutil.rmtree(tmp_path / "sweep" / "runs" / "tuned")
    runner = RecordingRunner(in_process)
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


def test_a_hub_failure_inside_a_sweep_ends_in_one_line_naming_the_model_and_the_cause(tmp_path):
    """Offline (HF_HUB_OFFLINE=1), a model the cache does not hold cannot load: no traceback, one line naming the
    model and the cause, then the sweep's line naming the step; SUMM_PREF_DEBUG=1 shows the traceback."""
    preset = tmp_path / "hub.yaml"
    preset.write_text(yaml.safe_dump({"family": "hub", "reference": "m", "tasks": ["summ_pref_cmp"], "models": [
        {"name": "m", "model": "hf", "model_args": {"pretrained": "no-such-org/no-such-model", "dtype": "float32"}}]}))
    done = run([SUMM_PREF, "sweep", str(preset), "--out", str(tmp_path / "out"), "--limit", "2", "--device", "cpu",
                "--metadata", '{"data_dir": "@sample"}'])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 2, done.stderr[-3000:]
    assert "model no-such-org/no-such-model: We couldn't connect to 'https://huggingface.co'" in errors[0]
    assert "LocalEntryNotFoundError" in errors[0] and "SUMM_PREF_DEBUG=1" in errors[0]
    assert errors[1].startswith("summ-pref sweep: error:") and "scoring m (summ_pref_cmp) failed" in errors[1]
    debug = subprocess.run([SUMM_PREF, "eval", "--model", "hf", "--model_args", "pretrained=no-such-org/no-such-model",
                            "--tasks", "summ_pref_cmp", "--limit", "2", "--metadata", '{"data_dir": "@sample"}',
                            "--output_path", str(tmp_path / "debug")], capture_output=True, text=True, timeout=900,
                           env={**os.environ, "HF_HUB_OFFLINE": "1", "SUMM_PREF_DEBUG": "1"})
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "LocalEntryNotFoundError" in debug.stderr


def test_a_tempered_model_of_a_preset_is_scored_as_the_cached_copy_of_its_pretrained(tmp_path, monkeypatch):
    """`tempered: T` scores the copy (written once by the tempered-copy helper, as the demo's) and records T."""
    copies = []

    def fake_copy(source, name, temperature):
        copies.append((source, name, temperature))
        return tmp_path / "cache" / f"{name}-T{temperature:g}"

    monkeypatch.setattr(sweep, "ensure_tempered_copy", fake_copy)
    preset = {"family": "t", "reference": "base", "tasks": ["summ_pref_cmp"], "models": [
        {"name": "base", "model": "hf-prefix", "model_args": {"pretrained": "org/base"}},
        {"name": "copy", "model": "hf-prefix", "model_args": {"pretrained": "org/base"}, "tempered": 0.7}]}
    runner = RecordingRunner(lambda cmd: (write_fake_run(cmd), subprocess.CompletedProcess(cmd, 0))[1])
    sweep.score_models(preset, tmp_path / "runs", limit=2, runner=runner)
    assert copies == [("org/base", "base-hub", 0.7)]
    assert option(runner.calls[1], "--model_args") == f"pretrained={tmp_path / 'cache' / 'base-hub-T0.7'}"
    settings = json.loads((tmp_path / "runs" / "copy" / "run-1" / sweep.SETTINGS_FILE).read_text())
    assert settings["tempered"] == 0.7 and settings["model_args"] == {"pretrained": "org/base"}
    with pytest.raises(DataError, match=r"'models\[1\].tempered': expected a positive temperature"):
        sweep.check_preset({**preset, "models": [preset["models"][0], {**preset["models"][1], "tempered": 0}]}, None)
