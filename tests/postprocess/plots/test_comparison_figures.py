"""Comparison figures render at column width, take and return `ax`, and leave global state alone."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from postprocess.plots import comparison_figures as cf
from tests.helpers.comparison_plot_rows import CORRELATIONS, IMPLICIT_REWARD


# What `postprocess.report.figures.model_correlation_table` / `implicit_reward_table` filter from the statistics table
# of tests/postprocess/report/test_figures.py (checked there).
def _png(ax: Axes, tmp_path, name: str) -> None:
    FigureCanvasAgg(ax.figure)
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=100)
    assert path.stat().st_size > 2000
    assert abs(ax.figure.get_size_inches()[0] - 3.4) < 1e-9


def test_sharpening_scatter_draws_the_fit_and_the_identity_line(tmp_path):
    before = dict(matplotlib.rcParams)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 5, 500)
    y = 1.4 * x + rng.normal(0, 1, 500)
    y[0] = np.nan
    gamma = {"estimate": 1.4, "ci_low": 1.3, "ci_high": 1.5}
    ax = cf.sharpening_scatter(x, y, gamma, title="dpo")
    slopes = sorted(np.ptp(line.get_ydata()) / np.ptp(line.get_xdata()) for line in ax.lines)
    assert slopes == [1.0, 1.4]  # the identity line and the fitted gamma, through the origin
    assert "1.40 [1.30, 1.50] (95% CI)" in ax.get_legend().get_texts()[1].get_text()
    few = dict(gamma, details={"n_clusters": 6})  # an interval from few posts says so: † and the posts
    legend = cf.sharpening_scatter(x, y, few).get_legend().get_texts()[1].get_text()
    assert "1.40 [1.30, 1.50]† (95% CI, 6 posts)" in legend
    _png(ax, tmp_path, "sharpening")
    fig = Figure()
    own = fig.add_subplot()
    assert cf.sharpening_scatter(x, y, None, ax=own) is own and len(own.lines) == 1  # no gamma: identity only
    assert cf.sharpening_scatter([], [], {"estimate": None}).get_xlabel()  # empty input still labelled
    assert dict(matplotlib.rcParams) == before


def test_model_correlation_bars(tmp_path):
    ax = cf.model_correlation_bars(CORRELATIONS)
    assert len(ax.patches) == 4
    _png(ax, tmp_path, "bars")


def test_implicit_reward_agreement_bars(tmp_path):
    ax = cf.implicit_reward_agreement_bars(IMPLICIT_REWARD, title="implicit reward vs ref")
    assert any(np.allclose(line.get_xdata(), 0.5) for line in ax.lines)  # the chance line
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dpo", "sft"]
    _png(ax, tmp_path, "agreement")
    single = pd.DataFrame({"model": ["m"], "estimate": [0.5], "ci_low": [0.45], "ci_high": [0.55], "n": [10]})
    fig = Figure()
    own = fig.add_subplot()
    assert cf.implicit_reward_agreement_bars(single, ax=own) is own
