"""Every figure the report saves keeps its text on the canvas: each text artist (titles, labels, tick labels,
legend entries) and each legend lies inside the figure, with model names as long as real ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

import postprocess.report.figures as report_figures
from postprocess.plots.comparison_figures import implicit_reward_agreement_bars, mode_collapse_map
from postprocess.plots.run_figures import correlation_bars
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from tests.helpers.synthetic_runs import write_run

LONG = ("SmolLM2-135M-Instruct-0.1.2", "SmolLM2-135M-Instruct-0.1.2-T0.7")


def text_artists(fig: Figure) -> list:
    """Every text a reader sees: per axes its title, axis labels, the tick labels in view, its texts and its
    legend (the box and each entry); the figure's own texts and legends."""
    artists = [*fig.texts, *fig.legends, *(t for legend in fig.legends for t in legend.get_texts())]
    for ax in fig.axes:
        if not ax.axison:
            continue
        artists += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):  # the locator's ticks beyond the view limits are not drawn
            low, high = sorted(axis.get_view_interval())
            span = 1e-9 * max(abs(low), abs(high), 1.0)
            artists += [label for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
                        if low - span <= loc <= high + span]
        if (legend := ax.get_legend()) is not None:
            artists += [legend, *legend.get_texts(), legend.get_title()]
    return artists


def outside(fig: Figure) -> list[str]:
    """The text of every visible text artist or legend whose window extent leaves the figure's canvas."""
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    found = []
    for artist in text_artists(fig):
        if not artist.get_visible() or (isinstance(artist, Text) and not artist.get_text().strip()):
            continue
        box = artist.get_window_extent(renderer)
        if box.x0 < canvas.x0 - 0.5 or box.y0 < canvas.y0 - 0.5 or box.x1 > canvas.x1 + 0.5 or box.y1 > canvas.y1 + 0.5:
            found.append(artist.get_text() if isinstance(artist, Text) else "legend")
    return found


def test_the_check_finds_text_outside_the_canvas():
    fig = Figure(figsize=(4, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.text(1.5, 0.5, "far to the right", transform=ax.transAxes)
    assert outside(fig) == ["far to the right"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, Figure]:
    """Every figure a two-run report with long model names saves, by file name."""
    root = tmp_path_factory.mktemp("canvas")
    folders = []
    for name, seed, shift in ((LONG[0], 1, 0.0), (LONG[1], 2, 0.3)):
        folder = root / "runs" / name
        write_run(folder, n_pairs=80, n_axis=80, n_posts_cmp=20, n_posts_axis=20, model_name=name, seed=seed,
                  shift=shift)
        folders.append(folder)
    figures: dict[str, Figure] = {}
    patch = pytest.MonkeyPatch()

    def keep(fig, folder, name):
        figures[name] = fig
        return f"{folder.name}/{name}"

    patch.setattr(report_figures, "save", keep)
    try:
        build_report(folders, root / "report", settings=Settings(n_resamples=50), reference=LONG[0], progress=False,
                     jobs=1)
    finally:
        patch.undo()
    return figures


def test_every_saved_figure_keeps_its_text_on_the_canvas(saved):
    assert {"answer__typicality_alpha.png", "implicit_reward__summ_pref_cmp.png",
            "models_correlation__summ_pref_axis.png"} <= set(saved)
    assert {name: outside(fig) for name, fig in saved.items() if outside(fig)} == {}


def test_the_mode_collapse_map_and_bars_keep_long_names_on_the_canvas():
    table = pd.DataFrame({"model": list(LONG), "x": [-2.2, -1.5], "x_low": [-2.3, -1.6], "x_high": [-2.1, -1.4],
                          "y": [0.93, 0.91], "y_low": [0.91, 0.89], "y_high": [0.95, 0.93],
                          "mark": ["† 6 posts", "† 6 posts"]})
    ax = mode_collapse_map(table, reference=LONG[0], title="diversity against likelihood\n95% CIs; †: few posts")
    assert outside(ax.figure) == []
    assert any("† 6 posts" in t.get_text() for t in ax.get_legend().get_texts())
    bars = pd.DataFrame({"model": [LONG[0]] * 2 + [LONG[1]] * 2, "axis": ["overall", "coverage"] * 2,
                         "estimate": [0.5, 0.6, 0.4, 0.5], "ci_low": [0.3, 0.4, 0.2, 0.3],
                         "ci_high": [0.7, 0.8, 0.6, 0.7]})
    assert outside(correlation_bars(bars, group="axis", hue="model").figure) == []
    reward = pd.DataFrame({"model": list(LONG), "estimate": [0.55, 0.6], "ci_low": [0.5, 0.52],
                           "ci_high": [0.6, 0.68]})
    ax = implicit_reward_agreement_bars(reward, title="implicit reward vs the reference\n(log-prob per token)")
    assert outside(ax.figure) == []
    assert ax.get_xlim() == (0.0, 1.0)  # agreement drawn on its whole axis, not from the chance line
    assert np.isclose([line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--"], 0.5).all()
