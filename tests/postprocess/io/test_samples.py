"""Reading a samples file names file, line and field of a malformed sample, refuses a log-prob that is not a
finite number <= 0, and shows progress in samples (`postprocess.io.samples`, `postprocess.io.load`)."""

from __future__ import annotations

import json
import re
from typing import ClassVar

import pytest

from postprocess.io import samples
from postprocess.io.load import load_run
from postprocess.io.runs import discover_runs
from postprocess.io.samples import read_samples
from summ_pref_common.errors import DataError
from tests.helpers.run_files import edit_line, rewrite, samples_file, synthetic

# 1. a missing key is file:line:field -------------------------------------------------------------------------------

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


# 2. logprob: a finite number <= 0 (NaN rows are dropped and counted: tests/postprocess/report/test_report_inputs.py)

@pytest.mark.parametrize("value", ["-12.5", 3.5, float("inf"), float("-inf"), True, None, [-1.0]])
def test_logprob_that_is_not_a_finite_number_at_most_zero_is_an_error(tmp_path, value):
    path = samples_file(synthetic(tmp_path / "runs"), "summ_pref_cmp")
    edit_line(path, 9, lambda s: s["record"]["summaries"][0].update(logprob=value))
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:10: field 'record\.summaries\[0\]\.logprob': "):
        read_samples(path, progress=False)


def test_all_nan_logprobs_is_an_error_that_says_so(tmp_path):
    path = samples_file(synthetic(tmp_path / "runs", n_axis=3), "summ_pref_axis")

    def edit(lines):
        for sample in lines:
            sample["record"]["summaries"][0]["logprob"] = float("nan")
        return lines

    rewrite(path, edit)
    with pytest.raises(DataError, match="every one of the 3 samples has a NaN logprob"):
        read_samples(path, progress=False)


# 3. the progress bar counts samples, with lm-eval's count as its total ------------------------------------------

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
    monkeypatch.setattr(samples, "tqdm", RecordingBar)
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
