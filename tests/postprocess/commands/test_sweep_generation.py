"""`summ-pref sweep` with `generate:`: each model generates, scores its posts and its own samples, the reference
scores every other model's samples, and the report reads all of it; every step resumes, the generation settings
are settings (a change is refused without --rescore), nothing is overwritten. Scoring is replaced by fakes
(tests/helpers/fake_generation.py); the real harness on tiny models: tests/postprocess/commands/test_sweep.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from postprocess.commands import sweep
from postprocess.io.runs import sha256_file
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.fake_eval import RecordingRunner, must_not_run, option
from tests.helpers.fake_generation import write_fake_step
from tests.helpers.presets import GENERATE, write_preset

FAST = Settings(n_resamples=50)

@pytest.fixture(autouse=True)
def no_report(monkeypatch) -> list[list[Path]]:
    """The report left out (most tests are about which steps run): the run folders it was given."""
    calls: list[list[Path]] = []
    monkeypatch.setattr(sweep, "build_report", lambda dirs, out, **kw: calls.append(dirs) or {})
    return calls


@pytest.fixture
def fast_report(monkeypatch):
    monkeypatch.setattr(sweep, "build_report", lambda dirs, out, **kw: build_report(
        dirs, out, **{**kw, "settings": FAST, "jobs": 1, "progress": False}))

class Runner(RecordingRunner):
    """Records the eval commands and writes what each step leaves; `fail` (a task name and a model) writes
    nothing and fails, as an interrupted step."""

    def __init__(self, fail: tuple[str, str] | None = None):
        super().__init__(self.fake_step)
        self.fail = fail

    def fake_step(self, cmd: list[str]) -> subprocess.CompletedProcess:
        if self.fail and option(cmd, "--tasks") == self.fail[0] and f"pretrained={self.fail[1]}" in cmd:
            return subprocess.CompletedProcess(cmd, 1)
        write_fake_step(cmd)
        return subprocess.CompletedProcess(cmd, 0)

    def steps(self) -> list[tuple[str, str]]:
        """(model, tasks) of each call."""
        return [(option(c, "--model_args").removeprefix("pretrained="), option(c, "--tasks")) for c in self.calls]


def sweep_once(preset: Path, out: Path, runner=None, **kw) -> dict:
    return sweep.run_sweep(preset, out, runner=runner or Runner(), **{"limit": 6, "metadata": {"data_dir": "@sample"},
                                                                       **kw})


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


OWN_STEPS = ["summ_pref_axis,summ_pref_cmp", "summ_pref_gen", "summ_pref_posts", "summ_pref_samples"]


def test_every_step_runs_once_and_the_report_reads_them(tmp_path, fast_report):
    out, runner = tmp_path / "out", Runner()
    summary = sweep_once(write_preset(tmp_path / "p.yaml", GENERATE), out, runner)
    assert runner.steps() == [*(("org/base", t) for t in OWN_STEPS), *(("org/tuned", t) for t in OWN_STEPS),
                              ("org/base", "summ_pref_samples")]
    gen = runner.calls[1]
    assert option(gen, "--limit") == "6" and option(gen, "--seed") == "0,1234,1234,1234"
    assert option(gen, "--gen_kwargs") == "do_sample=True,temperature=1.0,top_p=1.0"
    assert json.loads(option(gen, "--metadata")) == {"data_dir": "@sample", "k": 4}
    assert "--apply_chat_template" not in gen
    tuned_folder = out / "runs" / "tuned" / "run-1" / "org__tuned"
    assert json.loads(option(runner.calls[-1], "--metadata")) == {"samples_from": str(tuned_folder),
                                                                  "samples_task": "summ_pref_gen"}
    settings = json.loads((out / "runs" / "tuned" / "run-1" / sweep.SETTINGS_FILE).read_text())
    assert settings["generate"] == {**sweep.GENERATE_DEFAULTS, **GENERATE, "tasks": {
        "summ_pref_gen": 1.0, "summ_pref_posts": 1.0, "summ_pref_samples": 1.0}}
    record = json.loads((out / "runs" / "base" / "run-1" / "sweep_samples_tuned_run-1.json").read_text())
    assert record["generation_run"] == "../../tuned/run-1"  # from the reference's run folder: no path of the machine
    assert record["generation_settings_sha256"] == sha256_file(out / "runs" / "tuned" / "run-1" / sweep.SETTINGS_FILE)
    # the report: each model's diversity, the reference's log-prob of each model's samples, the differences
    runs = {r["model_name"]: r for r in summary["runs"]}
    assert runs["org/tuned"]["generation"]["summ_pref_gen"]["sample_ref_logprob"]["estimate"] == pytest.approx(-2.0)
    assert runs["org/base"]["generation"]["summ_pref_gen"]["sample_ref_logprob"]["estimate"] == pytest.approx(-1.0)
    assert runs["org/tuned"]["token_entropy"]["summ_pref_gen"]["mean_entropy"]["n"] == 6
    (comparison,) = summary["comparisons"]
    assert comparison["generation"]["summ_pref_gen"]["per_input"]["distinct_1"]["n"] == 6
    assert "## Generated samples" in (out / "report" / "report.md").read_text()


def test_a_second_sweep_reuses_every_step(tmp_path, no_report):
    preset, out = write_preset(tmp_path / "p.yaml", GENERATE), tmp_path / "out"
    sweep_once(preset, out)
    runs = files_of(out / "runs")
    sweep_once(preset, out, must_not_run)
    assert files_of(out / "runs") == runs
    assert no_report[1] == no_report[0] == [out / "runs" / name / "run-1" for name in ("base", "tuned")]


@pytest.mark.parametrize(("change", "named"), [
    ({"k": 3}, "generate.k 4 -> 3"),
    ({"temperature": 0.7}, "generate.temperature 1.0 -> 0.7"),
    ({"chat_template": True}, "generate.chat_template False -> True"),
])
def test_other_generation_settings_are_refused_then_rescored_into_new_folders(tmp_path, no_report, change, named):
    out = tmp_path / "out"
    sweep_once(write_preset(tmp_path / "p.yaml", GENERATE), out)
    before = files_of(out)
    changed = write_preset(tmp_path / "p.yaml", {**GENERATE, **change})
    with pytest.raises(DataError, match=rf"base, tuned: {named}\. Pass --rescore"):
        sweep_once(changed, out, must_not_run)
    assert files_of(out) == before
    runner = Runner()
    sweep_once(changed, out, runner, rescore=True)
    assert len(runner.calls) == 9 and no_report[-1] == [out / "runs" / name / "run-2" for name in ("base", "tuned")]
    assert files_of(out) == {**before, **{k: v for k, v in files_of(out).items() if "/run-2/" in k}}  # run-1 kept
    assert (out / "runs" / "base" / "run-2" / "sweep_samples_tuned_run-2.json").is_file()


def test_the_reference_scores_a_models_newer_generation_again(tmp_path, no_report):
    """tuned's own `generate:` changes (tuned scored again into run-2; base's run is unchanged): base scores
    run-2's samples; back to the old setting, run-1 is reused and base scores its samples again, since the newest
    scoring of tuned's samples in base's folder (the one the report reads) is of run-2."""
    out = tmp_path / "out"
    sweep_once(write_preset(tmp_path / "p.yaml", GENERATE), out)
    other = write_preset(tmp_path / "p.yaml", GENERATE, tuned={"generate": {"k": 2}})
    runner = Runner()
    sweep_once(other, out, runner, rescore=True)
    assert runner.steps() == [*(("org/tuned", t) for t in OWN_STEPS), ("org/base", "summ_pref_samples")]
    assert option(runner.calls[1], "--metadata") == json.dumps({"data_dir": "@sample", "k": 2})
    runner = Runner()
    sweep_once(write_preset(tmp_path / "p.yaml", GENERATE), out, runner)
    assert runner.steps() == [("org/base", "summ_pref_samples")]
    assert (json.loads(option(runner.calls[0], "--metadata"))["samples_from"]
            == str(out / "runs" / "tuned" / "run-1" / "org__tuned"))
    assert sorted(p.name for p in (out / "runs" / "base" / "run-1").glob("sweep_samples_*")) == [
        "sweep_samples_tuned_run-1.json", "sweep_samples_tuned_run-2.json"]
    assert no_report[-1] == [out / "runs" / name / "run-1" for name in ("base", "tuned")]
    sweep_once(write_preset(tmp_path / "p.yaml", GENERATE), out, must_not_run)


def test_an_interrupted_generation_resumes_at_its_step(tmp_path):
    preset, out = write_preset(tmp_path / "p.yaml", GENERATE), tmp_path / "out"
    with pytest.raises(DataError, match=r"run-1: generating 4 samples per post with tuned \(summ_pref_gen, "
                                        r"temperature 1.0, seed 1234\) failed \(exit 1\).*rerun the same command"):
        sweep_once(preset, out, Runner(fail=("summ_pref_gen", "org/tuned")))
    runner = Runner()
    sweep_once(preset, out, runner)
    assert runner.steps() == [*(("org/tuned", t) for t in OWN_STEPS[1:]), ("org/base", "summ_pref_samples")]
    assert not (out / "runs" / "tuned" / "run-2").exists()


def test_a_model_can_leave_generation_out(tmp_path):
    runner = Runner()
    sweep_once(write_preset(tmp_path / "p.yaml", GENERATE, tuned={"generate": False}), tmp_path / "out", runner)
    assert runner.steps() == [*(("org/base", t) for t in OWN_STEPS), ("org/tuned", "summ_pref_axis,summ_pref_cmp")]
    assert "generate" not in json.loads((tmp_path / "out" / "runs" / "tuned" / "run-1" / sweep.SETTINGS_FILE)
                                        .read_text())


def test_a_reference_that_does_not_generate_still_scores_the_samples(tmp_path):
    """Its run then depends on the samples-scoring task's version, recorded as `scores_samples`."""
    runner = Runner()
    preset = write_preset(tmp_path / "p.yaml", tuned={"generate": GENERATE})
    sweep_once(preset, tmp_path / "out", runner)
    assert runner.steps() == [("org/base", "summ_pref_axis,summ_pref_cmp"), *(("org/tuned", t) for t in OWN_STEPS),
                              ("org/base", "summ_pref_samples")]
    settings = json.loads((tmp_path / "out" / "runs" / "base" / "run-1" / sweep.SETTINGS_FILE).read_text())
    assert "generate" not in settings and settings["scores_samples"] == {"summ_pref_samples": 1.0}
    sweep_once(preset, tmp_path / "out", must_not_run)


def test_an_incomplete_samples_file_is_a_step_to_run_again(tmp_path):
    """A samples file with fewer lines than its results file counts, or a last line cut short, is not done; the
    samples scored from an older generation file are scored again from the new one."""
    preset, out = write_preset(tmp_path / "p.yaml", GENERATE), tmp_path / "out"
    sweep_once(preset, out)
    (gen,) = (out / "runs" / "tuned" / "run-1" / "org__tuned").glob("samples_summ_pref_gen_*.jsonl")
    results = gen.with_name(gen.name.replace("samples_summ_pref_gen_", "results_").replace(".jsonl", ".json"))
    results.write_text(json.dumps({**json.loads(results.read_text()), "n-samples": {"summ_pref_gen": {
        "effective": 7}}}))
    assert not sweep.run_entries(out / "runs" / "tuned" / "run-1")["summ_pref_gen"].complete
    results.write_text(json.dumps({**json.loads(results.read_text()), "n-samples": {"summ_pref_gen": {
        "effective": 6}}}))
    assert sweep.run_entries(out / "runs" / "tuned" / "run-1")["summ_pref_gen"].complete
    gen.write_text(gen.read_text()[:-30])
    runner = Runner()
    sweep_once(preset, out, runner)  # the posts stand; the samples scored from the cut file are scored again
    assert runner.steps() == [("org/tuned", "summ_pref_gen"), ("org/tuned", "summ_pref_samples"),
                              ("org/base", "summ_pref_samples")]


def test_greedy_and_chat_template_reach_the_commands(tmp_path):
    runner = Runner()
    sweep_once(write_preset(tmp_path / "p.yaml", {"k": 2, "temperature": 0, "chat_template": True, "seed": 7}),
               tmp_path / "out", runner)
    gen, posts, own = runner.calls[1:4]
    assert option(gen, "--gen_kwargs") == "do_sample=False" and option(gen, "--seed") == "0,1234,7,1234"
    assert "--apply_chat_template" in gen and "--apply_chat_template" in own
    assert "--apply_chat_template" not in posts  # the posts task is plain text only
    assert "--limit" not in gen and "--limit" not in posts  # every post of the split


@pytest.mark.parametrize(("generate", "field", "message"), [
    ({"K": 8}, "generate", r"unknown key\(s\) \['K'\]"),
    ({"k": 0}, "generate.k", "positive whole number"),
    ({"temperature": -1}, "generate.temperature", ">= 0"),
    ({"top_p": 1.5}, "generate.top_p", r"\(0, 1\]"),
    ({"task": "summ_pref_cmp"}, "generate.task", "one of summ_pref_gen"),
    ({"chat_template": "yes"}, "generate.chat_template", "true or false"),
    ([8], "generate", "a mapping"),
])
def test_bad_generate_is_refused_before_scoring(tmp_path, generate, field, message):
    with pytest.raises(DataError, match=rf"field '{field}': .*{message}"):
        sweep_once(write_preset(tmp_path / "p.yaml", generate), tmp_path / "out", must_not_run)


def test_a_models_bad_generate_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"field 'models\[1\].generate.posts': expected a positive whole number"):
        sweep.load_preset(write_preset(tmp_path / "p.yaml", GENERATE, tuned={"generate": {"posts": 0}}))
