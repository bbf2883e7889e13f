"""Hypothesis 1 in report.md, the findings and the CSVs, built on rows made here with `stat_row`
under the fixed names: the typicality bias alpha tables, the agreement as Verbalized Sampling reports it, the
human ceiling; every number printed is a row of the table, and sections appear only when their rows exist."""

from __future__ import annotations

import re

import pandas as pd

from postprocess.report.findings import findings
from postprocess.report.statistic_sections import human_ceiling_lines, typicality_lines, vs_agreement_lines
from postprocess.report.tables import csv_views
from postprocess.stats.result import Stat
from postprocess.stats.table import COLUMNS, stat_row, statistics_table

TRIPLE = r"(-?\d+\.\d{3}) \[(-?\d+\.\d{3}), (-?\d+\.\d{3})\]"
CMP, AXIS = "tldr_cmp", "cnndm_axis"


def _s(e, lo, hi, p=None, n_clusters=40) -> Stat:
    return Stat(e, lo, hi, p, 200, "m", details={"confidence": 0.95, "n_clusters": n_clusters, "n_resamples": 1000})


def _alpha_rows(model, task, groups: dict[str, tuple[float, float, float]], measures=("per_token", "per_byte")):
    rows = []
    for measure in measures:
        for group, (e, lo, hi) in groups.items():
            p = 0.001 if lo > 0 or hi < 0 else 0.4
            rows += [stat_row(_s(e, lo, hi, p), model=model, task=task, statistic="typicality_alpha",
                              measure=measure, group=group),
                     stat_row(_s(2.0 + e, 2.0 + lo, 2.0 + hi), model=model, task=task,
                              statistic="typicality_odds_ratio", measure=measure, group=group),
                     stat_row(_s(e / 3, lo / 3, hi / 3), model=model, task=task, statistic="typicality_delta_p",
                              measure=measure, group=group)]
    return rows


def _cmp_rows(model="m", *, alpha=(0.30, 0.10, 0.50), length=(0.05, -0.10, 0.20)) -> list[dict]:
    at = {"model": model, "task": CMP}
    rows = []
    for measure in ("sum", "per_token"):
        rows += [stat_row(_s(0.600, 0.547, 0.647, 0.001), **at, statistic="agreement", measure=measure),
                 stat_row(_s(0.610, 0.560, 0.660), **at, statistic="agreement", measure=measure,
                          group="subsplit=valid2"),
                 stat_row(_s(0.580, 0.500, 0.650), **at, statistic="agreement", measure=measure,
                          group="policy_class=RL vs supervised"),
                 stat_row(_s(0.550, 0.460, 0.640), **at, statistic="agreement", measure=measure,
                          group="policy_class=human reference vs any"),
                 stat_row(_s(0.600, 0.551, 0.648, 0.0001), **at, statistic="agreement_wilson", measure=measure),
                 stat_row(_s(0.590, 0.540, 0.640, 0.002), **at, statistic="ranking_accuracy", measure=measure),
                 stat_row(_s(0.640, 0.600, 0.680, 0.001), **at, statistic="majority_agreement", measure=measure),
                 stat_row(_s(0.700, 0.650, 0.750, 0.001), **at, statistic="idealised_ranking_accuracy",
                          measure=measure),
                 stat_row(Stat(12.5, None, None, 0.03, 200, "LR test", details={"dof": 4}), **at,
                          statistic="worker_heterogeneity", measure=measure)]
    rows.append(stat_row(_s(0.720, 0.690, 0.750, 0.001), **at, statistic="human_agreement"))
    return rows + _alpha_rows(model, CMP, {"all": alpha, "length_adjusted": length, "policy_adjusted": alpha,
                                           "subsplit=valid1": alpha, "subsplit=valid2": (0.35, 0.12, 0.58)})


def _axis_rows(model="m", *, alpha=(0.40, 0.20, 0.60), quality=(0.01, -0.10, 0.12),
               quality_length=(0.02, -0.10, 0.14)) -> list[dict]:
    rows = _alpha_rows(model, AXIS, {"all": alpha, "tie_accuracy": alpha, "quality_adjusted": quality,
                                     "quality_length_adjusted": quality_length, "policy=lead3": alpha})
    ordinal = stat_row(_s(0.250, 0.100, 0.400, 0.002), model=model, task=AXIS, statistic="typicality_ordinal",
                       measure="per_token")
    return [*rows, ordinal]


def _summary(*models: str) -> dict:
    return {"runs": [{"model_name": m} for m in models], "settings": {"confidence": 0.95}}


def _known_triples(table: pd.DataFrame) -> set[str]:
    return {f"{e:.3f} [{lo:.3f}, {hi:.3f}]" for e, lo, hi in table[["estimate", "ci_low", "ci_high"]]
            .itertuples(index=False) if lo is not None and not pd.isna(lo)}


def _printed(text: str) -> list[str]:
    return [f"{e} [{lo}, {hi}]" for e, lo, hi in re.findall(TRIPLE, text)]


def test_cmp_sections_print_only_rows_of_the_table():
    table = statistics_table(_cmp_rows())
    lines = typicality_lines(table, "cmp", "95%") + vs_agreement_lines(table, "95%") + human_ceiling_lines(table, "95%")
    text = "\n".join(lines)
    assert "Hypothesis 1: typicality bias α" in text and "no intercept" in text
    assert "Headline split valid2 (per_token): α = 0.350 [0.120, 0.580], p 0.001." in text
    # groups are rows in their fixed order, subsplits after (valid2 first); measures are columns
    group_rows = [line.split(" | ")[0] for line in lines if line.startswith("| ") and not line.startswith("| group")]
    assert group_rows[:5] == ["| all (all pairs)", "| length_adjusted (+ log length ratio)",
                              "| policy_adjusted (+ policy fixed effects)", "| subsplit=valid2",
                              "| subsplit=valid1"]
    assert "| group | per_token | per_byte |" in text
    assert "| all (all pairs) | 0.300 [0.100, 0.500], p 0.001 | 0.300 [0.100, 0.500], p 0.001 |" in text
    assert "per_token: odds ratio | per_token: Δp" in text
    assert "Agreement as Verbalized Sampling reports it" in text
    assert "| sum | 0.600 [0.547, 0.647] | 0.590 [0.540, 0.640], p 0.002 | 0.610 [0.560, 0.660] |" in text
    # Verbalized Sampling's pairs-independent Wilson interval under-covers: named in the note, never printed.
    assert "Wilson CI" not in text and "0.551, 0.648" not in text
    assert "Wilson interval, pairs taken as independent, is in tables/agreement.csv and summary.json" in text
    assert "under-covers (a nominal 95 percent interval held the truth in 83-86% of simulated samples" in text
    assert "a model tie counts as a miss" in text
    assert "| measure | RL vs supervised | human reference vs any |" in text
    assert "Labeller-labeller agreement" in text and "0.720 [0.690, 0.750], p 0.001 over 200 pairs" in text
    assert "| per_token | 0.640 [0.600, 0.680], p 0.001 | 0.700 [0.650, 0.750], p 0.001 | 12.500, p 0.03 |" in text
    printed = _printed(text)
    assert len(printed) > 30
    assert [t for t in printed if t not in _known_triples(table)] == []


def test_axis_section_has_the_alpha_groups_per_policy_and_the_ordinal_coefficient():
    table = statistics_table(_axis_rows())
    text = "\n".join(typicality_lines(table, "axis", "95%"))
    for group in ("tie_accuracy (pairs with equal mean accuracy)", "quality_adjusted (", "quality_length_adjusted (",
                  "policy=lead3", "all (all pairs)"):
        assert f"| {group}" in text
    assert text.index("tie_accuracy") < text.index("quality_adjusted (") < text.index("policy=lead3")
    assert "regression of 1[overall_i > overall_j]" in text
    assert "| per_token | 0.250 [0.100, 0.400], p 0.002 |" in text
    assert [t for t in _printed(text) if t not in _known_triples(table)] == []


def test_sections_are_absent_without_their_rows():
    plain = statistics_table([stat_row(_s(0.6, 0.55, 0.65), model="m", task=CMP, statistic="agreement",
                                       measure="sum")])
    assert typicality_lines(plain, "cmp", "95%") == vs_agreement_lines(plain, "95%") == []
    assert human_ceiling_lines(plain, "95%") == []
    # the old sentence is unchanged without a human_agreement row
    (line,) = findings(_summary("m"), plain)
    assert line.endswith("above chance (0.5).")


def test_findings_name_the_length_confound_and_the_human_ceiling():
    table = statistics_table(_cmp_rows())
    lines = findings(_summary("m"), table)
    text = "\n".join(lines)
    assert "Labellers agree with each other at 0.720 [0.690, 0.750] (95% CI) (the human ceiling)." in text
    (first,) = [line for line in lines if line.startswith(f"**{CMP}**, hypothesis 1 (log-prob per token)")]
    assert "typicality bias α 0.300 [0.100, 0.500] (95% CI)" in first
    assert "humans prefer the summary the model finds more likely" in first
    (second,) = [line for line in lines if line.startswith(f"**{CMP}**, hypothesis 1 with length held fixed")]
    assert "α 0.050 [-0.100, 0.200] (95% CI)" in second and "the effect is mostly length" in second
    assert [t for t in _printed(text) if t not in _known_triples(table)] == []


def test_findings_on_axis_tasks_name_quality_or_say_the_effect_survives():
    lines = findings(_summary("m"), statistics_table(_axis_rows()))
    (adjusted,) = [line for line in lines if "with quality and length held fixed" in line]
    assert "the effect is mostly quality" in adjusted
    # quality alone keeps it, quality and length remove it: length
    lines = findings(_summary("m"), statistics_table(_axis_rows(quality=(0.3, 0.1, 0.5))))
    assert "the effect is mostly length" in "\n".join(lines)
    # without group all (the axis fits' groups), the unadjusted alpha is that of pairs with equal accuracy
    rows = [r for r in _axis_rows(alpha=(0.5, 0.3, 0.7)) if r["group"] != "all"]
    (first,) = [line for line in findings(_summary("m"), statistics_table(rows)) if "hypothesis 1 (" in line]
    assert "typicality bias α (pairs with equal mean accuracy) 0.500 [0.300, 0.700] (95% CI)" in first
    # the adjusted interval still excludes 0
    lines = findings(_summary("m"), statistics_table(_axis_rows(quality_length=(0.3, 0.1, 0.5))))
    assert "likelihood still predicts the human preference with quality and length held fixed" in "\n".join(lines)


def test_findings_claim_nothing_from_intervals_containing_zero_or_unreliable():
    lines = findings(_summary("m"), statistics_table(_cmp_rows(alpha=(0.1, -0.1, 0.3), length=(0.0, -0.2, 0.2))))
    text = "\n".join(lines)
    assert "no evidence that likelihood predicts the human preference" in text
    assert "no evidence either way with length held fixed either" in text
    assert "mostly" not in text
    few = statistics_table([stat_row(_s(0.3, 0.1, 0.5, n_clusters=6), model="m", task=CMP,
                                     statistic="typicality_alpha", measure="per_byte")])
    (line,) = findings(_summary("m"), few)
    assert "(log-prob per byte)" in line and "no directional claim (interval from only 6 posts" in line


def test_new_rows_go_to_their_csvs_and_every_row_to_exactly_one():
    table = statistics_table(_cmp_rows() + _axis_rows())
    views = csv_views(table)
    assert set(views["typicality"]["statistic"]) == {"typicality_alpha", "typicality_odds_ratio",
                                                      "typicality_delta_p", "typicality_ordinal"}
    assert set(views["human_ceiling"]["statistic"]) == {"human_agreement", "majority_agreement",
                                                         "idealised_ranking_accuracy", "worker_heterogeneity"}
    assert set(views["agreement"]["statistic"]) == {"agreement", "agreement_wilson", "ranking_accuracy"}
    together = pd.concat(views.values())
    assert len(together) == len(table) and together.index.is_unique
    assert list(together.columns[: len(COLUMNS)]) == list(COLUMNS)


def test_copying_is_named_when_the_copy_adjusted_interval_contains_zero():
    def alpha(group, low, high):
        return stat_row(Stat((low + high) / 2, low, high, 0.01, 300, "logit", details={"n_clusters": 60}),
                        model="m", task="summ_pref_cmp", statistic="typicality_alpha", measure="per_token",
                        group=group)

    rows = [alpha("all", 0.1, 0.5), alpha("length_adjusted", 0.1, 0.6), alpha("copy_adjusted", -0.1, 0.4)]
    text = " ".join(findings({"runs": [{"model_name": "m", "display_name": "m", "tasks": {}}],
                              "settings": {"confidence": 0.95}}, statistics_table(rows)))
    assert "copying held fixed, α is 0.150 [-0.100, 0.400]" in text and "copying from the source" in text
    rows[2] = alpha("copy_adjusted", 0.05, 0.4)
    text = " ".join(findings({"runs": [{"model_name": "m", "display_name": "m", "tasks": {}}],
                              "settings": {"confidence": 0.95}}, statistics_table(rows)))
    assert "copying" not in text
