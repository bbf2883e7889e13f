"""`compute_report`, the computing layer's one entry: from two synthetic runs against a reference, its typed result
holds the statistics table every output is a view of, the run facts, the preference-model fits and the aligned
tables the figures draw; a report built from the same runs writes exactly that table."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from postprocess.compute.facts import ReportFacts
from postprocess.compute.report_data import Request, compute_report
from postprocess.io.runs import discover_runs
from postprocess.report.build import build_report
from postprocess.report.summary_view import summary_from_table
from postprocess.stats.bootstrap import Settings
from postprocess.stats.table import COLUMNS
from tests.helpers.synthetic_runs import write_run

SETTINGS = Settings(n_resamples=20, seed=5)


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    root = tmp_path_factory.mktemp("computed")
    folders = [write_run(root / "runs" / name, n_pairs=60, n_axis=60, n_posts_cmp=12, n_posts_axis=12, seed=seed,
                         shift=shift, model_name=name) for name, seed, shift in (("base", 1, 0.0), ("tuned", 2, 0.3))]
    request = Request(SETTINGS, reference="base", main_measure="per_byte", progress=False)
    return root, folders, compute_report(discover_runs(folders, False), folders, request)


def test_the_result_holds_the_table_facts_fits_and_aligned_tables(computed):
    _, _, data = computed
    assert list(data.table.columns[:len(COLUMNS)]) == list(COLUMNS) and "p_holm" in data.table.columns
    assert set(data.table["model"]) == {"base", "tuned"}
    against = data.table[data.table["reference"] == "base"]
    assert set(against["model"]) == {"tuned"} and "sharpening_gamma" in set(against["statistic"])
    assert set(data.fits) == {("base", "summ_pref_cmp"), ("tuned", "summ_pref_cmp")}
    assert set(data.aligned) == {("tuned", "summ_pref_cmp"), ("tuned", "summ_pref_axis")}
    assert [lr.run.model_name for lr in data.loaded] == ["base", "tuned"]


def test_the_facts_are_those_of_the_summary_view(computed):
    """The record built from the computed values says what the summary view (summary.json) says: the same settings
    object, main measure, runs, reference, β, coverage and inputs, and the flip tables' counts (the view also holds
    each measure's `net_flip` row there, which report.md reads from the table)."""
    _, _, data = computed
    facts = data.facts
    assert facts.settings is SETTINGS and facts.main_measure == "per_byte" and facts.reference == "base"
    view = ReportFacts.from_summary(summary_from_table(data.table, data.skeleton))
    assert replace(facts, flip_tables={}) == replace(view, flip_tables={})
    assert facts.flip_tables == {key: {m: {k: v for k, v in counts.items() if k != "net_flip"}
                                       for m, counts in tables.items()} for key, tables in view.flip_tables.items()}
    assert facts.betas == {"tuned": None} and facts.has_comparisons
    assert set(facts.flip_tables) == {("tuned", "summ_pref_cmp")}
    assert set(facts.flip_tables[("tuned", "summ_pref_cmp")]) == {"sum", "per_byte", "per_token"}
    assert facts.names == {"base": "base", "tuned": "tuned"}
    assert set(facts.runs[0].preference_models) == {"summ_pref_cmp"}


def test_a_report_of_the_runs_writes_that_table(computed, tmp_path):
    _, folders, data = computed
    build_report(folders, tmp_path / "out", settings=SETTINGS, reference="base", main_measure="per_byte",
                 progress=False, jobs=1)
    written = pd.read_csv(tmp_path / "out" / "tables" / "statistics.csv", keep_default_na=False)
    address = ["model", "reference", "task", "measure", "axis", "statistic", "group"]
    assert list(written[address].itertuples(index=False)) == list(data.table[address].itertuples(index=False))
    assert written["estimate"].replace("", float("nan")).astype(float).to_numpy() == pytest.approx(
        pd.to_numeric(data.table["estimate"], errors="coerce").to_numpy(), nan_ok=True)
