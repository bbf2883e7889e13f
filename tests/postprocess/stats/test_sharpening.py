"""The sharpening exponent gamma against statsmodels (OLS with post dummies), on simulated data with a known slope,
its degenerate inputs, its bootstrap against the explicit resamples, and the predicted gamma = 1 + alpha/beta."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from postprocess.stats.bootstrap import ClusterResamples, cluster_bootstrap
from postprocess.stats.sharpening import demeaned_pairs, predicted_gamma, sharpening_gamma


def simulated(gamma: float, *, n_posts: int = 60, per_post: int = 4, noise: float = 1.0, seed: int = 0):
    """log π_model = gamma log π_ref + post effect + noise, the post effect unrelated to the slope."""
    rng = np.random.default_rng(seed)
    posts = np.repeat([f"p{i}" for i in range(n_posts)], per_post)
    post_level = np.repeat(rng.normal(-60, 15, n_posts), per_post)
    ref = post_level + rng.normal(0, 6, len(posts))
    model = gamma * ref + np.repeat(rng.normal(0, 30, n_posts), per_post) + rng.normal(0, noise, len(posts))
    return ref, model, posts


def test_gamma_equals_statsmodels_ols_with_post_dummies():
    ref, model, posts = simulated(1.3, n_posts=15, per_post=3, noise=4.0, seed=3)
    fit = smf.ols("m ~ r + C(post)", data=pd.DataFrame({"m": model, "r": ref, "post": posts})).fit()
    s = sharpening_gamma(ref, model, posts, n_resamples=0)
    assert s.estimate == pytest.approx(fit.params["r"], rel=1e-10)
    assert s.details["se_ols"] == pytest.approx(fit.bse["r"], rel=1e-8)
    assert s.details["p_value_independent"] == pytest.approx(float(fit.t_test("r = 1").pvalue), rel=1e-8)
    assert s.n == 45 and s.n_dropped == 0 and s.details["n_clusters"] == 15
    assert s.ci_low is None and s.p_value is None  # no resamples: no interval, no bootstrap p


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0])
def test_interval_covers_a_known_slope(gamma):
    ref, model, posts = simulated(gamma, noise=3.0, seed=11)
    s = sharpening_gamma(ref, model, posts, n_resamples=500, seed=1)
    assert s.ci_low < gamma < s.ci_high
    assert s.ci_high - s.ci_low < 0.2  # informative: 240 summaries on 60 posts
    assert s.details["n_resamples"] == 500 and s.details["n_clusters"] == 60


def test_identical_models_give_exactly_one():
    ref, _, posts = simulated(1.0, seed=5)
    s = sharpening_gamma(ref, ref.copy(), posts, n_resamples=200, seed=0)
    assert s.estimate == 1.0 and s.ci_low == 1.0 and s.ci_high == 1.0
    assert s.p_value == 1.0 and s.details["p_value_independent"] == 1.0 and s.details["se_ols"] == 0.0


def test_posts_with_one_summary_and_missing_values_contribute_nothing():
    ref, model, posts = simulated(1.5, n_posts=12, noise=2.0, seed=2)
    base = sharpening_gamma(ref, model, posts, n_resamples=0)
    more_ref = np.append(ref, [-40.0, np.nan, -55.0])
    more_model = np.append(model, [-90.0, -70.0, np.nan])
    more_posts = np.append(posts, ["single", "p0", "p1"])
    s = sharpening_gamma(more_ref, more_model, more_posts, n_resamples=0)
    assert s.estimate == pytest.approx(base.estimate, rel=1e-12)
    assert s.n == base.n and s.n_dropped == 3 and s.details["n_single_posts"] == 1
    assert s.details["n_clusters"] == 12


def test_undefined_without_within_post_variation():
    few = sharpening_gamma([-1.0, -2.0, -3.0], [-1.0, -2.0, -3.0], ["a", "b", "c"], n_resamples=0)
    assert few.estimate is None and "only 0 summaries" in few.reason and few.n_dropped == 3
    flat = sharpening_gamma([-5.0, -5.0, -7.0, -7.0], [-1.0, -2.0, -3.0, -4.0], ["a", "a", "b", "b"], n_resamples=0)
    assert flat.estimate is None and "does not vary within any post" in flat.reason
    with pytest.raises(ValueError, match="differ in length"):
        sharpening_gamma([1.0, 2.0], [1.0], ["a", "a"])


def test_replicates_equal_the_estimate_on_explicit_resamples():
    ref, model, posts = simulated(0.7, n_posts=10, per_post=3, noise=5.0, seed=8)
    draws = ClusterResamples.draw(posts, n_resamples=40, seed=4)
    s = sharpening_gamma(ref, model, posts, resamples=draws, confidence=0.9)
    # The reference path: OLS with post dummies refitted on each explicit resample (a post drawn twice brings
    # its rows twice, as one post).
    explicit = cluster_bootstrap(lambda idx: sharpening_gamma(ref[idx], model[idx], posts[idx], n_resamples=0).estimate,
                                 posts, confidence=0.9, resamples=draws)
    percentile = s.details["percentile_ci_low"], s.details["percentile_ci_high"]
    assert percentile == pytest.approx((explicit.low, explicit.high), rel=1e-10)


def test_demeaned_pairs_have_the_slope_through_the_origin():
    ref, model, posts = simulated(1.8, n_posts=8, noise=2.0, seed=9)
    x, y = demeaned_pairs(ref, model, posts)
    assert float(x @ y / (x @ x)) == pytest.approx(sharpening_gamma(ref, model, posts, n_resamples=0).estimate)
    assert abs(x[:4].sum()) < 1e-9 and abs(y[:4].sum()) < 1e-9  # the first post, demeaned


def test_predicted_gamma_maps_alpha_and_its_interval():
    # alpha 0.3 per rms unit, rms 3 nats: 0.1 per nat; beta 0.05: gamma = 1 + 0.1 / 0.05 = 3.
    alpha = {"estimate": 0.3, "ci_low": -0.15, "ci_high": 0.6, "p_value": 0.2, "n": 80, "n_dropped": 2,
             "details": {"rms": 3.0, "n_clusters": 25, "n_resamples": 100}}
    g = predicted_gamma(alpha, 0.05)
    assert (g.estimate, g.ci_low, g.ci_high) == pytest.approx((3.0, 0.0, 5.0))
    assert g.p_value == 0.2 and g.n == 80 and g.details["n_clusters"] == 25 and g.details["beta"] == 0.05
    undefined = predicted_gamma({"estimate": None, "reason": "every outcome is 1", "n": 4}, 0.1)
    assert undefined.estimate is None and "every outcome is 1" in undefined.reason
    with pytest.raises(ValueError, match="beta must be positive"):
        predicted_gamma(alpha, 0.0)


def with_entropy(gamma: float, *, n_posts: int = 20, per_post: int = 4, seed: int = 0):
    """A model renormalised at every token, as a tempered copy: gamma log π_ref minus (1 - gamma) nats per unit of the
    reference's summed next-token entropy (its normaliser's first order) and 0.2 per token, where summaries that are
    longer and more uncertain along the way are less likely under the reference."""
    rng = np.random.default_rng(seed)
    posts = np.repeat([f"p{i}" for i in range(n_posts)], per_post)
    tokens = rng.integers(15, 60, len(posts)).astype(float)
    entropy = tokens * rng.uniform(1.0, 3.0, len(posts))
    ref = -0.5 * tokens - 0.8 * entropy + np.repeat(rng.normal(0, 20, n_posts), per_post) + rng.normal(0, 4, len(posts))
    model = (gamma * ref - (1 - gamma) * entropy - 0.2 * tokens + np.repeat(rng.normal(0, 30, n_posts), per_post)
             + rng.normal(0, 2, len(posts)))
    return ref, model, posts, tokens, entropy


def test_gamma_with_token_count_and_entropy_equals_statsmodels():
    ref, model, posts, tokens, entropy = with_entropy(0.5, seed=4)
    data = pd.DataFrame({"m": model, "r": ref, "n": tokens, "H": entropy, "post": posts})
    fit = smf.ols("m ~ r + n + H + C(post)", data=data).fit()
    s = sharpening_gamma(ref, model, posts, {"token count": tokens, "entropy": entropy}, n_resamples=200, seed=0)
    assert s.estimate == pytest.approx(fit.params["r"], rel=1e-10)
    assert s.details["se_ols"] == pytest.approx(fit.bse["r"], rel=1e-8)
    assert s.details["p_value_independent"] == pytest.approx(float(fit.t_test("r = 1").pvalue), rel=1e-8)
    assert s.details["held_fixed"] == pytest.approx({"token count": fit.params["n"], "entropy": fit.params["H"]},
                                                    rel=1e-8)
    assert "held fixed: token count, entropy" in s.method
    assert s.ci_high < 1  # the flattened model, by its interval
    # The entropy term is what a fit with the token count alone reads as sharpening here.
    assert sharpening_gamma(ref, model, posts, {"token count": tokens}, n_resamples=0).estimate > 1


def test_replicates_with_covariates_equal_the_refit_on_explicit_resamples():
    ref, model, posts, tokens, entropy = with_entropy(1.6, n_posts=10, seed=6)
    held = {"token count": tokens, "entropy": entropy}
    draws = ClusterResamples.draw(posts, n_resamples=40, seed=2)
    s = sharpening_gamma(ref, model, posts, held, resamples=draws, confidence=0.9)
    explicit = cluster_bootstrap(
        lambda idx: sharpening_gamma(ref[idx], model[idx], posts[idx], {k: v[idx] for k, v in held.items()},
                                     n_resamples=0).estimate, posts, confidence=0.9, resamples=draws)
    percentile = s.details["percentile_ci_low"], s.details["percentile_ci_high"]
    assert percentile == pytest.approx((explicit.low, explicit.high), rel=1e-9)


def test_a_covariate_constant_within_posts_leaves_the_fit_and_a_collinear_one_is_undefined():
    ref, model, posts, tokens, _ = with_entropy(0.8, seed=7)
    per_post = pd.Series(ref).groupby(posts).transform("mean").to_numpy() * 0.3  # constant within each post
    alone = sharpening_gamma(ref, model, posts, {"token count": tokens}, n_resamples=0)
    s = sharpening_gamma(ref, model, posts, {"token count": tokens, "post level": per_post}, n_resamples=0)
    assert s.estimate == pytest.approx(alone.estimate, rel=1e-10) and s.details["held_fixed"]["post level"] == 0.0
    collinear = sharpening_gamma(ref, model, posts, {"token count": tokens, "copy": 2 * ref - tokens}, n_resamples=0)
    assert collinear.estimate is None and "collinear with token count, copy" in collinear.reason
    x, y = demeaned_pairs(ref, model, posts, {"token count": tokens, "post level": per_post})
    assert float(x @ y / (x @ x)) == pytest.approx(alone.estimate, rel=1e-9)  # Frisch-Waugh: the same slope


def test_a_covariate_the_others_already_hold_fixed_leaves_the_fit():
    # A summed entropy that is exactly 2 nats per token (every summary as certain per token as the next) is the token
    # count over again: gamma is the fit with the count alone, not undefined.
    ref, model, posts, tokens, _ = with_entropy(0.5, seed=8)
    alone = sharpening_gamma(ref, model, posts, {"token count": tokens}, n_resamples=50, seed=0)
    s = sharpening_gamma(ref, model, posts, {"token count": tokens, "entropy": 2 * tokens}, n_resamples=50, seed=0)
    assert s.estimate == pytest.approx(alone.estimate, rel=1e-10) and s.details["held_fixed"]["entropy"] == 0.0
    assert (s.ci_low, s.ci_high) == pytest.approx((alone.ci_low, alone.ci_high), rel=1e-9)
