"""benchmarks/compare_reports.py: two report folders agree within the tolerance, and every difference (a value, a
row on one side only, a summary.json leaf) is named; a rename map maps the earlier names."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.compare_reports import compare, main

ROW = {"model": "m", "reference": "", "task": "summ_pref_cmp", "measure": "sum", "axis": "", "statistic": "agreement",
       "group": "all", "estimate": 0.6, "ci_low": 0.5, "ci_high": 0.7, "p_value": 0.01, "p_holm": None, "n": 40,
       "n_dropped": 0, "method": "t", "reason": None}


def _report(folder: Path, rows: list[dict], summary: dict) -> Path:
    (folder / "tables").mkdir(parents=True)
    pd.DataFrame(rows).to_csv(folder / "tables" / "statistics.csv", index=False, na_rep="")
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


@pytest.fixture
def before(tmp_path) -> Path:
    return _report(tmp_path / "before", [ROW, {**ROW, "measure": "per_token", "estimate": 0.55}],
                   {"created": "today", "runs": [{"cmp": {"agreement": 0.6}}]})


def test_equal_reports_within_tolerance_agree(before, tmp_path):
    after = _report(tmp_path / "after", [{**ROW, "estimate": 0.6 + 1e-13}, {**ROW, "measure": "per_token",
                                                                            "estimate": 0.55}],
                    {"created": "tomorrow", "runs": [{"cmp": {"agreement": 0.6}}]})
    assert compare(before, after) == []
    assert main([str(before), str(after)]) == 0


def test_every_difference_is_named(before, tmp_path, capsys):
    after = _report(tmp_path / "after", [{**ROW, "ci_high": 0.71, "n": 41}, {**ROW, "statistic": "spearman"}],
                    {"runs": [{"cmp": {"agreement": 0.61, "extra": 1}}]})
    problems = compare(before, after)
    assert "statistics.csv: row model=m, task=summ_pref_cmp, measure=sum, statistic=agreement, group=all: ci_high " \
           "0.7 before, 0.71 after" in problems
    assert any(p.endswith("n 40 before, 41 after") for p in problems)
    assert any("measure=per_token" in p and p.endswith("only before") for p in problems)
    assert any("statistic=spearman" in p and p.endswith("only after") for p in problems)
    assert "summary.json: runs/0/cmp/agreement: 0.6 before, 0.61 after" in problems
    assert "summary.json: runs/0/cmp/extra only after" in problems
    assert main([str(before), str(after)]) == 1
    assert "difference(s)" in capsys.readouterr().out


def test_rename_map_maps_the_earlier_names(before, tmp_path):
    after = _report(tmp_path / "after", [{**ROW, "statistic": "judgement_agreement"},
                                         {**ROW, "statistic": "judgement_agreement", "measure": "per_token",
                                          "estimate": 0.55}],
                    {"runs": [{"cmp": {"judgement_agreement": 0.6}}]})
    assert compare(before, after) != []
    assert compare(before, after, rename={"statistic": {"agreement": "judgement_agreement"}}) == []
