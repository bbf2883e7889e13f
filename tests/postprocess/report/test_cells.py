"""The cells of report.md: a statistic with its interval and unreliable-interval marks, its p-value at the bootstrap's
resolution, and a markdown table that explains the marks it shows, each against a hand-written string."""

from __future__ import annotations

from postprocess.report.cells import FOOTNOTES, cell, cell_p, markdown_table, p

# 7 posts (fewer than MIN_CLUSTERS = 10): the interval is unreliable and marked †.
FEW_POSTS = {"estimate": 0.2141, "ci_low": 0.1012, "ci_high": 0.3178, "p_value": 0.0031,
             "details": {"n_clusters": 7}}
# Every resample gave the same value: zero width, marked ‡.
ZERO_WIDTH = {"estimate": 0.5, "ci_low": 0.5, "ci_high": 0.5, "p_value": 1.0, "details": {"n_clusters": 40}}
USABLE = {"estimate": -0.1, "ci_low": -0.25, "ci_high": 0.05, "p_value": 0.00001, "details": {"n_clusters": 40}}


def test_a_cell_is_the_estimate_and_interval_with_its_marks():
    assert cell(FEW_POSTS) == "0.214 [0.101, 0.318]†"
    assert cell(ZERO_WIDTH) == "0.500 [0.500, 0.500]‡"
    assert cell(USABLE) == "-0.100 [-0.250, 0.050]"
    assert cell({"estimate": None, "reason": "only 2 complete pairs"}) == "undefined (only 2 complete pairs)"
    assert cell(None) == "n/a"


def test_p_shows_three_digits_its_marks_and_the_bootstrap_resolution():
    assert p(FEW_POSTS) == "0.0031†"
    assert p(USABLE) == "<1e-4"
    # 1e-5 from 200 resamples is below their resolution 1/200 = 0.005.
    assert p({**USABLE, "details": {"n_clusters": 40, "n_resamples": 200}}) == "<0.005"
    assert p({"estimate": 0.1, "p_value": None}) == p(None) == ""
    assert cell_p(FEW_POSTS) == "0.214 [0.101, 0.318]†, p 0.0031†"
    assert cell_p({"estimate": 0.1, "ci_low": 0.0, "ci_high": 0.2, "p_value": None}) == "0.100 [0.000, 0.200]"


def test_a_markdown_table_drops_empty_rows_and_explains_only_the_marks_it_shows():
    lines = markdown_table(["measure", "rho"], [["sum", cell(FEW_POSTS)], ["n/a", "n/a"], ["", ""],
                                                ["per_byte", "n/a"]])
    assert lines == ["| measure | rho |", "|---|---|", "| sum | 0.214 [0.101, 0.318]† |", "| per_byte | n/a |", "",
                     FOOTNOTES["few_clusters"], ""]
    assert markdown_table(["a"], [[cell(USABLE)]]) == ["| a |", "|---|", "| -0.100 [-0.250, 0.050] |", ""]
