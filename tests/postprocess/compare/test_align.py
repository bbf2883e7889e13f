"""Aligning a model's run with the reference's on the same rows: left-out counts, suffixed scores, and the refusals
(different human data, choices, duplicates, no overlap, task versions and prompts)."""

from __future__ import annotations

import pandas as pd
import pytest

from postprocess.compare.align import align, check_compatible, common_rows
from summ_pref_common.errors import DataError


def test_align_counts_left_out_rows_and_suffixes_scores(runs):
    ref_axis, _, mod_axis, _ = runs
    extra = mod_axis.iloc[:2].assign(key=["new1", "new2"])
    a = align(ref_axis.iloc[3:], pd.concat([mod_axis.iloc[:-5], extra]), "axis")
    # reference lacks rows 0-2 (3 model rows only in model run + 2 new keys = 5); model lacks the last 5.
    assert a.left_out == {"only in reference run": 5, "only in model run": 5}
    assert a.n == len(ref_axis) - 3 - 5
    assert {"logprob_ref", "logprob_model", "n_tokens_ref", "mean_entropy_model"} <= set(a.frame.columns)
    assert "logprob" not in a.frame and "overall" in a.frame  # NaN coverage on both sides counts as equal
    row = a.frame.iloc[0]
    assert row["logprob_ref"] == ref_axis.set_index("key").loc[row["key"], "logprob"]
    assert row["logprob_model"] == mod_axis.set_index("key").loc[row["key"], "logprob"]


def test_align_cmp_keeps_both_sides(runs):
    _, ref_cmp, _, mod_cmp = runs
    a = align(ref_cmp, mod_cmp, "cmp")
    assert a.left_out == {"only in reference run": 0, "only in model run": 0}
    assert {"logprob_a_ref", "logprob_b_model", "n_tokens_b_ref", "sid_a", "choice"} <= set(a.frame.columns)


@pytest.mark.parametrize("column, value", [("overall", 1.0), ("post_id", "elsewhere"), ("sid", "other-text")])
def test_align_refuses_different_human_data_on_axis_rows(runs, column, value):
    ref_axis, _, mod_axis, _ = runs
    changed = mod_axis.copy()
    changed.loc[[0, 5, 7], column] = value
    if column == "overall":
        changed.loc[[0, 5, 7], column] = ref_axis.loc[[0, 5, 7], "overall"] % 7 + 1  # surely different
    with pytest.raises(DataError, match=r"3 of 96 common rows .*different data"):
        align(ref_axis, changed, "axis")


def test_align_refuses_a_different_choice_and_duplicates_and_no_overlap(runs):
    ref_axis, ref_cmp, mod_axis, mod_cmp = runs
    flipped = mod_cmp.assign(choice=1 - mod_cmp["choice"]).iloc[:4]
    with pytest.raises(DataError, match=r"4 of 4 common rows.*'choice': 4"):
        align(ref_cmp, flipped, "cmp")
    with pytest.raises(DataError, match="appear twice"):
        align(ref_axis, pd.concat([mod_axis, mod_axis.iloc[:1]]), "axis")
    with pytest.raises(DataError, match="share no row"):
        align(ref_axis, mod_axis.assign(key=mod_axis["key"] + "x"), "axis")


def test_check_compatible_refuses_versions_and_prompts():
    meta = {"task_version": 1.0, "prompt_sha": "9c1d", "chat_template": False}
    assert check_compatible({"A": {"t": meta, "u": meta}, "B": {"t": dict(meta), "v": meta}}) == ["t"]
    for field, other in (("task_version", 2.0), ("prompt_sha", "ffff"), ("chat_template", True)):
        with pytest.raises(DataError, match=rf"t\.{field}: A=.*B="):
            check_compatible({"A": {"t": meta}, "B": {"t": {**meta, field: other}}})


def test_common_rows_keeps_keys_in_every_run():
    frames = {"A": pd.DataFrame({"key": ["k1", "k2", "k3"]}), "B": pd.DataFrame({"key": ["k2", "k3", "k4"]})}
    kept, left_out = common_rows(frames)
    assert kept["A"]["key"].tolist() == ["k2", "k3"] and kept["B"]["key"].tolist() == ["k2", "k3"]
    assert left_out == {"A": {"not in every run": 1}, "B": {"not in every run": 1}}
