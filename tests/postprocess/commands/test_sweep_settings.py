"""`summ-pref sweep` reuses a model's run only when it was scored with the current settings; otherwise it
stops and names the differences, or with --rescore scores again into a new folder, keeping the old runs. An
interrupted run resumes in its own folder."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from lm_eval_tasks import TASKS_DIR
from lm_eval_tasks.data.sources import SAMPLE_DIR
from postprocess.commands import sweep
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF, run
from tests.helpers.fake_eval import RecordingRunner, must_not_run, option, write_fake_run
from tests.helpers.run_files import interrupt

FAST = Settings(n_resamples=50)
TASKS = ["summ_pref_axis", "summ_pref_cmp"]


def fast_build_report(dirs, out, **kw) -> dict:
    """The sweep's report in this process, with few resamples: the tests are about which runs it reads."""
    return build_report(dirs, out, **{**kw, "settings": FAST, "jobs": 1, "progress": False})


@pytest.fixture(autouse=True)
def fast_report(monkeypatch):
    monkeypatch.setattr(sweep, "build_report", fast_build_report)


def write_preset(path: Path, tasks: list[str]) -> Path:
    path.write_text(yaml.safe_dump({
        "family": "tiny", "description": "two fake models", "reference": "base", "tasks": tasks,
        "models": [{"name": "base", "role": "base", "model": "hf", "model_args": {"pretrained": "org/base"}},
                   {"name": "tuned", "role": "dpo", "model": "hf", "model_args": {"pretrained": "org/tuned"}}]}))
    return path


@pytest.fixture
def preset(tmp_path) -> Path:
    return write_preset(tmp_path / "tiny.yaml", TASKS)


class Runner(RecordingRunner):
    """Records the eval commands and writes a fake run for each (or an interrupted one for `fail`)."""

    def __init__(self, fail: str | None = None):
        super().__init__(self.fake_step)
        self.fail = fail

    def fake_step(self, cmd: list[str]) -> subprocess.CompletedProcess:
        interrupted = self.fail is not None and f"pretrained={self.fail}" in cmd
        write_fake_run(cmd, drop_task="summ_pref_axis" if interrupted else None)
        return subprocess.CompletedProcess(cmd, 1 if interrupted else 0)

    def models(self) -> list[str]:
        return [c[c.index("--model_args") + 1] for c in self.calls]


def sweep_once(preset: Path, out: Path, runner=None, **kw) -> dict:
    kw = {"limit": 6, "metadata": {"data_dir": "@sample"}, **kw}
    return sweep.run_sweep(preset, out, runner=runner or Runner(), **kw)


@pytest.fixture(scope="module")
def first_sweep(tmp_path_factory) -> tuple[Path, dict]:
    """`sweep_once` of the preset into a new folder (both models scored, the report written), made once for the
    module: the folder and the sweep's summary. Tests start from a copy of it (`swept`)."""
    root = tmp_path_factory.mktemp("first_sweep")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sweep, "build_report", fast_build_report)
        summary = sweep_once(write_preset(root / "tiny.yaml", TASKS), root / "out")
    return root / "out", summary


@pytest.fixture
def swept(first_sweep, tmp_path) -> tuple[Path, dict]:
    """This test's own copy of `first_sweep`, at tmp_path/out, as `sweep_once(preset, tmp_path / "out")` leaves
    it; and a copy of its summary."""
    folder, summary = first_sweep
    out = tmp_path / "out"
    shutil.copytree(folder, out)
    return out, copy.deepcopy(summary)


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def agreement_n(summary: dict) -> int:
    return summary["runs"][0]["cmp"]["summ_pref_cmp"]["sum"]["agreement"]["n"]


def test_settings_are_recorded_before_scoring(preset, tmp_path):
    seen = {}

    def runner(cmd):
        folder = Path(cmd[cmd.index("--output_path") + 1])
        seen[folder.parent.name] = json.loads((folder / sweep.SETTINGS_FILE).read_text())
        return Runner()(cmd)

    sweep_once(preset, tmp_path / "out", runner)
    recorded = seen["base"]
    yaml_version = float(re.search(r"version: (\S+)", (TASKS_DIR / "summ_pref" / "_cmp_template_yaml").read_text())[1])
    assert recorded["tasks"] == {"summ_pref_axis": yaml_version, "summ_pref_cmp": yaml_version}
    assert recorded["limit"] == 6 and recorded["seed"] == 1234 and recorded["data"] == "@sample"
    assert len(recorded["data_sha256"]) == 64
    assert recorded["model"] == "hf" and recorded["model_args"] == {"pretrained": "org/base"}
    assert (tmp_path / "out" / "runs" / "base" / "run-1" / sweep.SETTINGS_FILE).exists()


@pytest.mark.parametrize(("change", "named"), [
    ({"limit": 8}, "limit 6 -> 8"),
    ({"metadata": {"data_dir": "@sample", "seed": 7}}, "seed 1234 -> 7"),
    ({"metadata": {"data_dir": "@sample", "split": "test"}}, "metadata {} -> {split: test}"),
])
def test_other_settings_are_refused_naming_the_difference(preset, swept, change, named):
    out, _ = swept
    before = files_of(out)
    with pytest.raises(DataError, match=rf"base, tuned: {named}.*--rescore"):
        sweep_once(preset, out, must_not_run, **change)
    assert files_of(out) == before  # nothing scored, the old report not rewritten


def test_same_folder_with_other_contents_is_other_data(preset, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR / "comparisons", data / "comparisons")
    shutil.copytree(SAMPLE_DIR / "axis_evals", data / "axis_evals")
    out = tmp_path / "out"
    sweep_once(preset, out, metadata={"data_dir": str(data)})
    (data / "README.md").write_text("not a data file: the data are the same")
    sweep_once(preset, out, must_not_run, metadata={"data_dir": str(data)})
    first = min((data / "comparisons").glob("*.json"))
    lines = first.read_text().splitlines()
    first.write_text("\n".join(lines[1:]) + "\n")  # one judgement fewer
    with pytest.raises(DataError, match=r"data_sha256 [0-9a-f]{12} -> [0-9a-f]{12}") as err:
        sweep_once(preset, out, must_not_run, metadata={"data_dir": str(data)})
    assert "data @sample" not in str(err.value) and "limit" not in str(err.value)
    # the copy as it was when scored holds the sample's very files: only the source's name differs (a local
    # folder is recorded by its name, never by a path of this machine)
    with pytest.raises(DataError, match=r"base, tuned: data data -> @sample\. Pass"):
        sweep_once(preset, out, must_not_run)


def test_rescore_scores_again_into_new_folders_and_reports_only_current_runs(preset, swept):
    out, first = swept
    old_runs = {name: files_of(out / "runs" / name / "run-1") for name in ("base", "tuned")}
    runner = Runner()
    again = sweep_once(preset, out, runner, limit=8, rescore=True)
    assert runner.models() == ["pretrained=org/base", "pretrained=org/tuned"]
    assert {name: files_of(out / "runs" / name / "run-1") for name in ("base", "tuned")} == old_runs
    assert agreement_n(first) == 6 and agreement_n(again) == 8
    assert all(r["run_folder"].startswith("run-2/") for r in again["runs"])
    written = json.loads((out / "report" / "summary.json").read_text())
    assert all(r["run_folder"].startswith("run-2/") for r in written["runs"])
    # the old settings again: their runs are still there and answer without scoring
    back = sweep_once(preset, out, must_not_run)
    assert agreement_n(back) == 6 and all(r["run_folder"].startswith("run-1/") for r in back["runs"])


def test_a_preset_naming_a_group_resumes(tmp_path):
    group = write_preset(tmp_path / "group.yaml", ["summ_pref"])
    runner = Runner()
    sweep_once(group, tmp_path / "out", runner)
    assert all(c[c.index("--tasks") + 1] == ",".join(TASKS) for c in runner.calls)
    sweep_once(group, tmp_path / "out", must_not_run)


def test_interrupted_model_resumes_in_its_folder_and_failure_is_a_data_error(preset, tmp_path):
    """The interrupted invocation left summ_pref_cmp but not summ_pref_axis: only the missing task is scored
    again, into the same run folder (the newest file of each task is what the report reads)."""
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"run-1: scoring tuned \(summ_pref_axis, summ_pref_cmp\) failed \(exit 1\)"
                                        r".*rerun the same command"):
        sweep_once(preset, out, Runner(fail="org/tuned"))
    runner = Runner()
    summary = sweep_once(preset, out, runner)
    assert runner.models() == ["pretrained=org/tuned"] and option(runner.calls[0], "--tasks") == "summ_pref_axis"
    assert not (out / "runs" / "tuned" / "run-2").exists()
    assert {Path(r["run_folder"]).parent.name for r in summary["runs"]} == {"run-1"}


def test_run_with_a_results_file_cut_short_is_scored_again(preset, tmp_path):
    def cut_short(cmd):
        folder = write_fake_run(cmd)
        (results,) = folder.glob("results_*.json")
        results.write_text(results.read_text()[:40])
        return subprocess.CompletedProcess(cmd, 1)

    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"scoring base \(.*\) failed"):
        sweep_once(preset, out, cut_short)
    runner = Runner()
    sweep_once(preset, out, runner)
    assert runner.models() == ["pretrained=org/base", "pretrained=org/tuned"]
    assert option(runner.calls[0], "--tasks") == "summ_pref_axis,summ_pref_cmp"
    assert not (out / "runs" / "base" / "run-2").exists()  # scored again into run-1, beside the broken files


def test_interrupted_rescore_resumes_without_asking_again(preset, swept):
    out, _ = swept
    with pytest.raises(DataError, match=r"scoring tuned \(.*\) failed"):
        sweep_once(preset, out, Runner(fail="org/tuned"), limit=8, rescore=True)
    runner = Runner()
    summary = sweep_once(preset, out, runner, limit=8)
    assert runner.models() == ["pretrained=org/tuned"] and agreement_n(summary) == 8


def test_runs_of_an_older_sweep_without_settings_are_not_taken_as_current(preset, tmp_path):
    out = tmp_path / "out"
    for name in ("base", "tuned"):  # the layout older sweeps wrote: runs/<name>/<lm-eval model folder>/
        write_fake_run(["--model_args", f"pretrained=org/{name}", "--output_path", str(out / "runs" / name),
                        "--limit", "6"])
    with pytest.raises(DataError, match=r"base, tuned: settings not recorded.*--rescore"):
        sweep_once(preset, out, must_not_run)
    runner = Runner()
    sweep_once(preset, out, runner, rescore=True)
    assert len(runner.calls) == 2 and (out / "runs" / "base" / "org__base").is_dir()


def test_unknown_metadata_key_is_refused_before_scoring(preset, tmp_path):
    with pytest.raises(DataError, match=r"field '--metadata': unknown key\(s\) \['dat_dir'\]; known keys"):
        sweep_once(preset, tmp_path / "out", must_not_run, metadata={"dat_dir": "@sample"})


def test_cli_refusal_is_one_line(preset, swept):
    out, _ = swept
    proc = run([SUMM_PREF, "sweep", str(preset), "--out", str(out), "--limit", "9", "--metadata",
                '{"data_dir": "@sample"}'])
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "limit 6 -> 9" in proc.stderr and "--rescore" in proc.stderr


def test_sweep_help_describes_every_option():
    proc = run([SUMM_PREF, "sweep", "--help"])
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    for flag in ("preset", "--out", "--limit", "--metadata", "--batch_size", "--device", "--rescore",
                 "--n-resamples", "--seed", "--confidence"):
        assert flag in text
    assert "(default: auto)" in text and "(default: every row)" in text and "sweep_settings.json" in text
    assert "examples: summ-pref sweep configs/" in text
    bad = run([SUMM_PREF, "sweep", "p.yaml", "--out", "o", "--limit", "0"])
    assert bad.returncode == 2 and "--limit: must be at least 1" in bad.stderr


def test_console_shows_the_progress_lines(preset, swept):
    """`summ-pref sweep` prints its progress as `[summ-pref] ...` lines on stdout (the sweep logs them; the
    command's console shows them); here every model is already scored, so none is scored again."""
    out, _ = swept
    proc = run([SUMM_PREF, "sweep", str(preset), "--out", str(out), "--limit", "6", "--metadata",
                '{"data_dir": "@sample"}', "--n-resamples", "20"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    for i, name in enumerate(("base", "tuned"), start=1):
        folder = out / "runs" / name / "run-1"
        assert f"[summ-pref] sweep {i}/2: {name} already scored with these settings in {folder}, skipping" in lines
    assert lines[-1] == f"[summ-pref] report written to {out / 'report' / 'report.md'}"


def test_a_half_written_samples_file_is_scored_again(preset, tmp_path):
    """lm-eval's order: the results file first, then the samples lines; stopped in between, the samples file holds
    fewer lines than the results file counts. The resume scores that task again instead of skipping it."""
    def stopped_while_writing(cmd):
        folder = write_fake_run(cmd)
        interrupt(next(folder.glob("samples_summ_pref_cmp_*.jsonl")), keep=2, cut=15)
        return subprocess.CompletedProcess(cmd, 1)

    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"scoring base \(.*\) failed"):
        sweep_once(preset, out, stopped_while_writing)
    runner = Runner()
    summary = sweep_once(preset, out, runner)
    assert runner.models() == ["pretrained=org/base", "pretrained=org/tuned"]
    assert option(runner.calls[0], "--tasks") == "summ_pref_cmp" and agreement_n(summary) == 6


def test_a_newer_invocation_without_its_samples_file_is_scored_again(preset, swept):
    """A finished run, then an invocation into the same folder that wrote its results file and was stopped before
    any samples file: the older samples are not taken silently, the task is scored again."""
    out, _ = swept
    (model_folder,) = (p for p in (out / "runs" / "base" / "run-1").iterdir() if p.is_dir())
    (results,) = model_folder.glob("results_*.json")
    # a time just after the finished run's and before the fake runner's next one (times compare as text)
    shutil.copy(results, results.with_name(results.name.replace(".json", "5.json")))
    runner = Runner()
    sweep_once(preset, out, runner)
    assert runner.models() == ["pretrained=org/base"]
    assert option(runner.calls[0], "--tasks") == "summ_pref_axis,summ_pref_cmp"


def test_the_sweep_report_folder_is_replaced_only_while_it_holds_only_the_sweeps_files(preset, swept):
    out, _ = swept
    sweep_once(preset, out, must_not_run)  # its own report, replaced
    (out / "report" / "notes.md").write_text("mine")
    with pytest.raises(DataError, match=r"report: holds files summ-pref sweep did not write \(notes.md\)"):
        sweep_once(preset, out, must_not_run)
    assert (out / "report" / "notes.md").read_text() == "mine" and (out / "report" / "report.md").is_file()
