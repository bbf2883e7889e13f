"""The generated samples' and posts' rows (`postprocess.compute.generation_rows`; their differences against the
reference: `postprocess.compute.against_reference`): on a tiny fixture run of two models, each equals a hand
computation; the posts' intervals written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from postprocess.compute.against_reference import post_ratio_difference
from postprocess.compute.generation_rows import post_ratio_stat
from postprocess.compute.report_data import Request, compute_report
from postprocess.io.runs import discover_runs
from postprocess.stats.bootstrap import ClusterResamples, Settings
from postprocess.stats.diversity import distinct_n, ead, self_bleu
from tests.helpers.generation_fixtures import (
    POSTS,
    base_samples,
    post_scores,
    sample_entropy,
    sample_logprob,
    tuned_samples,
    two_models,
)

SETTINGS = Settings(n_resamples=200)


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> pd.DataFrame:
    """The statistics table of the two fixture models (generation, samples scoring and posts tasks), against base."""
    root = tmp_path_factory.mktemp("generation")
    two_models(root / "runs")
    runs = discover_runs([root / "runs"], False)
    return compute_report(runs, [root / "runs"], Request(SETTINGS, reference="base", progress=False)).table


def row(table: pd.DataFrame, model: str, statistic: str, *, group: str = "all", task: str = "summ_pref_gen",
        reference: str = "") -> pd.Series:
    (found,) = table[(table["model"] == model) & (table["statistic"] == statistic) & (table["group"] == group)
                     & (table["task"] == task) & (table["reference"] == reference)].to_dict("records")
    return pd.Series(found)


def test_per_input_statistics_equal_hand_computations(table):
    # base: each post's 4 samples "sample j of post p says w" hold 28 words, 13 different (5 shared + 4 j + 4 w)
    assert row(table, "base", "distinct_1", group="per_input")["estimate"] == pytest.approx(13 / 28)
    # tuned: even posts repeat one 7-word text (1/4); odd posts two texts of 7 and 6 words twice: 8 of 26 words
    tuned = row(table, "tuned", "distinct_1", group="per_input")
    assert tuned["estimate"] == pytest.approx((1 / 4 + 8 / 26) / 2)
    assert tuned["ci_low"] < tuned["estimate"] < tuned["ci_high"] and tuned["n"] == len(POSTS)
    # every tuned sample has an identical copy among the post's other samples: self-BLEU 100 on every post
    assert row(table, "tuned", "self_bleu", group="per_input")["estimate"] == pytest.approx(100)
    base_bleu = np.mean([self_bleu(texts) for texts in base_samples().values()])
    assert row(table, "base", "self_bleu", group="per_input")["estimate"] == pytest.approx(base_bleu)
    assert row(table, "tuned", "ead", group="per_input")["estimate"] == pytest.approx(
        np.mean([ead(texts) for texts in tuned_samples().values()]))
    # words per sample: base 7; tuned 7 (even posts) and 6.5 (odd)
    assert row(table, "base", "mean_length")["estimate"] == 7
    assert row(table, "tuned", "mean_length")["estimate"] == pytest.approx(6.75)


def test_across_input_statistics_are_those_of_the_first_samples(table):
    firsts = [texts[0] for texts in tuned_samples().values()]
    stat = row(table, "tuned", "distinct_2", group="across_input")
    assert stat["estimate"] == pytest.approx(distinct_n(firsts, 2))
    assert stat["ci_low"] < stat["estimate"] < stat["ci_high"]
    assert "jackknife" in stat["method"]
    diff = row(table, "tuned", "distinct_2_difference", group="across_input", reference="base")
    base_firsts = [texts[0] for texts in base_samples().values()]
    assert diff["estimate"] == pytest.approx(distinct_n(firsts, 2) - distinct_n(base_firsts, 2))


def test_likelihood_and_entropy_of_the_samples_equal_hand_computations(table):
    # under base, per token: base's own samples -2, -2.25, -2.5 by post (mean -2.25); tuned's -1, -1.25 (-1.125)
    assert row(table, "base", "sample_ref_logprob")["estimate"] == pytest.approx(-2.25)
    tuned = row(table, "tuned", "sample_ref_logprob")
    assert tuned["estimate"] == pytest.approx(np.mean([sample_logprob("tuned", i) for i in range(12)]))
    assert tuned["measure"] == "per_token"
    diff = row(table, "tuned", "sample_ref_logprob_difference", reference="base")
    assert diff["estimate"] == pytest.approx(-1.125 + 2.25) and diff["ci_low"] > 0
    # entropy along each model's own samples: base 2.1, tuned 0.55 on average
    assert row(table, "base", "mean_entropy")["estimate"] == pytest.approx(2.1)
    assert row(table, "tuned", "mean_entropy")["estimate"] == pytest.approx(
        np.mean([sample_entropy("tuned", i) for i in range(12)]))
    assert row(table, "tuned", "mean_entropy_difference", reference="base")["estimate"] == pytest.approx(0.55 - 2.1)


def test_post_entropy_and_perplexity_are_over_every_token(table):
    for name in ("base", "tuned"):
        scores = [post_scores(name, i) for i in range(len(POSTS))]
        tokens = sum(n for _, n, _ in scores)
        perplexity = math.exp(-sum(lp * n for lp, n, _ in scores) / tokens)
        entropy = sum(h * n for _, n, h in scores) / tokens
        assert row(table, name, "post_perplexity", task="summ_pref_posts")["estimate"] == pytest.approx(perplexity)
        assert row(table, name, "post_entropy", task="summ_pref_posts")["estimate"] == pytest.approx(entropy)
    diff = row(table, "tuned", "post_perplexity_difference", task="summ_pref_posts", reference="base")
    assert diff["estimate"] == pytest.approx(
        row(table, "tuned", "post_perplexity", task="summ_pref_posts")["estimate"]
        - row(table, "base", "post_perplexity", task="summ_pref_posts")["estimate"])
    assert diff["ci_high"] < 0




def test_post_ratio_intervals_are_t_on_the_delete_one_post_jackknife():
    """The interval written out: the ratio of sums without each post in turn, its jackknife SE
    sqrt((G - 1) / G Σ (θ_g - θ̄)²), θ ± t(G - 1) SE; the difference's p its t-test."""
    rng = np.random.default_rng(4)
    tokens = rng.integers(50, 300, 9).astype(float)
    logprob = -tokens * (2.5 + 0.3 * rng.normal(size=9))
    entropy = tokens * (2.4 + 0.3 * rng.normal(size=9))
    posts = [f"p{g}" for g in range(9)]
    ref = pd.DataFrame({"logprob": logprob, "n_tokens": tokens, "entropy_sum": entropy, "n_entropies": tokens},
                       index=posts)
    model = ref.assign(entropy_sum=entropy - tokens * (0.1 + 0.05 * rng.normal(size=9)))
    settings = Settings(n_resamples=50, seed=1)
    q = sps.t.ppf(0.975, 8)

    def jackknife(values):
        values = np.asarray(values)
        return np.sqrt(8 / 9 * np.sum((values - values.mean()) ** 2))

    s = post_ratio_stat(ref, "post_perplexity", ClusterResamples.draw(posts, 50, seed=1), settings)
    ppl = np.exp(-logprob.sum() / tokens.sum())
    se = jackknife([np.exp(-np.delete(logprob, g).sum() / np.delete(tokens, g).sum()) for g in range(9)])
    assert s.estimate == pytest.approx(ppl) and s.details["se_jackknife"] == pytest.approx(se, rel=1e-9)
    assert (s.ci_low, s.ci_high) == pytest.approx((ppl - q * se, ppl + q * se), rel=1e-9)
    assert "jackknife" in s.method and s.details["percentile_ci_low"] is not None
    d = post_ratio_difference(ref, model, "post_entropy", settings)
    diff = model["entropy_sum"].sum() / tokens.sum() - entropy.sum() / tokens.sum()
    se = jackknife([(np.delete(model["entropy_sum"].to_numpy(), g).sum() - np.delete(entropy, g).sum())
                    / np.delete(tokens, g).sum() for g in range(9)])
    assert d.estimate == pytest.approx(diff) and (d.ci_low, d.ci_high) == pytest.approx((diff - q * se, diff + q * se))
    assert d.p_value == pytest.approx(2 * sps.t.sf(abs(diff) / se, 8), rel=1e-6)
