"""The summ_pref tasks' docs: --metadata values of the wrong type refused naming the field, the seed as a string
of digits, a judgement present twice counted once (whichever file holds it first), empty summaries scored and
counted."""

from __future__ import annotations

import json
import logging

import pytest

from lm_eval_tasks.data.rows import normalise_row
from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.summ_pref.docs import build_docs, count_empty, custom_dataset, to_doc
from summ_pref_common.errors import DataError
from tests.helpers.source_rows import GOOD_AXIS, GOOD_CMP, with_field, write_lines


@pytest.mark.parametrize("field, value", [("seed", "abc"), ("seed", 1.5), ("seed", True), ("data_dir", 5),
                                          ("split", ["validation"]), ("subsplit", 1)])
def test_metadata_of_the_wrong_type_names_the_field(field, value):
    with pytest.raises(DataError, match=rf"^field '{field}': expected an? (integer|string)"):
        custom_dataset(kind="cmp", source="tldr", default_split="validation",
                       **{"data_dir": SAMPLE_NAME, field: value})


def test_seed_given_as_a_string_of_digits_is_that_seed():
    as_text = custom_dataset(kind="cmp", source="tldr", default_split="validation", data_dir=SAMPLE_NAME, seed="7")
    as_int = custom_dataset(kind="cmp", source="tldr", default_split="validation", data_dir=SAMPLE_NAME, seed=7)
    assert as_text["docs"]["key"] == as_int["docs"]["key"] and set(as_text["docs"]["seed"]) == {7}


def test_repeated_judgement_is_counted_once(tmp_path, caplog):
    other = with_field(GOOD_CMP, ["summaries", 1, "text"], " c")
    copy = with_field(with_field(GOOD_CMP, ["batch"], "b_again"), ["extra", "confidence"], 8)  # same judgement
    swapped = with_field(GOOD_CMP, ["summaries"], list(reversed(GOOD_CMP["summaries"])))  # other order: another one
    path = write_lines(tmp_path / "comparisons", "b.json", [json.dumps(r) for r in (GOOD_CMP, other, copy, swapped)])
    with caplog.at_level(logging.WARNING, logger="lm_eval_tasks.summ_pref.docs"):
        docs = build_docs("cmp", "tldr", "validation", str(tmp_path))
    assert len(docs) == 3 and {d["duplicates_dropped"] for d in docs} == {1}
    (warning,) = [r.getMessage() for r in caplog.records if "repeated" in r.getMessage()]
    assert "dropped 1 repeated judgement(s)" in warning and f"first repeat at {path}:3 (same as {path}:1)" in warning


def test_which_copy_is_kept_does_not_depend_on_file_order(tmp_path):
    copy = with_field(GOOD_CMP, ["batch"], "b_again")
    write_lines(tmp_path / "a" / "comparisons", "b.json", [json.dumps(GOOD_CMP), json.dumps(copy)])
    write_lines(tmp_path / "b" / "comparisons", "b.json", [json.dumps(copy), json.dumps(GOOD_CMP)])
    forward, backward = (build_docs("cmp", "tldr", "validation", str(tmp_path / d)) for d in "ab")
    assert len(forward) == 1 and forward[0]["key"] == backward[0]["key"]
    assert forward[0]["batch"] == backward[0]["batch"]


def test_axis_repeats_need_the_same_ratings(tmp_path):
    rerated = with_field(GOOD_AXIS, ["summary", "axes", "overall"], 4)
    write_lines(tmp_path / "axis_evals", "a.json", [json.dumps(r) for r in (GOOD_AXIS, GOOD_AXIS, rerated)])
    docs = build_docs("axis", "tldr", "validation", str(tmp_path))
    assert sorted(d["overall"] for d in docs) == [3.0, 4.0] and {d["duplicates_dropped"] for d in docs} == {1}


def test_empty_summaries_are_counted_per_doc_and_logged_once(tmp_path, caplog):
    rows = [GOOD_CMP, with_field(GOOD_CMP, ["summaries", 0, "text"], "  "),
            with_field(with_field(GOOD_CMP, ["summaries", 0, "text"], ""), ["summaries", 1, "text"], "\n")]
    path = write_lines(tmp_path / "comparisons", "b.json", [json.dumps(r) for r in rows])
    with caplog.at_level(logging.WARNING, logger="lm_eval_tasks.summ_pref.docs"):
        docs = build_docs("cmp", "tldr", "validation", str(tmp_path))
    assert sorted(d["empty_summaries"] for d in docs) == [0, 1, 2] and {d["duplicates_dropped"] for d in docs} == {0}
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "3 empty or whitespace-only summaries, scored as a single space; first at " + f"{path}:2" in warning


def test_a_normalised_row_becomes_a_flat_doc():
    row = normalise_row(with_field(GOOD_CMP, ["summaries", 1, "text"], " \n"), "comparisons", path="c", line=1)
    doc = to_doc("k1", row, "cmp", "validation")
    assert doc == {"key": "k1", "post_id": "t3_x", "source": "tldr", "split": "validation", "subsplit": "valid1",
                   "batch": "b", "worker": "w", "title": "T", "subreddit": "s", "site": None, "text": "A post.",
                   "summary_0": " a", "summary_1": " \n", "policy_0": "p", "policy_1": "q", "choice": 0,
                   "confidence": 3, "empty_summaries": 1}
    axis = to_doc("k2", normalise_row(GOOD_AXIS, "axis", path="a", line=1), "axis", "validation")
    assert (axis["summary"], axis["policy"], axis["overall"], axis["accuracy"], axis["empty_summaries"]) == (
        " a", "p", 3.0, None, 0)
    assert count_empty([{"text": ""}, {"text": "\t "}, {"text": " x"}]) == 2
