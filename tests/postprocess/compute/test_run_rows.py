"""One run's rows of the statistics table (`postprocess.compute.run_rows`), hypothesis 1's: on a synthetic run with
several workers, repeated judgements and logged post text, the report's table has the typicality, ranking and
human-ceiling rows, each equal to its estimator called directly on the frame, and summary.json has them at their
paths; the `vs_scale` group of the typicality rows: Verbalized Sampling's reading of alpha beside the order-free one,
on the same rows and draws, on every measure, named in the registry and docs/statistics.md."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from postprocess.compute.loading import copy_measure
from postprocess.compute.run_rows import (
    VS_SCALE_GROUP,
    agreement_outcomes,
    axis_typicality_rows,
    cmp_typicality_covariates,
    independent_columns,
    policy_class,
)
from postprocess.io.samples import read_samples
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from postprocess.stats.human_ceiling import human_agreement, majority_agreement, worker_heterogeneity
from postprocess.stats.measures import measure_values
from postprocess.stats.ranking import ranking_accuracy, wilson_agreement
from postprocess.stats.registry import TYPICALITY_GROUPS
from postprocess.stats.table import statistics_table
from postprocess.stats.typicality import axis_pairs, typicality_alpha, typicality_ordinal
from tests.helpers.paths import REPO, require_shared
from tests.helpers.synthetic_runs import write_run
from tests.helpers.vs_scale_rows import VS_MEASURES, VS_SETTINGS
from tests.helpers.vs_scale_rows import vs_cmp_table as make_vs_cmp_table
from tests.helpers.vs_scale_rows import vs_frames as make_vs_frames

SETTINGS = Settings(n_resamples=100, seed=3)
CMP, AXIS = "summ_pref_cmp", "summ_pref_axis"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("h1")
    folder = write_run(root / "runs" / "m", n_pairs=160, n_axis=240, n_posts_cmp=30, n_posts_axis=20, n_workers=4,
                       repeats=2, with_text=True, model_name="m")
    summary = build_report([folder], root / "out", settings=SETTINGS, progress=False, jobs=1)
    table = pd.read_csv(root / "out" / "tables" / "statistics.csv", keep_default_na=False)
    frames = {kind: read_samples(next(folder.glob(f"samples_{task}_*.jsonl")), progress=False,
                                           copy_measure=copy_measure)[0]
              for kind, task in (("cmp", CMP), ("axis", AXIS))}
    return {"summary": summary, "table": table, "frames": frames, "frames_paths": [next(folder.glob("samples_*"))],
            "json": json.loads((root / "out" / "summary.json").read_text())}


def _row(table: pd.DataFrame, **where) -> dict:
    keep = pd.Series(True, index=table.index)
    for column, value in where.items():
        keep &= table[column].astype(str) == str(value)
    (row,) = table[keep].to_dict("records")
    return row


def _kw(posts=None) -> dict:
    return {"n_resamples": SETTINGS.n_resamples, "seed": SETTINGS.seed, "confidence": SETTINGS.confidence}


def _same(row: dict, stat, key: str = "estimate") -> None:
    got = row[key]
    want = getattr(stat, key)
    if want is None:
        assert got in ("", None) or (isinstance(got, float) and np.isnan(got))
    else:
        assert float(got) == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_frame_has_worker_and_copy_columns(report):
    cmp, axis = report["frames"]["cmp"], report["frames"]["axis"]
    assert cmp["worker"].nunique() == 4 and axis["worker"].nunique() == 4
    for col in ("copy_coverage", "copy_density", "copy_ngram1", "copy_ngram2", "copy_ngram3"):
        assert col in axis and f"{col}_a" in cmp and f"{col}_b" in cmp
    assert axis["copy_coverage"].between(0, 1).all() and (axis["copy_density"] >= 0).all()


def test_copy_columns_equal_the_estimator(report):
    from postprocess.stats.copying import copying

    frame = report["frames"]["axis"].iloc[0]
    assert np.isfinite(frame["copy_coverage"])
    no_measure, _ = read_samples(next(iter(report["frames_paths"])), progress=False)
    assert no_measure["copy_coverage"].isna().all()  # without a copy measure: NaN, not an error
    assert copying("w1 w2", "w1 w2 w3").coverage == 1.0


def test_cmp_alpha_rows_equal_the_estimator(report):
    frame, table, summary = report["frames"]["cmp"], report["table"], report["json"]
    posts = frame["post_id"].to_numpy()
    chose_a = (frame["choice"].to_numpy(dtype=float) == 0).astype(float)
    covariates = cmp_typicality_covariates(frame)
    assert set(covariates) == {"all", "length_adjusted", "policy_adjusted", "token_count_adjusted", "copy_adjusted",
                               "entropy_token_count_adjusted"}
    # the alpha of the predicted gamma: the token count and the summed next-token entropy held fixed as the summed
    # gamma holds them, differences A - B (the summed entropy: the mean entropy times the token count)
    tokens = covariates["token_count_adjusted"]["token_count_difference"].to_numpy()
    assert np.array_equal(tokens, frame["n_tokens_a"].to_numpy(dtype=float) - frame["n_tokens_b"].to_numpy(dtype=float))
    assert np.isfinite(tokens).all() and np.any(tokens != 0)
    both = covariates["entropy_token_count_adjusted"]
    summed = {s: frame[f"mean_entropy_{s}"].to_numpy(dtype=float) * frame[f"n_tokens_{s}"].to_numpy(dtype=float)
              for s in "ab"}
    assert np.array_equal(both["token_count_difference"].to_numpy(), tokens)
    assert np.allclose(both["entropy_sum_difference"].to_numpy(), summed["a"] - summed["b"], rtol=1e-12)
    run_entry = summary["runs"][0]
    for m in ("sum", "per_byte", "per_token"):
        delta = measure_values(frame, m, "_a") - measure_values(frame, m, "_b")
        for group, cov in covariates.items():
            fit = typicality_alpha(delta, chose_a, posts, cov, p_method="wald", **_kw(posts))
            for name, stat in zip(("typicality_alpha", "typicality_odds_ratio", "typicality_delta_p"), fit):
                row = _row(table, task=CMP, measure=m, statistic=name, group=group)
                for key in ("estimate", "ci_low", "ci_high", "p_value"):
                    _same(row, stat, key)
            node = run_entry["typicality"][CMP][m][group]
            assert node["alpha"]["estimate"] == pytest.approx(fit.alpha.estimate, rel=1e-9)
            assert set(node) == {"alpha", "odds_ratio", "delta_p"}
        for sub in ("valid1", "valid2"):
            keep = (frame["subsplit"] == sub).to_numpy()
            fit = typicality_alpha(delta[keep], chose_a[keep], posts[keep], p_method="wald", **_kw(posts))
            _same(_row(table, task=CMP, measure=m, statistic="typicality_alpha", group=f"subsplit={sub}"), fit.alpha)
            assert f"subsplit={sub}" in run_entry["typicality"][CMP][m]


def test_alpha_p_agrees_with_its_interval(report):
    rows = report["table"][report["table"]["statistic"] == "typicality_alpha"]
    rows = rows[rows["estimate"].astype(str) != ""]
    assert len(rows) > 10
    for row in rows.to_dict("records"):
        excludes = float(row["ci_low"]) > 0 or float(row["ci_high"]) < 0
        assert (float(row["p_value"]) < 0.05) == excludes, row
        assert "p: cluster bootstrap" in row["method"] or "p: post bootstrap" in row["method"]


def test_ranking_and_wilson_rows(report):
    frame, table, run_entry = report["frames"]["cmp"], report["table"], report["json"]["runs"][0]
    choice, posts = frame["choice"].to_numpy(dtype=float), frame["post_id"].to_numpy()
    for m in ("sum", "per_byte", "per_token"):
        a, b = measure_values(frame, m, "_a"), measure_values(frame, m, "_b")
        wilson = wilson_agreement(agreement_outcomes(a, b, choice))
        _same(_row(table, task=CMP, measure=m, statistic="agreement_wilson", group="all"), wilson)
        assert run_entry["cmp"][CMP][m]["agreement_wilson"]["estimate"] == pytest.approx(wilson.estimate)
        agree = _row(table, task=CMP, measure=m, statistic="agreement", group="all")
        assert float(agree["estimate"]) == pytest.approx(wilson.estimate, abs=1e-12)
    for m in ("sum", "per_token"):
        a, b = measure_values(frame, m, "_a"), measure_values(frame, m, "_b")
        r = ranking_accuracy(a, b, choice, posts, **_kw(posts))
        _same(_row(table, task=CMP, measure=m, statistic="ranking_accuracy", group="all"), r)
        assert "ranking_accuracy" in run_entry["cmp"][CMP][m]
    assert not ((table["statistic"] == "ranking_accuracy") & (table["measure"] == "per_byte")).any()


def test_policy_class_breakdown(report):
    table, run_entry = report["table"], report["json"]["runs"][0]
    groups = set(table[(table["statistic"] == "agreement") & (table["task"] == CMP)]["group"])
    # synthetic policies: ref, sup, ppo, pretrain in turn
    assert {"policy_class=human reference vs any", "policy_class=RL vs supervised", "policy_class=other"} <= groups
    assert "human reference vs any" in run_entry["cmp"][CMP]["sum"]["by_policy_class"]
    assert policy_class("sup4_ppo_rm3", "sup4_ppo_rm4") == "RL vs RL"
    assert policy_class("sup1", "sft_x") == "supervised vs supervised"
    assert policy_class("lead-3", "pretrain") == "other"


def test_human_ceiling_rows(report):
    frame, table, run_entry = report["frames"]["cmp"], report["table"], report["json"]["runs"][0]
    posts, choice = frame["post_id"].to_numpy(), frame["choice"].to_numpy(dtype=float)
    sid_a, sid_b = frame["sid_a"].to_numpy(), frame["sid_b"].to_numpy()
    human = human_agreement(sid_a, sid_b, choice, posts, frame["worker"].to_numpy(), **_kw(posts))
    _same(_row(table, task=CMP, measure="", statistic="human_agreement", group="all"), human)
    assert human.n == 160  # every pair judged twice: one worker pair each
    assert run_entry["human_ceiling"][CMP]["human_agreement"]["estimate"] == pytest.approx(human.estimate)
    for m in ("sum", "per_byte", "per_token"):
        a, b = measure_values(frame, m, "_a"), measure_values(frame, m, "_b")
        major = majority_agreement(a, b, sid_a, sid_b, choice, posts, **_kw(posts))
        _same(_row(table, task=CMP, measure=m, statistic="majority_agreement", group="all"), major)
        het = worker_heterogeneity(a - b, (choice == 0).astype(float), frame["worker"].to_numpy(), posts,
                                   **_kw(posts))
        _same(_row(table, task=CMP, measure=m, statistic="worker_heterogeneity", group="all"), het.test, "p_value")
        ideal = _row(table, task=CMP, measure=m, statistic="idealised_ranking_accuracy", group="all")
        assert 0 <= float(ideal["estimate"]) <= 1
        assert set(run_entry["human_ceiling"][CMP][m]) == {"majority_agreement", "idealised_ranking_accuracy",
                                                           "worker_heterogeneity"}


def test_axis_alpha_rows_equal_the_estimator(report):
    frame, table, run_entry = report["frames"]["axis"], report["table"], report["json"]["runs"][0]
    copy = ["copy_coverage", "copy_density", "copy_ngram2", "copy_ngram3"]
    quality = ["d_accuracy", "d_coverage", "d_coherence"]
    for m in ("sum", "per_byte", "per_token"):
        data = frame.assign(_measure=measure_values(frame, m))
        pairs = axis_pairs(data, "_measure", extra_cols=tuple(copy))
        posts = pairs["post_id"].to_numpy()
        delta, y = pairs["delta"].to_numpy(dtype=float), pairs["outcome"].to_numpy(dtype=float)
        tie = (pairs["d_accuracy"] == 0).to_numpy()
        # each summary's token count, looked up by (post, summary) and differenced i - j
        tokens = frame.groupby(["post_id", "sid"])["n_tokens"].first()
        d_tokens = (tokens.loc[list(zip(pairs["post_id"], pairs["summary_i"]))].to_numpy()
                    - tokens.loc[list(zip(pairs["post_id"], pairs["summary_j"]))].to_numpy())
        entropy = (frame["mean_entropy"] * frame["n_tokens"]).groupby([frame["post_id"], frame["sid"]]).first()
        d_entropy = (entropy.loc[list(zip(pairs["post_id"], pairs["summary_i"]))].to_numpy()
                     - entropy.loc[list(zip(pairs["post_id"], pairs["summary_j"]))].to_numpy())
        both = np.column_stack([d_tokens, d_entropy])
        fits = {
            "tie_accuracy": typicality_alpha(delta[tie], y[tie], posts[tie], p_method="wald", **_kw(posts)),
            "token_count_adjusted": typicality_alpha(delta[tie], y[tie], posts[tie], d_tokens[tie],
                                                     p_method="wald", **_kw(posts)),
            "entropy_token_count_adjusted": typicality_alpha(delta[tie], y[tie], posts[tie], both[tie],
                                                             p_method="wald", **_kw(posts)),
            "quality_adjusted": typicality_alpha(delta, y, posts, pairs[quality], p_method="wald", **_kw(posts)),
            "quality_length_adjusted": typicality_alpha(delta, y, posts, pairs[[*quality, "log_length_ratio"]],
                                                        p_method="wald", **_kw(posts)),
            "copy_adjusted": typicality_alpha(delta, y, posts,
                                              independent_columns(pairs[[*quality, *(f"d_{c}" for c in copy)]]),
                                              p_method="wald", **_kw(posts)),
        }
        for group, fit in fits.items():
            row = _row(table, task=AXIS, measure=m, statistic="typicality_alpha", group=group)
            for key in ("estimate", "ci_low", "ci_high", "p_value"):
                _same(row, fit.alpha, key)
            assert group in run_entry["typicality"][AXIS][m]
        _row(table, task=AXIS, measure=m, statistic="typicality_alpha", group="policy_adjusted")
        assert any(g.startswith("policy=") for g in table[(table["task"] == AXIS)
                                                          & (table["statistic"] == "typicality_alpha")]["group"])
        ordinal = typicality_ordinal(data, "_measure")
        _same(_row(table, task=AXIS, measure=m, statistic="typicality_ordinal", group="all"), ordinal)
        assert run_entry["typicality"][AXIS][m]["ordinal"]["estimate"] == pytest.approx(ordinal.estimate)


def test_alpha_does_not_depend_on_pair_order(report):
    frame = report["frames"]["cmp"]
    cov = cmp_typicality_covariates(frame)["length_adjusted"]
    delta = measure_values(frame, "per_byte", "_a") - measure_values(frame, "per_byte", "_b")
    chose_a = (frame["choice"].to_numpy(dtype=float) == 0).astype(float)
    posts = frame["post_id"].to_numpy()
    one = typicality_alpha(delta, chose_a, posts, cov, n_resamples=0)
    two = typicality_alpha(-delta, 1 - chose_a, posts, -cov, n_resamples=0)
    assert one.alpha.estimate == pytest.approx(two.alpha.estimate, abs=1e-12)


def test_independent_columns_drops_constant_and_duplicate():
    cov = pd.DataFrame({"a": [1.0, -1.0, 2.0, 0.5], "zero": 0.0, "dup": [2.0, -2.0, 4.0, 1.0], "b": [0, 1, 0, 1.0]})
    assert list(independent_columns(cov).columns) == ["a", "b"]


def test_real_rows_report_writes_typicality(cli_eval_report):
    require_shared()
    out = cli_eval_report
    table = pd.read_csv(out / "tables" / "statistics.csv", keep_default_na=False)
    alpha = table[table["statistic"] == "typicality_alpha"]
    assert {"all", "length_adjusted", "policy_adjusted"} <= set(alpha[alpha["task"] == CMP]["group"])
    assert {"tie_accuracy", "quality_adjusted", "quality_length_adjusted"} <= set(
        alpha[alpha["task"] == "summ_pref_axis_cnndm"]["group"])
    summary = json.loads((out / "summary.json").read_text())
    (entry,) = summary["runs"]
    assert "all" in entry["typicality"][CMP]["sum"]
    assert "human_agreement" in entry["human_ceiling"][CMP]
    assert "agreement_wilson" in entry["cmp"][CMP]["sum"]


# --- the vs_scale group ---

@pytest.fixture(scope="module")
def vs_frames(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return make_vs_frames(tmp_path_factory.mktemp("vs"))


@pytest.fixture(scope="module")
def vs_cmp_table(vs_frames) -> pd.DataFrame:
    return make_vs_cmp_table(vs_frames["cmp"])


def test_cmp_vs_scale_rows_equal_the_intercept_fit_on_every_measure(vs_frames, vs_cmp_table):
    frame = vs_frames["cmp"]
    posts = frame["post_id"].to_numpy()
    chose_0 = (frame["choice"].to_numpy(dtype=float) == 0).astype(float)
    for m in VS_MEASURES:
        at = vs_cmp_table[(vs_cmp_table["measure"] == m) & (vs_cmp_table["group"] == VS_SCALE_GROUP)]
        assert set(at["statistic"]) == {"typicality_alpha", "typicality_odds_ratio"}
        delta = measure_values(frame, m, "_a") - measure_values(frame, m, "_b")
        all_row = vs_cmp_table[(vs_cmp_table["measure"] == m) & (vs_cmp_table["group"] == "all")
                            & (vs_cmp_table["statistic"] == "typicality_alpha")].iloc[0]
        p_method = "bootstrap" if "; p: cluster bootstrap" in all_row["method"] else "wald"
        fit = typicality_alpha(delta, chose_0, posts, intercept=True, n_resamples=VS_SETTINGS.n_resamples,
                               seed=VS_SETTINGS.seed, confidence=VS_SETTINGS.confidence, p_method=p_method)
        row = at[at["statistic"] == "typicality_alpha"].iloc[0]
        for key in ("estimate", "ci_low", "ci_high", "p_value"):
            assert row[key] == pytest.approx(getattr(fit.alpha, key), rel=1e-9), (m, key)
        assert row["n"] == all_row["n"]  # the same rows as the order-free alpha
        assert row["details"]["seed"] == all_row["details"]["seed"]
        assert row["details"]["n_resamples"] == all_row["details"]["n_resamples"]
        assert at[at["statistic"] == "typicality_odds_ratio"].iloc[0]["estimate"] == pytest.approx(
            np.exp(fit.alpha.estimate))


def test_axis_vs_scale_rows_fit_the_tie_pairs(vs_frames):
    frame = vs_frames["axis"]
    table = statistics_table(axis_typicality_rows(frame, VS_SETTINGS, ["per_byte"], model="m", task="t"))
    pairs = axis_pairs(frame.assign(_measure=measure_values(frame, "per_byte")), "_measure")
    tie = (pairs["d_accuracy"] == 0).to_numpy()
    posts = pairs["post_id"].to_numpy()
    tie_row = table[(table["group"] == "tie_accuracy") & (table["statistic"] == "typicality_alpha")].iloc[0]
    p_method = "bootstrap" if "; p: cluster bootstrap" in tie_row["method"] else "wald"
    fit = typicality_alpha(pairs["delta"].to_numpy()[tie], pairs["outcome"].to_numpy(dtype=float)[tie], posts[tie],
                           intercept=True, n_resamples=VS_SETTINGS.n_resamples, seed=VS_SETTINGS.seed,
                           p_method=p_method)
    row = table[(table["group"] == VS_SCALE_GROUP) & (table["statistic"] == "typicality_alpha")].iloc[0]
    assert row["estimate"] == pytest.approx(fit.alpha.estimate, rel=1e-9)
    assert row["ci_low"] == pytest.approx(fit.alpha.ci_low, rel=1e-9)
    assert row["n"] == tie_row["n"]


def test_every_typicality_group_is_registered_and_documented(vs_frames, vs_cmp_table):
    axis = statistics_table(axis_typicality_rows(vs_frames["axis"], VS_SETTINGS, ["per_byte"], model="m", task="t"))
    groups = set(vs_cmp_table["group"]) | set(axis[axis["statistic"] != "typicality_ordinal"]["group"])
    named = {g for g in groups if not g.startswith("tie_") and "=" not in g}
    assert VS_SCALE_GROUP in named
    assert named - set(TYPICALITY_GROUPS) == set()
    docs = (REPO / "docs" / "statistics.md").read_text(encoding="utf-8")
    assert [g for g in TYPICALITY_GROUPS if f"`{g}`" not in docs] == []
    assert re.search(r"`vs_scale`, α on the published scale", docs)
