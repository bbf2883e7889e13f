"""The generated samples' and posts' rows (`postprocess.compute.generation_rows`; their differences against the
reference: `postprocess.compute.against_reference`) against intervals written out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from postprocess.compute.against_reference import post_ratio_difference
from postprocess.compute.generation_rows import post_ratio_stat
from postprocess.stats.bootstrap import ClusterResamples, Settings


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
