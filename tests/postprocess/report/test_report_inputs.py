"""`summ-pref report` guards its inputs: it never deletes what it reads, counts what it drops, and says which
rows each run scored. (Bad settings refused at parsing: tests/postprocess/commands/test_cli.py; a malformed
sample named by file, line and field: tests/postprocess/io/test_samples.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postprocess.io.runs import sha256_file
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF, run
from tests.helpers.report_runs import report
from tests.helpers.run_files import rewrite, samples_file, synthetic, unscored

# The data notes a run of the summ_pref tasks has nothing to say about
# (tests/postprocess/report/test_data_note_warnings.py).
QUIET_NOTES = {"contexts_truncated": 0, "identical_responses": 0, "empty_prompts": 0, "ignored_metadata": "",
               "continuation_end_not_special": ""}


def hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


# 1. --out never is, holds or lies inside an input ---------------------------------------------------------------

OVERLAPS = {
    "the model folder": (lambda tmp: tmp / "runs" / "m", "is the input"),
    "the runs root": (lambda tmp: tmp / "runs", "is the input"),
    "a folder holding the runs": (lambda tmp: tmp, "contains the input"),
    "a folder inside a run": (lambda tmp: tmp / "runs" / "m" / "report", "lies inside the input"),
    "a samples file": (lambda tmp: samples_file(tmp / "runs", "summ_pref_cmp"), "is the input"),
}


@pytest.mark.parametrize("case", OVERLAPS)
def test_out_overlapping_an_input_is_refused_and_nothing_is_touched(tmp_path, case):
    runs = synthetic(tmp_path / "runs")
    before = hashes(tmp_path)
    out, relation = OVERLAPS[case]
    with pytest.raises(DataError, match=f"--out {relation} "):
        report([runs], out(tmp_path), force=True)
    assert hashes(tmp_path) == before
    assert not (tmp_path / "runs" / "m" / "report").exists()


def test_out_reached_through_a_symlink_is_refused(tmp_path):
    runs = synthetic(tmp_path / "runs")
    link = tmp_path / "link"
    link.symlink_to(runs / "m", target_is_directory=True)
    before = hashes(runs)
    with pytest.raises(DataError, match="--out is the input"):
        report([runs], link, force=True)
    assert hashes(runs) == before


def test_cli_out_equal_to_the_runs_root_is_one_line_and_keeps_the_runs(tmp_path):
    runs = synthetic(tmp_path / "runs")
    before = hashes(runs)
    proc = run([SUMM_PREF, "report", str(runs), "--out", str(runs), "--force", "--n-resamples", "20"])
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        (f"summ-pref report: error: {runs}: --out is the input {runs}; the report would overwrite what it reads: "
        "choose an --out outside the runs")]
    assert hashes(runs) == before


# 2. NaN logprob rows are dropped and counted -----------------------------------------------------------------

def test_nan_logprob_rows_are_dropped_counted_and_reported(tmp_path):
    runs = synthetic(tmp_path / "runs")
    cmp = samples_file(runs, "summ_pref_cmp")

    def edit(lines):
        lines[4]["record"]["summaries"][1]["logprob"] = float("nan")
        lines[11]["record"]["summaries"][0]["logprob"] = float("nan")
        for i, sample in enumerate(lines):
            sample["doc"]["duplicates_dropped"] = 4
            sample["doc"]["empty_summaries"] = 1 if i in (0, 4, 30) else 0
        return lines

    rewrite(cmp, edit)
    logs: list[str] = []
    summary = report([runs], tmp_path / "out", logs)
    task = summary["runs"][0]["tasks"]["summ_pref_cmp"]
    assert task["data_notes"] == {"logprob_nan_dropped": 2, "duplicates_dropped": 4, "empty_summaries": 3,
                                  **QUIET_NOTES}
    assert task["n"] == 58 and summary["runs"][0]["cmp"]["summ_pref_cmp"]["sum"]["agreement"]["n"] == 58
    on_disk = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert on_disk["runs"][0]["tasks"]["summ_pref_cmp"]["data_notes"] == task["data_notes"]
    notes = [line for line in logs if line.startswith("[summ-pref] m / summ_pref_cmp: ") and "rows;" not in line]
    assert notes == [
        ("[summ-pref] m / summ_pref_cmp: rows left out because a summary's logprob is NaN (the backend returned no "
        "score): 2"),
        ("[summ-pref] m / summ_pref_cmp: repeated human judgements in the data, counted once (dropped before "
        "scoring): 4"),
        "[summ-pref] m / summ_pref_cmp: empty or whitespace-only summaries, scored as they are: 3"]
    # runs older than task version 1.1 log no such doc fields: zero, and no console line
    assert summary["runs"][0]["tasks"]["summ_pref_axis"]["data_notes"] == {
        "logprob_nan_dropped": 0, "duplicates_dropped": 0, "empty_summaries": 0, **QUIET_NOTES}
    assert not [line for line in logs if line.startswith("[summ-pref] m / summ_pref_axis: ") and "rows;" not in line]


# 3. rows each run scored, and runs that cannot sit side by side ----------------------------------------------------

def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    a = synthetic(tmp_path / "runs_a", "a")
    b = synthetic(tmp_path / "runs_b", "b", seed=1, shift=0.3)
    return a, b


def test_row_coverage_in_console_summary_and_report(tmp_path):
    a, b = two_runs(tmp_path)
    rewrite(samples_file(b, "summ_pref_cmp", "b"), lambda lines: lines[10:])
    logs: list[str] = []
    summary = report([a, b], tmp_path / "out", logs)
    assert summary["row_coverage"] == {
        "summ_pref_axis": {"per_run": {"a": 40, "b": 40}, "common": 40},
        "summ_pref_cmp": {"per_run": {"a": 60, "b": 50}, "common": 50}}
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["row_coverage"] == summary["row_coverage"]
    assert "[summ-pref] summ_pref_axis: rows scored: a 40, b 40; 40 common to all 2 runs" in logs
    assert ("[summ-pref] summ_pref_cmp: rows scored: a 60, b 50; 50 common to all 2 runs: the runs scored different "
            "rows, so their own statistics are not on the same judgements") in logs
    text = (tmp_path / "out" / "report.md").read_text()
    assert "## Rows scored" in text and "| summ_pref_cmp | 60 | 50 | 50 |" in text


def test_a_task_missing_from_a_run_has_no_common_rows(tmp_path):
    a, b = two_runs(tmp_path)
    unscored(samples_file(b, "summ_pref_axis", "b"))
    logs: list[str] = []
    summary = report([a, b], tmp_path / "out", logs)
    assert summary["row_coverage"]["summ_pref_axis"] == {"per_run": {"a": 40}, "common": 0}
    assert any(line.startswith("[summ-pref] summ_pref_axis: rows scored: a 40 (not scored by b); 0 common")
               for line in logs)
    assert "| summ_pref_axis | 40 | not scored | 0 |" in (tmp_path / "out" / "report.md").read_text()


def test_different_task_versions_are_refused_without_reference(tmp_path):
    a, b = two_runs(tmp_path)
    (results,) = (b / "b").glob("results_*.json")
    data = json.loads(results.read_text())
    data["versions"]["summ_pref_cmp"] = 2.0
    results.write_text(json.dumps(data))
    with pytest.raises(DataError, match=r"summ_pref_cmp\.task_version: a=1\.0, b=2\.0"):
        report([a, b], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_different_prompts_are_refused_without_reference(tmp_path):
    a, b = two_runs(tmp_path)

    def edit(lines):
        for sample in lines:
            sample["record"]["prompt_sha"] = "f" * 16
        return lines

    rewrite(samples_file(b, "summ_pref_axis", "b"), edit)
    with pytest.raises(DataError, match=r"summ_pref_axis\.prompt_sha"):
        report([a, b], tmp_path / "out")


def test_reference_comparison_with_no_task_in_common_is_an_error(tmp_path):
    a, b = two_runs(tmp_path)
    unscored(samples_file(a, "summ_pref_axis", "a"))
    unscored(samples_file(b, "summ_pref_cmp", "b"))
    with pytest.raises(DataError, match=r"the runs have no task in common.*a: summ_pref_cmp; b: summ_pref_axis"):
        report([a, b], tmp_path / "out", reference="a")
    assert not (tmp_path / "out").exists()
