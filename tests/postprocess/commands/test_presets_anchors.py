"""The presets that reproduce published numbers and the preset keys they need: the Pythia TL;DR
presets score the `_oai` tasks with the EOS-terminated continuation and the DPO model's beta, the VS preset its
2,500 pairs; a preset's `limit` and `metadata` reach the eval command and the sweep settings, a model's `beta`
reaches the report's implicit-reward rows."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from lm_eval_tasks.data.metadata import METADATA_KEYS
from postprocess.commands import sweep
from postprocess.commands.cli import beta_arg, build_parser
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.fake_eval import must_not_run, option, write_fake_run
from tests.helpers.paths import REPO

CONFIGS = REPO / "configs"
FAST = Settings(n_resamples=50)
EOS = "<|endoftext|>"


@pytest.fixture(autouse=True)
def fast_report(monkeypatch):
    """The sweep's report in this process, with few resamples."""
    monkeypatch.setattr(sweep, "build_report", lambda dirs, out, **kw: build_report(
        dirs, out, **{**kw, "settings": FAST, "jobs": 1, "progress": False}))


@pytest.fixture
def no_report(monkeypatch) -> list[dict]:
    """The sweep's report left out (these tests are about what is scored): the keyword arguments it got."""
    calls: list[dict] = []
    monkeypatch.setattr(sweep, "build_report", lambda dirs, out, **kw: calls.append(kw) or {})
    return calls


class Runner:
    """Records the eval commands and writes a fake run for each."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def __call__(self, cmd: list[str]) -> subprocess.CompletedProcess:
        self.calls.append(cmd)
        write_fake_run(cmd)
        return subprocess.CompletedProcess(cmd, 0)


def write_preset(path: Path, **extra) -> Path:
    models = [{"name": "base", "role": "base", "model": "hf", "model_args": {"pretrained": "org/base"}},
              {"name": "tuned", "role": "dpo", "model": "hf", "model_args": {"pretrained": "org/tuned"}}]
    for name, beta in extra.pop("betas", {}).items():
        next(m for m in models if m["name"] == name)["beta"] = beta
    path.write_text(yaml.safe_dump({"family": "tiny", "description": "two fake models", "reference": "base",
                                    "tasks": ["summ_pref_cmp"], "models": models, **extra}))
    return path


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_preset_loads_with_known_tasks_and_metadata(path):
    preset = sweep.load_preset(path)
    assert sweep.task_versions(list(preset["tasks"]), path)
    assert set(preset.get("metadata", {})) <= set(METADATA_KEYS)


@pytest.mark.parametrize("size", ["1b", "2.8b", "6.9b"])
def test_pythia_tldr_presets_score_as_huang_et_al(size):
    """OpenAI's query format (the _oai tasks), " summary<|endoftext|>", and DPO's reward against the SFT model
    with beta 0.05."""
    path = CONFIGS / f"pythia-{size}-tldr.yaml"
    preset = sweep.load_preset(path)
    assert preset["tasks"] == ["summ_pref_axis_oai", "summ_pref_cmp_oai"]
    assert sweep.task_versions(preset["tasks"], path).keys() == {"summ_pref_axis_oai", "summ_pref_cmp_oai"}
    assert preset["metadata"] == {"continuation_end": EOS}
    assert preset["reference"] == "sft"
    assert {m["name"]: m.get("beta") for m in preset["models"]} == {"base": None, "sft": None, "ppo": None,
                                                                     "dpo": 0.05}


def test_vs_preset_scores_2500_validation_pairs_of_five_base_models():
    path = CONFIGS / "vs-tldr-base.yaml"
    preset = sweep.load_preset(path)
    assert preset["limit"] == 2500 and preset["tasks"] == ["summ_pref_cmp"]
    assert "metadata" not in preset  # the design prompt, the task's own (validation) split, no EOS
    assert {m["model_args"]["pretrained"] for m in preset["models"]} == {
        "google/gemma-3-4b-pt", "Qwen/Qwen3-4B-Base", "google/gemma-3-27b-pt", "meta-llama/Llama-3.1-8B",
        "meta-llama/Llama-3.1-70B"}
    assert {m["role"] for m in preset["models"]} == {"base"} and not any("beta" in m for m in preset["models"])


def test_preset_limit_and_metadata_reach_the_eval_command_and_the_settings(tmp_path, no_report):
    preset = write_preset(tmp_path / "p.yaml", limit=5, metadata={"data_dir": "@sample", "continuation_end": EOS})
    runner = Runner()
    sweep.run_sweep(preset, tmp_path / "out", runner=runner)
    assert len(runner.calls) == 2
    for cmd in runner.calls:
        assert option(cmd, "--limit") == "5"
        assert json.loads(option(cmd, "--metadata")) == {"data_dir": "@sample", "continuation_end": EOS}
    settings = json.loads((tmp_path / "out" / "runs" / "tuned" / "run-1" / sweep.SETTINGS_FILE).read_text())
    assert settings["limit"] == 5 and settings["data"] == "@sample"
    assert settings["metadata"] == {"continuation_end": EOS}
    # the command's --limit and --metadata keys win over the preset's; its other keys stay
    runner = Runner()
    sweep.run_sweep(preset, tmp_path / "out2", runner=runner, limit=7, metadata={"seed": 3, "continuation_end": "</s>"})
    cmd = runner.calls[0]
    assert option(cmd, "--limit") == "7"
    assert json.loads(option(cmd, "--metadata")) == {"data_dir": "@sample", "continuation_end": "</s>", "seed": 3}
    settings = json.loads((tmp_path / "out2" / "runs" / "base" / "run-1" / sweep.SETTINGS_FILE).read_text())
    assert settings["limit"] == 7 and settings["seed"] == 3 and settings["metadata"] == {"continuation_end": "</s>"}


def test_a_changed_preset_metadata_is_a_changed_setting(tmp_path, no_report):
    out = tmp_path / "out"
    sweep.run_sweep(write_preset(tmp_path / "p.yaml", metadata={"data_dir": "@sample"}), out, runner=Runner(),
                    limit=4)
    eos = write_preset(tmp_path / "p.yaml", metadata={"data_dir": "@sample", "continuation_end": EOS})
    with pytest.raises(DataError, match=r"metadata \{\} -> \{continuation_end: <\|endoftext\|>\}.*--rescore"):
        sweep.run_sweep(eos, out, runner=Runner(), limit=4)


def test_preset_betas_reach_the_report_by_model_name(tmp_path, no_report):
    sweep.run_sweep(write_preset(tmp_path / "p.yaml", betas={"tuned": 0.05}), tmp_path / "out", runner=Runner(),
                    limit=4, metadata={"data_dir": "@sample"})
    assert no_report[0]["betas"] == {"org/tuned": 0.05} and no_report[0]["reference"] == "org/base"


@pytest.mark.slow
def test_beta_reaches_the_implicit_reward_of_the_report(tmp_path):
    """The same runs reported with and without the model's beta: agreement equal, margin scaled by beta."""
    runner = Runner()
    kw = {"limit": 12, "metadata": {"data_dir": "@sample"}}
    with_beta = sweep.run_sweep(write_preset(tmp_path / "p.yaml", betas={"tuned": 0.05}), tmp_path / "out",
                                runner=runner, **kw)
    entry = with_beta["comparisons"][0]
    assert entry["model_name"] == "org/tuned" and entry["beta"] == 0.05
    reward = entry["cmp"]["summ_pref_cmp"]["implicit_reward"]
    assert {"agreement", "agreement_per_byte", "agreement_per_token", "margin", "margin_per_byte",
            "margin_per_token"} <= set(reward)
    assert "beta 0.05" in reward["margin"]["method"] and "beta 0.05" in reward["agreement"]["method"]
    # run_folder is portable: from the model's run folder on (run-N/<model folder>), under OUT/runs/<name>/
    folders = [next((tmp_path / "out" / "runs").glob(f"*/{r['run_folder']}")) for r in with_beta["runs"]]
    plain = build_report(folders, tmp_path / "plain", settings=FAST, reference="org/base", progress=False, jobs=1)
    plain_reward = plain["comparisons"][0]["cmp"]["summ_pref_cmp"]["implicit_reward"]
    assert plain["comparisons"][0]["beta"] is None
    for measure in ("", "_per_byte", "_per_token"):
        assert reward[f"agreement{measure}"]["estimate"] == plain_reward[f"agreement{measure}"]["estimate"]
        assert reward[f"margin{measure}"]["estimate"] == pytest.approx(
            0.05 * plain_reward[f"margin{measure}"]["estimate"], rel=1e-12)
    report = (tmp_path / "out" / "report" / "report.md").read_text()
    shown = next(r.get("display_name", r["model_name"]) for r in with_beta["runs"] if r["model_name"] == "org/tuned")
    assert f"| {shown} | summ_pref_cmp | 0.05 | sum | " in report
    assert "scaled by the model's β = 0.05" in report
    assert "β = 1, the plain log-ratio" in (tmp_path / "plain" / "report.md").read_text()


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"limit": 0}, "limit", "positive whole number"),
    ({"limit": "2500"}, "limit", "positive whole number"),
    ({"metadata": ["continuation_end"]}, "metadata", "mapping"),
    ({"betas": {"tuned": -0.1}}, "models[1].beta", "positive number"),
    ({"betas": {"tuned": True}}, "models[1].beta", "positive number"),
    ({"betas": {"base": 0.05}}, "models[0].beta", "reference has no implicit reward"),
])
def test_bad_preset_options_are_refused(tmp_path, extra, field, message):
    with pytest.raises(DataError, match=rf"field '{re.escape(field)}': .*{message}"):
        sweep.load_preset(write_preset(tmp_path / "p.yaml", **extra))


def test_unknown_preset_metadata_key_is_refused_before_scoring(tmp_path):
    with pytest.raises(DataError, match=r"unknown key\(s\) \['continuation_eos'\]"):
        sweep.run_sweep(write_preset(tmp_path / "p.yaml", metadata={"continuation_eos": EOS}), tmp_path / "out",
                        runner=must_not_run)


def test_report_beta_option(tmp_path):
    assert beta_arg("org/dpo=0.05") == ("org/dpo", 0.05)
    assert beta_arg("a=b=2") == ("a=b", 2.0)
    args = build_parser().parse_args(["report", "runs", "--out", str(tmp_path / "o"), "--reference", "r",
                                      "--beta", "m1=0.1", "--beta", "m2=0.5"])
    assert dict(args.beta) == {"m1": 0.1, "m2": 0.5}
    for bad in ("0.05", "m=0", "m=-1", "m=x", "=0.1"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["report", "runs", "--out", str(tmp_path / "o"), "--beta", bad])


def test_report_refuses_a_beta_of_no_compared_model(tmp_path):
    folders = [write_fake_run(["--model_args", f"pretrained=org/{n}", "--output_path", str(tmp_path / "runs" / n),
                               "--limit", "6"]) for n in ("base", "tuned")]
    with pytest.raises(DataError, match=r"--beta org/other=0.05: 'org/other' is not a model compared"):
        build_report(folders, tmp_path / "r", settings=FAST, reference="org/base", betas={"org/other": 0.05},
                     progress=False, jobs=1)
    with pytest.raises(DataError, match="is not a model compared against the reference"):
        build_report(folders, tmp_path / "r", settings=FAST, reference="org/base", betas={"org/base": 0.05},
                     progress=False, jobs=1)
