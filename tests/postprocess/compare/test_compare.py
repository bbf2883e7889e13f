"""Comparing a model with a reference on the same rows: alignment, refusals, paired differences,
implicit reward and the concentration test, each against hand-worked cases or scipy/statsmodels."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sps

from postprocess.compare.align import align, check_compatible, common_rows
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
from postprocess.compare.implicit_reward import implicit_reward, implicit_reward_agreement, implicit_reward_correlation
from postprocess.compare.paired import agreement_difference, correlation_difference, measure
from postprocess.stats.agreement import agreement
from postprocess.stats.bootstrap import ClusterResamples, cluster_bootstrap
from postprocess.stats.correlation import kendall, partial_pearson, partial_spearman, pearson, spearman
from postprocess.stats.registry import statistics
from summ_pref_common.errors import DataError
from tests.postprocess.stats.test_cluster_t_interval import dense_cr2

SINGLE = {"spearman": spearman, "pearson": pearson, "kendall": kendall, "partial_spearman": partial_spearman,
          "partial_pearson": partial_pearson}
PAIRED = [s.name for s in statistics(kind="axis", paired=True)]


def _frames(seed: int = 0, n_posts: int = 12, entropy: bool = True, tokens: bool = True):
    """A reference run's axis and cmp tables: 4 summaries per post, 2 ratings each, 3 pairs per post."""
    rng = np.random.default_rng(seed)
    axis_rows, cmp_rows, k = [], [], 0
    for p in range(n_posts):
        n_bytes = rng.integers(40, 200, size=4)
        logprob = -rng.uniform(0.8, 1.6, size=4) * n_bytes
        quality = rng.integers(1, 8, size=4).astype(float)
        base = {"post_id": f"p{p}", "source": "tldr", "split": "validation", "subsplit": "valid1", "batch": "b"}
        summ = [{"sid": f"s{p}_{j}", "policy": "pol", "logprob": logprob[j], "n_bytes": int(n_bytes[j]),
                 "n_chars": int(n_bytes[j]), "n_tokens": float(n_bytes[j] // 4) if tokens else np.nan,
                 "mean_entropy": 2.0 + 0.1 * j if entropy else np.nan, "context_truncated": False}
                for j in range(4)]
        for j in range(4):
            for w in range(2):
                axis_rows.append({"key": f"ax{k}", **base, "worker": f"w{w}",
                                  "overall": float(np.clip(quality[j] + rng.integers(-1, 2), 1, 7)),
                                  "accuracy": quality[j], "coverage": np.nan if w else quality[j],
                                  "coherence": quality[j], **summ[j]})
                k += 1
        for i, j in ((0, 1), (2, 3), (0, 2)):
            row = {"key": f"cmp{k}", **base, "worker": "w", "choice": int(quality[j] > quality[i]),
                   "confidence": float(rng.integers(1, 10))}
            for side, idx in (("a", i), ("b", j)):
                row.update({f"{c}_{side}": v for c, v in summ[idx].items()})
            cmp_rows.append(row)
            k += 1
    return pd.DataFrame(axis_rows), pd.DataFrame(cmp_rows)


def _model(ref_axis: pd.DataFrame, ref_cmp: pd.DataFrame, seed: int = 1):
    """A fine-tuned run: each summary's logprob shifted by a random amount (the same wherever it appears)."""
    rng = np.random.default_rng(seed)
    sids = sorted(set(ref_axis["sid"]))
    shift = dict(zip(sids, rng.normal(0, 8, size=len(sids))))
    ax = ref_axis.assign(logprob=ref_axis["logprob"] + ref_axis["sid"].map(shift),
                         mean_entropy=ref_axis["mean_entropy"] - 0.25)
    cm = ref_cmp.copy()
    for s in "ab":
        cm[f"logprob_{s}"] = cm[f"logprob_{s}"] + cm[f"sid_{s}"].map(shift)
        cm[f"mean_entropy_{s}"] = cm[f"mean_entropy_{s}"] - 0.25
    return ax, cm


@pytest.fixture(scope="module")
def runs():
    ref_axis, ref_cmp = _frames()
    mod_axis, mod_cmp = _model(ref_axis, ref_cmp)
    return ref_axis, ref_cmp, mod_axis, mod_cmp


# --- alignment and refusals ------------------------------------------------------------------------

def test_align_counts_left_out_rows_and_suffixes_scores(runs):
    ref_axis, _, mod_axis, _ = runs
    extra = mod_axis.iloc[:2].assign(key=["new1", "new2"])
    a = align(ref_axis.iloc[3:], pd.concat([mod_axis.iloc[:-5], extra]), "axis")
    # reference lacks rows 0-2 (3 model rows only in model run + 2 new keys = 5); model lacks the last 5.
    assert a.left_out == {"only in reference run": 5, "only in model run": 5}
    assert a.n == len(ref_axis) - 3 - 5
    assert {"logprob_ref", "logprob_model", "n_tokens_ref", "mean_entropy_model"} <= set(a.frame.columns)
    assert "logprob" not in a.frame and "overall" in a.frame  # NaN coverage on both sides counts as equal
    row = a.frame.iloc[0]
    assert row["logprob_ref"] == ref_axis.set_index("key").loc[row["key"], "logprob"]
    assert row["logprob_model"] == mod_axis.set_index("key").loc[row["key"], "logprob"]


def test_align_cmp_keeps_both_sides(runs):
    _, ref_cmp, _, mod_cmp = runs
    a = align(ref_cmp, mod_cmp, "cmp")
    assert a.left_out == {"only in reference run": 0, "only in model run": 0}
    assert {"logprob_a_ref", "logprob_b_model", "n_tokens_b_ref", "sid_a", "choice"} <= set(a.frame.columns)


@pytest.mark.parametrize("column, value", [("overall", 1.0), ("post_id", "elsewhere"), ("sid", "other-text")])
def test_align_refuses_different_human_data_on_axis_rows(runs, column, value):
    ref_axis, _, mod_axis, _ = runs
    changed = mod_axis.copy()
    changed.loc[[0, 5, 7], column] = value
    if column == "overall":
        changed.loc[[0, 5, 7], column] = ref_axis.loc[[0, 5, 7], "overall"] % 7 + 1  # surely different
    with pytest.raises(DataError, match=r"3 of 96 common rows .*different data"):
        align(ref_axis, changed, "axis")


def test_align_refuses_a_different_choice_and_duplicates_and_no_overlap(runs):
    ref_axis, ref_cmp, mod_axis, mod_cmp = runs
    flipped = mod_cmp.assign(choice=1 - mod_cmp["choice"]).iloc[:4]
    with pytest.raises(DataError, match=r"4 of 4 common rows.*'choice': 4"):
        align(ref_cmp, flipped, "cmp")
    with pytest.raises(DataError, match="appear twice"):
        align(ref_axis, pd.concat([mod_axis, mod_axis.iloc[:1]]), "axis")
    with pytest.raises(DataError, match="share no row"):
        align(ref_axis, mod_axis.assign(key=mod_axis["key"] + "x"), "axis")


def test_check_compatible_refuses_versions_and_prompts():
    meta = {"task_version": 1.0, "prompt_sha": "9c1d", "chat_template": False}
    assert check_compatible({"A": {"t": meta, "u": meta}, "B": {"t": dict(meta), "v": meta}}) == ["t"]
    for field, other in (("task_version", 2.0), ("prompt_sha", "ffff"), ("chat_template", True)):
        with pytest.raises(DataError, match=rf"t\.{field}: A=.*B="):
            check_compatible({"A": {"t": meta}, "B": {"t": {**meta, field: other}}})


def test_common_rows_keeps_keys_in_every_run():
    frames = {"A": pd.DataFrame({"key": ["k1", "k2", "k3"]}), "B": pd.DataFrame({"key": ["k2", "k3", "k4"]})}
    kept, left_out = common_rows(frames)
    assert kept["A"]["key"].tolist() == ["k2", "k3"] and kept["B"]["key"].tolist() == ["k2", "k3"]
    assert left_out == {"A": {"not in every run": 1}, "B": {"not in every run": 1}}


# --- implicit reward ----------------------------------------------------------------------------------

def _pairs(ref_a, mod_a, ref_b, mod_b, choice, n_bytes_a=None, n_bytes_b=None):
    n = len(choice)
    return pd.DataFrame({"logprob_a_ref": ref_a, "logprob_a_model": mod_a, "logprob_b_ref": ref_b,
                         "logprob_b_model": mod_b, "choice": choice, "post_id": [f"p{i}" for i in range(n)],
                         "n_bytes_a": n_bytes_a or [10] * n, "n_bytes_b": n_bytes_b or [10] * n})


def test_implicit_reward_agreement_hand_worked():
    # pair 1: r_a = -9 - (-10) = 1,   r_b = -7 - (-9) = 2  -> B higher, human chose A -> 0
    # pair 2: r_a = -4.5 - (-5) = 0.5, r_b = -6 - (-6) = 0 -> A higher, human chose A -> 1
    # pair 3: r_a = -2 - (-3) = 1,     r_b = -3 - (-4) = 1 -> tie -> 1/2
    # pair 4: r_a = -1 - (-1) = 0,     r_b = -2 - (-5) = 3 -> B higher, human chose B -> 1
    # agreement = (0 + 1 + 0.5 + 1) / 4 = 0.625
    f = _pairs([-10, -5, -3, -1], [-9, -4.5, -2, -1], [-9, -6, -4, -5], [-7, -6, -3, -2], [0, 0, 1, 1])
    s = implicit_reward_agreement(f, n_resamples=100)
    assert s.estimate == 0.625 and s.details["n_ties"] == 1 and s.n == 4
    assert s.ci_low <= s.estimate <= s.ci_high
    assert "implicit reward" in s.method
    # per byte: pair 1 with n_bytes (5, 20): r_a = 1/5 = 0.2 > r_b = 2/20 = 0.1 -> A, human A -> 1
    g = _pairs([-10], [-9], [-9], [-7], [0], [5], [20])
    assert implicit_reward_agreement(g, measure="per_byte", n_resamples=0).estimate == 1.0
    assert implicit_reward_agreement(g, n_resamples=0).estimate == 0.0


def test_implicit_reward_agreement_equals_an_independent_computation(runs):
    _, ref_cmp, _, mod_cmp = runs
    a = align(ref_cmp, mod_cmp, "cmp").frame
    ref = ref_cmp.set_index("key")
    mod = mod_cmp.set_index("key")
    total = 0.0
    for key in a["key"]:
        r_a = mod.loc[key, "logprob_a"] - ref.loc[key, "logprob_a"]
        r_b = mod.loc[key, "logprob_b"] - ref.loc[key, "logprob_b"]
        picked = 0 if r_a > r_b else 1
        total += 0.5 if r_a == r_b else float(picked == ref.loc[key, "choice"])
    assert implicit_reward_agreement(a, n_resamples=0).estimate == pytest.approx(total / len(a), abs=1e-15)


def test_implicit_reward_correlation_equals_scipy(runs):
    ref_axis, _, mod_axis, _ = runs
    f = align(ref_axis, mod_axis, "axis").frame
    r = f["logprob_model"] - f["logprob_ref"]
    keep = f["coverage"].notna()
    s = implicit_reward_correlation(f, "coverage", n_resamples=50)
    assert s.estimate == pytest.approx(sps.spearmanr(r[keep], f["coverage"][keep]).statistic, abs=1e-12)
    assert s.n_dropped == int((~keep).sum())
    rb = implicit_reward(f, measure="per_byte")
    assert np.allclose(rb, r / f["n_bytes"])


# --- paired differences ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAIRED)
@pytest.mark.parametrize("m", ["sum", "per_byte", "per_token"])
def test_correlation_difference_equals_single_run_difference(runs, name, m):
    ref_axis, _, mod_axis, _ = runs
    f = align(ref_axis, mod_axis, "axis").frame
    y, z, posts = f["coverage"].to_numpy(float), f["n_bytes"].to_numpy(float), f["post_id"].to_numpy()
    d = correlation_difference(measure(f, m, "ref"), measure(f, m, "model"), y, posts, statistic=name,
                               covariate=z, n_resamples=60, seed=3)
    extra = (z,) if name.startswith("partial_") else ()
    # The single-run functions on each run's own table, as the single-run report computes them.
    den = {"sum": 1.0, "per_byte": ref_axis["n_bytes"], "per_token": ref_axis["n_tokens"]}[m]
    ref_stat = SINGLE[name](ref_axis["logprob"] / den, ref_axis["coverage"], *(ref_axis["n_bytes"],)[:len(extra)],
                            n_resamples=0)
    mod_stat = SINGLE[name](mod_axis["logprob"] / den, mod_axis["coverage"], *(mod_axis["n_bytes"],)[:len(extra)],
                            n_resamples=0)
    assert d.estimate == mod_stat.estimate - ref_stat.estimate
    assert d.details["reference"] == ref_stat.estimate and d.details["model"] == mod_stat.estimate
    assert d.n == ref_stat.n and d.n_dropped == ref_stat.n_dropped
    assert d.ci_low < d.estimate < d.ci_high and 0 < d.p_value <= 1


def test_paired_interval_is_the_difference_on_shared_draws(runs):
    # Independent check: the generic cluster_bootstrap of (rho_model - rho_ref) on the same draws.
    ref_axis, _, mod_axis, _ = runs
    f = align(ref_axis, mod_axis, "axis").frame
    xr, xm = measure(f, "per_byte", "ref"), measure(f, "per_byte", "model")
    y, posts = f["overall"].to_numpy(float), f["post_id"].to_numpy()
    res = ClusterResamples.draw(posts, 80, seed=5)
    d = correlation_difference(xr, xm, y, posts, resamples=res)

    def diff(idx):
        return sps.spearmanr(xm[idx], y[idx]).statistic - sps.spearmanr(xr[idx], y[idx]).statistic

    iv = cluster_bootstrap(diff, posts, resamples=res)
    assert d.details["percentile_ci_low"] == pytest.approx(iv.low, abs=1e-9)
    assert d.details["percentile_ci_high"] == pytest.approx(iv.high, abs=1e-9)
    # The printed interval: t(G - 1) on the delete-one-post jackknife SE of the same difference, written out.
    labels = np.unique(posts)
    without = np.array([diff(np.flatnonzero(posts != g)) for g in labels])
    g = len(labels)
    se = np.sqrt((g - 1) / g * np.sum((without - without.mean()) ** 2))
    half = sps.t.ppf(0.975, g - 1) * se
    assert d.details["se_jackknife"] == pytest.approx(se, rel=1e-9)
    assert (d.ci_low, d.ci_high) == pytest.approx((d.estimate - half, d.estimate + half), rel=1e-9)
    assert d.p_value == pytest.approx(2 * sps.t.sf(abs(d.estimate) / se, g - 1), rel=1e-9)


def test_paired_interval_is_deterministic_in_the_seed(runs):
    ref_axis, _, mod_axis, _ = runs
    f = align(ref_axis, mod_axis, "axis").frame
    args = (measure(f, "sum", "ref"), measure(f, "sum", "model"), f["overall"], f["post_id"].to_numpy())
    a, b, c = (correlation_difference(*args, n_resamples=50, seed=s) for s in (7, 7, 8))
    assert (a.ci_low, a.ci_high, a.p_value) == (b.ci_low, b.ci_high, b.p_value)
    # The jackknife interval draws nothing; the percentile one in details moves with the seed.
    assert (a.ci_low, a.ci_high) == (c.ci_low, c.ci_high)
    assert a.details["percentile_ci_low"] != c.details["percentile_ci_low"]
    assert a.estimate == c.estimate


def test_agreement_difference_equals_single_run_difference(runs):
    _, ref_cmp, _, mod_cmp = runs
    f = align(ref_cmp, mod_cmp, "cmp").frame
    d = agreement_difference(measure(f, "per_byte", "ref", "a"), measure(f, "per_byte", "ref", "b"),
                             measure(f, "per_byte", "model", "a"), measure(f, "per_byte", "model", "b"),
                             f["choice"], f["post_id"].to_numpy(), n_resamples=60)
    single = {name: agreement(t["logprob_a"] / t["n_bytes_a"], t["logprob_b"] / t["n_bytes_b"], t["choice"],
                              n_resamples=0).estimate for name, t in (("ref", ref_cmp), ("model", mod_cmp))}
    assert d.estimate == single["model"] - single["ref"]
    assert d.ci_low <= d.estimate <= d.ci_high


def test_identical_runs_differ_by_exactly_zero(runs):
    _, ref_cmp, _, _ = runs
    f = align(ref_cmp, ref_cmp, "cmp").frame
    m = [measure(f, "sum", run, s) for run in ("ref", "model") for s in ("a", "b")]
    d = agreement_difference(*m, f["choice"], f["post_id"].to_numpy(), n_resamples=40)
    assert (d.estimate, d.ci_low, d.ci_high, d.p_value) == (0.0, 0.0, 0.0, 1.0)
    ir = implicit_reward_agreement(f, n_resamples=0)  # every reward is 0: all ties
    assert ir.estimate == 0.5 and ir.details["n_ties"] == len(f) and ir.p_value is None


def test_difference_is_undefined_when_either_run_is():
    d = correlation_difference([1, 2, 3], [3, 2, 1], [1, 2, 3], None, n_resamples=10)
    assert d.estimate is None and "reference: only 3 complete pairs" in d.reason


# --- concentration test ------------------------------------------------------------------------------

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
    from postprocess.compare.align import Aligned

    f = _pairs(ref_a, mod_a, ref_b, mod_b, choice)
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
