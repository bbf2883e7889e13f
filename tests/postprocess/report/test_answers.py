"""The answers report.md opens with and the rules the findings follow: one main measure, no finding resting on a
few-post breakdown when an all-rows fit exists, one statement for tasks that score the same distinct summaries,
and the largest confound named from the fits that hold one fixed."""

from __future__ import annotations

import pytest

from postprocess.commands.cli import MAIN_MEASURES, build_parser
from postprocess.report.answers import answers, hypothesis1_answer, hypothesis2_answer
from postprocess.report.findings import alpha_baseline, findings, findings_by_question, shared_summaries
from postprocess.report.markdown import markdown_table
from postprocess.stats.measures import MEASURES
from postprocess.stats.result import Stat
from postprocess.stats.table import select, stat_row, statistics_table

CMP, AXIS = "summ_pref_cmp", "summ_pref_axis"


def _s(e, lo, hi, n_clusters=40) -> Stat:
    return Stat(e, lo, hi, None, 200, "m", details={"confidence": 0.95, "n_clusters": n_clusters})


def _summary(main: str | None = None, reference: str | None = None) -> dict:
    settings = {"confidence": 0.95, **({"main_measure": main} if main else {})}
    runs = [{"model_name": "ref"}, {"model_name": "tuned"}]
    return {"runs": runs, "settings": settings, **({"reference": reference} if reference else {})}


def _alpha(task: str, groups: dict, measures=("per_token", "per_byte"), model="ref") -> list[dict]:
    return [stat_row(_s(*values), model=model, task=task, statistic="typicality_alpha", measure=m, group=g)
            for m in measures for g, values in groups.items()]


def test_main_measure_option_and_measures_agree():
    assert set(MAIN_MEASURES) == set(MEASURES) and MAIN_MEASURES[0] == "per_token"
    parser = build_parser()
    assert parser.parse_args(["report", "runs", "--out", "o"]).main_measure == "per_token"
    assert parser.parse_args(["report", "runs", "--out", "o", "--main-measure", "sum"]).main_measure == "sum"
    with pytest.raises(SystemExit):
        parser.parse_args(["report", "runs", "--out", "o", "--main-measure", "per_word"])


def test_findings_follow_the_main_measure_and_fall_back_naming_the_one_used():
    rows = [stat_row(_s(0.6, 0.55, 0.65), model="ref", task=CMP, statistic="agreement", measure=m)
            for m in ("per_token", "per_byte")]
    rows += _alpha(CMP, {"all": (0.3, 0.1, 0.5)})
    table = statistics_table(rows)
    assert all("(log-prob per token)" in line for line in findings(_summary(), table))
    assert all("(log-prob per byte)" in line for line in findings(_summary("per_byte"), table))
    # no summed rows: the sentences fall back to the next measure and say which
    assert all("(log-prob per token)" in line for line in findings(_summary("sum"), table))


def test_a_few_post_breakdown_gives_way_to_the_fit_on_all_pairs():
    few = {"tie_accuracy": (2.4, 0.6, 4.9, 6), "quality_adjusted": (1.4, 0.4, 7.2), "quality_length_adjusted":
           (-1.5, -8.7, 0.5), "copy_adjusted": (2.7, 1.5, 4.3)}
    rows = select(statistics_table(_alpha(AXIS, few)), measure="per_token")
    assert alpha_baseline(rows, "per_token")[0] == "quality_adjusted"
    (first, second) = findings(_summary(), statistics_table(_alpha(AXIS, few)))
    assert "typicality bias α (all pairs, quality ratings held fixed) 1.400 [0.400, 7.200]" in first
    assert "humans prefer the summary the model finds more likely" in first
    assert "hypothesis 1 with length held fixed" in second and "the effect is mostly length" in second
    # a reliable breakdown stays Verbalized Sampling's headline; with nothing better, the † one is said with no claim
    reliable = dict(few, tie_accuracy=(2.4, 0.6, 4.9))
    assert alpha_baseline(select(statistics_table(_alpha(AXIS, reliable)), measure="per_token"),
                          "per_token")[0] == "tie_accuracy"
    alone = {"tie_accuracy": few["tie_accuracy"]}
    assert alpha_baseline(select(statistics_table(_alpha(AXIS, alone)), measure="per_token"),
                          "per_token")[0] == "tie_accuracy"


def _gamma_rows(tasks=(CMP, AXIS), shift=0.0) -> list[dict]:
    rows = []
    for i, task in enumerate(tasks):
        for m, (e, lo, hi) in (("sum", (1.14, 1.10, 1.17)), ("per_token", (1.26, 1.22, 1.28))):
            move = shift * i
            rows.append(stat_row(_s(e + move, lo + move, hi + move), model="tuned", reference="ref", task=task,
                                 statistic="sharpening_gamma", measure=m))
        rows.append(stat_row(_s(-1.35, -1.40, -1.31), model="tuned", reference="ref", task=task,
                             statistic="mean_entropy_difference"))
    return rows


def test_tasks_sharing_their_summaries_are_stated_once_and_say_so():
    table = statistics_table(_gamma_rows())
    assert shared_summaries(table, "sharpening_gamma") == {CMP: AXIS}  # the first task by name is kept
    said = findings_by_question(_summary(reference="ref"), table)["hypothesis_2"]
    gamma = [line for line in said if "sharpening γ" in line]
    entropy = [line for line in said if "mean token entropy" in line]
    assert len(gamma) == len(entropy) == 1
    for line in gamma + entropy:
        assert line.startswith(f"**{AXIS}** and **{CMP}** (both tasks score the same distinct summaries")
    answer = hypothesis2_answer(_summary(reference="ref"), table)
    assert answer.count("sharpening γ") == 1 and f"{AXIS} and {CMP} (the same distinct summaries" in answer
    # different numbers: two statements
    apart = statistics_table(_gamma_rows(shift=0.05))
    assert shared_summaries(apart, "sharpening_gamma") == {}
    assert hypothesis2_answer(_summary(reference="ref"), apart).count("sharpening γ") == 2


def test_hypothesis2_answer_is_on_the_main_measure_with_length_beside_it():
    answer = hypothesis2_answer(_summary(reference="ref"), statistics_table(_gamma_rows(tasks=(CMP,))))
    assert "sharpening γ 1.260 [1.220, 1.280] (95% CI), γ > 1" in answer
    assert "Largest confound: length; on summed log-prob" in answer and "γ is 1.140 [1.100, 1.170]" in answer
    few = [stat_row(_s(1.3, 1.1, 1.5, 6), model="tuned", reference="ref", task=CMP, statistic="sharpening_gamma",
                    measure="per_token")]
    assert "Largest confound: few posts (interval from only 6 posts" in hypothesis2_answer(
        _summary(reference="ref"), statistics_table(few))


def test_hypothesis1_answer_names_the_confound_that_moves_alpha_most():
    groups = {"all": (0.30, 0.10, 0.50), "length_adjusted": (0.25, 0.05, 0.45), "copy_adjusted": (0.02, -0.2, 0.2)}
    agreement = stat_row(_s(0.583, 0.521, 0.646), model="ref", task=CMP, statistic="agreement", measure="per_token")
    rows = [*_alpha(CMP, groups), agreement]
    answer = hypothesis1_answer(_summary(reference="ref"), statistics_table(rows))
    assert answer.startswith("**Hypothesis 1:")
    assert "typicality bias α 0.300 [0.100, 0.500] (95% CI), humans prefer the summary the model finds more likely" \
        in answer
    assert "humans chose in 0.583 [0.521, 0.646] (95% CI) of pairs, above chance" in answer
    assert "Largest confound: copying; with copying held fixed α is 0.020 [-0.200, 0.200]" in answer
    few = _alpha(CMP, {"all": (0.3, 0.1, 0.5, 6), "length_adjusted": (0.0, -0.2, 0.2)})
    assert "Largest confound: few posts" in hypothesis1_answer(_summary(reference="ref"), statistics_table(few))
    # only the reference run answers when there is one
    other = _alpha(CMP, groups, model="tuned")
    assert "tuned" not in hypothesis1_answer(_summary(reference="ref"), statistics_table(rows + other))
    assert answers(_summary(), statistics_table([])) == {}


def test_empty_table_rows_are_left_out():
    lines = markdown_table(["measure", "a", "b"], [["sum", "0.1", "n/a"], ["", "n/a", "n/a"]])
    assert lines[2:] == ["| sum | 0.1 | n/a |", ""]
