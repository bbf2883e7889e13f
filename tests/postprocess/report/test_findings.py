"""The findings section claims a direction only where the interval excludes the null, reading the statistics
from the statistics table."""

from __future__ import annotations

from postprocess.report.findings import direction, findings
from postprocess.stats.result import Stat
from postprocess.stats.table import stat_row, statistics_table

UNDEFINED = Stat.undefined(100, "m", "overall is constant")


def _s(e, lo, hi) -> Stat:
    return Stat(e, lo, hi, None, 100, "m", details={"confidence": 0.95})


def _run(name, agree, rho) -> list[dict]:
    return [stat_row(agree, model=name, task="t_cmp", statistic="agreement", measure="per_byte"),
            stat_row(rho, model=name, task="t_axis", statistic="spearman", measure="per_byte", axis="overall")]


def _comparison(model, *, agree_diff, rho_diff, reward, gamma, pref, entropy=None) -> list[dict]:
    at = {"model": model, "reference": "base"}
    rows = [stat_row(agree_diff, **at, task="t_cmp", statistic="agreement_difference", measure="per_byte"),
            stat_row(reward, **at, task="t_cmp", statistic="implicit_reward_agreement", measure="sum"),
            stat_row(pref, **at, task="t_cmp", statistic="preferred_vs_rejected_shift", measure="per_byte"),
            stat_row(rho_diff, **at, task="t_axis", statistic="spearman_difference", measure="per_byte",
                     axis="overall"),
            stat_row(gamma, **at, task="t_axis", statistic="sharpening_gamma", measure="sum")]
    if entropy is not None:
        rows.append(stat_row(entropy, **at, task="t_axis", statistic="mean_entropy_difference"))
    return rows


def _summary(*models: str, confidence: float = 0.95) -> dict:
    return {"runs": [{"model_name": m} for m in models], "settings": {"confidence": confidence}}


def test_direction_needs_an_interval_clear_of_the_null():
    assert direction(_s(0.1, 0.01, 0.2).to_dict()) == 1
    assert direction(_s(-0.1, -0.2, -0.01).to_dict()) == -1
    assert direction(_s(0.1, -0.01, 0.2).to_dict()) == 0
    assert direction(_s(0.55, 0.49, 0.6).to_dict(), null=0.5) == 0
    assert direction({"estimate": 0.1, "ci_low": None, "ci_high": None}) is None
    assert direction({"estimate": None, "reason": "constant"}) is None


def test_interval_crossing_zero_yields_no_claim():
    table = statistics_table([*_run("base", _s(0.55, 0.52, 0.58), _s(0.10, 0.05, 0.15)),
                              *_run("dpo", _s(0.57, 0.54, 0.60), _s(0.12, 0.07, 0.17)),
                              *_comparison("dpo", agree_diff=_s(0.02, -0.01, 0.05), rho_diff=_s(0.02, -0.02, 0.06),
                                           reward=_s(0.52, 0.49, 0.55), gamma=_s(1.05, 0.97, 1.13),
                                           pref=_s(0.01, -0.02, 0.04))])
    text = "\n".join(findings(_summary("base", "dpo"), table))
    assert "dpo tracks humans best by agreement" in text
    assert text.count("indistinguishable from base") == 2
    assert "not distinguishable from chance (0.5)" in text
    assert "no evidence either way at this sample size" in text
    assert "not distinguishable from 1: no evidence of sharpening or flattening" in text
    for claim in ("sharpens", "flattens", "ahead of", "above chance", "raised the human-preferred"):
        assert claim not in text


def test_claims_where_intervals_exclude_the_null():
    table = statistics_table([*_run("base", _s(0.55, 0.52, 0.58), _s(0.10, 0.05, 0.15)),
                              *_run("dpo", _s(0.60, 0.57, 0.63), _s(0.20, 0.15, 0.25)),
                              *_comparison("dpo", agree_diff=_s(0.05, 0.02, 0.08), rho_diff=_s(0.1, 0.05, 0.15),
                                           reward=_s(0.58, 0.55, 0.61), gamma=_s(1.3, 1.2, 1.4),
                                           pref=_s(-0.05, -0.08, -0.02), entropy=_s(-0.3, -0.4, -0.2))])
    lines = findings(_summary("base", "dpo"), table)
    text = "\n".join(lines)
    assert "ahead of every other model (base)" in text
    assert "above chance" in text
    assert "γ > 1: the model sharpens the reference" in text
    assert "raised the rejected summaries more" in text
    assert "as mode collapse would show" in text
    assert "0.600 [0.570, 0.630] (95% CI)" in text
    # the coverage written beside each interval is the report's --confidence
    assert "0.600 [0.570, 0.630] (90% CI)" in "\n".join(findings(_summary("base", "dpo", confidence=0.9), table))


def test_without_paired_difference_overlapping_intervals_are_indistinguishable():
    # Neither model is the reference of a comparison: fall back to the runs' own intervals.
    table = statistics_table([*_run("a", _s(0.60, 0.55, 0.65), _s(0.1, 0.0, 0.2)),
                              *_run("b", _s(0.58, 0.53, 0.63), _s(0.5, 0.45, 0.55))])
    text = "\n".join(findings(_summary("a", "b"), table))
    assert "a tracks humans best by agreement" in text and "indistinguishable from b" in text
    assert "b tracks humans best by Spearman" in text and "ahead of every other model (a)" in text


def test_undefined_statistics_are_reported_not_claimed():
    table = statistics_table([*_run("a", UNDEFINED, UNDEFINED), *_run("b", _s(0.6, 0.55, 0.65), UNDEFINED),
                              *_comparison("b", agree_diff=UNDEFINED, rho_diff=UNDEFINED, reward=UNDEFINED,
                                           gamma=UNDEFINED, pref=UNDEFINED)])
    text = "\n".join(findings(_summary("a", "b"), table))
    assert "undefined for every model (a: undefined (overall is constant)" in text
    assert "not comparable with a" in text
    assert text.count("no claim (no interval or undefined)") == 3
    assert findings({"runs": []}, statistics_table([])) == []


def test_models_are_named_by_display_name_and_the_summed_measure_ranks_when_per_byte_is_missing():
    table = statistics_table([stat_row(_s(0.6, 0.55, 0.65), model=m, task="t_cmp", statistic="agreement",
                                       measure=measure)
                              for m in ("a", "b") for measure in (("sum", "per_byte") if m == "a" else ("sum",))])
    summary = {"runs": [{"model_name": "a", "display_name": "Model A"}, {"model_name": "b"}]}
    (line,) = findings(summary, table)
    assert line.startswith("**t_cmp** (summed log-prob): Model A tracks humans best") and "from b" in line
