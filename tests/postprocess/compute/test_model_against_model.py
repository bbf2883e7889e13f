"""Model against model: the exact McNemar p of the agreement difference, Holm's adjustment and the difference of
alpha each equal an independent computation; a report over two runs without a reference compares them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.stats import binomtest
from statsmodels.stats.multitest import multipletests

from postprocess.compare.paired import agreement_difference, alpha_difference, mcnemar_p
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from postprocess.stats.multiplicity import holm, with_holm
from postprocess.stats.result import Stat
from postprocess.stats.table import stat_row, statistics_table
from postprocess.stats.typicality import typicality_alpha
from tests.helpers.console import SUMM_PREF, run
from tests.helpers.paths import REPO
from tests.postprocess.report.golden.make_golden_summary import write_runs


def _pairs(seed: int = 0, n_posts: int = 40, per_post: int = 4):
    rng = np.random.default_rng(seed)
    posts = np.repeat(np.arange(n_posts), per_post)
    n = len(posts)
    truth = rng.normal(size=n)
    choice = (truth + rng.normal(size=n) < 0).astype(float)  # 0: A chosen when the truth favours A
    ref_a, ref_b = truth + rng.normal(scale=2, size=n), rng.normal(scale=2, size=n)
    mod_a, mod_b = truth + rng.normal(scale=1, size=n), rng.normal(scale=1, size=n)
    mod_b[:5] = mod_a[:5]  # model ties, left out of McNemar
    return ref_a, ref_b, mod_a, mod_b, choice, posts


def test_mcnemar_p_is_scipys_binomial_test_on_a_hand_count_of_the_discordant_pairs():
    ref_a, ref_b, mod_a, mod_b, choice, posts = _pairs()
    d = agreement_difference(ref_a, ref_b, mod_a, mod_b, choice, posts, n_resamples=100)
    frame = pd.DataFrame({"ref_picks_a": ref_a > ref_b, "mod_picks_a": mod_a > mod_b, "a_chosen": choice == 0,
                          "tie": (ref_a == ref_b) | (mod_a == mod_b)})
    frame = frame[~frame["tie"]]
    ref_right = frame["ref_picks_a"] == frame["a_chosen"]
    mod_right = frame["mod_picks_a"] == frame["a_chosen"]
    model_only, reference_only = int((mod_right & ~ref_right).sum()), int((ref_right & ~mod_right).sum())
    assert model_only + reference_only > 10
    assert d.p_value == binomtest(model_only, model_only + reference_only, 0.5).pvalue
    assert (d.details["n_second_only"], d.details["n_first_only"]) == (model_only, reference_only)
    assert d.details["p_value_bootstrap"] is not None and d.ci_low <= d.estimate <= d.ci_high


def test_mcnemar_without_discordant_pairs_is_one():
    assert mcnemar_p([1, 0, 0.5], [1, 0, 1])[0] == 1.0


def test_holm_equals_statsmodels_multipletests():
    p = [0.001, 0.04, 0.03, 0.2, 0.011]
    assert holm(p).tolist() == multipletests(p, method="holm")[1].tolist()
    assert np.isnan(holm([0.01, None])[1])


def test_with_holm_adjusts_only_the_model_against_model_family():
    def row(statistic: str, p: float, model: str, group: str = "all") -> dict:
        return stat_row(Stat(0.1, 0.0, 0.2, p, 10, "m"), model=model, reference="r", task="t",
                        statistic=statistic, measure="sum", group=group)
    table = with_holm(statistics_table([row("agreement_difference", 0.01, "a"), row("agreement_difference", 0.04, "b"),
                                        row("spearman_difference", 0.01, "a")]))
    assert table["p_holm"].tolist()[:2] == multipletests([0.01, 0.04], method="holm")[1].tolist()
    assert table["p_holm"].tolist()[2] is None


def test_alpha_difference_is_the_difference_of_two_fits_on_the_same_resamples():
    ref_a, ref_b, mod_a, mod_b, choice, posts = _pairs(1)
    d = alpha_difference(ref_a - ref_b, mod_a - mod_b, choice, posts, n_resamples=100, seed=2)
    chose_a = (choice == 0).astype(float)
    want = (typicality_alpha(mod_a - mod_b, chose_a, posts, n_resamples=0).alpha.estimate
            - typicality_alpha(ref_a - ref_b, chose_a, posts, n_resamples=0).alpha.estimate)
    assert d.estimate == pytest.approx(want, abs=1e-12)
    assert d.ci_low < d.estimate < d.ci_high
    # The interval: t(G - 1) on the delete-one-post jackknife SE, each alpha refitted (statsmodels) without the post.
    labels = np.unique(posts)
    without = np.array([typicality_alpha(mod_a[k] - mod_b[k], chose_a[k], posts[k], n_resamples=0).alpha.estimate
                        - typicality_alpha(ref_a[k] - ref_b[k], chose_a[k], posts[k], n_resamples=0).alpha.estimate
                        for k in (posts != g for g in labels)])
    g = len(labels)
    se = np.sqrt((g - 1) / g * np.sum((without - without.mean()) ** 2))
    assert d.details["se_jackknife"] == pytest.approx(se, rel=1e-6)
    half = sps.t.ppf(0.975, g - 1) * se
    assert (d.ci_low, d.ci_high) == pytest.approx((d.estimate - half, d.estimate + half), rel=1e-6)
    same = alpha_difference(ref_a - ref_b, ref_a - ref_b, choice, posts, n_resamples=50)
    assert (same.estimate, same.ci_low, same.ci_high) == (0.0, 0.0, 0.0)


@pytest.fixture(scope="module")
def two_runs_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("pairs")
    build_report(write_runs(root), root / "report", settings=Settings(n_resamples=40), progress=False, jobs=1)
    return root / "report"


def test_a_report_over_two_runs_compares_them_on_the_same_pairs(two_runs_report):
    summary = json.loads((two_runs_report / "summary.json").read_text())
    pair = summary["model_pairs"]["tuned vs base"]
    assert set(pair["summ_pref_cmp"]["per_token"]) == {"agreement_difference", "typicality_alpha_difference"}
    table = pd.read_csv(two_runs_report / "tables" / "statistics.csv", keep_default_na=False)
    diffs = table[table["statistic"] == "agreement_difference"]
    assert set(zip(diffs["model"], diffs["reference"])) == {("tuned", "base")}
    assert np.allclose(diffs["p_holm"].astype(float), multipletests(diffs["p_value"].astype(float), method="holm")[1])
    own = table[(table["statistic"] == "agreement") & (table["group"] == "all") & (table["measure"] == "sum")]
    by_model = dict(zip(own["model"], own["estimate"].astype(float)))
    summed = diffs[diffs["measure"] == "sum"].iloc[0]
    assert float(summed["estimate"]) == pytest.approx(by_model["tuned"] - by_model["base"], abs=1e-12)
    text = (two_runs_report / "report.md").read_text()
    answers = text.split("## Hypothesis 1")[0]
    assert "**Null baselines" in answers and "**Model against model" in answers and "Holm-adjusted p" in answers
    assert "null: the shorter summary (bytes) wins" in text


def test_docs_name_every_new_statistic_and_the_holm_column():
    text = (REPO / "docs" / "statistics.md").read_text(encoding="utf-8")
    names = ("baseline_agreement", "baseline_alpha", "baseline_spearman", "agreement_difference",
             "typicality_alpha_difference", "p_holm", "rule=longer", "rule=shorter", "rule=more_copied")
    assert [n for n in names if f"`{n}`" not in text] == []


@pytest.mark.slow
def test_a_report_over_two_runs_on_real_rows_answers_both_questions_on_its_first_screen(
        cli_eval_run, tiny_bos_model, sff_dir, tmp_path):
    """The issue's "done when": two runs scored on the same real TL;DR comparison rows (the two tiny models), one
    report without a reference; its first 30 lines give each model's agreement beside the best null rule and the
    paired difference between the two models."""
    second = tmp_path / "second"
    proc = run([SUMM_PREF, "eval", "--model", "hf", "--model_args", f"pretrained={tiny_bos_model},dtype=float32",
                "--tasks", "summ_pref_cmp", "--metadata", json.dumps({"data_dir": str(sff_dir)}), "--limit", "25",
                "--batch_size", "8", "--device", "cpu", "--log_samples", "--output_path", str(second)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "report"
    proc = run([SUMM_PREF, "report", str(cli_eval_run), str(second), "--out", str(out), "--n-resamples", "50"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    models = [r["model_name"] for r in summary["runs"]]
    assert len(models) == 2 and summary.get("reference") is None
    head = (out / "report.md").read_text().splitlines()[:30]
    (baselines,) = [line for line in head if line.startswith("**Null baselines")]
    (pairs,) = [line for line in head if line.startswith("**Model against model")]
    table = pd.read_csv(out / "tables" / "statistics.csv", keep_default_na=False)
    main = summary["settings"]["main_measure"]
    for model in models:
        name = model.split("#")[0]
        own = table[(table["model"] == model) & (table["statistic"] == "agreement") & (table["group"] == "all")
                    & (table["task"] == "summ_pref_cmp") & (table["measure"] == main)]
        assert name in baselines and f"{float(own['estimate'].iloc[0]):.3f}" in baselines
    rules = table[(table["statistic"] == "baseline_agreement") & (table["task"] == "summ_pref_cmp")]
    best = rules.loc[rules["estimate"].astype(float).idxmax()]
    assert f"{float(best['estimate']):.3f}" in baselines
    (diff,) = table[(table["statistic"] == "agreement_difference") & (table["group"] == "all")
                    & (table["task"] == "summ_pref_cmp") & (table["measure"] == main)].to_dict("records")
    assert f"{float(diff['estimate']):.3f}" in pairs and "McNemar p" in pairs and "Holm-adjusted p" in pairs
