"""`summ-pref demo` owns its --out: each run replaces the previous one whole, only once the new output is
complete, and a folder it did not make is never touched. Scoring is replaced by a fake run (tests/fake_eval.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lm_eval_tasks.errors import DataError
from postprocess.commands import demo
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from tests.helpers.console import SUMM_PREF, run
from tests.helpers.fake_eval import write_fake_run
from tests.helpers.paths import REPO


class FakeEval:
    """Stands in for run_checked: records the arguments and writes a run; `fail` makes it write part of a
    run and then fail, as a crash in the middle of scoring would."""

    def __init__(self, fail: bool = False):
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, args: list[str]) -> None:
        self.calls.append(list(args))
        write_fake_run(list(args), drop_task="summ_pref_axis" if self.fail else None)
        if self.fail:
            raise DataError("scoring crashed")


@pytest.fixture
def fake(monkeypatch, tmp_path) -> FakeEval:
    """No model conversion and no scoring; the report in this process with few resamples."""
    monkeypatch.setattr(demo, "ensure_default_model", lambda: tmp_path / "model")
    monkeypatch.setattr(demo, "default_device", lambda: "cpu")
    monkeypatch.setattr(demo, "build_report", lambda dirs, out, **kw: build_report(
        dirs, out, **{**kw, "settings": Settings(n_resamples=50), "jobs": 1, "progress": False}))
    fake = FakeEval()
    monkeypatch.setattr(demo, "run_checked", fake)
    return fake


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def quiet(out: Path, **kw) -> dict:
    return demo.run_demo(out, **kw)


def test_second_demo_replaces_the_first_without_accumulating(fake, tmp_path):
    out = tmp_path / "summ_pref_demo"
    quiet(out, limit=40)
    quiet(out, limit=48)
    assert sorted(p.name for p in out.iterdir()) == [demo.MARKER, "report", "runs"]
    assert len(list(out.glob("runs/*/results_*.json"))) == 1
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert summary["runs"][0]["cmp"]["summ_pref_cmp"]["sum"]["agreement"]["n"] == 48
    assert summary["runs"][0]["run_folder"].startswith(str(out / "runs"))  # final paths, not the staging folder
    assert [p.name for p in tmp_path.iterdir()] == ["summ_pref_demo"]  # no staging folder left behind


def test_demo_scores_the_embedded_sample_by_its_name(fake, tmp_path):
    quiet(tmp_path / "out", limit=6)
    (args,) = fake.calls
    assert json.loads(args[args.index("--metadata") + 1]) == {"data_dir": "@sample"}


def test_failed_scoring_keeps_the_previous_demo(fake, monkeypatch, tmp_path):
    out = tmp_path / "summ_pref_demo"
    quiet(out, limit=40)
    before = files_of(out)
    monkeypatch.setattr(demo, "run_checked", FakeEval(fail=True))
    with pytest.raises(DataError, match="scoring crashed"):
        quiet(out, limit=48)
    assert files_of(out) == before and [p.name for p in tmp_path.iterdir()] == ["summ_pref_demo"]


def test_failed_report_puts_the_previous_demo_back(fake, monkeypatch, tmp_path):
    out = tmp_path / "summ_pref_demo"
    quiet(out, limit=40)
    before = files_of(out)

    def broken_report(dirs, report, **kw):
        raise RuntimeError("report failed")

    monkeypatch.setattr(demo, "build_report", broken_report)
    with pytest.raises(RuntimeError, match="report failed"):
        quiet(out, limit=48)
    assert files_of(out) == before and [p.name for p in tmp_path.iterdir()] == ["summ_pref_demo"]


@pytest.mark.parametrize("contents", [{"notes.txt": "mine"}, {"runs/notes.txt": "mine"}])
def test_a_folder_the_demo_did_not_make_is_refused(fake, tmp_path, contents):
    out = tmp_path / "mine"
    for name, text in contents.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    with pytest.raises(DataError, match=r"mine: folder is not empty and was not made by summ-pref demo"):
        quiet(out, limit=40)
    assert files_of(out) == {name: text.encode() for name, text in contents.items()} and not fake.calls


def test_a_demo_folder_with_other_files_is_refused(fake, tmp_path):
    out = tmp_path / "summ_pref_demo"
    quiet(out, limit=40)
    (out / "my_notes.md").write_text("keep me")
    with pytest.raises(DataError, match=r"holds files the demo did not write \(my_notes.md\)"):
        quiet(out, limit=40)
    assert (out / "my_notes.md").read_text() == "keep me" and len(fake.calls) == 1


def test_out_that_is_a_file_is_refused(fake, tmp_path):
    (tmp_path / "out").write_text("a file")
    with pytest.raises(DataError, match="--out is a file"):
        quiet(tmp_path / "out")
    assert (tmp_path / "out").read_text() == "a file"


def test_make_demo_does_not_pass_force():
    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)[1]
    assert "summ-pref demo" in recipe and "--force" not in recipe


def test_demo_help_describes_every_option():
    proc = run([SUMM_PREF, "demo", "--help"])
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    for option in ("--out", "--hub", "--limit", "--backend"):
        assert option in text
    assert "(default: ./summ_pref_demo)" in text and "(default: hf-prefix" in text
    assert "(default: every row)" in text and ".summ-pref-demo" in text and "examples: summ-pref demo" in text
    assert "--force" not in text
