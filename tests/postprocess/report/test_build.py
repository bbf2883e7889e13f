"""`summ-pref report` writes its folder whole and deletes nothing it did not write: --force replaces only an
earlier report, never a run folder or a folder holding other files; a file dropped into --out while it runs, or
another report finishing first, is kept, and this report's output is kept under a stated name."""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest

from postprocess.io.output_folder import OutputConflict
from postprocess.io.runs import sha256_file
from postprocess.report import build
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF
from tests.helpers.run_files import synthetic

FAST = Settings(n_resamples=20)


def report(run_dirs, out, **kw) -> dict:
    return build_report(run_dirs, out, settings=FAST, progress=False, jobs=1, **kw)


def hashes(root):
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


def test_report_folder_has_the_users_permissions(tmp_path):
    runs = synthetic(tmp_path / "runs")
    old = os.umask(0o022)
    try:
        report([runs], tmp_path / "out")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755


def test_force_never_replaces_a_run_folder_that_is_not_an_input(tmp_path):
    runs, other = synthetic(tmp_path / "runs"), synthetic(tmp_path / "other")
    before = hashes(other)
    with pytest.raises(DataError, match=r"other: is an lm-eval run folder \(results_\*.json inside\); it is never "
                                        r"replaced, with --force or not"):
        report([runs], other, force=True)
    assert hashes(other) == before


def test_force_replaces_an_earlier_report_but_not_a_folder_it_did_not_make(tmp_path):
    runs = synthetic(tmp_path / "runs")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("keep")
    with pytest.raises(DataError, match=r"mine: folder is not empty and was not made by summ-pref report"):
        report([runs], mine, force=True)
    assert hashes(mine) == {"notes.md": sha256_file(mine / "notes.md")}
    report([runs], tmp_path / "out")
    first = (tmp_path / "out" / "summary.json").read_text()
    report([runs], tmp_path / "out", force=True)
    assert (tmp_path / "out" / "summary.json").read_text() != first  # its creation time
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "out", "runs"]


def test_a_file_dropped_into_out_while_the_report_runs_is_kept(tmp_path, monkeypatch):
    runs, out = synthetic(tmp_path / "runs"), tmp_path / "out"
    out.mkdir()
    write_tables = build.write_tables

    def and_a_colleague_drops_a_file(*args):
        (out / "notes.md").write_text("a colleague's")
        return write_tables(*args)

    monkeypatch.setattr(build, "write_tables", and_a_colleague_drops_a_file)
    with pytest.raises(OutputConflict, match="--out became non-empty while summ-pref report ran; it is left as it "
                                             "is, and this output was kept in ") as err:
        report([runs], out)
    assert hashes(out) == {"notes.md": sha256_file(out / "notes.md")}
    (kept,) = (p for p in tmp_path.iterdir() if p.name.startswith("out.unplaced-"))
    assert str(kept) in str(err.value) and (kept / "report.md").is_file() and (kept / "summary.json").is_file()


def test_two_reports_on_one_out_one_wins_and_nothing_is_lost(tmp_path, monkeypatch):
    """The race made deterministic: while one report writes its tables, a second report on the same --out runs to
    the end. The second wins; the first fails with one line and keeps its output under a stated name."""
    runs, out = synthetic(tmp_path / "runs"), tmp_path / "out"
    write_tables = build.write_tables
    started = []

    def while_another_report_finishes(*args):
        if not started:
            started.append(True)
            build_report([runs], out, settings=Settings(n_resamples=21), progress=False, jobs=1)
        return write_tables(*args)

    monkeypatch.setattr(build, "write_tables", while_another_report_finishes)
    with pytest.raises(OutputConflict, match="while summ-pref report ran") as err:
        report([runs], out)
    assert "\n" not in str(err.value)
    assert json.loads((out / "summary.json").read_text())["settings"]["n_resamples"] == 21  # the second report's
    (kept,) = (p for p in tmp_path.iterdir() if p.name.startswith("out.unplaced-"))
    assert json.loads((kept / "summary.json").read_text())["settings"]["n_resamples"] == 20  # the first report's


def test_two_report_processes_on_one_out(tmp_path):
    """Two real `summ-pref report` processes started together: at most one exits 0, a loser says why in one line,
    and every report that was written is on disk."""
    runs, out = synthetic(tmp_path / "runs"), tmp_path / "out"
    command = [SUMM_PREF, "report", str(runs), "--out", str(out), "--n-resamples", "20", "--jobs", "1"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    results = [(p.returncode, err) for p, (_out, err) in zip(procs, outputs, strict=True)]
    winners = [rc for rc, _ in results if rc == 0]
    assert len(winners) <= 1 and (out / "report.md").is_file()
    losers = [err.strip().splitlines()[-1] for rc, err in results if rc != 0]
    assert all(line.startswith("summ-pref report: error: ") for line in losers), losers
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("out.unplaced-")]
    assert len(kept) == sum("this output was kept in" in line for line in losers)
    assert all((p / "report.md").is_file() for p in kept)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging folder left
