"""The embedded synthetic sample: reproducible byte for byte, and shaped exactly like OpenAI's files."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from lm_eval_tasks.data.rows import RATING_AXES
from lm_eval_tasks.data.sample import generate
from tests.helpers.sample_rows import REAL_COUNTERPART, SAMPLE_DIR, read_rows, real_dir, sample_rows

EXPECTED_ROWS = {
    generate.TLDR_CMP: 16 * 6,
    generate.CNNDM_CMP: 4 * 3,
    generate.TLDR_AXIS: 16 * 4,
    generate.CNNDM_AXIS: 4 * 3,
}


def _keys(obj):
    """The key structure of a JSON value: dicts -> {key: structure}, lists -> tuple, leaves -> None."""
    if isinstance(obj, dict):
        return {k: _keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return tuple(_keys(v) for v in obj)
    return None


# --- reproducibility ---------------------------------------------------------------------------


def test_committed_files_exist():
    for rel in generate.FILES:
        assert (SAMPLE_DIR / rel).is_file(), f"{rel} missing: run python -m lm_eval_tasks.data.sample.generate"


def test_regeneration_is_byte_identical(tmp_path):
    written = generate.main(tmp_path)
    assert set(written) == set(generate.FILES)
    for rel in generate.FILES:
        fresh = (tmp_path / rel).read_bytes()
        committed = (SAMPLE_DIR / rel).read_bytes()
        assert fresh == committed, f"{rel} is stale: run python -m lm_eval_tasks.data.sample.generate"


def test_generation_is_deterministic():
    assert generate.build() == generate.build()
    assert generate.check() == []


def test_cli_writes_into_out_dir(tmp_path):
    assert generate._cli(["--out-dir", str(tmp_path)]) == 0
    assert generate._cli(["--check", "--out-dir", str(tmp_path)]) == 0
    (tmp_path / generate.TLDR_CMP).write_text("{}\n")
    assert generate._cli(["--check", "--out-dir", str(tmp_path)]) == 1


# --- same structure as the real data -----------------------------------------------------------


@pytest.mark.parametrize("rel", generate.FILES)
def test_same_keys_as_real_rows(rel):
    real_rows = read_rows(real_dir() / REAL_COUNTERPART[rel])
    real_shapes = {json.dumps(_keys(r)) for r in real_rows}
    assert len(real_shapes) == 1, "the real file itself has rows of different shapes"
    real_shape = _keys(real_rows[0])
    for i, row in enumerate(sample_rows(rel)):
        assert _keys(row) == real_shape, f"{rel} row {i} differs in keys from {REAL_COUNTERPART[rel]}"
        # key order too, so the files read like the originals
        assert json.dumps(_keys(row)) == json.dumps(real_shape)


@pytest.mark.parametrize("rel", generate.FILES)
def test_value_types_match_real_rows(rel):
    """Where the real rows always hold a string (or an int), so does the sample."""
    real_rows = read_rows(real_dir() / REAL_COUNTERPART[rel])

    def leaves(obj, prefix=""):
        if isinstance(obj, dict):
            for k, v in obj.items():
                yield from leaves(v, f"{prefix}.{k}")
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                yield from leaves(v, f"{prefix}[{i}]")
        else:
            yield prefix, obj

    real_types: dict[str, set] = {}
    for r in real_rows:
        for path, value in leaves(r):
            real_types.setdefault(path, set()).add(type(value).__name__)
    for row in sample_rows(rel):
        for path, value in leaves(row):
            if path.startswith(".summary.axes."):
                continue  # ratings may be null in OpenAI's data; see test_ratings_are_likert_or_null
            kinds = real_types[path]
            if kinds == {"str"}:
                assert isinstance(value, str), f"{rel}: {path} should be a string"
            if kinds == {"int"}:
                assert isinstance(value, int), f"{rel}: {path} should be an int"


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", generate.FILES)
def test_row_counts(rel):
    assert len(sample_rows(rel)) == EXPECTED_ROWS[rel]


def test_ids_counts_and_splits():
    tldr_cmp, tldr_axis = sample_rows(generate.TLDR_CMP), sample_rows(generate.TLDR_AXIS)
    cnndm_cmp, cnndm_axis = sample_rows(generate.CNNDM_CMP), sample_rows(generate.CNNDM_AXIS)
    posts = Counter(r["info"]["id"] for r in tldr_axis)
    assert len(posts) == 16 and set(posts.values()) == {4}
    assert all(pid.startswith("sample_t3_") for pid in posts)
    assert Counter(r["info"]["id"] for r in tldr_cmp) == Counter({pid: 6 for pid in posts})
    assert len({r["info"]["subreddit"] for r in tldr_axis}) >= 8
    articles = Counter(r["info"]["id"] for r in cnndm_axis)
    assert len(articles) == 4 and set(articles.values()) == {3}
    assert Counter(r["info"]["id"] for r in cnndm_cmp) == articles

    assert {r["split"] for r in tldr_cmp} == {"valid1", "valid2"}
    assert {r["split"] for r in tldr_axis} == {"valid1", "valid2"}
    assert {r["split"] for r in cnndm_cmp} == {"valid2"}
    assert {r["split"] for r in cnndm_axis} == {"test"}
    split_of = {r["info"]["id"]: r["split"] for r in tldr_axis}
    assert all(split_of[r["info"]["id"]] == r["split"] for r in tldr_cmp), "a post changes split across files"

    # every pair of a post's summaries appears exactly once
    for pid in posts:
        pairs = [frozenset(s["policy"] for s in r["summaries"]) for r in tldr_cmp if r["info"]["id"] == pid]
        assert len(set(pairs)) == 6 and all(len(p) == 2 for p in pairs)


def test_ratings_are_likert_or_null():
    ratings = []
    for rel in (generate.TLDR_AXIS, generate.CNNDM_AXIS):
        for row in sample_rows(rel):
            axes = row["summary"]["axes"]
            assert axes["compatible"] is None
            for name in RATING_AXES:
                v = axes[name]
                assert v is None or (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 7), (name, v)
                ratings.append(v)
            assert isinstance(row["summary"]["note"], str) and row["summary"]["note"]
            assert isinstance(row["worker"], str) and row["worker"]
    nulls = sum(v is None for v in ratings)
    assert 1 <= nulls <= 0.1 * len(ratings), "a few (not many) ratings should be missing"


def test_ratings_follow_quality_tiers():
    def mean_overall(policy):
        vals = [r["summary"]["axes"]["overall"] for r in sample_rows(generate.TLDR_AXIS)
                if r["summary"]["policy"] == policy and r["summary"]["axes"]["overall"] is not None]
        return sum(vals) / len(vals)

    assert mean_overall("good") > mean_overall("okay") > mean_overall("vague") - 0.5
    assert mean_overall("good") - mean_overall("wrong") >= 3


def test_choices_and_confidence():
    rank = {"good": 0, "okay": 1, "vague": 2, "wrong": 3}
    rows = sample_rows(generate.TLDR_CMP) + sample_rows(generate.CNNDM_CMP)
    agree = 0
    for row in rows:
        assert row["choice"] in (0, 1) and not isinstance(row["choice"], bool)
        conf = row["extra"]["confidence"]
        assert isinstance(conf, int) and 1 <= conf <= 9 and conf != 5
        assert (conf < 5) == (row["choice"] == 0), "confidence side disagrees with choice"
        assert len(row["summaries"]) == 2
        a, b = (rank[s["policy"]] for s in row["summaries"])
        assert a != b
        agree += row["choice"] == (0 if a < b else 1)
    # mostly the better summary, but not always
    assert 0.75 * len(rows) <= agree < len(rows)
    # both positions get chosen
    assert {r["choice"] for r in rows} == {0, 1}
