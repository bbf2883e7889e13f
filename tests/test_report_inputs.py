"""`summ-pref report` guards its inputs: it never deletes what it reads, refuses bad settings at parsing,
names file, line and field of a malformed sample, counts what it drops, and says which rows each run
scored."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import SUMM_PREF, run

from lm_eval_tasks.errors import DataError
from postprocess import join
from postprocess.analysis import Settings
from postprocess.cli import build_parser
from postprocess.join import read_samples
from postprocess.load import load_run
from postprocess.report import build_report
from postprocess.runs import discover_runs, sha256_file
from postprocess.synthetic import write_run

FAST = Settings(n_resamples=50)
SIZES = {"n_pairs": 60, "n_axis": 40, "n_posts_cmp": 12, "n_posts_axis": 8}


def synthetic(root: Path, name: str = "m", **kw) -> Path:
    """An lm-eval --output_path folder `root` holding one synthetic model folder `root/name`."""
    write_run(root / name, model_name=name, **{**SIZES, **kw})
    return root


def report(run_dirs: list[Path], out: Path, logs: list[str] | None = None, **kw) -> dict:
    sink = logs.append if logs is not None else (lambda message: None)
    return build_report(run_dirs, out, settings=FAST, progress=False, log=sink, jobs=1, **kw)


def samples_file(root: Path, task: str, name: str = "m") -> Path:
    (path,) = (root / name).glob(f"samples_{task}_*.jsonl")
    return path


def rewrite(path: Path, edit) -> None:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(s) + "\n" for s in edit(lines)))


def edit_line(path: Path, index: int, change) -> None:
    def edit(lines):
        change(lines[index])
        return lines

    rewrite(path, edit)


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


# 2. settings and --out checked at parsing ---------------------------------------------------------------------------

BAD_SETTINGS = [
    (["--confidence", "1.5"], "argument --confidence: must lie strictly between 0 and 1"),
    (["--confidence", "0"], "argument --confidence: must lie strictly between 0 and 1"),
    (["--confidence", "nan"], "argument --confidence: must lie strictly between 0 and 1"),
    (["--confidence", "high"], "argument --confidence: expected a number between 0 and 1"),
    (["--n-resamples", "0"], "argument --n-resamples: must be at least 1, got 0"),
    (["--seed", "-3"], "argument --seed: must be at least 0, got -3"),
]


@pytest.mark.parametrize("command", ["report", "sweep"])
@pytest.mark.parametrize(("extra", "message"), BAD_SETTINGS)
def test_bad_settings_are_refused_at_parsing(tmp_path, capsys, command, extra, message):
    head = [command, str(tmp_path), "--out", str(tmp_path / "out")]
    assert build_parser().parse_args(head).confidence == 0.95
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*head, *extra])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_jobs_below_one_is_refused_at_parsing(tmp_path, capsys, jobs):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", str(tmp_path), "--out", str(tmp_path / "o"), "--jobs", jobs])
    assert f"argument --jobs: must be at least 1, got {jobs}" in capsys.readouterr().err


def test_out_that_is_a_file_is_refused_at_parsing(tmp_path, capsys):
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", str(tmp_path), "--out", str(existing)])
    assert f"argument --out: {existing} exists and is not a folder" in capsys.readouterr().err
    assert existing.read_text() == "mine"
    args = build_parser().parse_args(["report", str(tmp_path), "--out", str(tmp_path), "--jobs", "2",
                                      "--n-resamples", "10", "--confidence", "0.9", "--seed", "0"])
    assert (args.out, args.jobs, args.n_resamples, args.confidence) == (tmp_path, 2, 10, 0.9)


# 3. a missing key is file:line:field -------------------------------------------------------------------------------

MISSING = {
    "choice": ("summ_pref_cmp", lambda s: s["record"].pop("choice"), "record.choice"),
    "confidence": ("summ_pref_cmp", lambda s: s["record"].pop("confidence"), "record.confidence"),
    "a rating": ("summ_pref_axis", lambda s: s["record"]["ratings"].pop("coverage"), "record.ratings.coverage"),
    "ratings": ("summ_pref_axis", lambda s: s["record"].pop("ratings"), "record.ratings"),
    "logprob": ("summ_pref_cmp", lambda s: s["record"]["summaries"][1].pop("logprob"), "record.summaries[1].logprob"),
    "n_bytes": ("summ_pref_axis", lambda s: s["record"]["summaries"][0].pop("n_bytes"), "record.summaries[0].n_bytes"),
    "continuation": ("summ_pref_cmp", lambda s: s["record"]["summaries"][0].pop("continuation"),
                     "record.summaries[0].continuation"),
    "summaries": ("summ_pref_cmp", lambda s: s["record"].pop("summaries"), "record.summaries"),
    "key": ("summ_pref_cmp", lambda s: s["record"].pop("key"), "record.key"),
    "post_id": ("summ_pref_axis", lambda s: s["record"].pop("post_id"), "record.post_id"),
    "kind": ("summ_pref_axis", lambda s: s["record"].pop("kind"), "record.kind"),
    "seed": ("summ_pref_axis", lambda s: s["record"].pop("seed"), "record.seed"),
    "the doc": ("summ_pref_cmp", lambda s: s.pop("doc"), "doc"),
    "the doc's key": ("summ_pref_cmp", lambda s: s["doc"].pop("key"), "doc.key"),
    "a request's continuation": ("summ_pref_cmp", lambda s: s["arguments"]["gen_args_1"].pop("arg_1"),
                                 "arguments.gen_args_1.arg_1"),
}


@pytest.mark.parametrize("case", MISSING)
def test_missing_key_names_file_line_and_field(tmp_path, case):
    task, drop, field = MISSING[case]
    path = samples_file(synthetic(tmp_path / "runs"), task)
    edit_line(path, 6, drop)
    with pytest.raises(DataError) as err:
        read_samples(path, progress=False)
    assert str(err.value) == f"{path}:7: field '{field}': missing"


def test_wrong_shape_names_the_field(tmp_path):
    path = samples_file(synthetic(tmp_path / "runs"), "summ_pref_cmp")
    edit_line(path, 3, lambda s: s["record"].update(choice=2))
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:4: field 'record\.choice': .*got 2$"):
        read_samples(path, progress=False)


# 4. logprob: a finite number <= 0; NaN rows are dropped and counted ------------------------------------------------

@pytest.mark.parametrize("value", ["-12.5", 3.5, float("inf"), float("-inf"), True, None, [-1.0]])
def test_logprob_that_is_not_a_finite_number_at_most_zero_is_an_error(tmp_path, value):
    path = samples_file(synthetic(tmp_path / "runs"), "summ_pref_cmp")
    edit_line(path, 9, lambda s: s["record"]["summaries"][0].update(logprob=value))
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:10: field 'record\.summaries\[0\]\.logprob': "):
        read_samples(path, progress=False)


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
    assert task["data_notes"] == {"logprob_nan_dropped": 2, "duplicates_dropped": 4, "empty_summaries": 3}
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
        "logprob_nan_dropped": 0, "duplicates_dropped": 0, "empty_summaries": 0}
    assert not [line for line in logs if line.startswith("[summ-pref] m / summ_pref_axis: ") and "rows;" not in line]


def test_all_nan_logprobs_is_an_error_that_says_so(tmp_path):
    path = samples_file(synthetic(tmp_path / "runs", n_axis=3), "summ_pref_axis")

    def edit(lines):
        for sample in lines:
            sample["record"]["summaries"][0]["logprob"] = float("nan")
        return lines

    rewrite(path, edit)
    with pytest.raises(DataError, match="every one of the 3 samples has a NaN logprob"):
        read_samples(path, progress=False)


# 5. rows each run scored, and runs that cannot sit side by side ----------------------------------------------------

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
    samples_file(b, "summ_pref_axis", "b").unlink()
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
    samples_file(a, "summ_pref_axis", "a").unlink()
    samples_file(b, "summ_pref_cmp", "b").unlink()
    with pytest.raises(DataError, match=r"the runs have no task in common.*a: summ_pref_cmp; b: summ_pref_axis"):
        report([a, b], tmp_path / "out", reference="a")
    assert not (tmp_path / "out").exists()


# 6. the progress bar counts samples, with lm-eval's count as its total ------------------------------------------

class RecordingBar:
    """Stands in for tqdm: what a bar was told (its total) and what it counted."""

    bars: ClassVar[list[RecordingBar]] = []

    def __init__(self, iterable=None, total=None, **kw):
        self.iterable, self.total, self.n = iterable, total, 0
        RecordingBar.bars.append(self)

    def __iter__(self):
        for item in self.iterable:
            self.n += 1
            yield item

    def update(self, n: int = 1) -> None:
        self.n += n

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def bars(monkeypatch) -> list[RecordingBar]:
    RecordingBar.bars = []
    monkeypatch.setattr(join, "tqdm", RecordingBar)
    return RecordingBar.bars


def test_progress_counts_samples_not_lines(tmp_path, bars):
    path = samples_file(synthetic(tmp_path / "runs"), "summ_pref_cmp")

    def edit(lines):  # a second filter's copy of some samples: lines, not samples
        return lines + [{**sample, "filter": "other"} for sample in lines[:7]]

    rewrite(path, edit)
    frame, _ = read_samples(path, progress=True)
    assert len(frame) == 60
    (bar,) = bars
    assert bar.n == 60


def test_progress_total_is_the_results_sample_count(tmp_path, bars):
    runs = synthetic(tmp_path / "runs")
    (results,) = (runs / "m").glob("results_*.json")
    data = json.loads(results.read_text())
    data["n-samples"] = {"summ_pref_cmp": {"original": 900, "effective": 60},
                         "summ_pref_axis": {"original": 900, "effective": 40}}
    results.write_text(json.dumps(data))
    (found,) = discover_runs([runs])
    load_run(found, progress=True)
    assert sorted((bar.total, bar.n) for bar in bars) == [(40, 40), (60, 60)]
