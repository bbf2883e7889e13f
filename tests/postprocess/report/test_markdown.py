"""report.md's own lines, from the record of run facts alone: the rows-scored table beside several runs and the
banners a reader must see first (synthetic rows, incomplete runs), each against hand-written lines."""

from __future__ import annotations

from postprocess.compute.facts import report_facts
from postprocess.io.provenance import SYNTHETIC_ORIGINS
from postprocess.report.markdown import bullets, incomplete_banner, rows_scored, synthetic_banner
from postprocess.stats.bootstrap import Settings

RUNS = [{"model_name": "base", "display_name": "Base"}, {"model_name": "tuned"}]
COVERAGE = {"summ_pref_cmp": {"per_run": {"base": 25, "tuned": 20}, "common": 20},
            "summ_pref_axis": {"per_run": {"base": 10}, "common": 0}}


def test_rows_scored_names_each_run_and_the_rows_all_share():
    facts = report_facts(Settings(), runs=RUNS, row_coverage=COVERAGE)
    assert rows_scored(facts) == [
        "### Rows scored", "",
        "| task | Base | tuned | common to all runs |", "|---|---|---|---|",
        "| summ_pref_cmp | 25 | 20 | 20 |", "| summ_pref_axis | 10 | not scored | 0 |", ""]
    assert rows_scored(report_facts(Settings(), runs=RUNS[:1], row_coverage=COVERAGE)) == []  # one run: no table


def test_banners_show_only_when_their_fact_holds():
    plain = report_facts(Settings(), runs=RUNS)
    assert synthetic_banner(plain) == incomplete_banner(plain) == bullets([]) == []
    incomplete = report_facts(Settings(), runs=RUNS, incomplete_inputs=["base: results file missing"])
    assert incomplete_banner(incomplete)[-2:] == ["> - base: results file missing", ""]
    made_up = {"model_name": "m", "tasks": {"t": {"kind": "cmp", "data_origin": sorted(SYNTHETIC_ORIGINS)[0]}}}
    assert synthetic_banner(report_facts(Settings(), runs=[made_up]))[0].startswith(
        "> **Synthetic data** (every task of every run): made-up rows")
    assert bullets(["a.", "b."]) == ["- a.", "- b.", ""]
