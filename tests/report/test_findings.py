"""The findings section claims a direction only where the interval excludes the null."""

from __future__ import annotations

from postprocess.report.findings import direction, findings


def _s(e, lo, hi):
    return {"estimate": e, "ci_low": lo, "ci_high": hi, "p_value": None, "n": 100, "reason": None,
            "details": {"confidence": 0.95}}


def _run(name, agree, rho):
    return {"model_name": name, "cmp": {"t_cmp": {"per_byte": {"agreement": agree}}},
            "axis": {"t_axis": {"per_byte": {"overall": {"spearman": rho}}}}}


def _entry(model, *, agree_diff, rho_diff, reward, shift, pref, entropy=None):
    return {"reference": "base", "model_name": model,
            "cmp": {"t_cmp": {"differences": {"per_byte": {"agreement": agree_diff}},
                              "implicit_reward": {"agreement": reward},
                              "preferred_vs_rejected_shift": {"difference": pref}}},
            "axis": {"t_axis": {"differences": {"per_byte": {"overall": {"spearman": rho_diff}}}}},
            "concentration": {"t_axis": {"shift_vs_reference": shift}},
            "entropy": entropy or {"note": "not logged"}}


def test_direction_needs_an_interval_clear_of_the_null():
    assert direction(_s(0.1, 0.01, 0.2)) == 1
    assert direction(_s(-0.1, -0.2, -0.01)) == -1
    assert direction(_s(0.1, -0.01, 0.2)) == 0
    assert direction(_s(0.55, 0.49, 0.6), null=0.5) == 0
    assert direction({"estimate": 0.1, "ci_low": None, "ci_high": None}) is None
    assert direction({"estimate": None, "reason": "constant"}) is None


def test_interval_crossing_zero_yields_no_claim():
    summary = {"runs": [_run("base", _s(0.55, 0.52, 0.58), _s(0.10, 0.05, 0.15)),
                        _run("dpo", _s(0.57, 0.54, 0.60), _s(0.12, 0.07, 0.17))],
               "comparisons": [_entry("dpo", agree_diff=_s(0.02, -0.01, 0.05), rho_diff=_s(0.02, -0.02, 0.06),
                                      reward=_s(0.52, 0.49, 0.55), shift=_s(0.05, -0.03, 0.13),
                                      pref=_s(0.01, -0.02, 0.04))]}
    text = "\n".join(findings(summary))
    assert "dpo tracks humans best by agreement" in text
    assert text.count("indistinguishable from base") == 2
    assert "not distinguishable from chance (0.5)" in text
    assert text.count("no evidence either way at this sample size") == 2
    for claim in ("holds", "ahead of", "above chance", "raised the human-preferred"):
        assert claim not in text


def test_claims_where_intervals_exclude_the_null():
    summary = {"runs": [_run("base", _s(0.55, 0.52, 0.58), _s(0.10, 0.05, 0.15)),
                        _run("dpo", _s(0.60, 0.57, 0.63), _s(0.20, 0.15, 0.25))],
               "comparisons": {"dpo": _entry("dpo", agree_diff=_s(0.05, 0.02, 0.08), rho_diff=_s(0.1, 0.05, 0.15),
                                             reward=_s(0.58, 0.55, 0.61), shift=_s(0.3, 0.2, 0.4),
                                             pref=_s(-0.05, -0.08, -0.02),
                                             entropy={"t_axis": {"difference": _s(-0.3, -0.4, -0.2)}})}}
    lines = findings(summary)
    text = "\n".join(lines)
    assert "ahead of every other model (base)" in text
    assert "above chance" in text
    assert "the concentration effect holds" in text
    assert "raised the rejected summaries more" in text
    assert "as mode collapse would show" in text
    assert "0.600 [0.570, 0.630] (95% CI)" in text


def test_without_paired_difference_overlapping_intervals_are_indistinguishable():
    # Neither model is the reference of a comparison: fall back to the runs' own intervals.
    summary = {"runs": [_run("a", _s(0.60, 0.55, 0.65), _s(0.1, 0.0, 0.2)),
                        _run("b", _s(0.58, 0.53, 0.63), _s(0.5, 0.45, 0.55))]}
    text = "\n".join(findings(summary))
    assert "a tracks humans best by agreement" in text and "indistinguishable from b" in text
    assert "b tracks humans best by Spearman" in text and "ahead of every other model (a)" in text


def test_undefined_statistics_are_reported_not_claimed():
    undefined = {"estimate": None, "ci_low": None, "ci_high": None, "reason": "overall is constant"}
    summary = {"runs": [_run("a", undefined, undefined), _run("b", _s(0.6, 0.55, 0.65), undefined)],
               "comparisons": [_entry("b", agree_diff=undefined, rho_diff=undefined, reward=undefined,
                                      shift=undefined, pref=undefined)]}
    text = "\n".join(findings(summary))
    assert "undefined for every model (a: undefined (overall is constant)" in text
    assert "not comparable with a" in text
    assert text.count("no claim (no interval or undefined)") == 3
    assert findings({"runs": []}) == []
