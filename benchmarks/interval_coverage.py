"""Coverage of the report's intervals by simulation: data with a known truth, the report's own functions.

Why: with few posts a percentile bootstrap over posts is too narrow (it ignores that the spread of G resampled
clusters understates the spread of the statistic by about (G - 1) / G, and uses normal rather than t tails), so a
95% interval can cover the truth far less often than 95% of the time. Each interval kind the report prints is
simulated here with a post random effect and 2-10 pairs or summaries per post (as in TL;DR), and the share of
replications whose interval holds the truth is its coverage.

The kinds, each computed by the function the report calls:

* ``agreement`` (`postprocess.stats.agreement.agreement`): pairs of post g agree with the human with probability
  p_g ~ Beta(3.4, 2.27) (mean 0.6, intra-post correlation 0.15); the truth is 0.6.
* ``alpha`` (`postprocess.stats.typicality.typicality_alpha`): delta = sqrt(0.7) e + sqrt(0.3) v_post (E delta² = 1,
  so the rms unit is the nat), outcome ~ Bernoulli(sigmoid((0.5 + b_post) delta)), b_post ~ N(0, 0.5²). The
  post's random slope makes the marginal (fitted) alpha smaller than 0.5: the truth is the fit's limit, the alpha of
  one fit on 40,000 posts (`alpha_truth`).
* ``gamma`` (`postprocess.stats.sharpening.sharpening_gamma`, the token count as second regressor): per summary a
  token count n ~ U{15..60}, log pi_ref = -2.2 n + a_post + N(0, 8²), log pi_model = (0.8 + b_post) log pi_ref - 0.3 n
  + c_post + s_post N(0, 3²) with b_post ~ N(0, 0.15²) and a lognormal per-post noise scale s_post; the truth 0.8.
* ``diversity_difference`` (`postprocess.compare.paired.mean_difference` on one value per post, as
  `postprocess.report.generation_statistics` pairs a statistic's per-post means): reference ~ 0.7 + N(0, 0.1²) per
  post, model = reference - 0.05 + a right-skewed Gamma(8) noise (skewness 0.71) of sd 0.08 centred at 0; the truth
  -0.05. A post's value is a mean over its K samples, which shrinks a sample-level skewness by sqrt(K): 0.71 is
  a per-sample skewness of 2.8 at K = 16. `DIVERSITY_SHAPE` 2 (skewness 1.41) is the harsher case docs/statistics.md
  also reports.

Every replication draws its data from its own seed (the run's seed and the replication's number), so a table is
reproducible; `benchmarks/bench_interval_coverage.py` prints it, `tests/stats/test_interval_coverage.py` runs a
reduced version.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from postprocess.compare.paired import mean_difference
from postprocess.stats.agreement import agreement
from postprocess.stats.sharpening import sharpening_gamma
from postprocess.stats.typicality import typicality_alpha

KINDS = ("agreement", "alpha", "gamma", "diversity_difference")
POST_COUNTS = (8, 16, 32, 128)
MIN_PER_POST, MAX_PER_POST = 2, 10
AGREEMENT_BETA = (3.4, 2.27)
ALPHA, ALPHA_SLOPE_SD, DELTA_POST_SHARE = 0.5, 0.5, 0.3
GAMMA, GAMMA_SLOPE_SD, LENGTH_COEF = 0.8, 0.15, -0.3
DIVERSITY_DIFFERENCE, DIVERSITY_NOISE_SD, DIVERSITY_SHAPE = -0.05, 0.08, 8.0


@dataclass(frozen=True)
class Coverage:
    """How often one interval kind held the truth over `n` replications (undefined fits left out and counted)."""

    kind: str
    n_posts: int
    n: int
    covered: int
    n_undefined: int
    mean_width: float
    method: str

    @property
    def rate(self) -> float:
        return self.covered / self.n if self.n else float("nan")

    @property
    def mc_se(self) -> float:
        """Monte-Carlo standard error of `rate` (binomial)."""
        return float(np.sqrt(self.rate * (1 - self.rate) / self.n)) if self.n else float("nan")


def _posts(rng: np.random.Generator, n_posts: int) -> np.ndarray:
    """Post label of each row: n_posts posts of 2-10 rows each."""
    sizes = rng.integers(MIN_PER_POST, MAX_PER_POST + 1, size=n_posts)
    return np.repeat(np.arange(n_posts), sizes)


def _agreement(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    posts = _posts(rng, n_posts)
    p = rng.beta(*AGREEMENT_BETA, size=n_posts)[posts]
    agrees = rng.random(len(posts)) < p
    # The model always prefers summary A; the human chose A exactly where they agree.
    stat = agreement(np.ones(len(posts)), np.zeros(len(posts)), np.where(agrees, 0, 1), posts,
                     n_resamples=n_resamples, seed=seed, p_method="cluster")
    return stat, AGREEMENT_BETA[0] / sum(AGREEMENT_BETA)


def _alpha_data(rng: np.random.Generator, n_posts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    posts = _posts(rng, n_posts)
    delta = (np.sqrt(1 - DELTA_POST_SHARE) * rng.standard_normal(len(posts))
             + np.sqrt(DELTA_POST_SHARE) * rng.standard_normal(n_posts)[posts])
    slope = ALPHA + ALPHA_SLOPE_SD * rng.standard_normal(n_posts)[posts]
    outcome = (rng.random(len(posts)) < expit(slope * delta)).astype(float)
    return delta, outcome, posts


@functools.cache
def alpha_truth() -> float:
    """The marginal alpha the no-intercept fit converges to under the random slope: one fit on 40,000 posts."""
    delta, outcome, posts = _alpha_data(np.random.default_rng(20_261_206), 40_000)
    return float(typicality_alpha(delta, outcome, posts, n_resamples=0).alpha.estimate)


def _alpha(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    delta, outcome, posts = _alpha_data(rng, n_posts)
    fit = typicality_alpha(delta, outcome, posts, n_resamples=n_resamples, seed=seed, p_method="wald")
    return fit.alpha, alpha_truth()


def _gamma(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    posts = _posts(rng, n_posts)
    tokens = rng.integers(15, 61, size=len(posts)).astype(float)
    reference = -2.2 * tokens + rng.normal(0, 20, n_posts)[posts] + rng.normal(0, 8, len(posts))
    slope = GAMMA + GAMMA_SLOPE_SD * rng.standard_normal(n_posts)[posts]
    scale = np.exp(0.5 * rng.standard_normal(n_posts))[posts]
    model = (slope * reference + LENGTH_COEF * tokens + rng.normal(0, 20, n_posts)[posts]
             + scale * rng.normal(0, 3, len(posts)))
    return sharpening_gamma(reference, model, posts, {"token count": tokens}, n_resamples=n_resamples, seed=seed), GAMMA


def _diversity_difference(rng: np.random.Generator, n_posts: int, n_resamples: int, seed: int):
    reference = 0.7 + 0.1 * rng.standard_normal(n_posts)
    noise = DIVERSITY_NOISE_SD * (rng.gamma(DIVERSITY_SHAPE, 1.0, n_posts) - DIVERSITY_SHAPE) / np.sqrt(DIVERSITY_SHAPE)
    model = reference + DIVERSITY_DIFFERENCE + noise
    diff = mean_difference(reference, model, np.arange(n_posts), n_resamples=n_resamples, seed=seed)[2]
    return diff, DIVERSITY_DIFFERENCE


SIMULATORS: dict[str, Callable] = {"agreement": _agreement, "alpha": _alpha, "gamma": _gamma,
                                   "diversity_difference": _diversity_difference}


def coverage(kind: str, n_posts: int, n_reps: int, *, seed: int = 0, n_resamples: int = 1000) -> Coverage:
    """Coverage of `kind`'s interval at `n_posts` posts over `n_reps` replications (replication r draws its data
    from seed (seed, kind, n_posts, r) and its bootstrap from seed + r)."""
    simulate = SIMULATORS[kind]
    covered = n = undefined = 0
    widths = []
    method = ""
    for r in range(n_reps):
        rng = np.random.default_rng([seed, KINDS.index(kind), n_posts, r])
        stat, truth = simulate(rng, n_posts, n_resamples, seed + r)
        method = stat.method or method
        if stat.ci_low is None or stat.ci_high is None or not np.isfinite([stat.ci_low, stat.ci_high]).all():
            undefined += 1
            continue
        n += 1
        covered += int(stat.ci_low <= truth <= stat.ci_high)
        widths.append(stat.ci_high - stat.ci_low)
    return Coverage(kind, n_posts, n, covered, undefined, float(np.mean(widths)) if widths else float("nan"),
                    method)


def coverage_table(n_reps: int, *, kinds=KINDS, post_counts=POST_COUNTS, seed: int = 0,
                   n_resamples: int = 1000) -> list[Coverage]:
    """`coverage` of every kind at every post count."""
    return [coverage(k, g, n_reps, seed=seed, n_resamples=n_resamples) for k in kinds for g in post_counts]
