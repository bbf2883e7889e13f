"""The concentration test (sharpening gamma, shift against rating, preferred against rejected shift, flip table,
entropy comparison) against statsmodels, scipy and hand-worked cases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sps

from postprocess.compare.align import Aligned, align
from postprocess.compare.concentration import (
    ENTROPY_MISSING,
    distinct_summaries,
    entropy_comparison,
    flip_table,
    preferred_vs_rejected_shift,
    sharpening,
    shift_vs_rating,
    summed_slope_unadjusted,
)
from tests.helpers.cr2 import dense_cr2
from tests.helpers.reference_frames import pairs


def test_sharpening_gamma_equals_statsmodels_on_deduplicated_summaries(runs):
    ref_axis, ref_cmp, mod_axis, mod_cmp = runs
    parts = [align(ref_axis, mod_axis, "axis"), align(ref_cmp, mod_cmp, "cmp")]
    summaries = distinct_summaries(parts)
    # Independent dedupe: every (sid, logprob) seen anywhere, one per sid.
    seen = {}
    for t_ref, t_mod in ((ref_axis, mod_axis), (ref_cmp, mod_cmp)):
        for s in ([""] if "sid" in t_ref else ["_a", "_b"]):
            for r, m in zip(t_ref.itertuples(), t_mod.itertuples()):
                seen.setdefault(getattr(r, f"sid{s}"), (getattr(r, f"logprob{s}"), getattr(m, f"logprob{s}"),
                                                        getattr(r, f"n_tokens{s}"), getattr(r, f"mean_entropy{s}"),
                                                        r.post_id))
    assert len(summaries) == len(seen) == 48  # 12 posts x 4 summaries
    # gamma on the summed scale: OLS of the model's log-prob on the reference's, the summary's token count and the
    # reference's summed next-token entropy (mean x count) with post dummies, one row per distinct summary; per token,
    # on the reference's per-token log-prob and its mean next-token entropy
    data = pd.DataFrame(list(seen.values()), columns=["r", "m", "n", "h", "post"]).assign(H=lambda d: d["h"] * d["n"])
    assert data.groupby("post")["n"].nunique().gt(1).all()  # the length varies within posts: the fit differs
    fit = smf.ols("m ~ r + n + H + C(post)", data=data).fit()
    s = sharpening(summaries, "sum", n_resamples=50)
    assert s.estimate == pytest.approx(fit.params["r"], rel=1e-10)
    assert s.details["se_ols"] == pytest.approx(fit.bse["r"], rel=1e-8)
    assert list(s.details["held_fixed"].values()) == pytest.approx([fit.params["n"], fit.params["H"]], rel=1e-8)
    assert s.n == 48 and s.details["n_clusters"] == 12 and s.details["entropy_held_fixed"]
    assert "held fixed: the summary's token count, the reference's summed next-token entropy" in s.method
    unadjusted = summed_slope_unadjusted(summaries, n_resamples=0)
    assert unadjusted.estimate == pytest.approx(smf.ols("m ~ r + C(post)", data=data).fit().params["r"], rel=1e-10)
    assert unadjusted.estimate != pytest.approx(s.estimate) and "confounded by length" in unadjusted.method
    per_token = data.assign(r=data["r"] / data["n"], m=data["m"] / data["n"])
    both_counts = summaries["n_tokens_ref"].equals(summaries["n_tokens_model"])
    assert both_counts  # one tokenizer: each run's per-token log-prob divides by the same count
    token_fit = smf.ols("m ~ r + h + C(post)", data=per_token).fit()
    t = sharpening(summaries, "per_token", n_resamples=0)
    assert t.estimate == pytest.approx(token_fit.params["r"], rel=1e-10)
    assert t.details["se_ols"] == pytest.approx(token_fit.bse["r"], rel=1e-8)
    assert "the reference's mean next-token entropy" in t.method
    assert summaries["n_rows"].sum() == len(ref_axis) + 2 * len(ref_cmp)


def test_sharpening_without_the_reference_s_entropies_holds_the_token_count_alone_and_says_so(runs):
    ref_axis, _, mod_axis, _ = runs
    reference = ref_axis.assign(mean_entropy=np.nan)  # scored with plain hf: no per-token entropies
    summaries = distinct_summaries([align(reference, mod_axis, "axis")])
    data = summaries.assign(r=summaries["logprob_ref"], m=summaries["logprob_model"], n=summaries["n_tokens_ref"])
    s = sharpening(summaries, "sum", n_resamples=0)
    assert s.estimate == pytest.approx(smf.ols("m ~ r + n + C(post_id)", data=data).fit().params["r"], rel=1e-10)
    assert not s.details["entropy_held_fixed"] and s.method.startswith(ENTROPY_MISSING)
    assert "may be confounded by entropy" in s.method and list(s.details["held_fixed"]) == ["the summary's token count"]
    t = sharpening(summaries, "per_token", n_resamples=0)
    assert not t.details["entropy_held_fixed"] and "held_fixed" not in t.details


def test_shift_vs_rating_equals_scipy(runs):
    ref_axis, _, mod_axis, _ = runs
    a = align(ref_axis, mod_axis, "axis")
    shift = (a.frame["logprob_model"] - a.frame["logprob_ref"]) / a.frame["n_bytes"]
    s = shift_vs_rating(a, "overall", n_resamples=0)
    assert s.estimate == pytest.approx(sps.spearmanr(shift, a.frame["overall"]).statistic, abs=1e-12)


def _aligned_pairs(ref_a, mod_a, ref_b, mod_b, choice, posts=None):
    f = pairs(ref_a, mod_a, ref_b, mod_b, choice)
    if posts is not None:
        f["post_id"] = posts
    return Aligned(f, "cmp")


def test_preferred_vs_rejected_shift_hand_worked():
    # n_bytes 10 everywhere. pair 1 (human chose A): shift_a = (-8 + 10)/10 = 0.2, shift_b = (-9 + 9)/10 = 0
    # pair 2 (human chose B): shift_a = (-4 + 5)/10 = 0.1, shift_b = (-2 + 6)/10 = 0.4
    # preferred: (0.2 + 0.4)/2 = 0.3; rejected: (0 + 0.1)/2 = 0.05; difference 0.25
    a = _aligned_pairs([-10, -5], [-8, -4], [-9, -6], [-9, -2], [0, 1])
    out = preferred_vs_rejected_shift(a, n_resamples=30)
    assert out["preferred"].estimate == pytest.approx(0.3)
    assert out["rejected"].estimate == pytest.approx(0.05)
    assert out["difference"].estimate == pytest.approx(0.25)
    assert out["difference"].p_value is not None and out["preferred"].p_value is None


def test_flip_table_on_five_pairs_with_a_tie():
    # measure "sum"; human choices [A, A, B, B, A]
    # pair 1: ref a=-1 > b=-2 -> A (agrees);    model a=-1 > b=-3 -> A (agrees)      -> both agree
    # pair 2: ref a=-1 > b=-2 -> A (agrees);    model a=-4 < b=-2 -> B (disagrees)   -> ref only
    # pair 3: ref a=-1 > b=-2 -> A (disagrees); model a=-3 < b=-1 -> B (agrees)      -> model only
    # pair 4: ref a=-1 > b=-2 -> A (disagrees); model a=-2 < b=-1 -> B (agrees)      -> model only
    # pair 5: ref a=-2 = b=-2 -> tie;           left out of the table, counted as a reference tie
    a = _aligned_pairs([-1, -1, -1, -1, -2], [-1, -4, -3, -2, -1], [-2, -2, -2, -2, -2], [-3, -2, -1, -1, -5],
                       [0, 0, 1, 1, 0])
    t = flip_table(a, n_resamples=40)
    assert t.counts == {"ref_agrees_model_agrees": 1, "ref_agrees_model_disagrees": 1,
                        "ref_disagrees_model_agrees": 2, "ref_disagrees_model_disagrees": 0}
    assert t.n_ties == {"reference": 1, "model": 0, "either": 1} and t.n == 4
    # net flip = (2 - 1) / 4; McNemar exact = two-sided binomial test of 1 of 3 discordant at 1/2 = 1.0
    assert t.net.estimate == 0.25
    assert t.net.p_value == pytest.approx(sps.binomtest(1, 3, 0.5).pvalue)
    # Its interval: t on the CR2 SE by post of the per-pair flips (model agrees - reference agrees).
    flips = np.array([0.0, -1.0, 1.0, 1.0])
    posts = a.frame["post_id"].to_numpy()[:4]
    se, df = dense_cr2(np.ones(4), flips - 0.25, posts)
    half = sps.t.ppf(0.975, df) * se
    assert (t.net.ci_low, t.net.ci_high) == pytest.approx((max(0.25 - half, -1), min(0.25 + half, 1)), rel=1e-9)
    assert "CR2" in t.net.method
    d = t.to_dict()
    assert d["fractions"]["ref_disagrees_model_agrees"] == 0.5 and json.dumps(d)


def test_entropy_comparison_and_note(runs):
    ref_axis, _, mod_axis, _ = runs
    s = distinct_summaries([align(ref_axis, mod_axis, "axis")])
    e = entropy_comparison(s, n_resamples=20)
    assert e["difference"]["estimate"] == pytest.approx(-0.25)
    assert e["reference"]["estimate"] == pytest.approx(np.mean([2.0, 2.1, 2.2, 2.3]))
    no = distinct_summaries([align(ref_axis.assign(mean_entropy=np.nan), mod_axis, "axis")])
    assert "not logged" in entropy_comparison(no)["note"]
