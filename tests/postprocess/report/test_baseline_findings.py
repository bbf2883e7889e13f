"""A finding names every run whose agreement does not beat the best null baseline by its interval (non-overlap),
and the Answers put each model's agreement beside that baseline."""

from __future__ import annotations

from postprocess.report.answers import answers
from postprocess.report.findings import findings_by_question
from postprocess.stats.result import Stat
from postprocess.stats.table import stat_row, statistics_table

SUMMARY = {"runs": [{"model_name": "m"}], "settings": {"confidence": 0.95, "main_measure": "per_byte"}}


def _table(model_low: float):
    details = {"n_clusters": 200}
    rows = [stat_row(Stat(0.70, model_low, 0.76, 0.001, 400, "m", details=details), model="m", task="t",
                     statistic="agreement", measure="per_byte"),
            stat_row(Stat(0.60, 0.55, 0.65, 0.01, 400, "m", details=details), model="m", task="t",
                     statistic="baseline_agreement", group="rule=longer"),
            stat_row(Stat(0.40, 0.35, 0.45, 0.01, 400, "m", details=details), model="m", task="t",
                     statistic="baseline_agreement", group="rule=shorter")]
    return statistics_table(rows)


def test_a_model_inside_the_best_baselines_interval_is_named():
    said = findings_by_question(SUMMARY, _table(0.62))["hypothesis_1"]
    named = [s for s in said if "does not beat the best null baseline" in s]
    assert len(named) == 1 and '"the longer summary (bytes) wins"' in named[0] and "0.600 [0.550, 0.650]" in named[0]
    assert "does not beat it" in answers(SUMMARY, _table(0.62))["baselines"]


def test_a_model_above_the_best_baselines_interval_is_not_named():
    said = findings_by_question(SUMMARY, _table(0.66))["hypothesis_1"]
    assert not [s for s in said if "null baseline" in s]
    assert "beats it" in answers(SUMMARY, _table(0.66))["baselines"]
