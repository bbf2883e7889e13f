"""The sharpening exponent gamma against a known truth, through `compare_runs` and into the report.

Fast: a model whose summed log-prob is gamma times the reference's plus a post effect (simulated pair tables)
gives that gamma; the predicted 1 + alpha/beta sits beside it; report.md and the findings word gamma from its
interval. Slow: tempered copies of the embedded model (`summ-pref tempered-copy`, logits / T) scored on real rows
with hf-prefix: a copy at T < 1 is a sharpened policy (gamma above 1 by its interval), at T > 1 a flattened one
(below 1), at T = 1 the model itself (gamma 1). Cost: four scorings of 16 pairs of comparisons/batch18 (13 posts)
with SmolLM2-135M, about 25 s each on two free cores; the reference is scored once and every copy is compared
with it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lm_eval_tasks.models  # noqa: F401  (registers hf-prefix)
from postprocess.commands.tempered_copy import write_tempered_copy
from postprocess.compare.statistics import compare_runs, predicted_gamma_rows
from postprocess.io.samples import read_samples
from postprocess.report.findings import findings
from postprocess.report.markdown import sharpening_lines
from postprocess.stats.result import Stat, format_stat
from postprocess.stats.table import select, stat_dict, stat_row, statistics_table
from tests.helpers.harness_runs import run_tasks

logger = logging.getLogger(__name__)

TASK = "summ_pref_cmp"
LIMIT = 16
TEMPERATURES = (0.5, 1.0, 2.0)


def pair_tables(gamma: float, *, n_posts: int = 30, seed: int = 0, noise: float = 0.0):
    """A reference's and a model's pair tables: 4 summaries per post in 3 pairs; the model's summed log-prob is
    gamma times the reference's, plus a post effect (the normaliser the fixed effects remove) and `noise`."""
    rng = np.random.default_rng(seed)
    ref_rows, model_rows = [], []
    for p in range(n_posts):
        logprob = rng.normal(-80, 12, 4)
        shifted = gamma * logprob + rng.normal(0, 40) + rng.normal(0, noise, 4)
        n_tokens = rng.integers(20, 60, 4)
        for i, j in ((0, 1), (2, 3), (0, 3)):
            base = {"key": f"k{p}_{i}{j}", "post_id": f"p{p}", "source": "tldr", "split": "validation",
                    "subsplit": "valid1", "batch": "b", "worker": "w", "choice": int(rng.integers(0, 2)),
                    "confidence": 5.0}
            for rows, values in ((ref_rows, logprob), (model_rows, shifted)):
                row = dict(base)
                for side, idx in (("a", i), ("b", j)):
                    row.update({f"sid_{side}": f"s{p}_{idx}", f"policy_{side}": "sup", f"logprob_{side}": values[idx],
                                f"n_bytes_{side}": 4 * int(n_tokens[idx]), f"n_chars_{side}": 4 * int(n_tokens[idx]),
                                f"n_tokens_{side}": float(n_tokens[idx]), f"mean_entropy_{side}": np.nan,
                                f"context_truncated_{side}": False})
                rows.append(row)
    return pd.DataFrame(ref_rows), pd.DataFrame(model_rows)


def compared(gamma: float, **kw) -> list[dict]:
    reference, model = pair_tables(gamma, **kw)
    rows, _ = compare_runs({TASK: reference}, {TASK: model}, {TASK: "cmp"}, reference_name="base",
                           model_name="tuned", n_resamples=300, seed=0)
    return rows


@pytest.mark.parametrize("gamma", [0.6, 1.0, 1.7])
def test_compare_runs_recovers_the_slope_of_the_summed_log_prob(gamma):
    table = select(statistics_table(compared(gamma)), statistic="sharpening_gamma")
    assert set(table["measure"]) == {"sum", "per_token"}  # both runs logged token counts
    total = stat_dict(select(table, measure="sum").iloc[0])
    assert total["estimate"] == pytest.approx(gamma, rel=1e-9)
    assert total["n"] == 4 * 30 and total["details"]["n_clusters"] == 30  # distinct summaries, not pair sides
    noisy = stat_dict(select(statistics_table(compared(gamma, noise=6.0, seed=3)), statistic="sharpening_gamma",
                             measure="sum").iloc[0])
    assert noisy["ci_low"] < gamma < noisy["ci_high"]


def test_the_predicted_gamma_stands_beside_the_measured_one_in_the_report():
    rows = compared(1.7, noise=6.0, seed=3)
    alpha = Stat(0.6, 0.3, 0.9, 0.001, 90, "m", details={"rms": 12.0, "n_clusters": 30})
    rows.append(stat_row(alpha, model="base", task=TASK, statistic="typicality_alpha", measure="sum"))
    rows.append(stat_row(alpha, model="base", task=TASK, statistic="typicality_alpha", measure="per_byte"))
    assert predicted_gamma_rows(rows, "base", {}) == []  # no beta, no prediction
    (predicted,) = predicted_gamma_rows(rows, "base", {"tuned": 0.1})
    # 1 + (0.6 / 12) / 0.1 = 1.5, the interval likewise: 1 + (0.3 / 12) / 0.1 = 1.25, 1 + (0.9 / 12) / 0.1 = 1.75
    assert (predicted["estimate"], predicted["ci_low"], predicted["ci_high"]) == pytest.approx((1.5, 1.25, 1.75))
    table = statistics_table([*rows, predicted])
    summary = {"runs": [{"model_name": "base"}, {"model_name": "tuned"}], "settings": {"confidence": 0.95}}
    gamma = stat_dict(select(table, statistic="sharpening_gamma", measure="sum").iloc[0])
    sentence = next(line for line in findings(summary, table) if "sharpening γ" in line)
    assert sentence.startswith(f"**{TASK}**, hypothesis 2, tuned vs base: sharpening γ")
    assert "γ > 1: the model sharpens" in sentence
    assert f"{gamma['estimate']:.3f} [{gamma['ci_low']:.3f}, {gamma['ci_high']:.3f}]" in sentence
    assert "1 + α/β (β = 0.1) is 1.500 [1.250, 1.750] (95% CI)" in sentence
    text = "\n".join(sharpening_lines(summary, table, "95%"))
    assert f"| tuned | {TASK} | {gamma['estimate']:.3f} [" in text and "| > 1 |" in text
    assert "1.500 [1.250, 1.750]" in text


def score(model_dir: Path, sff_dir: Path, out: Path) -> pd.DataFrame:
    """One in-process hf-prefix run of the pair task, read back as the report reads a samples file."""
    res = run_tasks(model_dir, [TASK], limit=LIMIT, model="hf-prefix", batch_size=8, data_dir=str(sff_dir))
    out.write_text("".join(json.dumps(s, default=str) + "\n" for s in res["samples"][TASK]), encoding="utf-8")
    frame, _ = read_samples(out, progress=False)
    return frame


@pytest.fixture(scope="module")
def gammas(smollm2_dir, sff_dir, tmp_path_factory) -> dict[float, dict]:
    """{T: {measure: gamma's stat}} of each tempered copy against the embedded model."""
    root = tmp_path_factory.mktemp("gamma_known_truth")
    reference = score(smollm2_dir, sff_dir, root / "reference.jsonl")
    out = {}
    for t in TEMPERATURES:
        copy = write_tempered_copy(str(smollm2_dir), t, root / f"T{t:g}")
        model = score(copy, sff_dir, root / f"T{t:g}.jsonl")
        rows, _ = compare_runs({TASK: reference}, {TASK: model}, {TASK: "cmp"}, reference_name="smollm2",
                               model_name=f"T={t:g}", n_resamples=1000, seed=0)
        table = select(statistics_table(rows), statistic="sharpening_gamma")
        out[t] = {row["measure"]: stat_dict(row) for row in table.to_dict("records")}
        for measure, g in out[t].items():
            logger.info("T = %g, %s: gamma %s, %d summaries on %d posts", t, measure, format_stat(g), g["n"],
                        g["details"]["n_clusters"])
    return out


@pytest.mark.slow
def test_sharpened_copy_has_gamma_above_one(gammas):
    for measure in ("sum", "per_token"):
        g = gammas[0.5][measure]
        assert g["ci_low"] > 1, (measure, g)
        assert g["details"]["n_clusters"] >= 10 and g["n_dropped"] == 0  # every post has two distinct summaries


@pytest.mark.slow
def test_flattened_copy_has_gamma_below_one(gammas):
    # Per token the copy's log-prob is about 1/T times the model's. Summed, each position also adds the copy's
    # normaliser -log sum_i p_i^(1/T), which grows in size with the summary's length as the summed log-prob falls
    # with it: on the summed scale gamma moves from 1/T toward 1 (at T = 2 about (1 + R/l)/2, R the mean Renyi-1/2
    # entropy of the next-token distributions, l the mean surprisal of the summary's tokens; 0.90 [0.78, 1.01] on
    # these 13 posts). Its point estimate is below 1; its interval need not be.
    for measure in ("sum", "per_token"):
        assert gammas[2.0][measure]["estimate"] < 1, (measure, gammas[2.0][measure])
    assert gammas[2.0]["per_token"]["ci_high"] < 1, gammas[2.0]["per_token"]


@pytest.mark.slow
def test_copy_at_temperature_one_has_gamma_one(gammas):
    for measure in ("sum", "per_token"):
        g = gammas[1.0][measure]
        assert g["estimate"] == pytest.approx(1, abs=1e-6)
        assert g["ci_low"] == pytest.approx(1, abs=1e-6) and g["ci_high"] == pytest.approx(1, abs=1e-6)
