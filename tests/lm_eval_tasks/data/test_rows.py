"""Raw summarize-from-feedback rows normalised to the hub's schema, with one clear error per fault; the post id,
the judgement key and the choice of one copy of a repeated judgement."""

from __future__ import annotations

import hashlib
import json

import pytest

from lm_eval_tasks.data.rows import (
    Located,
    drop_repeats,
    judgement_key,
    normalise_row,
    post_id,
    row_key,
    row_source,
)
from summ_pref_common.errors import DataError
from tests.helpers.source_rows import GOOD_AXIS, GOOD_CMP, with_field


def test_a_comparison_row_in_the_hubs_schema():
    row = normalise_row(GOOD_CMP, "comparisons", path="c.json", line=1)
    assert row == {"info": {"id": "t3_x", "post": "A post.", "title": "T", "subreddit": "s", "site": None,
                            "article": None},
                   "split": "valid1", "worker": "w", "batch": "b",
                   "summaries": [{"text": " a", "policy": "p", "note": None}, {"text": " b", "policy": "q",
                                                                               "note": None}],
                   "choice": 0, "extra": {"confidence": 3}}
    assert row_source(row) == "tldr"


def test_axis_ratings_are_floats_and_null_is_missing():
    row = normalise_row(GOOD_AXIS, "axis", path="a.json", line=1)
    assert row["summary"]["axes"] == {"overall": 3.0, "accuracy": None, "coverage": 7.0, "coherence": 1.0}


@pytest.mark.parametrize(("config", "raw", "message"), [
    ("comparisons", [1, 2], "c.json:4: expected a JSON object, got list"),
    ("comparisons", with_field(GOOD_CMP, ["split"], "test"), "c.json:4: field 'split': unknown split 'test'"),
    ("comparisons", with_field(GOOD_CMP, ["choice"], True), "c.json:4: field 'choice': choice must be 0 or 1"),
    ("comparisons", with_field(GOOD_CMP, ["summaries", 1, "text"], 5),
     "c.json:4: field 'summaries[1].text': expected str, got int 5"),
    ("axis", with_field(GOOD_AXIS, ["summary", "axes", "coverage"], 7.5),
     "c.json:4: field 'summary.axes.coverage': rating must be 1-7 or null, got 7.5"),
    ("axis", with_field(GOOD_AXIS, ["info", "post"], KeyError),
     "c.json:4: field 'info.post': a row needs info.post (Reddit) or info.article (news)"),
])
def test_a_fault_names_file_line_and_field(config, raw, message):
    with pytest.raises(DataError) as err:
        normalise_row(raw, config, path="c.json", line=4)
    assert str(err.value).startswith(message)


def test_post_id_is_the_id_or_a_hash_of_title_and_text():
    assert post_id({"id": "t3_x", "title": "T"}) == "t3_x"
    info = {"id": None, "title": "T", "post": "A post.", "article": None}
    digest = hashlib.sha1(json.dumps(["T", "A post.", None]).encode()).hexdigest()[:16]
    assert post_id(info) == f"sha1:{digest}"


def test_of_repeated_judgements_the_smallest_key_is_kept_whatever_the_order():
    row = normalise_row(GOOD_CMP, "comparisons", path="c.json", line=1)
    again = {**row, "batch": "b2", "extra": {"confidence": 8}}  # the same judgement, another batch
    other = {**row, "choice": 1}
    assert judgement_key(row) == judgement_key(again) != judgement_key(other)
    located = [Located(row, "c.json:1"), Located(other, "c.json:2"), Located(again, "d.json:1")]
    kept, repeats = drop_repeats(located)
    assert repeats == [("d.json:1", "c.json:1")]
    assert [r.row for _, r in kept if r.row["choice"] == 0] == [min((row, again), key=row_key)]
    assert all(key == row_key(r.row) for key, r in kept)
    kept_reversed, _ = drop_repeats(located[::-1])
    assert sorted(k for k, _ in kept) == sorted(k for k, _ in kept_reversed)
