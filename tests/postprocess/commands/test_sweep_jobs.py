"""`summ-pref sweep --executor local|slurm`: the steps as submitit jobs. Local jobs are real submitit subprocesses
running fake steps (tests/helpers/job_steps.py: milliseconds each, logged with their start, end and GPUs); SLURM
is checked without a cluster, from the sbatch scripts submitit writes. The real harness on tiny models:
tests/postprocess/commands/test_sweep_jobs_tiny.py."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
import submitit
import yaml

from postprocess.commands import sweep, sweep_jobs
from postprocess.commands.cli import main
from postprocess.commands.sweep_jobs import JobSpec, LocalBackend, run_jobs, run_sweep_jobs
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.job_steps import JobSteps
from tests.helpers.presets import GENERATE, write_preset

FAST = Settings(n_resamples=50)
SWEEP = {"limit": 6, "metadata": {"data_dir": "@sample"}, "settings": FAST}


@pytest.fixture(autouse=True)
def fast_report(monkeypatch):
    monkeypatch.setattr(sweep, "build_report", lambda dirs, out, **kw: build_report(
        dirs, out, **{**kw, "settings": FAST, "jobs": 1, "progress": False}))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


@pytest.fixture
def submitted(monkeypatch) -> list[str]:
    """The keys of the jobs this test's sweeps submit."""
    keys: list[str] = []
    real = LocalBackend.submit

    def spy(self, spec, gpus, after):
        keys.append(spec.key)
        return real(self, spec, gpus, after)

    monkeypatch.setattr(LocalBackend, "submit", spy)
    return keys


def interrupt_after_submitting(monkeypatch) -> None:
    """Ctrl-C at the first wait of the submitting command (the ready jobs are submitted by then)."""
    def ctrl_c(seconds):
        raise KeyboardInterrupt
    monkeypatch.setattr(sweep_jobs, "_wait", ctrl_c)


def spans(events: list[dict], model: str) -> tuple[float, float]:
    """When the model's own steps started and ended (the reference's scoring of tuned's samples left out)."""
    own = [e for e in events if e["model"] == model and "/runs/tuned/" not in (e["metadata"] or "")]
    return min(e["start"] for e in own), max(e["end"] for e in own)


def test_local_jobs_run_on_their_own_gpus_in_order_and_equal_the_inline_sweep(tmp_path, submitted):
    preset = write_preset(tmp_path / "p.yaml", generate=GENERATE)
    steps = JobSteps(tmp_path, seconds=0.5)
    summary = run_sweep_jobs(preset, tmp_path / "out", executor="local", gpus=2, runner=steps, **SWEEP)
    assert sorted(submitted) == ["base/own", "base/samples-of-tuned", "tuned/own"]
    events = steps.events()
    assert len(events) == 9 and len({e["pid"] for e in events}) == 3
    # the two models' own jobs at once, one GPU each
    (base_start, base_end), (tuned_start, tuned_end) = spans(events, "org/base"), spans(events, "org/tuned")
    assert max(base_start, tuned_start) < min(base_end, tuned_end)
    cuda = {e["model"]: e["cuda"] for e in events if e["tasks"] == "summ_pref_gen"}
    assert sorted(cuda.values()) == ["0", "1"]
    # the reference scores tuned's samples only after tuned's generation and base's own steps
    (scoring,) = [e for e in events if e["model"] == "org/base" and "/runs/tuned/" in (e["metadata"] or "")]
    assert scoring["start"] >= max(tuned_end, base_end)
    out = tmp_path / "out"
    jobs = json.loads((out / "jobs.json").read_text())
    assert set(jobs) == set(submitted)
    for entry in jobs.values():
        assert Path(entry["log"]).is_file() and Path(entry["log"]).parent.parent.parent.parent == out / "runs"
    assert jobs["base/samples-of-tuned"]["log"].startswith(str(out / "runs" / "base" / "run-1" / "jobs"))
    assert summary["reference"] == "org/base"

    inline = sweep.run_sweep(preset, tmp_path / "inline", runner=JobSteps(tmp_path), **SWEEP)
    table = "report/tables/statistics.csv"
    assert (out / table).read_text() == (tmp_path / "inline" / table).read_text()
    assert len(inline["runs"]) == 2
    # a second sweep finds everything done: nothing is submitted
    run_sweep_jobs(preset, out, executor="local", jobs=2, runner=JobSteps(tmp_path), **SWEEP)
    assert len(submitted) == 3


def test_a_failed_job_is_named_the_others_go_on_and_a_rerun_runs_only_what_is_left(tmp_path, submitted):
    preset = write_preset(tmp_path / "p.yaml", generate=GENERATE)
    failing = JobSteps(tmp_path, fail=("summ_pref_gen", "org/tuned"))
    with pytest.raises(DataError) as err:
        run_sweep_jobs(preset, tmp_path / "out", executor="local", jobs=2, runner=failing, **SWEEP)
    message = str(err.value)
    assert message.startswith("2 of 3 job(s) failed: tuned (score, generate, score posts, score own samples): ")
    assert "generating 4 samples per post with tuned" in message and "failed (exit 1)" in message
    assert "_0_log.out" in message and "base (score tuned's samples): not run: tuned/own failed" in message
    log = Path(json.loads((tmp_path / "out" / "jobs.json").read_text())["tuned/own"]["log"])
    assert "generating 4 samples per post with tuned" in log.read_text()
    first = len(failing.events())
    assert first == 6  # base's four steps, tuned's scoring, tuned's failed generation

    steps = JobSteps(tmp_path)
    run_sweep_jobs(preset, tmp_path / "out", executor="local", jobs=2, runner=steps, **SWEEP)
    again = [(e["model"], e["tasks"]) for e in steps.events()[first:]]
    assert sorted(again) == [("org/base", "summ_pref_samples"), ("org/tuned", "summ_pref_gen"),
                             ("org/tuned", "summ_pref_posts"), ("org/tuned", "summ_pref_samples")]
    assert submitted == ["base/own", "tuned/own", "tuned/own", "base/samples-of-tuned"]

    # other settings are refused before anything is submitted, as inline
    with pytest.raises(DataError, match=r"base, tuned: limit 6 -> 5.*Pass --rescore"):
        run_sweep_jobs(preset, tmp_path / "out", executor="local", runner=steps, **{**SWEEP, "limit": 5})
    assert len(submitted) == 4


def test_ctrl_c_leaves_jobs_running_and_a_rerun_collects_them(tmp_path, submitted, monkeypatch, caplog):
    preset = write_preset(tmp_path / "p.yaml", generate=GENERATE)
    held = JobSteps(tmp_path, hold=True)
    real_wait = sweep_jobs._wait
    interrupt_after_submitting(monkeypatch)
    with pytest.raises(DataError, match=r"interrupted: 2 submitted job\(s\) keep running .*1 not submitted yet.*"
                                        r"Run the same command again to collect them"):
        run_sweep_jobs(preset, tmp_path / "out", executor="local", jobs=2, runner=held, **SWEEP)
    recorded = json.loads((tmp_path / "out" / "jobs.json").read_text())
    assert set(recorded) == {"base/own", "tuned/own"}

    monkeypatch.setattr(sweep_jobs, "_wait", real_wait)
    threading.Timer(3, (tmp_path / "release").touch).start()
    with caplog.at_level("INFO", logger="postprocess"):
        run_sweep_jobs(preset, tmp_path / "out", executor="local", jobs=2, runner=held, **SWEEP)
    assert submitted == ["base/own", "tuned/own", "base/samples-of-tuned"]
    for key in ("base/own", "tuned/own"):
        assert f"job {key} " in caplog.text and f"still runs as {recorded[key]['job_id']}" in caplog.text
    assert len(held.events()) == 9


def test_cancel_stops_the_recorded_jobs(tmp_path, monkeypatch):
    preset = write_preset(tmp_path / "p.yaml", generate=GENERATE)
    interrupt_after_submitting(monkeypatch)
    with pytest.raises(DataError, match="interrupted"):
        run_sweep_jobs(preset, tmp_path / "out", executor="local", jobs=2, runner=JobSteps(tmp_path, hold=True),
                       **SWEEP)
    recorded = json.loads((tmp_path / "out" / "jobs.json").read_text())
    backend = LocalBackend()
    assert all(backend.running(Path(e["folder"]), e["job_id"]) for e in recorded.values())
    # each job leads its own process group: a terminal's Ctrl-C to the sweep's group does not reach it
    assert all(os.getpgid(int(e["job_id"])) == int(e["job_id"]) != os.getpgid(0) for e in recorded.values())
    assert sweep_jobs.cancel_jobs(tmp_path / "out") == 2
    deadline = time.time() + 30
    while time.time() < deadline and any(backend.running(Path(e["folder"]), e["job_id"]) for e in recorded.values()):
        time.sleep(0.2)
    assert not any(backend.running(Path(e["folder"]), e["job_id"]) for e in recorded.values())
    assert sweep_jobs.cancel_jobs(tmp_path / "out") == 0


class FakeBackend:
    """Jobs that run for `polls` polls each; records how many run at once."""

    kind, waits_for_done = "local", True

    def __init__(self, polls: int = 3, causes: dict[str, str] | None = None):
        self.left: dict[str, int] = {}
        self.polls, self.most, self.causes, self.after = polls, 0, causes or {}, {}

    def submit(self, spec, gpus, after):
        self.left[spec.key], self.after[spec.key] = self.polls, after
        self.most = max(self.most, sum(n > 0 for n in self.left.values()))
        return spec.key

    def running(self, folder, job_id):
        self.left[job_id] -= 1
        return self.left[job_id] > 0

    def queued(self, folder, job_id):
        return False

    def cause(self, folder, job_id):
        return self.causes.get(job_id)


def test_slurm_style_dependents_are_submitted_at_once_and_named_not_run_when_a_dependency_fails(tmp_path,
                                                                                                 monkeypatch):
    monkeypatch.setattr(sweep_jobs, "_wait", lambda s: None)
    specs = [JobSpec("a/own", "a", "score", tmp_path, (), {}, 1, ()),
             JobSpec("b/own", "b", "score", tmp_path, (), {}, 1, ()),
             JobSpec("a/samples-of-b", "a", "score b's samples", tmp_path, ("b/own", "a/own"), {}, 1, ())]
    backend = FakeBackend(causes={"b/own": "SLURM state TIMEOUT", "a/samples-of-b": "SLURM state CANCELLED"})
    backend.waits_for_done = False
    tracked = run_jobs(specs, backend, tmp_path, slots=None, gpus=[], poll_s=0)
    assert backend.most == 3 and backend.after["a/samples-of-b"] == ["b/own", "a/own"]
    assert {k: (t.state, t.cause) for k, t in tracked.items()} == {
        "a/own": ("done", None), "b/own": ("failed", "SLURM state TIMEOUT"),
        "a/samples-of-b": ("failed", "not run: b/own failed")}


def test_jobs_n_runs_at_most_n_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_jobs, "_wait", lambda s: None)
    def specs(gpus: int) -> list[JobSpec]:
        return [JobSpec(f"m{i}/own", f"m{i}", "score", tmp_path / f"m{i}", (), {}, gpus, ()) for i in range(5)]

    backend = FakeBackend()
    (tmp_path / "cpu").mkdir(), (tmp_path / "gpu").mkdir()
    tracked = run_jobs(specs(0), backend, tmp_path / "cpu", slots=2, gpus=[], poll_s=0)
    assert backend.most == 2 and all(t.state == "done" for t in tracked.values())
    backend = FakeBackend()
    tracked = run_jobs(specs(1), backend, tmp_path / "gpu", slots=None, gpus=[0, 1, 2], poll_s=0)
    assert backend.most == 3 and sorted(g for t in tracked.values() for g in t.gpus) == [0, 0, 1, 1, 2]


@pytest.mark.parametrize(("tuned", "gpus", "message"), [
    ({"resources": {"gpus": 2}}, None, r"models\[1\]\.resources\.gpus': 2 GPUs, but one lm-eval process uses one"),
    ({"model_args": {"pretrained": "org/tuned", "tensor_parallel_size": 4}, "resources": {"gpus": 2}}, None,
     r"tensor_parallel_size 4 needs 4 GPUs, the job gets 2"),
    ({"model_args": {"pretrained": "org/tuned", "parallelize": True}, "resources": {"gpus": 2}}, 1,
     r"the job of tuned needs 2 GPUs, --gpus gives 1"),
    ({"resources": {"gpu": 1}}, None, r"unknown key 'gpu' \(did you mean 'gpus'\?\)"),
])
def test_resources_are_checked_before_anything_is_submitted(tmp_path, tuned, gpus, message):
    preset = write_preset(tmp_path / "p.yaml", generate=GENERATE, tuned=tuned)
    with pytest.raises(DataError, match=message):
        run_sweep_jobs(preset, tmp_path / "out", executor="local", gpus=gpus, runner=JobSteps(tmp_path), **SWEEP)
    assert not (tmp_path / "out").exists()


def test_slurm_without_slurm_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(submitit.SlurmExecutor, "affinity", classmethod(lambda cls: -1))
    preset = write_preset(tmp_path / "p.yaml", generate=GENERATE)
    with pytest.raises(DataError, match="no SLURM here"):
        run_sweep_jobs(preset, tmp_path / "out", executor="slurm", runner=JobSteps(tmp_path), **SWEEP)
    assert not (tmp_path / "out").exists()


def test_slurm_scripts_carry_each_models_resources_and_the_dependency(tmp_path, monkeypatch):
    """sbatch is replaced by a stand-in that answers a job id; submitit writes the real scripts."""
    ids = iter(range(101, 200))

    class Sbatch:
        def __init__(self, command, **kw):
            self.command = command

        def __call__(self):
            assert self.command[0] == "sbatch"
            return f"Submitted batch job {next(ids)}"

    monkeypatch.setattr(submitit.core.core.utils, "CommandFunction", Sbatch)
    monkeypatch.setattr(submitit.SlurmExecutor, "affinity", classmethod(lambda cls: 1))
    monkeypatch.setattr(sweep_jobs.SlurmBackend, "_state", lambda self, folder, job_id: "PENDING")
    interrupt_after_submitting(monkeypatch)
    preset = write_preset(tmp_path / "p.yaml", generate=GENERATE, tuned={
        "model_args": {"pretrained": "org/tuned", "parallelize": True},
        "resources": {"gpus": 2, "mem_gb": 64, "partition": "big",
                      "slurm_additional_parameters": {"gres": "gpu:a100:2"}}})
    text = (tmp_path / "p.yaml").read_text()
    (tmp_path / "p.yaml").write_text(text + "resources: {partition: small, timeout_min: 90, account: lab}\n")
    with pytest.raises(DataError, match=r"interrupted: 3 submitted job\(s\) keep running \(base/own as 101, "
                                        r"tuned/own as 102, base/samples-of-tuned as 103\)"):
        run_sweep_jobs(preset, tmp_path / "out", executor="slurm", runner=JobSteps(tmp_path),
                       overrides={"qos": "high"}, **SWEEP)
    runs = tmp_path / "out" / "runs"

    def script(model: str, job_id: int) -> list[str]:
        return [line for line in (runs / model / "run-1" / "jobs" / f"{job_id}_submission.sh").read_text().splitlines()
                if line.startswith("#SBATCH")]

    base, tuned, samples = script("base", 101), script("tuned", 102), script("base", 103)
    for line in ("--partition=small", "--time=90", "--account=lab", "--qos=high", "--gpus-per-node=1",
                 f"--output={runs}/base/run-1/jobs/%j_0_log.out", "--job-name=summ-pref-base-own"):
        assert f"#SBATCH {line}" in base
    for line in ("--partition=big", "--time=90", "--gpus-per-node=2", "--mem=64GB", "--gres=gpu:a100:2",
                 f"--output={runs}/tuned/run-1/jobs/%j_0_log.out"):
        assert f"#SBATCH {line}" in tuned
    assert not any(line.startswith("#SBATCH --dependency") for line in base + tuned)
    assert "#SBATCH --dependency=afterok:102:101" in samples and "#SBATCH --kill-on-invalid-dep=yes" in samples
    assert "#SBATCH --partition=small" in samples
    jobs = json.loads((tmp_path / "out" / "jobs.json").read_text())
    assert {k: (e["executor"], e["job_id"]) for k, e in jobs.items()} == {
        "base/own": ("slurm", "101"), "tuned/own": ("slurm", "102"), "base/samples-of-tuned": ("slurm", "103")}

    # run again while they are pending: collected, not submitted twice
    with pytest.raises(DataError, match=r"interrupted: 3 submitted job\(s\) keep running"):
        run_sweep_jobs(preset, tmp_path / "out", executor="slurm", runner=JobSteps(tmp_path),
                       overrides={"qos": "high"}, **SWEEP)
    assert next(ids) == 104


def test_cli_job_options(tmp_path, capsys):
    preset = write_preset(tmp_path / "p.yaml", generate=GENERATE)
    with pytest.raises(SystemExit) as end:
        main(["sweep", str(preset), "--out", str(tmp_path / "out"), "--jobs", "2"])
    assert str(end.value) == "summ-pref sweep: error: --jobs: only with --executor local or slurm"
    with pytest.raises(SystemExit) as end:
        main(["sweep", str(preset), "--out", str(tmp_path / "out"), "--executor", "slurm", "--jobs", "2"])
    assert "--jobs: only with --executor local" in str(end.value)
    main(["sweep", str(preset), "--out", str(tmp_path / "out"), "--executor", "local", "--cancel"])
    assert "cancelled 0 job(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for flag in ("--executor {inline,local,slurm}", "--jobs N", "--gpus N", "--cpus N", "--mem_gb GB",
                 "--timeout_min MIN", "--partition", "--account", "--qos", "--constraint", "--cancel", "jobs.json",
                 "--executor local --gpus 8", "--executor slurm --partition gpu", "--executor local --jobs 2"):
        assert flag in text


def test_the_references_samples_jobs_run_one_after_another(tmp_path, monkeypatch):
    """Three models: the reference scores each other model's samples after that model's job and after its previous
    samples-scoring (two in the same folder at once could read each other's half-written invocation)."""
    submitted: dict[str, list[str]] = {}

    def submit(self, spec, gpus, after):
        submitted[spec.key] = after
        return str(100 + len(submitted))

    monkeypatch.setattr(sweep_jobs.SlurmBackend, "submit", submit)
    monkeypatch.setattr(sweep_jobs.SlurmBackend, "_state", lambda self, folder, job_id: "PENDING")
    monkeypatch.setattr(submitit.SlurmExecutor, "affinity", classmethod(lambda cls: 1))
    interrupt_after_submitting(monkeypatch)
    spec = yaml.safe_load(write_preset(tmp_path / "p.yaml", generate=GENERATE).read_text())
    spec["models"].append({**spec["models"][1], "name": "other", "model_args": {"pretrained": "org/other"}})
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(spec))
    with pytest.raises(DataError, match="interrupted: 5 submitted"):
        run_sweep_jobs(tmp_path / "p.yaml", tmp_path / "out", executor="slurm", runner=JobSteps(tmp_path), **SWEEP)
    assert submitted == {"base/own": [], "tuned/own": [], "other/own": [], "base/samples-of-tuned": ["102", "101"],
                         "base/samples-of-other": ["103", "101", "104"]}
