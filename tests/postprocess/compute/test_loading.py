"""Loading a report's runs: the rows each run scored and how many all share (counted by hand), the console line that
warns when they differ, the refusal of runs that scored one task with different prompts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from postprocess.compute.loading import check_same_scoring, coverage_lines, row_coverage
from postprocess.io.load import LoadedRun
from summ_pref_common.errors import DataError


def test_row_coverage_counts_each_runs_rows_and_the_keys_all_share(two_runs):
    _, loaded = two_runs
    assert [len(lr.tasks["summ_pref_cmp"].frame) for lr in loaded] == [20, 15]
    assert set(loaded[1].tasks["summ_pref_cmp"].frame["key"]) < set(loaded[0].tasks["summ_pref_cmp"].frame["key"])
    assert row_coverage(loaded) == {"summ_pref_axis": {"per_run": {"base": 20, "tuned": 20}, "common": 20},
                                    "summ_pref_cmp": {"per_run": {"base": 20, "tuned": 15}, "common": 15}}
    without = LoadedRun(loaded[1].run, {"summ_pref_cmp": loaded[1].tasks["summ_pref_cmp"]})
    assert row_coverage([loaded[0], without])["summ_pref_axis"] == {"per_run": {"base": 20}, "common": 0}


def test_coverage_lines_warn_only_where_the_runs_scored_different_rows():
    coverage = {"a": {"per_run": {"base": 20, "tuned": 20}, "common": 20},
                "c": {"per_run": {"base": 20, "tuned": 15}, "common": 15},
                "x": {"per_run": {"base": 10}, "common": 0}}
    differ = ": the runs scored different rows, so their own statistics are not on the same judgements"
    assert coverage_lines(coverage, ["base", "tuned"]) == [
        "a: rows scored: base 20, tuned 20; 20 common to all 2 runs",
        "c: rows scored: base 20, tuned 15; 15 common to all 2 runs" + differ,
        "x: rows scored: base 10 (not scored by tuned); 0 common to all 2 runs" + differ]


def test_runs_that_scored_a_task_with_another_prompt_are_refused(two_runs):
    _, loaded = two_runs
    check_same_scoring(loaded)
    task = loaded[1].tasks["summ_pref_cmp"]
    other = replace(task, info={**task.info, "prompt_sha": "ffff"})
    changed = LoadedRun(loaded[1].run, {**loaded[1].tasks, "summ_pref_cmp": other})
    with pytest.raises(DataError, match=r"summ_pref_cmp\.prompt_sha"):
        check_same_scoring([loaded[0], changed])
