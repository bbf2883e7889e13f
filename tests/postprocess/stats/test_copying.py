"""Extractive fragments, coverage, density and n-gram shares: hand-worked cases and Newsroom's own scan."""

from __future__ import annotations

import json

import numpy as np
import pytest

from postprocess.stats.copying import (
    copying,
    copying_table,
    fragments,
    tokens,
)
from tests.helpers.paths import SFF_DIR, require_shared


def newsroom_match(a: list[str], b: list[str]) -> list[tuple[int, int, int]]:
    """Newsroom's `Fragments._match` (Grusky et al. 2018), restated loop for loop: every source position."""
    matches = []
    a_start = b_start = 0
    while a_start < len(a):
        best, best_length = None, 0
        while b_start < len(b):
            if a[a_start] == b[b_start]:
                a_end, b_end = a_start, b_start
                while a_end < len(a) and b_end < len(b) and b[b_end] == a[a_end]:
                    a_end += 1
                    b_end += 1
                if a_end - a_start > best_length:
                    best, best_length = (a_start, b_start, a_end - a_start), a_end - a_start
                b_start = b_end
            else:
                b_start += 1
        b_start = 0
        if best:
            matches.append(best)
            a_start += best_length
        else:
            a_start += 1
    return matches


def test_fragments_equal_newsrooms_scan():
    rng = np.random.default_rng(0)
    for _ in range(300):
        vocab = list("abcde")[: rng.integers(2, 6)]
        source = list(rng.choice(vocab, rng.integers(0, 40)))
        summary = list(rng.choice([*vocab, "z"], rng.integers(0, 15)))
        got = [(f.summary_start, f.source_start, f.length) for f in fragments(summary, source)]
        assert got == newsroom_match(summary, source)


def test_the_greedy_scan_resumes_after_a_match():
    # From "a": the scan matches "a a" at source 0 (then "a" vs "b"), resumes at 2, matches "a" at 2;
    # it never tries source 1, where "a a b" would match. Newsroom's rule, kept.
    assert [(f.source_start, f.length) for f in fragments(["a", "a", "b"], ["a", "a", "a", "b"])] == [(0, 2), (3, 1)]


def test_a_copied_summary_and_one_with_no_word_of_the_source():
    source = "Police said the man was arrested on Tuesday after a long chase."
    copy = copying(source, source)
    n = len(source.split())
    assert (copy.coverage, copy.density, copy.n_summary_tokens) == (1.0, float(n), n)
    assert (copy.ngram_share_1, copy.ngram_share_2, copy.ngram_share_3) == (1.0, 1.0, 1.0)
    novel = copying("Officers detained someone yesterday", source)
    assert (novel.coverage, novel.density, novel.ngram_share_1, novel.ngram_share_2) == (0.0, 0.0, 0.0, 0.0)


def test_hand_worked_fragments_and_ngram_shares():
    # Source: the cat sat on the mat. Summary (lowercased): "the cat sat quietly on the mat today"
    # fragments: "the cat sat" (3), "on the mat" (3); coverage 6/8, density (9 + 9)/8.
    e = copying("The cat sat quietly on the mat today", "the cat sat on the mat")
    assert (e.coverage, e.density) == (6 / 8, 18 / 8)
    assert e.ngram_share_1 == 6 / 8  # quietly, today are new
    assert e.ngram_share_2 == 4 / 7  # the cat, cat sat, on the, the mat of 7 bigrams
    assert e.ngram_share_3 == 2 / 6  # the cat sat, on the mat of 6 trigrams
    # Case is ignored, punctuation is part of a word.
    assert tokens("The MAT.") == ["the", "mat."]
    assert copying("mat.", "the mat").coverage == 0.0


def test_short_and_empty_summaries():
    e = copying("cat", "the cat")
    assert e.coverage == 1.0 and np.isnan(e.ngram_share_2) and np.isnan(e.ngram_share_3)
    empty = copying("   ", "the cat")
    assert np.isnan(empty.coverage) and np.isnan(empty.density) and empty.n_summary_tokens == 0
    assert copying("the cat", "").coverage == 0.0


def test_table_matches_one_at_a_time_and_checks_lengths():
    summaries = ["the cat sat", "a dog", "cat cat cat"]
    sources = ["the cat sat on the mat", "the cat sat on the mat", "a cat"]
    table = copying_table(summaries, sources)
    for row, (s, src) in zip(table.to_dict("records"), zip(summaries, sources)):
        assert row == pytest.approx(vars(copying(s, src)), nan_ok=True)
    assert list(table.columns) == ["coverage", "density", "ngram_share_1", "ngram_share_2", "ngram_share_3",
                                   "n_summary_tokens", "n_source_tokens"]
    with pytest.raises(ValueError):
        copying_table(["a"], ["a", "b"])


def test_smoke_on_real_summaries():
    """Real TL;DR summaries of batch18 against their posts: every value in range, density at most the
    summary's length, and the unigram share at least the trigram share on most summaries."""
    path = require_shared(SFF_DIR / "comparisons" / "batch18.json")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    summaries = [s["text"] for r in rows for s in r["summaries"]]
    posts = [r["info"]["post"] for r in rows for _ in r["summaries"]]
    table = copying_table(summaries, posts)
    assert len(table) == 2 * len(rows)
    assert table.coverage.between(0, 1).all() and (table.density >= 0).all()
    assert (table.density <= table.n_summary_tokens).all()
    assert (table.ngram_share_1 >= table.ngram_share_3 - 1e-12).mean() > 0.9
