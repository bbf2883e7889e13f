"""Diversity statistics of generated texts (postprocess.stats.diversity) on hand-worked texts, against sacrebleu,
gzip and rlfh-gen-div's EAD formula; the delete-d jackknife (postprocess.stats.jackknife) on simulated data."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest
import sacrebleu

from postprocess.stats.diversity import (
    DIVERSITY,
    TextSet,
    compression_ratio,
    distinct_n,
    ead,
    empty_share,
    expected_unique,
    mean_length,
    per_input_table,
    self_bleu,
    set_statistics,
    words,
)
from postprocess.stats.jackknife import half_samples, jackknife_se, jackknife_stat


def test_words_lowercase_and_split_on_any_whitespace():
    assert words("The  CAT\tsat\n") == ["the", "cat", "sat"]


def test_distinct_n_hand_worked():
    texts = ["The cat sat", "the cat ran"]
    # unigrams: the cat sat the cat ran -> {the, cat, sat, ran}: 4 of 6
    assert distinct_n(texts, 1) == pytest.approx(4 / 6)
    # bigrams: (the cat) (cat sat) (the cat) (cat ran) -> 3 of 4
    assert distinct_n(texts, 2) == pytest.approx(3 / 4)
    # trigrams: (the cat sat) (the cat ran): 2 of 2
    assert distinct_n(texts, 3) == 1.0
    # texts shorter than n: 0 (rlfh-gen-div's convention)
    assert distinct_n(["a b"], 3) == 0.0


def test_empty_texts_are_left_out_of_every_diversity_statistic():
    texts = ["the cat sat", "the cat ran"]
    with_empty = [texts[0], "", " \n", texts[1]]
    assert empty_share(with_empty) == 0.5 and empty_share(texts) == 0.0 and math.isnan(empty_share([]))
    assert set_statistics(with_empty) | {"mean_length": 0} == pytest.approx(set_statistics(texts) | {"mean_length": 0})
    assert mean_length(with_empty) == 1.5  # the length the model generated: empty samples count as 0
    # no non-empty text: undefined, not "least diverse" (0) nor "most diverse"
    for value in (distinct_n(["", "  "], 1), ead(["", "\t"]), compression_ratio([""]), self_bleu(["", ""])):
        assert math.isnan(value)
    table = per_input_table([with_empty, ["", ""]])
    assert table["empty_share"].tolist() == [0.5, 1.0]
    assert table.loc[1, [*DIVERSITY]].isna().all() and table.loc[1, "mean_length"] == 0.0
    assert TextSet(["", "a b"]).statistics(np.array([True, False])) == pytest.approx(
        dict.fromkeys(DIVERSITY, math.nan), nan_ok=True)


@pytest.mark.parametrize("k", [2, 4, 8])
def test_k_identical_samples_give_distinct_n_at_its_minimum_and_self_bleu_100(k):
    text = "the model wrote one summary of this post"  # every n-gram of the text occurs once in it
    texts = [text] * k
    for n in (1, 2, 3):
        # unique n-grams: those of one text; all n-grams: k times as many
        assert distinct_n(texts, n) == pytest.approx(1 / k)
    assert self_bleu(texts) == pytest.approx(100.0)


def test_ead_is_rlfh_gen_div_formula_averaged_over_orders_1_to_5():
    texts = ["a b a c", "a b d"]
    # hand-worked with V = 50257: order n has C_n n-grams and N_n unique ones
    grams = {1: (4, 7), 2: (4, 5), 3: (3, 3), 4: (1, 1), 5: (0, 0)}  # (unique, all)
    v = 50257
    by_order = [u / (v * (1 - ((v - 1) / v) ** c)) if c else 0.0 for u, c in grams.values()]
    # the formula as written loses ~1e-12 to cancellation in 1 - x^C; ead uses expm1/log1p
    assert ead(texts) == pytest.approx(np.mean(by_order), rel=1e-9)
    # V = 10, one order: "a b a" has 2 unique of 3, expected 10 (1 - 0.9^3) = 2.71
    assert ead(["a b a"], orders=(1,), vocab_size=10) == pytest.approx(2 / 2.71)


def test_expected_unique_is_exact_for_small_vocabularies():
    # V = 2, C = 2 draws: P(both the same) = 1/2, so E[unique] = 1 * 1/2 + 2 * 1/2 = 1.5
    assert expected_unique(2, 2) == pytest.approx(1.5)
    assert expected_unique(0) == 0.0


def test_self_bleu_is_mean_of_sacrebleu_sentence_bleu_against_the_others():
    texts = ["the cat sat on the mat", "a cat sat on a mat", "dogs run in the park"]
    expected = np.mean([sacrebleu.sentence_bleu(t, [o for o in texts if o is not t], lowercase=True).score
                        for t in texts])
    assert self_bleu(texts) == pytest.approx(expected, abs=1e-9)
    assert 0 < self_bleu(texts) < 100
    assert math.isnan(self_bleu(["alone"]))
    assert self_bleu(["Same Words", "same words"]) == pytest.approx(100.0)  # lowercased, like distinct-n


def test_self_bleu_leaves_out_texts_without_a_token():
    # sacrebleu scores an empty hypothesis 0: K empty samples would look as diverse as can be
    assert sacrebleu.sentence_bleu("", [""]).score == 0.0
    assert math.isnan(self_bleu(["", " ", "\n"])) and math.isnan(self_bleu(["", "one text"]))
    assert self_bleu(["a b c", "", "a b c"]) == pytest.approx(100.0)
    assert math.isnan(TextSet(["", "", "x y"]).self_bleu())


def test_compression_ratio_is_bytes_over_gzip_bytes_of_the_space_joined_texts():
    texts = ["abc abc abc", "abc abc abc", "xyz"]
    data = b"abc abc abc abc abc abc xyz"
    assert compression_ratio(texts) == len(data) / len(gzip.compress(data))
    repetitive, varied = ["one summary"] * 8, [f"summary number {i} says {w}" for i, w in enumerate("abcdefgh")]
    assert compression_ratio(repetitive) > compression_ratio(varied)


def test_mean_length_counts_words():
    assert mean_length(["a b c", "d"]) == 2.0
    assert math.isnan(mean_length([]))


def test_per_input_table_is_one_row_of_set_statistics_per_group():
    groups = [["a b", "a c"], ["x y z"] * 3]
    table = per_input_table(groups)
    assert list(table.columns) == [*DIVERSITY, "mean_length", "empty_share"]
    assert table.iloc[0].drop("empty_share").to_dict() == pytest.approx(set_statistics(groups[0]), nan_ok=True)
    assert table.loc[1, "distinct_1"] == pytest.approx(1 / 3) and table.loc[1, "self_bleu"] == pytest.approx(100)


def test_text_set_equals_the_functions_on_every_subset():
    rng = np.random.default_rng(0)
    vocab = [*(f"w{i}" for i in range(25)), "The", "the", "cat.", "a", "A"]
    texts = [" ".join(rng.choice(vocab, rng.integers(0, 14))) for _ in range(40)]
    texts[3] = texts[4]  # exact duplicates and an empty text
    texts[5] = ""
    text_set = TextSet(texts)
    for _ in range(25):
        keep = rng.random(len(texts)) < 0.5
        subset = [t for t, k in zip(texts, keep) if k]
        got = text_set.statistics(keep)
        want = {**{f"distinct_{n}": distinct_n(subset, n) for n in (1, 2, 3)}, "ead": ead(subset),
                "self_bleu": self_bleu(subset), "compression_ratio": compression_ratio(subset)}
        assert got == pytest.approx(want, rel=1e-12, abs=1e-9, nan_ok=True)


def test_half_samples_keep_half_of_the_clusters_without_repeats():
    keep = half_samples(9, 50, seed=3)
    assert keep.shape == (50, 9) and (keep.sum(axis=1) == 4).all()
    assert (keep == half_samples(9, 50, seed=3)).all()
    assert len({row.tobytes() for row in keep}) > 1


def test_jackknife_se_hand_worked():
    # N = 4, r = d = 2: var = mean((theta_b - mean)^2) = mean(1, 1) = 1
    assert jackknife_se(np.array([1.0, 3.0]), 4) == pytest.approx(1.0)
    # N = 5, r = 2, d = 3: var = 2/3 * 1
    assert jackknife_se(np.array([1.0, 3.0, np.nan]), 5) == pytest.approx(math.sqrt(2 / 3))
    assert jackknife_se(np.array([1.0]), 4) is None


def test_jackknife_of_a_mean_matches_its_known_standard_error():
    # For the mean of N values, the delete-d jackknife with r = d = N/2 is unbiased for s^2 / N (s^2 with
    # divisor N - 1): the half-sample mean has variance (1 - r/N) s^2 / r = s^2 / N.
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    keep = half_samples(200, 4000, seed=2)
    reps = np.array([x[k].mean() for k in keep])
    assert jackknife_se(reps, 200) == pytest.approx(x.std(ddof=1) / math.sqrt(200), rel=0.05)


def test_jackknife_interval_of_across_input_distinct_covers_like_its_sampling_spread():
    # Texts drawn from one distribution: the spread of across-input distinct-2 over independent data sets is
    # the truth the jackknife standard error estimates (within Monte Carlo error).
    rng = np.random.default_rng(5)
    vocab = np.array([f"w{i}" for i in range(60)])
    probs = 1 / np.arange(1, 61)
    probs /= probs.sum()

    def data(n: int) -> list[str]:
        return [" ".join(rng.choice(vocab, 8, p=probs)) for _ in range(n)]

    truth = np.std([distinct_n(data(80), 2) for _ in range(300)])
    sample = data(80)
    text_set = TextSet(sample)
    reps = np.array([text_set.distinct(2, k) for k in half_samples(80, 400, seed=0)])
    assert jackknife_se(reps, 80) == pytest.approx(truth, rel=0.3)


def test_jackknife_stat_normal_interval_and_p():
    stat = jackknife_stat(2.0, np.array([1.0, 3.0]), n_clusters=4, n=4, method="m", confidence=0.95, seed=0,
                          null=0.0)
    assert (stat.ci_low, stat.ci_high) == pytest.approx((2 - 1.959964, 2 + 1.959964), abs=1e-6)
    assert stat.p_value == pytest.approx(0.0455, abs=1e-4)
    assert stat.details["n_clusters"] == 4 and stat.details["se"] == pytest.approx(1.0)
    assert jackknife_stat(2.0, np.array([1.0, 3.0]), n_clusters=4, n=4, method="m", confidence=0.95,
                          seed=0).p_value is None
    assert jackknife_stat(math.nan, np.array([1.0]), n_clusters=4, n=4, method="m", confidence=0.95,
                          seed=0).estimate is None
