"""Adding a statistic is an estimator plus one registry entry: a toy statistic registered from this module alone
(the covariance of a measure with a rating, with a cluster-bootstrap interval) shows in tables/statistics.csv and
its CSV view, at its summary.json path, in report.md's section with its label and interval, and in the statistics
reference of the docs; no other file names it."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

from postprocess.io.samples import read_samples
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings, draw_unless_given, resampled, stat_with_interval
from postprocess.stats.measures import measure_values
from postprocess.stats.registry import REGISTRY, Statistic, registered
from postprocess.stats.result import format_stat
from postprocess.stats.table import select, stat_dict
from tests.helpers.paths import REPO
from tests.helpers.synthetic_runs import write_run

NAME, KEY, LABEL = "toy_covariance", "toy_cov", "covariance of the measure with the rating (toy)"
TASK, MEASURE, AXIS = "summ_pref_axis", "per_byte", "overall"


def weighted_covariance(x, y, w) -> np.ndarray:
    """One covariance per row of the resample weights `w` (rows repeated w times)."""
    w = np.atleast_2d(np.asarray(w, dtype=float))
    total = w.sum(axis=1)
    mx, my = (w @ x) / total, (w @ y) / total
    return (w @ (x * y)) / total - mx * my


def toy_covariance(x, y, clusters=None, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
                   resamples=None, p_method: str = "independent"):
    """The population covariance of x and y (numpy's `cov(bias=True)`), with a cluster-bootstrap interval."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    clusters = np.arange(len(keep)) if clusters is None else np.asarray(clusters)
    draws = draw_unless_given(resamples, clusters[keep], n_resamples, seed)
    reps = None if draws is None else resampled(lambda w: weighted_covariance(x, y, w), clusters[keep], draws)
    return stat_with_interval(float(np.cov(x, y, bias=True)[0, 1]), reps, draws, null=0.0, p_independent=None,
                              p_method=p_method, confidence=confidence, n=int(keep.sum()),
                              method="toy covariance; ci: cluster bootstrap percentile",
                              n_dropped=int((~keep).sum()), details={})


TOY = Statistic(NAME, LABEL, "axis", ("runs", "{model}", "axis", "{task}", "{measure}", "{axis}", KEY),
                toy_covariance, weighted_covariance, paired=True, sections=("axis",), csv="axis_correlations",
                unit="nats per byte times rating points")


@pytest.fixture(scope="module")
def toy_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("toy")
    folder = write_run(root / "runs" / "m", n_pairs=60, n_axis=120, n_posts_cmp=20, n_posts_axis=20, model_name="m")
    with registered(TOY):
        # two worker processes: a statistic registered at run time reaches them too
        build_report([folder], root / "out", settings=Settings(n_resamples=50, seed=1), progress=False, jobs=2)
        docs = _statistics_page()
    assert NAME not in REGISTRY  # registered for the block only
    frame = read_samples(next(folder.glob(f"samples_{TASK}_*.jsonl")), progress=False)[0]
    return root / "out", frame, docs


def _statistics_page() -> str:
    spec = importlib.util.spec_from_file_location("reference_pages", REPO / "docs" / "hooks" / "reference_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.statistics_page()


def _toy_row(out) -> dict:
    table = pd.read_csv(out / "tables" / "statistics.csv", keep_default_na=False, na_values=[""])
    (row,) = select(table, statistic=NAME, measure=MEASURE, axis=AXIS).to_dict("records")
    return row


def test_toy_rows_in_statistics_csv_equal_numpy(toy_report):
    out, frame, _ = toy_report
    row = _toy_row(out)
    want = np.cov(measure_values(frame, MEASURE), frame[AXIS].to_numpy(dtype=float), bias=True)[0, 1]
    assert row["estimate"] == pytest.approx(want, rel=1e-12)
    assert row["ci_low"] < row["estimate"] < row["ci_high"] and row["n"] == len(frame)
    table = pd.read_csv(out / "tables" / "statistics.csv", keep_default_na=False)
    n_rows = len(select(table, statistic="spearman", group="all"))  # every measure against every rating
    assert n_rows == 12 and len(select(table, statistic=NAME)) == n_rows
    view = pd.read_csv(out / "tables" / "axis_correlations.csv", keep_default_na=False)
    assert len(select(view, statistic=NAME)) == n_rows


def test_toy_statistic_at_its_summary_path(toy_report):
    out, _, _ = toy_report
    summary = json.loads((out / "summary.json").read_text())
    got = summary["runs"][0]["axis"][TASK][MEASURE][AXIS][KEY]
    assert got["estimate"] == pytest.approx(_toy_row(out)["estimate"], rel=1e-12)
    assert got["ci_low"] == pytest.approx(_toy_row(out)["ci_low"], rel=1e-12)


def test_toy_statistic_in_its_report_section_with_label_and_interval(toy_report):
    out, _, _ = toy_report
    text = (out / "report.md").read_text()
    heading = f"toy cov ({LABEL}; estimate [95% CI], clustered by post):"
    assert text.count(heading) == 1
    section = text.split(heading)[1].split("clustered by post):")[0]
    assert "## Hypothesis 1" in text.split(heading)[0]  # in the rated task's section of hypothesis 1
    row = _toy_row(out)
    cell = format_stat(stat_dict({**row, "details": None, "p_holm": None}), marks=True)
    assert f"| {MEASURE} | " in section and cell in section.split(f"| {MEASURE} | ")[1].split("\n")[0]


def test_toy_statistic_in_the_statistics_reference(toy_report):
    _, _, docs = toy_report
    entry = docs.split(f"### `{NAME}` {{#{NAME}}}")[1].split("###")[0]
    assert LABEL in entry and "section `axis`" in entry and "tables/axis_correlations.csv" in entry
    assert "runs.{model}.axis.{task}.{measure}.{axis}.toy_cov" in entry
    assert f"`{NAME}_difference`" in docs
