"""Coverage of the report's intervals by simulation: data with a known truth, the report's own functions.

Why: with few posts a percentile bootstrap over posts is too narrow (it ignores that the spread of G resampled
clusters understates the spread of the statistic by about (G - 1) / G, and uses normal rather than t tails), so a
95% interval can cover the truth far less often than 95% of the time. Each interval kind the report prints is
simulated here with a post random effect and 2-10 pairs, summaries or rows per post (as in TL;DR), and the share of
replications whose interval holds the truth is its coverage. Each simulator also returns the interval the kind
printed before its switch (the percentile interval kept in the details, or the earlier t / normal interval rebuilt
from the SE in the details), so one run gives the table before and after.

The kinds, each computed by the function the report calls (statistics that call the same function with the same
interval are named beside it and not simulated twice):

* ``agreement`` (`postprocess.stats.agreement.agreement`; also `baseline_agreement`, `majority_agreement`,
  `implicit_reward_agreement`): pairs of post g agree with the human with probability p_g ~ Beta(3.4, 2.27) (mean
  0.6, intra-post correlation 0.15); the truth is 0.6. Before: rate ± t(Bell-McCaffrey df) x the CR2 SE.
* ``alpha`` (`postprocess.stats.typicality.typicality_alpha`; also `baseline_alpha`, the `vs_scale` group, odds ratio
  and Δp, which map alpha's interval): delta = sqrt(0.7) e + sqrt(0.3) v_post (E delta² = 1, so the rms unit is the
  nat), outcome ~ Bernoulli(sigmoid((0.5 + b_post) delta)), b_post ~ N(0, 0.5²). The post's random slope makes the
  marginal (fitted) alpha smaller than 0.5: the truth is the fit's limit, the alpha of one fit on 40,000 posts
  (`alpha_truth`).
* ``gamma`` (`postprocess.stats.sharpening.sharpening_gamma`, the token count as second regressor; also
  `summed_slope_unadjusted`): per summary a token count n ~ U{15..60}, log pi_ref = -2.2 n + a_post + N(0, 8²),
  log pi_model = (0.8 + b_post) log pi_ref - 0.3 n + c_post + s_post N(0, 3²) with b_post ~ N(0, 0.15²) and a
  lognormal per-post noise scale s_post; the truth 0.8.
* ``diversity_difference`` (`postprocess.compare.paired.mean_difference` on one value per post, as
  `postprocess.report.generation_statistics` pairs a statistic's per-post means: the per-input differences of every
  diversity statistic, `semantic_distance` and `vendi_score` included; also `mean_entropy_difference`, the shifts and
  the implicit-reward margin): reference ~ 0.7 + N(0, 0.1²) per post, model = reference - 0.05 + a right-skewed
  Gamma(8) noise (skewness 0.71) of sd 0.08 centred at 0; the truth -0.05. A post's value is a mean over its K
  samples, which shrinks a sample-level skewness by sqrt(K): 0.71 is a per-sample skewness of 2.8 at K = 16.
  `DIVERSITY_SHAPE` 2 (skewness 1.41) is the harsher case docs/statistics.md also reports.
* ``spearman``, ``kendall``, ``pearson``, ``partial_spearman`` (`postprocess.stats.correlation`; also
  `baseline_spearman`, `implicit_reward_spearman`, `shift_vs_rating`, which call `spearman`, and `partial_pearson`,
  which shares the interval code): per post 2-10 rated summaries, a measure x = u_post + e and a 1-7 rating from
  0.5 u_post + 0.5 v_post + 0.35 e + N(0, 0.8²) (post effects u, v ~ N(0, 0.7²)), the covariate bytes 0.5 x + N(0, 1).
  The truth is the statistic on 40,000 posts (`correlation_truth`).
* ``spearman_difference`` (`postprocess.compare.paired.correlation_difference`; the same code for every correlation
  difference): the reference's measure x, the model's 0.8 x + 0.6 N(0, 1) + 0.3 w_post; truth on 40,000 posts.
* ``alpha_difference`` (`postprocess.compare.paired.alpha_difference`, `typicality_alpha_difference`): alpha's data,
  the model's delta 0.8 delta + 0.6 N(0, 1); the truth the two fits' limits on 40,000 posts.
* ``agreement_difference`` (`postprocess.compare.paired.agreement_difference`): per post the reference agrees with
  probability p_g (as agreement), the model with 0.8 p_g + 0.2 q_g, q_g ~ Beta(8.5, 1.5) (mean 0.65); within a pair
  both use one uniform draw with probability 0.5 (correlated errors); the truth 0.05.
* ``net_flip`` (`postprocess.compare.concentration.flip_table`): the same pairs, no ties; the truth 0.05.
* ``ranking_accuracy`` (`postprocess.stats.ranking.ranking_accuracy`; `idealised_ranking_accuracy` shares its
  interval code): agreement's data without model ties; the truth 0.6.
* ``agreement_wilson`` (`postprocess.stats.ranking.wilson_agreement`): agreement's data, pairs taken as independent
  (Verbalized Sampling's reading, kept in the tables but not printed in report.md, not switched).
* ``human_agreement`` (`postprocess.stats.human_ceiling.human_agreement`): 1-5 pairs per post, each judged by 2-4
  workers who choose the first summary with the post's q_g ~ Beta(4, 1.5); the truth E[q² + (1 - q)²] = 0.664.
* ``ordinal`` (`postprocess.stats.typicality.typicality_ordinal`): 2-10 summaries per post, accuracy 1-7, the
  measure u_post + e, overall the latent 0.8 accuracy + 0.5 measure + w_post + logistic noise cut at 4, 5.5, 7; the
  truth the fit's limit on 5,000 posts.
* ``per_input_mean`` (`postprocess.report.generation_statistics.mean_stat`, a single run's per-input diversity,
  `mean_length`, `sample_ref_logprob`, `mean_entropy`): one value per post 0.7 + a Gamma(8) noise of sd 0.1;
  the truth 0.7.
* ``semantic_distance_across``, ``vendi_score_across`` (`postprocess.report.generation_statistics.AcrossInput`: the
  across-input difference of the first samples' `semantic_distance` and `vendi_score`, model minus reference, its
  delete-d jackknife on half-samples of posts): 8-dimensional embeddings, the reference's first sample of post g
  m + t_g + 0.8 e, the model's m + 0.9 t_g + 0.4 e' (t_g ~ N(0, I) the post's topic, shared: paired), |m| = 2.
  Before: the half-sample (delete-d) jackknife with normal quantiles; after: the delete-one jackknife, t(G - 1). The
  semantic distance is a mean over pairs of texts, so its expectation is the same at every N: truth on 4,000 pairs
  of 200,000. The Vendi score of N texts depends on N: its truth is the mean difference over 4,000 draws of N posts.
* ``post_perplexity`` (`postprocess.report.generation_statistics.post_ratio_stat`; `post_entropy` shares it) and
  ``post_entropy_difference`` (`post_ratio_difference`; `post_perplexity_difference` shares it): per post 50-400
  tokens and a per-token entropy (or negative log-prob) of post mean 2.5 + N(0, 0.3²), token noise of sd 1; the model's
  post mean 0.1 lower + N(0, 0.05²). Truths: exp(2.5) and -0.1 (tokens are independent of the post's mean).
* ``distinct_1_across`` ... ``compression_ratio_across`` (`postprocess.report.generation_statistics.AcrossInput.
  differences`: the across-input difference, model minus reference, of each lexical `DIVERSITY` statistic of the
  first samples; the single-run across-input rows share its jackknife): texts of 12-39 words, 35% from the post's
  own topic words, the rest from a Zipf vocabulary of 3,000 words (exponent 1.1, the model's 1.3), with one of 12
  stock phrases at the post's propensity ~ Beta(2, 6) (the model's 0.2 higher); posts shared (paired). Before: the
  half-sample (delete-d) jackknife with normal quantiles; after: the delete-one jackknife, t(G - 1). The level of a
  set statistic depends on N: its truth is the mean difference over 1,000 draws of N posts. The six kinds share
  each replication's texts (`_lexical_replication`).

Every replication draws its data from its own seed (the run's seed, the kind and the replication's number), so a
table is reproducible; `benchmarks/bench_interval_coverage.py` prints it,
`tests/postprocess/stats/test_interval_coverage.py`
runs a reduced version.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.special import expit

from postprocess.compare.concentration import flip_table
from postprocess.compare.paired import agreement_difference, alpha_difference, correlation_difference, mean_difference
from postprocess.report.generation_statistics import (
    DELETE_ONE_NOTE,
    AcrossInput,
    mean_stat,
    post_ratio_difference,
    post_ratio_stat,
)
from postprocess.stats import correlation
from postprocess.stats.agreement import agreement
from postprocess.stats.bootstrap import Settings, draw_unless_given, t_interval
from postprocess.stats.correlation import kendall, partial_spearman, pearson, spearman
from postprocess.stats.diversity import DIVERSITY, TextSet
from postprocess.stats.human_ceiling import human_agreement
from postprocess.stats.jackknife import MAX_SUBSETS, half_samples, jackknife_stat
from postprocess.stats.ranking import ranking_accuracy, wilson_agreement
from postprocess.stats.semantic import semantic_distance, vendi_score
from postprocess.stats.sharpening import sharpening_gamma
from postprocess.stats.typicality import typicality_alpha, typicality_ordinal

KINDS = ("agreement", "alpha", "gamma", "diversity_difference", "spearman", "kendall", "pearson", "partial_spearman",
         "spearman_difference", "alpha_difference", "agreement_difference", "net_flip", "ranking_accuracy",
         "agreement_wilson", "human_agreement", "ordinal", "per_input_mean", "semantic_distance_across",
         "vendi_score_across", "post_perplexity", "post_entropy_difference", *(f"{name}_across" for name in DIVERSITY))
POST_COUNTS = (8, 16, 32, 128)
PERCENTILE = "cluster-bootstrap percentile"
FEW_RESAMPLES = 20
# The interval each kind printed before it was switched (None: not switched, "before" is "after").
BEFORE: dict[str, str | None] = {
    "agreement": "rate ± t(Bell-McCaffrey df) x CR2 SE", "alpha": None, "gamma": None, "diversity_difference": None,
    "spearman": PERCENTILE, "kendall": PERCENTILE, "pearson": PERCENTILE, "partial_spearman": PERCENTILE,
    "spearman_difference": "paired " + PERCENTILE, "alpha_difference": "paired " + PERCENTILE,
    "agreement_difference": None, "net_flip": PERCENTILE, "ranking_accuracy": PERCENTILE, "agreement_wilson": None,
    "human_agreement": PERCENTILE, "ordinal": "Wald, normal quantiles", "per_input_mean": PERCENTILE,
    "semantic_distance_across": "delete-d jackknife on half-samples, normal",
    "vendi_score_across": "delete-d jackknife on half-samples, normal",
    "post_perplexity": PERCENTILE, "post_entropy_difference": "paired " + PERCENTILE,
    **{f"{name}_across": "delete-d jackknife on half-samples, normal" for name in DIVERSITY},
}
MIN_PER_POST, MAX_PER_POST = 2, 10
AGREEMENT_BETA = (3.4, 2.27)
MODEL_BETA, MODEL_MIX, SHARED_DRAW = (8.5, 1.5), 0.2, 0.5
ALPHA, ALPHA_SLOPE_SD, DELTA_POST_SHARE = 0.5, 0.5, 0.3
GAMMA, GAMMA_SLOPE_SD, LENGTH_COEF = 0.8, 0.15, -0.3
DIVERSITY_DIFFERENCE, DIVERSITY_NOISE_SD, DIVERSITY_SHAPE = -0.05, 0.08, 8.0
HUMAN_BETA = (4.0, 1.5)
EMBEDDING_DIM, EMBEDDING_SHIFT = 8, 2.0
TRUTH_SEED = 20_261_206
SEMANTIC_FUNCTIONS = {"semantic_distance": semantic_distance, "vendi_score": vendi_score}
# Texts of the lexical kinds: a Zipf vocabulary shared by all posts, each post's own topic words, stock phrases.
VOCAB, ZIPF_REFERENCE, ZIPF_MODEL, TOPIC_WORDS, TOPIC_SHARE = 3_000, 1.1, 1.3, 40, 0.35
PHRASE_BETA, MODEL_PHRASE_GAIN, N_PHRASES, TEXT_TAG, TRUTH_DRAWS = (2.0, 6.0), 0.2, 12, 7, 1_000

Interval = tuple[float, float] | None


@dataclass(frozen=True)
class Coverage:
    """How often one interval kind held the truth over `n` replications (undefined ones left out and counted),
    and how often the interval it printed before its switch did (`before_*`: None where it did not switch)."""

    kind: str
    n_posts: int
    n: int
    covered: int
    n_undefined: int
    mean_width: float
    method: str
    before_n: int = 0
    before_covered: int = 0

    @property
    def rate(self) -> float:
        return self.covered / self.n if self.n else float("nan")

    @property
    def mc_se(self) -> float:
        """Monte-Carlo standard error of `rate` (binomial)."""
        return float(np.sqrt(self.rate * (1 - self.rate) / self.n)) if self.n else float("nan")

    @property
    def before_rate(self) -> float | None:
        return self.before_covered / self.before_n if self.before_n else None


def _posts(rng: np.random.Generator, n_posts: int) -> np.ndarray:
    """Post label of each row: n_posts posts of 2-10 rows each."""
    sizes = rng.integers(MIN_PER_POST, MAX_PER_POST + 1, size=n_posts)
    return np.repeat(np.arange(n_posts), sizes)


def _percentile(stat) -> Interval:
    """The percentile interval a switched statistic keeps in its details (its interval before the switch)."""
    d = stat.details or {}
    return (d["percentile_ci_low"], d["percentile_ci_high"]) if d.get("percentile_ci_low") is not None else None


def _agreeing(rng: np.random.Generator, n_posts: int) -> tuple[np.ndarray, np.ndarray]:
    posts = _posts(rng, n_posts)
    p = rng.beta(*AGREEMENT_BETA, size=n_posts)[posts]
    return posts, rng.random(len(posts)) < p


def _agreement(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    posts, agrees = _agreeing(rng, n_posts)
    # The model always prefers summary A; the human chose A exactly where they agree.
    stat = agreement(np.ones(len(posts)), np.zeros(len(posts)), np.where(agrees, 0, 1), posts,
                     n_resamples=n_resamples, seed=seed, p_method="cluster")
    d = stat.details
    before = t_interval(stat.estimate, d["se_cr2"], d["df_bell_mccaffrey"], 0.95, 0.5, (0.0, 1.0))[:2]
    return stat, AGREEMENT_BETA[0] / sum(AGREEMENT_BETA), before


def _ranking_accuracy(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    posts, agrees = _agreeing(rng, n_posts)
    stat = ranking_accuracy(np.ones(len(posts)), np.zeros(len(posts)), np.where(agrees, 0, 1), posts,
                            n_resamples=n_resamples, seed=seed)
    return stat, AGREEMENT_BETA[0] / sum(AGREEMENT_BETA), _percentile(stat)


def _agreement_wilson(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    _, agrees = _agreeing(rng, n_posts)
    return wilson_agreement(agrees.astype(float)), AGREEMENT_BETA[0] / sum(AGREEMENT_BETA), None


def _two_models(rng: np.random.Generator, n_posts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(posts, reference agrees, model agrees) per pair; the model's agreement is 0.05 above the reference's."""
    posts = _posts(rng, n_posts)
    p_ref = rng.beta(*AGREEMENT_BETA, size=n_posts)
    p_mod = (1 - MODEL_MIX) * p_ref + MODEL_MIX * rng.beta(*MODEL_BETA, size=n_posts)
    u = rng.random(len(posts))
    v = np.where(rng.random(len(posts)) < SHARED_DRAW, u, rng.random(len(posts)))
    return posts, u < p_ref[posts], v < p_mod[posts]


def _model_gain() -> float:
    mean = AGREEMENT_BETA[0] / sum(AGREEMENT_BETA)
    return MODEL_MIX * (MODEL_BETA[0] / sum(MODEL_BETA) - mean)


def _agreement_difference(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    posts, ref, mod = _two_models(rng, n_posts)
    # The human always chose A; a side agrees when it scores A above B.
    stat = agreement_difference(ref.astype(float), (~ref).astype(float), mod.astype(float), (~mod).astype(float),
                                np.zeros(len(posts)), posts, n_resamples=n_resamples, seed=seed)
    return stat, _model_gain(), None


def _net_flip(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    posts, ref, mod = _two_models(rng, n_posts)
    frame = pd.DataFrame({"post_id": posts, "choice": np.zeros(len(posts)),
                          "logprob_a_ref": ref.astype(float), "logprob_b_ref": (~ref).astype(float),
                          "logprob_a_model": mod.astype(float), "logprob_b_model": (~mod).astype(float)})
    stat = flip_table(SimpleNamespace(frame=frame), "sum", n_resamples=n_resamples, seed=seed).net
    return stat, _model_gain(), _percentile(stat)


def _human_agreement(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    pairs_per_post = rng.integers(1, 6, size=n_posts)
    pair_post = np.repeat(np.arange(n_posts), pairs_per_post)
    judgements = rng.integers(2, 5, size=len(pair_post))
    row_pair = np.repeat(np.arange(len(pair_post)), judgements)
    q = rng.beta(*HUMAN_BETA, size=n_posts)[pair_post[row_pair]]
    choice = (rng.random(len(row_pair)) >= q).astype(float)
    ids = row_pair.astype(str)
    stat = human_agreement(np.char.add(ids, "a"), np.char.add(ids, "b"), choice, pair_post[row_pair],
                           np.arange(len(row_pair)), n_resamples=n_resamples, seed=seed)
    a, b = HUMAN_BETA
    mean, second = a / (a + b), a * (a + 1) / ((a + b) * (a + b + 1))
    return stat, 1 - 2 * (mean - second), _percentile(stat)


def _alpha_data(rng: np.random.Generator, n_posts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(delta, the model's delta, outcome, posts) of pairs whose outcome follows delta with a random slope."""
    posts = _posts(rng, n_posts)
    delta = (np.sqrt(1 - DELTA_POST_SHARE) * rng.standard_normal(len(posts))
             + np.sqrt(DELTA_POST_SHARE) * rng.standard_normal(n_posts)[posts])
    slope = ALPHA + ALPHA_SLOPE_SD * rng.standard_normal(n_posts)[posts]
    outcome = (rng.random(len(posts)) < expit(slope * delta)).astype(float)
    model_delta = 0.8 * delta + 0.6 * rng.standard_normal(len(posts))
    return delta, model_delta, outcome, posts


@functools.cache
def alpha_truth() -> tuple[float, float]:
    """The marginal alphas of the reference's and the model's delta that the no-intercept fit converges to under
    the random slope: one fit each on 40,000 posts."""
    delta, model_delta, outcome, posts = _alpha_data(np.random.default_rng(TRUTH_SEED), 40_000)
    return tuple(float(typicality_alpha(d, outcome, posts, n_resamples=0).alpha.estimate)
                 for d in (delta, model_delta))


def _alpha(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    delta, _, outcome, posts = _alpha_data(rng, n_posts)
    fit = typicality_alpha(delta, outcome, posts, n_resamples=n_resamples, seed=seed, p_method="wald")
    return fit.alpha, alpha_truth()[0], None


def _alpha_difference(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    delta, model_delta, outcome, posts = _alpha_data(rng, n_posts)
    stat = alpha_difference(delta, model_delta, 1 - outcome, posts, n_resamples=n_resamples, seed=seed)
    ref, mod = alpha_truth()
    return stat, mod - ref, _percentile(stat)


def _gamma(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    posts = _posts(rng, n_posts)
    tokens = rng.integers(15, 61, size=len(posts)).astype(float)
    reference = -2.2 * tokens + rng.normal(0, 20, n_posts)[posts] + rng.normal(0, 8, len(posts))
    slope = GAMMA + GAMMA_SLOPE_SD * rng.standard_normal(n_posts)[posts]
    scale = np.exp(0.5 * rng.standard_normal(n_posts))[posts]
    model = (slope * reference + LENGTH_COEF * tokens + rng.normal(0, 20, n_posts)[posts]
             + scale * rng.normal(0, 3, len(posts)))
    stat = sharpening_gamma(reference, model, posts, {"token count": tokens}, n_resamples=n_resamples, seed=seed)
    return stat, GAMMA, None


def _diversity_difference(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    reference = 0.7 + 0.1 * rng.standard_normal(n_posts)
    noise = DIVERSITY_NOISE_SD * (rng.gamma(DIVERSITY_SHAPE, 1.0, n_posts) - DIVERSITY_SHAPE) / np.sqrt(DIVERSITY_SHAPE)
    model = reference + DIVERSITY_DIFFERENCE + noise
    diff = mean_difference(reference, model, np.arange(n_posts), n_resamples=n_resamples, seed=seed)[2]
    return diff, DIVERSITY_DIFFERENCE, None


def _per_input_mean(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    values = 0.7 + 0.1 * (rng.gamma(DIVERSITY_SHAPE, 1.0, n_posts) - DIVERSITY_SHAPE) / np.sqrt(DIVERSITY_SHAPE)
    series = pd.Series(values, index=[f"p{g:04d}" for g in range(n_posts)])
    settings = Settings(n_resamples=n_resamples, seed=seed)
    resamples = draw_unless_given(None, series.index.to_numpy(), n_resamples, seed)
    stat = mean_stat(series, resamples, settings, "per-post mean")
    return stat, 0.7, _percentile(stat)


def _axis_data(rng: np.random.Generator, n_posts: int) -> dict[str, np.ndarray]:
    """Rated summaries: the reference's and the model's measure, the 1-7 rating, the bytes, the post."""
    posts = _posts(rng, n_posts)
    u, v, w = (0.7 * rng.standard_normal(n_posts)[posts] for _ in range(3))
    e = rng.standard_normal(len(posts))
    x = u + e
    latent = 0.5 * u + 0.5 * v + 0.35 * e + rng.normal(0, 0.8, len(posts))
    rating = np.clip(np.round(4 + 1.5 * latent), 1, 7)
    return {"x": x, "model": 0.8 * x + 0.6 * rng.standard_normal(len(posts)) + 0.3 * w / 0.7, "rating": rating,
            "bytes": 0.5 * x + rng.standard_normal(len(posts)), "posts": posts}


@functools.cache
def correlation_truth() -> dict[str, float]:
    """Each correlation on 40,000 posts (about 240,000 rows): the value the sample statistic converges to."""
    d = _axis_data(np.random.default_rng(TRUTH_SEED), 40_000)
    fits = {"spearman": spearman, "kendall": kendall, "pearson": pearson}
    truth = {name: fn(d["x"], d["rating"], n_resamples=0).estimate for name, fn in fits.items()}
    truth["partial_spearman"] = partial_spearman(d["x"], d["rating"], d["bytes"], n_resamples=0).estimate
    truth["spearman_difference"] = spearman(d["model"], d["rating"], n_resamples=0).estimate - truth["spearman"]
    return truth


def _correlation(name: str):
    fn = {"spearman": spearman, "kendall": kendall, "pearson": pearson}.get(name)

    def simulate(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
        d = _axis_data(rng, n_posts)
        args = (d["x"], d["rating"], d["bytes"]) if fn is None else (d["x"], d["rating"])
        stat = (fn or partial_spearman)(*args, d["posts"], n_resamples=n_resamples, seed=seed, p_method="cluster")
        return stat, correlation_truth()[name], _percentile(stat)

    return simulate


def _spearman_difference(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    d = _axis_data(rng, n_posts)
    stat = correlation_difference(d["x"], d["model"], d["rating"], d["posts"], n_resamples=n_resamples, seed=seed)
    return stat, correlation_truth()["spearman_difference"], _percentile(stat)


def _ordinal_data(rng: np.random.Generator, n_posts: int) -> pd.DataFrame:
    posts = _posts(rng, n_posts)
    accuracy = rng.integers(1, 8, size=len(posts)).astype(float)
    measure = 0.7 * rng.standard_normal(n_posts)[posts] + rng.standard_normal(len(posts))
    latent = 0.8 * accuracy + 0.5 * measure + 0.7 * rng.standard_normal(n_posts)[posts] + rng.logistic(size=len(posts))
    return pd.DataFrame({"post_id": posts, "overall": np.digitize(latent, [4.0, 5.5, 7.0]).astype(float),
                         "accuracy": accuracy, "measure": measure})


@functools.cache
def ordinal_truth() -> float:
    """The measure's coefficient (per sd) of the ordered logit on 5,000 posts."""
    frame = _ordinal_data(np.random.default_rng(TRUTH_SEED), 5_000)
    return typicality_ordinal(frame, "measure", quality_cols=("accuracy",)).estimate


def _ordinal(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    stat = typicality_ordinal(_ordinal_data(rng, n_posts), "measure", quality_cols=("accuracy",))
    before = None
    if stat.defined:
        q = sps.norm.ppf(0.975)
        before = (stat.estimate - q * stat.details["se_cluster"], stat.estimate + q * stat.details["se_cluster"])
    return stat, ordinal_truth(), before


def _embeddings(rng: np.random.Generator, n_posts: int) -> tuple[np.ndarray, np.ndarray]:
    """The reference's and the model's first-sample embedding of each post (the model's less spread out)."""
    shift = np.zeros(EMBEDDING_DIM)
    shift[0] = EMBEDDING_SHIFT
    topic = rng.standard_normal((n_posts, EMBEDDING_DIM))
    reference = shift + topic + 0.8 * rng.standard_normal((n_posts, EMBEDDING_DIM))
    model = shift + 0.9 * topic + 0.4 * rng.standard_normal((n_posts, EMBEDDING_DIM))
    return reference, model


@functools.cache
def semantic_truth(statistic: str, n_posts: int) -> float:
    """Model minus reference of the statistic of N first samples: for the semantic distance (a mean over pairs,
    the same expectation at every N) on 4,000 sets of 50 posts; for the Vendi score the mean over 4,000 draws of N."""
    rng = np.random.default_rng([TRUTH_SEED, n_posts])
    size = 50 if statistic == "semantic_distance" else n_posts
    diffs = []
    for _ in range(4_000):
        reference, model = _embeddings(rng, size)
        diffs.append(SEMANTIC_FUNCTIONS[statistic](model) - SEMANTIC_FUNCTIONS[statistic](reference))
    return float(np.mean(diffs))


def _across(statistic: str):
    measure = SEMANTIC_FUNCTIONS[statistic]

    def simulate(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
        reference, model = _embeddings(rng, n_posts)
        estimate = measure(model) - measure(reference)
        without = [measure(np.delete(model, g, axis=0)) - measure(np.delete(reference, g, axis=0))
                   for g in range(n_posts)]
        stat = jackknife_stat(estimate, np.array(without), n_clusters=n_posts, n=n_posts, method=DELETE_ONE_NOTE,
                              confidence=0.95, seed=seed, null=0.0, delete_one=True)
        halves = [measure(model[keep]) - measure(reference[keep])
                  for keep in half_samples(n_posts, min(n_resamples, MAX_SUBSETS), seed)]
        before = jackknife_stat(estimate, np.array(halves), n_clusters=n_posts, n=n_posts, method="", confidence=0.95,
                                seed=seed)
        return stat, semantic_truth(statistic, n_posts), (before.ci_low, before.ci_high)

    return simulate


def _zipf(exponent: float) -> np.ndarray:
    p = np.arange(1, VOCAB + 1) ** -exponent
    return p / p.sum()


def _lexical_texts(rng: np.random.Generator, n_posts: int) -> tuple[list[str], list[str]]:
    """The reference's and the model's first sample of each post. A post has its own topic words (drawn from a
    range no other post uses) and a propensity to use one of 12 stock phrases ~ Beta(2, 6); a text has 12-39 words,
    35% from the post's topic words, the rest from a Zipf vocabulary of 3,000 words, exponent 1.1 for the reference
    and 1.3 for the model (more concentrated), and contains a stock phrase with the post's propensity (the model's
    0.2 higher): the model is less diverse, the posts are shared (paired)."""
    topics = rng.integers(VOCAB, VOCAB * 50, size=(n_posts, TOPIC_WORDS))
    propensity = rng.beta(*PHRASE_BETA, size=n_posts)
    phrases = [f"s{k} s{k + 1} s{k + 2} s{k + 3}" for k in range(N_PHRASES)]

    def sample(g: int, zipf: np.ndarray, phrase: float) -> str:
        size = int(rng.integers(12, 40))
        topical = rng.random(size) < TOPIC_SHARE
        chosen = np.where(topical, topics[g][rng.integers(0, TOPIC_WORDS, size)], rng.choice(VOCAB, size, p=zipf))
        tokens = [f"w{w}" for w in chosen]
        if rng.random() < phrase:
            tokens.insert(int(rng.integers(0, size)), phrases[int(rng.integers(0, N_PHRASES))])
        return " ".join(tokens)

    reference_zipf, model_zipf = _zipf(ZIPF_REFERENCE), _zipf(ZIPF_MODEL)
    return ([sample(g, reference_zipf, propensity[g]) for g in range(n_posts)],
            [sample(g, model_zipf, min(1.0, propensity[g] + MODEL_PHRASE_GAIN)) for g in range(n_posts)])


@functools.cache
def lexical_truth(n_posts: int) -> dict[str, float]:
    """Model minus reference of each lexical statistic of N first samples, the mean over 1,000 draws of N posts:
    the level of a set statistic depends on N (distinct-n falls, the compression ratio rises with more texts)."""
    rng = np.random.default_rng([TRUTH_SEED, TEXT_TAG, n_posts])
    diffs = []
    for _ in range(TRUTH_DRAWS):
        reference, model = (TextSet(texts).statistics() for texts in _lexical_texts(rng, n_posts))
        diffs.append([model[name] - reference[name] for name in DIVERSITY])
    return dict(zip(DIVERSITY, np.nanmean(diffs, axis=0)))


@functools.cache
def _lexical_replication(n_posts: int, n_resamples: int, seed: int) -> dict[str, tuple]:
    """(stat, truth, before) of every lexical statistic on one draw of texts, the report's `AcrossInput.differences`
    (t(G - 1) on the delete-one-post jackknife) and before it the half-sample jackknife: the six kinds share the
    draw (seeded by the replication's seed, not the kind), so a table costs one set of texts per replication."""
    rng = np.random.default_rng([seed, TEXT_TAG, n_posts])
    texts = _lexical_texts(rng, n_posts)
    posts = [f"p{g:04d}" for g in range(n_posts)]
    stats = AcrossInput(Settings(n_resamples=n_resamples, seed=seed)).differences(
        *((who, pd.Series(t, index=posts)) for who, t in zip(("reference", "model"), texts)), "task")
    reference, model = (TextSet(t) for t in texts)
    halves = [(model.statistics(keep), reference.statistics(keep))
              for keep in half_samples(n_posts, min(n_resamples, MAX_SUBSETS), seed)]
    truth = lexical_truth(n_posts)
    out = {}
    for name in DIVERSITY:
        before = jackknife_stat(stats[name].estimate, np.array([m[name] - r[name] for m, r in halves]),
                                n_clusters=n_posts, n=n_posts, method="", confidence=0.95, seed=seed)
        out[name] = (stats[name], truth[name], (before.ci_low, before.ci_high))
    return out


def _lexical(name: str):
    def simulate(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
        return _lexical_replication(n_posts, n_resamples, seed)[name]

    return simulate


def _post_totals(rng: np.random.Generator, n_posts: int, shift: float = 0.0,
                 reference: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Per post (index p0000, ...): 50-400 tokens, a per-token value (entropy or -log-prob) of post mean
    2.5 + N(0, 0.3²) summed with token noise of sd 1; with `reference` (its tokens and post means) the same tokens and
    the means + shift + N(0, 0.05²). Returns the frame, the tokens and the post means."""
    if reference is None:
        tokens = rng.integers(50, 401, size=n_posts).astype(float)
        mean = 2.5 + 0.3 * rng.standard_normal(n_posts)
    else:
        tokens, mean = reference[0], reference[1] + shift + 0.05 * rng.standard_normal(n_posts)
    total = tokens * mean + np.sqrt(tokens) * rng.standard_normal(n_posts)
    frame = pd.DataFrame({"entropy_sum": total, "n_entropies": tokens, "logprob": -total, "n_tokens": tokens},
                         index=[f"p{g:04d}" for g in range(n_posts)])
    return frame, tokens, mean


def _post_perplexity(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    totals, _, _ = _post_totals(rng, n_posts)
    settings = Settings(n_resamples=n_resamples, seed=seed)
    resamples = draw_unless_given(None, totals.index.to_numpy(), n_resamples, seed)
    stat = post_ratio_stat(totals, "post_perplexity", resamples, settings)
    # Tokens independent of the post's mean: Σ n m / Σ n tends to E m = 2.5, the perplexity to exp(2.5).
    return stat, float(np.exp(2.5)), _percentile(stat)


def _post_entropy_difference(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    reference, tokens, mean = _post_totals(rng, n_posts)
    model, _, _ = _post_totals(rng, n_posts, shift=-0.1, reference=(tokens, mean))
    stat = post_ratio_difference(reference, model, "post_entropy", Settings(n_resamples=n_resamples, seed=seed))
    return stat, -0.1, _percentile(stat)


SIMULATORS: dict[str, Callable] = {
    "agreement": _agreement, "alpha": _alpha, "gamma": _gamma, "diversity_difference": _diversity_difference,
    **{name: _correlation(name) for name in ("spearman", "kendall", "pearson", "partial_spearman")},
    "spearman_difference": _spearman_difference, "alpha_difference": _alpha_difference,
    "agreement_difference": _agreement_difference, "net_flip": _net_flip, "ranking_accuracy": _ranking_accuracy,
    "agreement_wilson": _agreement_wilson, "human_agreement": _human_agreement, "ordinal": _ordinal,
    "per_input_mean": _per_input_mean, "semantic_distance_across": _across("semantic_distance"),
    "vendi_score_across": _across("vendi_score"), "post_perplexity": _post_perplexity,
    "post_entropy_difference": _post_entropy_difference,
    **{f"{name}_across": _lexical(name) for name in DIVERSITY},
}


def _holds(interval: Interval, truth: float) -> bool | None:
    if interval is None or interval[0] is None or interval[1] is None or not np.isfinite(interval).all():
        return None
    return bool(interval[0] <= truth <= interval[1])


@contextlib.contextmanager
def _few_permutations():
    """Spearman's rows-independent permutation p (9,999 permutations up to 500 pairs) is no part of any interval but
    costs most of a simulated Spearman: 99 permutations while simulating, the module's value restored after."""
    saved = correlation.N_PERMUTATIONS
    correlation.N_PERMUTATIONS = 99
    try:
        yield
    finally:
        correlation.N_PERMUTATIONS = saved


def coverage(kind: str, n_posts: int, n_reps: int, *, seed: int = 0, n_resamples: int = 1000) -> Coverage:
    """Coverage of `kind`'s interval at `n_posts` posts over `n_reps` replications (replication r draws its data
    from seed (seed, kind, n_posts, r) and its bootstrap from seed + r), and of its interval before the switch."""
    simulate = SIMULATORS[kind]
    # A kind whose interval before was a percentile bootstrap or the half-sample jackknife needs its draws; the
    # others' printed intervals do not use them (only the percentile interval kept in their details does).
    drawn = any(word in (BEFORE[kind] or "") for word in ("percentile", "half-samples"))
    n_resamples = n_resamples if drawn else min(n_resamples, FEW_RESAMPLES)
    covered = n = undefined = before_n = before_covered = 0
    widths = []
    method = ""
    for r in range(n_reps):
        rng = np.random.default_rng([seed, KINDS.index(kind), n_posts, r])
        with _few_permutations():
            stat, truth, before = simulate(rng, n_posts, n_resamples, seed + r)
        method = stat.method or method
        held = _holds((stat.ci_low, stat.ci_high), truth)
        if held is None:
            undefined += 1
            continue
        n += 1
        covered += held
        widths.append(stat.ci_high - stat.ci_low)
        held_before = _holds(before, truth)
        if held_before is not None:
            before_n += 1
            before_covered += held_before
    return Coverage(kind, n_posts, n, covered, undefined, float(np.mean(widths)) if widths else float("nan"),
                    method, before_n, before_covered)


def coverage_table(n_reps: int, *, kinds=KINDS, post_counts=POST_COUNTS, seed: int = 0,
                   n_resamples: int = 1000) -> list[Coverage]:
    """`coverage` of every kind at every post count."""
    return [coverage(k, g, n_reps, seed=seed, n_resamples=n_resamples) for k in kinds for g in post_counts]
