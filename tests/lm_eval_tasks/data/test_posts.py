"""The generation and posts tasks' docs: each distinct post of the split once, shuffled with the seed."""

from __future__ import annotations

import pytest

from lm_eval_tasks.data.posts import build_post_docs, custom_dataset, kinds_with_split
from lm_eval_tasks.data.rows import post_id, row_source
from lm_eval_tasks.data.sources import SAMPLE_NAME, load_rows
from summ_pref_common.errors import DataError


def expected_posts(data_dir: str, source: str, split: str) -> dict[str, str]:
    """post_id -> text of every row of the split, read independently of `lm_eval_tasks.data.posts`."""
    posts = {}
    for config in ("comparisons", "axis"):
        try:
            rows, _origin = load_rows(config, split, data_dir)
        except DataError:  # the config has no such split (axis: no train; comparisons: no test)
            continue
        for r in rows:
            if row_source(r.row) == source:
                info = r.row["info"]
                posts[post_id(info)] = info["post"] if source == "tldr" else info["article"]
    return posts


@pytest.mark.parametrize("source, split, n_posts", [("tldr", "validation", 119), ("cnndm", "validation", 45),
                                                    ("cnndm", "test", 206)])
def test_real_rows_give_each_post_of_the_split_once(sff_dir, source, split, n_posts):
    docs = build_post_docs(source, split, str(sff_dir))
    expected = expected_posts(str(sff_dir), source, split)
    assert len(docs) == len(expected) == n_posts
    assert {d["post_id"]: d["text"] for d in docs} == expected
    assert len({d["key"] for d in docs}) == n_posts
    assert {d["source"] for d in docs} == {source} and {d["split"] for d in docs} == {split}


def test_tldr_validation_posts_come_from_comparison_and_axis_rows(sff_dir):
    """batch18 and the edit batch give 115 TL;DR posts, the axis file 4 more (119 above); none is in both."""
    cmp_rows, _ = load_rows("comparisons", "validation", str(sff_dir))
    axis_rows, _ = load_rows("axis", "validation", str(sff_dir))
    from_cmp = {post_id(r.row["info"]) for r in cmp_rows if row_source(r.row) == "tldr"}
    from_axis = {post_id(r.row["info"]) for r in axis_rows if row_source(r.row) == "tldr"}
    docs = build_post_docs("tldr", "validation", str(sff_dir))
    assert {d["post_id"] for d in docs} == from_cmp | from_axis
    assert len(from_cmp) == 115 and len(from_axis) == 4


def test_seed_shuffles_the_same_posts():
    first = build_post_docs("tldr", "validation", SAMPLE_NAME, seed=1234)
    other = build_post_docs("tldr", "validation", SAMPLE_NAME, seed=7)
    assert [d["key"] for d in first] != [d["key"] for d in other]
    assert sorted(d["key"] for d in first) == sorted(d["key"] for d in other)
    assert [d["key"] for d in first] == [d["key"] for d in build_post_docs("tldr", "validation", SAMPLE_NAME)]


def test_subsplit_keeps_only_posts_of_that_split(sff_dir):
    docs = build_post_docs("tldr", "validation", str(sff_dir), subsplit="valid1")
    assert docs and {d["subsplit"] for d in docs} == {"valid1"}
    assert len(docs) < 119


@pytest.mark.parametrize("split, kinds", [("validation", ["axis", "cmp"]), ("train", ["cmp"]), ("test", ["axis"])])
def test_kinds_with_split(split, kinds):
    assert kinds_with_split(split) == kinds


def test_split_without_posts_and_unknown_split_are_data_errors(sff_dir):
    with pytest.raises(DataError, match=r"no tldr posts in split 'train'"):
        build_post_docs("tldr", "train", str(sff_dir))
    with pytest.raises(DataError, match=r"^field 'split': unknown split 'dev'"):
        custom_dataset(source="tldr", default_split="validation", data_dir=SAMPLE_NAME, split="dev")


def test_custom_dataset_checks_metadata_types():
    with pytest.raises(DataError, match=r"^field 'seed'"):
        custom_dataset(source="tldr", default_split="validation", data_dir=SAMPLE_NAME, seed="x")
    with pytest.raises(DataError, match=r"^field 'subsplit'"):
        custom_dataset(source="tldr", default_split="validation", data_dir=SAMPLE_NAME, subsplit="valid3")
