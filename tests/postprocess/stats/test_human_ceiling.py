"""The human ceiling: labeller-labeller agreement, agreement with the majority vote and the per-worker test,
on a hand-worked set and against statsmodels."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from postprocess.stats.agreement import agreement
from postprocess.stats.bootstrap import ClusterResamples, cluster_bootstrap
from postprocess.stats.human_ceiling import (
    canonical_pairs,
    human_agreement,
    majority_agreement,
    majority_votes,
    worker_heterogeneity,
)
from tests.helpers.cr2 import dense_cr2, score_roots
from tests.helpers.paths import SFF_DIR, require_shared


@pytest.fixture
def judgements() -> pd.DataFrame:
    """Hand-worked judgements (choice 0 = A chosen):

    pair x|y (post p): w1 and w2 chose x, w3 chose y: 3 worker pairs, 1 agrees (w1-w2).
    pair u|v (post q): w1 chose v (listed as A), w2 chose v (listed as B): 1 worker pair, it agrees.
    pair s|t (post r): judged once: no worker pair.
    pair m|n (post s): w1 chose m twice, w2 chose n: 3 judgement pairs, minus w1 with itself = 2, none agree.
    One judgement of x|y has no choice: dropped.
    Labeller agreement: (1 + 1 + 0) / (3 + 1 + 2) = 1/3.
    """
    return pd.DataFrame([
        ("x", "y", 0, "p", "w1", -1.0, -2.0),
        ("y", "x", 1, "p", "w2", -2.0, -1.0),
        ("x", "y", 1, "p", "w3", -1.0, -2.0),
        ("x", "y", np.nan, "p", "w4", -1.0, -2.0),
        ("v", "u", 0, "q", "w1", -5.0, -4.0),
        ("u", "v", 1, "q", "w2", -4.0, -5.0),
        ("s", "t", 0, "r", "w1", -3.0, -3.0),
        ("m", "n", 0, "s", "w1", -1.0, -1.5),
        ("m", "n", 0, "s", "w1", -1.0, -1.5),
        ("n", "m", 0, "s", "w2", -1.5, -1.0),
    ], columns=["a", "b", "choice", "post", "worker", "score_a", "score_b"])


def test_canonical_pairs_and_majority_votes(judgements):
    pairs = canonical_pairs(judgements.a, judgements.b, judgements.choice)
    assert pairs.pair_id.nunique() == 4
    assert pairs.chose_first.tolist()[:3] == [1.0, 1.0, 0.0] and np.isnan(pairs.chose_first[3])
    assert pairs.flipped.tolist()[:2] == [False, True]
    votes = majority_votes(pairs.pair_id, pairs.chose_first).set_index("pair_id")
    assert votes.loc["x\x00y"].tolist() == [3, 2.0, pytest.approx(2 / 3), 1.0]
    assert votes.loc["u\x00v", "majority_first"] == 0.0
    assert votes.loc["m\x00n", "votes_first"] == 2.0 and votes.loc["m\x00n", "majority_first"] == 1.0
    with pytest.raises(ValueError, match="choice must be 0"):
        canonical_pairs(["a"], ["b"], [2])


def test_human_agreement_on_the_hand_worked_set(judgements):
    j = judgements
    s = human_agreement(j.a, j.b, j.choice, j.post, j.worker, n_resamples=0)
    assert s.estimate == pytest.approx(1 / 3)
    assert (s.n, s.n_dropped) == (3, 1)
    assert s.details == {"n_judgements": 8, "n_worker_pairs": 6, "n_same_worker_pairs": 1,
                         "n_single_judged_pairs": 1, "n_clusters": 3}
    # Without workers every judgement is its own worker: m|n then has one agreeing pair of 3.
    anonymous = human_agreement(j.a, j.b, j.choice, j.post, n_resamples=0)
    assert anonymous.estimate == pytest.approx(3 / 7)
    json.dumps(s.to_dict())


def test_human_agreement_interval_resamples_posts(judgements):
    j = judgements
    agree, total = np.array([1.0, 1.0, 0.0]), np.array([3.0, 1.0, 2.0])
    posts = np.array(["p", "q", "s"])
    r = ClusterResamples.draw(posts, 400, seed=1)
    s = human_agreement(j.a, j.b, j.choice, j.post, j.worker, resamples=r, confidence=0.8)
    ref = cluster_bootstrap(lambda idx: agree[idx].sum() / total[idx].sum(), posts, confidence=0.8, resamples=r)
    assert (s.details["percentile_ci_low"], s.details["percentile_ci_high"]) == pytest.approx((ref.low, ref.high))
    # The ratio 2/6 linearised: per post (agree - total / 3) / 6, each scaled by (1 - total / 6)^(-1/2) (CR2 with one
    # row per post): 0, (2/3) / 6 / sqrt(5/6), (-2/3) / 6 / sqrt(2/3); their squares sum to 1/30.
    assert s.details["se_cr2"] == pytest.approx(np.sqrt(1 / 30), rel=1e-9)
    root = np.sqrt(total)
    se, df = dense_cr2(root, (agree - total / 3) / root, posts)
    assert (s.details["se_cr2"], s.details["df_bell_mccaffrey"]) == pytest.approx((se, df), rel=1e-9)
    assert (s.ci_low, s.ci_high) == pytest.approx(score_roots(1 / 3, se, df, 0.8), rel=1e-9)
    assert s.p_value is not None and "Wilson" in s.method


def test_human_agreement_degenerate(judgements):
    once = judgements.drop_duplicates(["a", "post"]).iloc[[0, 4, 6]]
    s = human_agreement(once.a, once.b, once.choice, once.post, once.worker, n_resamples=20)
    assert not s.defined and "more than one worker" in s.reason
    empty = human_agreement([], [], [], [], n_resamples=20)
    assert not empty.defined
    with pytest.raises(ValueError, match="different clusters"):
        human_agreement(["x", "x"], ["y", "y"], [0, 1], ["p", "q"], ["w1", "w2"])


def test_majority_agreement_on_the_hand_worked_set(judgements):
    j = judgements
    s = majority_agreement(j.score_a, j.score_b, j.a, j.b, j.choice, j.post, n_resamples=0)
    # x|y: majority x, model prefers x (-1 > -2): 1. u|v: majority v, model prefers u (-4 > -5): 0.
    # m|n: majority m (two votes of w1 to one), model prefers m: 1. s|t is judged once: dropped.
    assert s.estimate == pytest.approx(2 / 3) and s.n == 3
    assert s.details["n_few_judgements"] == 1 and s.details["n_vote_ties"] == 0 and s.n_dropped == 1
    every = majority_agreement(j.score_a, j.score_b, j.a, j.b, j.choice, j.post, min_judgements=1, n_resamples=0)
    # s|t: the model ties (-3 = -3): 1/2.
    assert every.estimate == pytest.approx((2 + 0.5) / 4) and every.details["n_ties"] == 1
    ref = agreement([-1.0, -4.0, -1.0, -3.0], [-2.0, -5.0, -1.5, -3.0], [0, 1, 0, 0], ["p", "q", "s", "r"],
                    n_resamples=0)
    assert every.estimate == ref.estimate


def test_majority_agreement_drops_tied_votes():
    s = majority_agreement([-1.0, -1.0, -1.0, -1.0], [-2.0, -2.0, -2.0, -2.0], ["x", "x", "u", "u"],
                           ["y", "y", "v", "v"], [0, 1, 0, 1], ["p", "p", "q", "q"], n_resamples=10)
    assert not s.defined and s.details["n_vote_ties"] == 2 and "tied vote" in s.reason


def simulated_workers(seed: int, slopes: dict[str, float], n_each: int = 150):
    rng = np.random.default_rng(seed)
    who = np.concatenate([[w] * n_each for w in slopes])
    slope = np.concatenate([[b] * n_each for b in slopes.values()])
    d = rng.normal(size=len(who))
    y = (rng.random(len(who)) < 1 / (1 + np.exp(-slope * d))).astype(float)
    posts = rng.integers(0, 60, len(who))
    return d, y, who, posts


def test_worker_heterogeneity_equals_statsmodels_likelihood_ratio():
    d, y, who, posts = simulated_workers(0, {"w1": 1.5, "w2": 0.0, "w3": 0.5})
    length = np.random.default_rng(1).normal(size=len(d))
    h = worker_heterogeneity(d, y, who, posts, length, n_resamples=0)
    z = d / np.sqrt(np.mean(d**2))
    common = sm.Logit(y, np.column_stack([z, length])).fit(disp=0)
    slopes = np.column_stack([z * (who == w) for w in ("w1", "w2", "w3")])
    separate = sm.Logit(y, np.column_stack([slopes, length])).fit(disp=0)
    lr = 2 * (separate.llf - common.llf)
    assert h.test.estimate == pytest.approx(lr, rel=1e-6)
    assert h.test.p_value == pytest.approx(sps.chi2.sf(lr, 2), rel=1e-5)
    assert h.test.details["dof"] == 2 and h.test.p_value < 0.01
    assert h.test.details["common_slope"] == pytest.approx(common.params[0], rel=1e-6)
    assert h.per_worker.slope.tolist() == pytest.approx(separate.params[:3].tolist(), rel=1e-6)
    # The cluster-robust Wald test of equal slopes, by hand from statsmodels' own cluster covariance.
    robust = sm.Logit(y, np.column_stack([slopes, length])).fit(disp=0, cov_type="cluster",
                                                                 cov_kwds={"groups": posts})
    R = np.array([[-1.0, 1, 0, 0], [-1.0, 0, 1, 0]])
    c = R @ robust.params
    wald = c @ np.linalg.inv(R @ robust.cov_params() @ R.T) @ c
    assert h.test.details["wald_cluster_statistic"] == pytest.approx(wald, rel=1e-5)
    json.dumps(h.test.to_dict())


def test_per_worker_agreement_and_pooling():
    d, y, who, posts = simulated_workers(2, {"w1": 1.0, "w2": 1.0})
    # Three workers with 8 judgements each: together 24, so they share one pooled slope; a fourth with 5
    # would be dropped with them if the pool were still too small.
    extra_d, extra_y, extra_who, extra_posts = simulated_workers(3, {"s1": 1.0, "s2": 1.0, "s3": 1.0}, n_each=8)
    d, y = np.concatenate([d, extra_d]), np.concatenate([y, extra_y])
    who, posts = np.concatenate([who, extra_who]), np.concatenate([posts, extra_posts])
    r = ClusterResamples.draw(posts, 200, seed=0)
    h = worker_heterogeneity(d, y, who, posts, min_pairs=20, resamples=r)
    t = h.per_worker.set_index("worker")
    assert t.group.to_dict() == {"s1": "pooled", "s2": "pooled", "s3": "pooled", "w1": "own", "w2": "own"}
    assert h.test.details["dof"] == 2 and h.test.details["n_workers_pooled"] == 3
    assert t.loc["s1", "slope"] == t.loc["s3", "slope"]
    mask = who == "w1"
    ref = agreement(d[mask], np.zeros(mask.sum()), 1 - y[mask], posts[mask], resamples=r, p_method="cluster")
    assert (t.loc["w1", "agreement"], t.loc["w1", "ci_low"], t.loc["w1", "p_value"]) == pytest.approx(
        (ref.estimate, ref.ci_low, ref.p_value))
    strict = worker_heterogeneity(d, y, who, posts, min_pairs=30, n_resamples=0)
    assert strict.test.details["n_workers_dropped"] == 3 and strict.test.details["n_rows_dropped_workers"] == 24
    assert strict.test.n_dropped == 24 and strict.test.details["dof"] == 1
    assert np.isnan(strict.per_worker.set_index("worker").loc["s2", "slope"])


def test_worker_heterogeneity_degenerate():
    d, y, who, posts = simulated_workers(4, {"w1": 1.0})
    one = worker_heterogeneity(d, y, who, posts, n_resamples=0)
    assert not one.test.defined and "fewer than 2 workers" in one.test.reason
    assert len(one.per_worker) == 1
    d2, _, who2, posts2 = simulated_workers(5, {"w1": 1.0, "w2": 1.0})
    same = worker_heterogeneity(d2, np.ones_like(d2), who2, posts2, n_resamples=0)
    assert not same.test.defined and "every choice is the same" in same.test.reason
    zero = worker_heterogeneity(np.zeros_like(d2), (d2 > 0).astype(float), who2, posts2, n_resamples=0)
    assert not zero.test.defined and "delta is 0" in zero.test.reason


def test_smoke_on_real_comparisons():
    """Real TL;DR judgements (batch18: 12 pairs judged by more than one worker, 11 workers); the summaries'
    byte lengths stand in for a model score (shorter preferred)."""
    path = require_shared(SFF_DIR / "comparisons" / "batch18.json")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    frame = pd.DataFrame({
        "a": [f'{r["info"]["id"]}|{r["summaries"][0]["text"]}' for r in rows],
        "b": [f'{r["info"]["id"]}|{r["summaries"][1]["text"]}' for r in rows],
        "choice": [r["choice"] for r in rows], "post": [r["info"]["id"] for r in rows],
        "worker": [r["worker"] for r in rows],
        "score_a": [-len(r["summaries"][0]["text"].encode()) for r in rows],
        "score_b": [-len(r["summaries"][1]["text"].encode()) for r in rows],
    })
    s = human_agreement(frame.a, frame.b, frame.choice, frame.post, frame.worker, n_resamples=200)
    assert s.defined and s.n == 12 and 0 <= s.estimate <= 1 and s.details["n_worker_pairs"] == 6 * 10 + 6
    m = majority_agreement(frame.score_a, frame.score_b, frame.a, frame.b, frame.choice, frame.post, n_resamples=200)
    assert m.n + m.details["n_vote_ties"] == 12
    delta = np.log(frame.score_b / frame.score_a)  # log(bytes_b / bytes_a): positive when A is shorter
    h = worker_heterogeneity(delta, 1 - frame.choice, frame.worker, frame.post, n_resamples=100)
    assert h.test.details["n_workers"] == frame.worker.nunique() == len(h.per_worker)
    assert h.test.defined and 0 <= h.test.p_value <= 1
