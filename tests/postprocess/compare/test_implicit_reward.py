"""The implicit reward with an explicit beta (DPO's KL coefficient): r = beta * (logprob_model - logprob_ref) on
the sum, per byte and per token, its agreement (independent of beta) and its mean margin (scaled by beta), by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from postprocess.compare.align import align
from postprocess.compare.implicit_reward import (
    implicit_reward,
    implicit_reward_agreement,
    implicit_reward_margin,
    reward_method,
)
from postprocess.compare.statistics import compare_task

# Three posts, four pairs (two on post p1). Columns as `postprocess.compare.align` makes them.
PAIRS = pd.DataFrame({
    "post_id": ["p1", "p1", "p2", "p3"],
    "choice": [0, 1, 0, 1],
    "logprob_a_ref": [-10.0, -8.0, -20.0, -6.0], "logprob_a_model": [-8.0, -9.0, -21.0, -5.0],
    "logprob_b_ref": [-12.0, -7.0, -15.0, -9.0], "logprob_b_model": [-11.0, -5.0, -15.5, -6.0],
    "n_bytes_a": [20, 16, 40, 12], "n_bytes_b": [24, 14, 30, 18],
    "n_tokens_a_ref": [5.0, 4.0, 10.0, 3.0], "n_tokens_a_model": [4.0, 4.0, 10.0, 2.0],
    "n_tokens_b_ref": [6.0, 3.0, 8.0, 4.0], "n_tokens_b_model": [6.0, 2.0, 8.0, 4.0],
})
# By hand, log-ratios (model - ref): a = [2, -1, -1, 1], b = [1, 2, -0.5, 3]; chosen (choice 0 -> a, 1 -> b):
# [2, 2, -1, 3], rejected: [1, -1, -0.5, 1]; margins [1, 3, -0.5, 2], mean 5.5 / 4 = 1.375.
# Agreement: pairs 1, 2, 4 pick the chosen one, pair 3 (-1 < -0.5) does not: 3 / 4.
# Per token, each run's own count: a = [-8/4 + 10/5, -9/4 + 8/4, -21/10 + 20/10, -5/2 + 6/3]
#                                    = [0, -0.25, -0.1, -0.5]
#                                  b = [-11/6 + 12/6, -5/2 + 7/3, -15.5/8 + 15/8, -6/4 + 9/4]
#                                    = [1/6, -1/6, -0.0625, 0.75]
# chosen [0, -1/6, -0.1, 0.75], rejected [1/6, -0.25, -0.0625, -0.5]; margins [-1/6, 1/12, -0.0375, 1.25].
MARGIN_SUM = 1.375
MARGIN_PER_TOKEN = (-1 / 6 + 1 / 12 - 0.0375 + 1.25) / 4


def test_reward_is_beta_times_the_log_ratio_on_each_measure():
    assert implicit_reward(PAIRS, "a").tolist() == [2.0, -1.0, -1.0, 1.0]
    assert implicit_reward(PAIRS, "b", beta=0.05).tolist() == pytest.approx([0.05, 0.1, -0.025, 0.15], abs=1e-15)
    assert implicit_reward(PAIRS, "a", "per_byte", beta=2.0).tolist() == pytest.approx(
        [2 * 2 / 20, 2 * -1 / 16, 2 * -1 / 40, 2 * 1 / 12], abs=1e-15)
    assert implicit_reward(PAIRS, "a", "per_token").tolist() == pytest.approx([0.0, -0.25, -0.1, -0.5], abs=1e-15)
    assert implicit_reward(PAIRS, "b", "per_token").tolist() == pytest.approx([1 / 6, -1 / 6, -0.0625, 0.75],
                                                                              abs=1e-15)
    with pytest.raises(ValueError, match="measure must be one of"):
        implicit_reward(PAIRS, "a", "per_word")


@pytest.mark.parametrize(("measure", "margin"), [("sum", MARGIN_SUM), ("per_token", MARGIN_PER_TOKEN)])
@pytest.mark.parametrize("beta", [None, 0.05, 1.0])
def test_hand_worked_margin_scales_with_beta_and_agreement_does_not(measure, margin, beta):
    kw = {"measure": measure, "beta": beta, "n_resamples": 200, "seed": 3}
    m = implicit_reward_margin(PAIRS, **kw)
    scale = 1.0 if beta is None else beta
    assert m.estimate == pytest.approx(scale * margin, abs=1e-15)
    assert m.n == 4 and m.details["n_clusters"] == 3
    assert m.ci_low <= m.estimate <= m.ci_high
    unscaled = implicit_reward_margin(PAIRS, **{**kw, "beta": None})
    assert (m.ci_low, m.ci_high) == pytest.approx((scale * unscaled.ci_low, scale * unscaled.ci_high), abs=1e-15)
    agreement = implicit_reward_agreement(PAIRS, **kw)
    assert agreement.estimate == implicit_reward_agreement(PAIRS, **{**kw, "beta": None}).estimate
    assert m.method.startswith(reward_method(measure, beta))
    assert agreement.method.startswith(reward_method(measure, beta))
    assert ("0.05 * (logprob_model - logprob_reference)" in m.method) == (beta == 0.05)


def test_hand_worked_agreement_on_the_sum():
    assert implicit_reward_agreement(PAIRS, n_resamples=0).estimate == 0.75


def test_pairs_without_a_choice_are_dropped_from_the_margin():
    frame = PAIRS.assign(choice=[0, 1, 0, np.nan])
    m = implicit_reward_margin(frame, beta=0.5, n_resamples=0)
    assert m.estimate == pytest.approx(0.5 * (1 + 3 - 0.5) / 3, abs=1e-15) and m.n == 3 and m.n_dropped == 1


def test_method_without_beta_keeps_the_log_ratio_wording():
    assert reward_method("per_byte", None) == "implicit reward r = logprob_model - logprob_reference per byte"
    assert reward_method("sum", 0.05) == ("implicit reward r = 0.05 * (logprob_model - logprob_reference) "
                                          "(DPO reward, beta 0.05)")


def _run_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """PAIRS as two runs' tables (`read_samples` columns), for `align`."""
    base = {"key": [f"k{i}" for i in range(4)], "post_id": PAIRS["post_id"], "choice": PAIRS["choice"],
            "source": "tldr", "split": "validation", "subsplit": "valid1", "batch": "b", "worker": "w",
            "confidence": 2.0}
    runs = []
    for run in ("ref", "model"):
        cols = dict(base)
        for side in ("a", "b"):
            cols.update({f"sid_{side}": [f"{side}{i}" for i in range(4)], f"policy_{side}": "p",
                         f"logprob_{side}": PAIRS[f"logprob_{side}_{run}"], f"n_bytes_{side}": PAIRS[f"n_bytes_{side}"],
                         f"n_chars_{side}": PAIRS[f"n_bytes_{side}"],
                         f"n_tokens_{side}": PAIRS[f"n_tokens_{side}_{run}"],
                         f"mean_entropy_{side}": np.nan, f"context_truncated_{side}": False})
        runs.append(pd.DataFrame(cols))
    return runs[0], runs[1]


def test_beta_reaches_the_rows_of_the_comparison():
    aligned = align(*_run_tables(), "cmp")
    rows, _ = compare_task(aligned, model="dpo", reference="sft", task="t", n_resamples=50, beta=0.05)
    margins = {r["measure"]: r for r in rows if r["statistic"] == "implicit_reward_margin"}
    agreements = {r["measure"]: r for r in rows if r["statistic"] == "implicit_reward_agreement"}
    assert set(margins) == set(agreements) == {"sum", "per_byte", "per_token"}
    assert margins["sum"]["estimate"] == pytest.approx(0.05 * MARGIN_SUM, abs=1e-15)
    assert margins["per_token"]["estimate"] == pytest.approx(0.05 * MARGIN_PER_TOKEN, abs=1e-15)
    assert agreements["sum"]["estimate"] == 0.75
    assert all("beta 0.05" in r["method"] for r in [*margins.values(), *agreements.values()])
    plain, _ = compare_task(aligned, model="dpo", reference="sft", task="t", n_resamples=50)
    plain_margin = next(r for r in plain if r["statistic"] == "implicit_reward_margin" and r["measure"] == "sum")
    assert plain_margin["estimate"] == pytest.approx(MARGIN_SUM, abs=1e-15) and "beta" not in plain_margin["method"]
