"""Every figure renders to PNG at column width, takes and returns `ax`, and leaves global state alone."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lm_eval_tasks.data.rows import RATING_AXES
from postprocess.plots import run_figures, style
from postprocess.stats import (
    CONFIDENCE_BUCKETS,
    agreement,
    bradley_terry_fit,
    by_group,
    calibration_curve,
    confidence_bucket,
)
from postprocess.stats.measures import MEASURES


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    rating = rng.integers(1, 8, size=600).astype(float)
    measure = -1.2 + 0.05 * rating + rng.normal(0, 0.25, size=600)
    rows = [dict(measure=m, axis=a, model=f"model{k % 2}", estimate=e, ci_low=e - 0.05,
                 ci_high=e + 0.06)
            for k, (m, a, e) in enumerate((m, a, rng.uniform(-0.1, 0.4))
                                           for m in MEASURES for a in RATING_AXES)]
    bars = pd.DataFrame(rows)
    bars.loc[0, ["estimate", "ci_low", "ci_high"]] = np.nan  # an undefined statistic
    n = 900
    sa, sb = rng.normal(size=n), rng.normal(size=n)
    chose_a = (rng.uniform(size=n) < 1 / (1 + np.exp(-(sa - sb)))).astype(int)
    df = pd.DataFrame({"a": sa, "b": sb, "choice": 1 - chose_a,
                       "bucket": confidence_bucket(rng.integers(1, 10, size=n))})
    tab = by_group(df, "bucket", lambda d: agreement(d.a, d.b, d.choice, n_resamples=50),
                   order=list(CONFIDENCE_BUCKETS))
    return rating, measure, bars, tab, sa - sb, chose_a


def _figures(data):
    rating, measure, bars, tab, diff, chose_a = data
    fit = bradley_terry_fit(diff, chose_a, np.zeros_like(diff) + np.linspace(-1, 1, len(diff)))
    yield "scatter", lambda ax: run_figures.rating_scatter(measure, rating, ax=ax)
    yield "bars", lambda ax: run_figures.correlation_bars(bars.query("model == 'model0'"), ax=ax)
    yield "bars_models", lambda ax: run_figures.correlation_bars(
        bars[bars.measure == "sum"], hue="model", ax=ax)
    yield "agreement", lambda ax: run_figures.agreement_by_confidence(tab, ax=ax)
    yield "agreement_hue", lambda ax: run_figures.agreement_by_confidence(
        pd.concat([tab.assign(m="sum"), tab.assign(m="per_byte")]), hue="m", ax=ax)
    yield "calibration", lambda ax: run_figures.calibration_plot(
        calibration_curve(diff, chose_a, 8), fit, ax=ax)
    yield "calibration_nofit", lambda ax: run_figures.calibration_plot(
        calibration_curve(diff, chose_a, 8), None, ax=ax)


def test_each_figure_renders_with_and_without_ax(data, tmp_path):
    rc_before = dict(matplotlib.rcParams)
    for name, draw in _figures(data):
        ax = draw(None)
        assert isinstance(ax, Axes)
        assert ax.figure.get_figwidth() == pytest.approx(style.COLUMN_WIDTH_IN)
        assert ax.get_ylabel()
        out = tmp_path / f"{name}.png"
        ax.figure.savefig(out, dpi=100)
        assert out.stat().st_size > 2000
        given = Figure(figsize=(3.4, 2.4)).add_subplot()
        assert draw(given) is given
    assert dict(matplotlib.rcParams) == rc_before


def test_no_tick_labels_overlap(data):
    for name, draw in _figures(data):
        ax = draw(None)
        canvas = FigureCanvasAgg(ax.figure)  # the Agg backend, for this figure only
        canvas.draw()
        renderer = canvas.get_renderer()
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [t.get_window_extent(renderer) for t in axis.get_ticklabels() if t.get_text()]
            for a, b in itertools.pairwise(boxes):
                assert not a.overlaps(b), f"{name}: tick labels overlap"


def test_axis_labels_state_units(data):
    rating, measure, *_ = data
    ax = run_figures.rating_scatter(measure, rating)
    assert "nats" in ax.get_ylabel()
    _, _, _, _, diff, chose_a = data
    ax = run_figures.calibration_plot(calibration_curve(diff, chose_a, 5))
    assert "nats" in ax.get_xlabel() and ax.get_ylim() == (0, 1)


def test_empty_inputs_do_not_raise_or_warn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_figures.rating_scatter([], [])
        run_figures.calibration_plot(calibration_curve([], [], 5))
