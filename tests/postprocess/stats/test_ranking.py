"""Chen et al.'s ranking accuracies R, R~, R* and the Wilson agreement: against statsmodels, a literal
re-statement of their rules, and hand-worked cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from postprocess.stats.agreement import pair_outcomes
from postprocess.stats.bootstrap import ClusterResamples, cluster_bootstrap
from postprocess.stats.ranking import (
    idealised_ranking_accuracy,
    per_token,
    ranking_accuracy,
    ranking_accuracy_per_token,
    wilson_agreement,
)
from tests.helpers.cr2 import score_roots
from tests.helpers.paths import SFF_DIR, require_shared


def test_wilson_equals_statsmodels_and_its_p_inverts_the_interval():
    for agree, n in ((0, 7), (3, 7), (7, 7), (131, 250), (1310, 2500)):
        s = wilson_agreement([1.0] * agree + [0.0] * (n - agree))
        low, high = proportion_confint(agree, n, alpha=0.05, method="wilson")
        assert (s.estimate, s.ci_low, s.ci_high) == pytest.approx((agree / n, low, high))
        assert (s.p_value < 0.05) == (s.ci_low > 0.5 or s.ci_high < 0.5)
        # The score test by hand: z = (p - 1/2) / sqrt(1/4 / n).
        assert s.p_value == pytest.approx(2 * sps.norm.sf(abs(agree / n - 0.5) / np.sqrt(0.25 / n)))
    s = wilson_agreement([1.0, 0.5, 0.0, 1.0, np.nan], confidence=0.9)
    assert s.estimate == pytest.approx(2.5 / 4) and s.n == 4 and s.n_dropped == 1 and s.details["n_ties"] == 1
    assert s.ci_low == pytest.approx(proportion_confint(2.5, 4, alpha=0.1, method="wilson")[0])
    assert "independent" in s.method
    assert wilson_agreement([np.nan]).reason == "no complete pairs"
    with pytest.raises(ValueError, match="0, 1/2 or 1"):
        wilson_agreement([0.3])


def test_wilson_method_says_pairs_are_taken_as_independent_and_that_it_under_covers():
    method = wilson_agreement([1.0, 0.0, 1.0]).method
    assert "pairs taken as independent (Verbalized Sampling's reading" in method
    assert "under-covers when a post's pairs are correlated (docs/statistics.md, Coverage of the intervals)" in method


def test_wilson_on_pair_outcomes_counts_model_ties_half():
    out = pair_outcomes([2.0, 1.0, 3.0, 5.0], [1.0, 2.0, 1.0, 5.0], [0, 1, 1, 0])
    assert wilson_agreement(out).estimate == 0.625


def chen_rank(scores: list[float]) -> list[int]:
    """Their `rank`: rankdata(method="max") reversed, so equal scores give [1, 1]."""
    return [len(scores) + 1 - int(r) for r in sps.rankdata(scores, method="max")]


def test_ranking_accuracy_follows_chens_rule():
    rng = np.random.default_rng(0)
    n = 300
    a = np.round(rng.normal(size=n), 1)
    b = np.round(rng.normal(size=n), 1)  # rounding makes model ties
    choice = rng.integers(0, 2, n).astype(float)
    choice[:10] = np.nan  # human ties
    s = ranking_accuracy(a, b, choice, n_resamples=0)
    expected = [chen_rank([x, y]) == ([1, 2] if c == 0 else [2, 1])
                for x, y, c in zip(a, b, choice) if np.isfinite(c)]
    assert s.estimate == pytest.approx(np.mean(expected))
    assert s.n == n - 10 and s.n_dropped == 10 and s.details["n_human_ties"] == 10
    ties = int(np.sum((a == b) & np.isfinite(choice)))
    assert ties > 0 and s.details["n_model_ties"] == ties
    # Ties count 0 here and 1/2 in the report's agreement: the two differ by half the ties.
    agreement = np.nanmean(pair_outcomes(a, b, choice))
    assert agreement - s.estimate == pytest.approx(0.5 * ties / s.n)


def test_ranking_accuracy_hand_worked_with_cluster_interval():
    a = np.array([-10.0, -20.0, -5.0, -7.0, np.nan, -3.0])
    b = np.array([-12.0, -15.0, -5.0, -9.0, -1.0, -4.0])
    choice = np.array([0, 1, 0, 1, 0, np.nan])
    # hit (A higher, A chosen), hit, model tie = miss, miss; row 5 missing, row 6 a human tie.
    posts = np.array(["p", "p", "q", "q", "r", "s"])
    r = ClusterResamples.draw(posts[:4], 300, seed=2)
    s = ranking_accuracy(a, b, choice, posts, resamples=r, confidence=0.8)
    assert (s.estimate, s.n, s.n_dropped, s.details["n_model_ties"]) == (0.5, 4, 2, 1)
    hits = np.array([1.0, 1.0, 0.0, 0.0])
    ref = cluster_bootstrap(lambda idx: hits[idx].mean(), posts[:4], confidence=0.8, resamples=r)
    assert (s.details["percentile_ci_low"], s.details["percentile_ci_high"]) == pytest.approx((ref.low, ref.high))
    # Two equal posts with residual totals +1 and -1: CR2 = CR1 = sqrt(2/1 x 2) / 4 = 0.5 on 1 df; the effective
    # sample size 0.25 / 0.25 = 1, so the Wilson bounds are 0.5 ± q / (2 sqrt(1 + q²)), q = t(0.9, 1).
    assert (s.details["se_cr2"], s.details["df_bell_mccaffrey"]) == pytest.approx((0.5, 1.0), rel=1e-9)
    q = sps.t.ppf(0.9, 1)
    half = q / (2 * np.sqrt(1 + q * q))
    assert (s.ci_low, s.ci_high) == pytest.approx((0.5 - half, 0.5 + half), rel=1e-9)
    assert (s.ci_low, s.ci_high) == pytest.approx(score_roots(0.5, 0.5, 1.0, 0.8), rel=1e-9)
    assert s.p_value == 1.0 and "Wilson" in s.method
    wilson = proportion_confint(2, 4, alpha=0.2, method="wilson")
    assert (s.details["wilson_ci_low"], s.details["wilson_ci_high"]) == pytest.approx(wilson)
    assert s.details["p_value_independent"] == pytest.approx(sps.binomtest(2, 4, 0.5).pvalue)
    assert s.details["n_clusters"] == 2
    json.dumps(s.to_dict())
    everything_tied = ranking_accuracy([1.0, 2.0], [0.0, 1.0], [np.nan, np.nan], n_resamples=10)
    assert not everything_tied.defined and "tied by the humans" in everything_tied.reason


def test_length_normalised_ranking_accuracy():
    lp_a, lp_b = np.array([-10.0, -20.0, -9.0]), np.array([-12.0, -15.0, -6.0])
    tok_a, tok_b = np.array([5, 10, 3]), np.array([4, 5, 0])
    choice = np.array([0, 0, 1])
    s = ranking_accuracy_per_token(lp_a, lp_b, tok_a, tok_b, choice, n_resamples=0)
    # per token: -2 vs -3 (A, hit), -2 vs -3 (A, hit); the third has no tokens for B: dropped.
    assert (s.estimate, s.n, s.n_dropped) == (1.0, 2, 1)
    # summed: -10 vs -12 (A, hit), -20 vs -15 (B, miss), -9 vs -6 (B, hit).
    assert ranking_accuracy(lp_a, lp_b, choice, n_resamples=0).estimate == pytest.approx(2 / 3)
    assert "length-normalised" in s.method
    assert np.isnan(per_token([-1.0], [np.nan])[0])


def chen_ideal_rank(a1: float, a2: float, ratio_ref: float, beta: float) -> tuple[list[int], list[int]]:
    """Their `compute_ranks` for one pair, in probability space: (human ranking, ideal model ranking)."""
    eps = 1e-3

    def rank(ratio: float) -> list[int]:
        if np.abs(ratio - 1.0) < 0.05:
            return [1, 1]
        return [1, 2] if ratio >= 1.05 else [2, 1]

    expected = a1 / a2 if a2 > 0 else a1 / eps
    return rank(expected), rank(expected ** (1 / beta) * ratio_ref)


@pytest.mark.parametrize("beta", [0.01, 0.1, 1.0, 5.0, 10.0])
def test_idealised_ranking_accuracy_follows_chens_compute_ranks(beta):
    rng = np.random.default_rng(int(beta * 100))
    n = 400
    raters = rng.integers(1, 6, n)
    votes_a = rng.binomial(raters, 0.6)
    share = votes_a / raters
    a = rng.normal(-30, 3, n)
    b = rng.normal(-30, 3, n)
    s = idealised_ranking_accuracy(a, b, share, raters, beta=beta, n_resamples=0)
    hits = []
    for x, y, s1, k in zip(a, b, share, raters):
        if k < 2:
            continue
        human, ideal = chen_ideal_rank(s1, 1 - s1, np.exp(x - y), beta)
        if human == [1, 1]:
            continue
        hits.append(human == ideal)
    assert s.n == len(hits) and s.estimate == pytest.approx(np.mean(hits))
    assert s.details["n_few_raters"] == int(np.sum(raters < 2))
    assert s.details["n_rater_ties"] == int(np.sum((raters >= 2) & (2 * votes_a == raters)))
    assert s.n_dropped == n - s.n


def test_idealised_ranking_accuracy_hand_worked():
    # Pair 1: 2 of 3 raters prefer A, the reference prefers B by 1 nat: beta 1 gives 2/e = 0.74 (B first,
    # a miss), beta 0.1 gives 1024/e (A first, a hit). Pair 2: unanimous for B (a1 = 0): B first for every
    # beta. Pair 3: one rater only, dropped. Pair 4: 1 of 2, a rater tie, dropped.
    a, b = [-11.0, -10.0, -5.0, -5.0], [-10.0, -12.0, -6.0, -6.0]
    share, raters = [2 / 3, 0.0, 1.0, 0.5], [3, 4, 1, 2]
    one = idealised_ranking_accuracy(a, b, share, raters, beta=1.0, n_resamples=0)
    tenth = idealised_ranking_accuracy(a, b, share, raters, beta=0.1, n_resamples=0)
    assert (one.estimate, tenth.estimate) == (0.5, 1.0)
    assert one.n == 2 and one.details["n_few_raters"] == 1 and one.details["n_rater_ties"] == 1
    # a2 = 0 uses their eps: a1 / 0.001 = 1000; at beta 10 that is 1000^0.1 = 2.0, times exp(-4): B first.
    lone = idealised_ranking_accuracy([-14.0], [-10.0], [1.0], [3], beta=10.0, n_resamples=0)
    assert lone.estimate == 0.0
    # An ideal tie (ratio within 5% of 1) is a miss: 1000^0.1 * exp(-log 2) = 1.0.
    tie = idealised_ranking_accuracy([-np.log(2)], [0.0], [1.0], [3], beta=10.0, n_resamples=0)
    assert tie.estimate == 0.0 and tie.details["n_ideal_ties"] == 1
    with pytest.raises(ValueError, match="beta must be positive"):
        idealised_ranking_accuracy(a, b, share, raters, beta=0.0)


def test_smoke_on_real_comparisons():
    """Real TL;DR pairs (batch18), the summaries' byte lengths standing in for model scores (the data holds
    none): R and R* run, and R* with several raters uses the pairs judged more than once."""
    path = require_shared(SFF_DIR / "comparisons" / "batch18.json")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    shorter = np.array([[-len(s["text"].encode()) for s in r["summaries"]] for r in rows], dtype=float)
    choice = np.array([r["choice"] for r in rows], dtype=float)
    posts = np.array([r["info"]["id"] for r in rows])
    s = ranking_accuracy(shorter[:, 0], shorter[:, 1], choice, posts, n_resamples=200)
    assert s.defined and s.ci_low <= s.estimate <= s.ci_high and s.n + s.n_dropped == len(rows)
    votes: dict = {}
    for r, sc in zip(rows, shorter):
        texts = tuple(x["text"] for x in r["summaries"])
        key = (r["info"]["id"], *sorted(texts))
        first = texts[0] == key[1]
        entry = votes.setdefault(key, {"a": sc[0] if first else sc[1], "b": sc[1] if first else sc[0], "votes": []})
        entry["votes"].append(float(r["choice"] == (0 if first else 1)))
    pairs = list(votes.values())
    share = np.array([np.mean(p["votes"]) for p in pairs])
    n_raters = np.array([len(p["votes"]) for p in pairs])
    star = idealised_ranking_accuracy([p["a"] for p in pairs], [p["b"] for p in pairs], share, n_raters,
                                      [k[0] for k in votes], beta=0.1, n_resamples=200)
    assert star.n + star.details["n_rater_ties"] == int(np.sum(n_raters >= 2)) > 0
    assert star.details["n_few_raters"] == int(np.sum(n_raters < 2))
