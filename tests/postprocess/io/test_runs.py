"""A run is read only when lm-eval finished writing it: every samples file holds the lines its results file counts
(n-samples), and no newer invocation of a task left its samples file unwritten. lm-eval writes the results file
first and the samples files after it, so an interrupted run is a results file with fewer (or no) samples lines;
`allow_incomplete` reads such a run and says so in the console, summary.json and report.md."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from lm_eval.loggers import EvaluationTracker

from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.run_files import expected_lines
from postprocess.io.runs import discover_runs
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF, run
from tests.helpers.harness_runs import run_tasks
from tests.helpers.run_files import interrupt, results_of, samples_file, synthetic

LIMIT = 4


@pytest.fixture(scope="module")
def interrupted(tiny_nobos_model, tmp_path_factory) -> Path:
    """A real run of summ_pref_axis and summ_pref_cmp, saved in lm-eval's own order (EvaluationTracker: the results
    file, then each task's samples file) and stopped while writing: cmp holds 2 of its 4 lines, axis none."""
    res = run_tasks(tiny_nobos_model, ["summ_pref_axis", "summ_pref_cmp"], limit=LIMIT, data_dir=SAMPLE_NAME)
    out = tmp_path_factory.mktemp("interrupted")
    tracker = EvaluationTracker(output_path=str(out))
    tracker.general_config_tracker.model_name_sanitized = "model"
    tracker.save_results_aggregated(results=res, samples=res["samples"])
    tracker.save_results_samples(task_name="summ_pref_cmp", samples=res["samples"]["summ_pref_cmp"][:2])
    return out


def test_lm_eval_counts_one_line_per_doc():
    results = {"n-samples": {"t": {"original": 900, "effective": 60}}, "configs": {"t": {}}}
    assert expected_lines(results, "t") == 60
    results["configs"]["t"]["filter_list"] = [{"name": "a"}, {"name": "b"}]  # one line per doc and filter
    assert expected_lines(results, "t") == 120
    assert expected_lines({"configs": {"t": {}}}, "t") is None


def test_an_interrupted_run_is_refused_naming_the_file_and_the_counts(interrupted):
    (cmp,) = (interrupted / "model").glob("samples_summ_pref_cmp_*.jsonl")
    (results,) = (interrupted / "model").glob("results_*.json")
    assert json.loads(results.read_text())["n-samples"]["summ_pref_cmp"]["effective"] == LIMIT
    with pytest.raises(DataError) as err:
        discover_runs([interrupted])
    message = str(err.value)
    assert "\n" not in message and "--allow-incomplete uses it anyway" in message
    assert "lists summ_pref_axis but no samples_summ_pref_axis_" in message  # the first of two shortfalls
    assert message.endswith("(and 1 more); --allow-incomplete uses it anyway, with a warning")
    (found,) = discover_runs([interrupted], allow_incomplete=True)
    assert found.incomplete[1] == (f"{cmp}: holds 2 whole lines, {results.name} counts {LIMIT} (n-samples of "
                                   "summ_pref_cmp): the run was interrupted while writing it")
    assert list(found.tasks) == ["summ_pref_cmp"]


def test_a_line_cut_short_is_not_counted(tmp_path):
    runs = synthetic(tmp_path / "runs")
    path = samples_file(runs, "summ_pref_cmp")
    interrupt(path, keep=59, cut=40)
    with pytest.raises(DataError, match=r"holds 59 whole lines, results_.*\.json counts 60 \(n-samples of "
                                        r"summ_pref_cmp\)"):
        discover_runs([runs])


def test_a_results_file_without_a_count_cannot_be_checked(tmp_path):
    runs = synthetic(tmp_path / "runs")
    results = results_of(samples_file(runs, "summ_pref_cmp"))
    data = json.loads(results.read_text())
    del data["n-samples"]["summ_pref_cmp"]
    results.write_text(json.dumps(data))
    with pytest.raises(DataError, match=r"states no sample count for summ_pref_cmp \(n-samples\)"):
        discover_runs([runs])


def test_a_task_is_never_taken_from_an_older_invocation_silently(tmp_path):
    """A finished run, then an invocation that wrote its results file (listing both tasks) and only the axis
    samples: the older cmp samples would be read in place of the newer invocation's."""
    runs = synthetic(tmp_path / "runs")
    old_cmp = samples_file(runs, "summ_pref_cmp")
    newer = "2026-06-01T00-00-00.000000"
    shutil.copy(results_of(old_cmp), runs / "m" / f"results_{newer}.json")
    shutil.copy(samples_file(runs, "summ_pref_axis"), runs / "m" / f"samples_summ_pref_axis_{newer}.jsonl")
    with pytest.raises(DataError, match=rf"results_{newer}.json: lists summ_pref_cmp but no samples_summ_pref_cmp_"
                                        rf"{newer}.jsonl is beside it .*; the older {old_cmp.name} is not used in its "
                                        "place silently; --allow-incomplete"):
        discover_runs([runs])
    (found,) = discover_runs([runs], allow_incomplete=True)
    assert found.tasks["summ_pref_cmp"].samples == old_cmp and len(found.incomplete) == 1


def test_allowed_incomplete_runs_are_stated_in_console_summary_and_report(interrupted, tmp_path, caplog):
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING, logger="postprocess"):
        summary = build_report([interrupted], out, settings=Settings(n_resamples=20), progress=False, jobs=1,
                               allow_incomplete=True)
    notes = summary["incomplete_inputs"]
    assert len(notes) == 2 and all(note.startswith(f"{summary['runs'][0]['model_name']}: ") for note in notes)
    assert "holds 2 whole lines" in notes[1]
    assert json.loads((out / "summary.json").read_text())["incomplete_inputs"] == notes
    report = (out / "report.md").read_text()
    assert "> **Incomplete runs** (read with --allow-incomplete)" in report and f"> - {notes[1]}" in report
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert [f"warning: incomplete input used (--allow-incomplete): {note}" for note in notes] == warned


def test_cli_refusal_is_one_line_and_allow_incomplete_is_an_option(interrupted, tmp_path):
    proc = run([SUMM_PREF, "report", str(interrupted), "--out", str(tmp_path / "out"), "--n-resamples", "20"])
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stderr.startswith("summ-pref report: error: ") and "--allow-incomplete" in proc.stderr
    assert not (tmp_path / "out").exists()
