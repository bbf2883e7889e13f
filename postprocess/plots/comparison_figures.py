"""Figures comparing models against a reference, sized for one paper column (3.4 in wide).

Same rules as `postprocess.plots.run_figures`: each function draws on `ax` (or a new column-width
Figure), returns the Axes, never imports pyplot, changes rcParams or saves. The tables the bar functions
draw are built from summary.json by `postprocess.report.figures` (`model_correlation_table`,
`implicit_reward_table`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from postprocess.plots.run_figures import correlation_bars
from postprocess.plots.style import LEGEND_SIZE, PALETTE, TICK_SIZE, column_axes, median_ci, style_axes
from postprocess.stats.result import confidence_label


def shift_hexbin(
    ref_per_byte, shift_per_byte, *, ax: Axes | None = None, gridsize: int = 30, n_bins: int = 10,
    n_resamples: int = 200, seed: int = 0, colorbar: bool = True, confidence: float = 0.95,
) -> Axes:
    """The likelihood shift per byte against the reference's per-byte logprob, one point per summary.

    A hexbin (log-scaled counts) shows where the summaries lie; the fit is the median shift in
    `n_bins` equal-count bins of the reference logprob, with a seeded row-bootstrap interval of each
    median at `confidence` (a display aid; the reported statistic is the Spearman of `shift_vs_reference`). A rising
    fit above the zero line means fine-tuning raised most what the reference already found likely.
    """
    ax = column_axes(ax, height=2.6)
    x = np.asarray(ref_per_byte, dtype=float)
    y = np.asarray(shift_per_byte, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x):
        hb = ax.hexbin(x, y, gridsize=gridsize, mincnt=1, cmap="Blues", norm=LogNorm(), linewidths=0.1,
                       rasterized=True)
        if colorbar:
            cb = ax.figure.colorbar(hb, ax=ax, pad=0.02, fraction=0.05)
            cb.set_label("summaries", fontsize=TICK_SIZE)
            # Plain counts ("1", "10", "100"): the default log labels read "6 x 10^0" at this size.
            cb.ax.yaxis.set_major_locator(LogLocator(base=10))
            cb.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
            cb.ax.yaxis.set_minor_formatter(NullFormatter())
            cb.ax.tick_params(labelsize=TICK_SIZE - 1)
        edges = np.unique(np.quantile(x, np.linspace(0, 1, min(n_bins, len(x)) + 1)))
        which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, max(len(edges) - 2, 0))
        rng = np.random.default_rng(seed)
        mx, med, lo, hi = [], [], [], []
        for b in np.unique(which):
            v = y[which == b]
            mx.append(np.median(x[which == b]))
            med.append(np.median(v))
            a, c = median_ci(v, rng, n_resamples, confidence) if len(v) > 1 else (v[0], v[0])
            lo.append(a)
            hi.append(c)
        med = np.asarray(med)
        ax.errorbar(mx, med, yerr=[med - np.asarray(lo), np.asarray(hi) - med], color=PALETTE[1], marker="o",
                    markersize=2.5, linewidth=1, capsize=1.5,
                    label=f"binned median, {confidence_label(confidence)} CI")
        ax.legend(fontsize=LEGEND_SIZE, frameon=False, loc="best")
    ax.axhline(0, color="black", linewidth=0.6, linestyle="--")
    style_axes(ax, "reference log-prob per byte (nats)", "shift per byte, model − ref.")
    return ax


def model_correlation_bars(
    table: pd.DataFrame, *, ax: Axes | None = None, ylabel: str = "Spearman ρ with rating",
) -> Axes:
    """Correlation with each rating axis per model, with CIs (`run_figures.correlation_bars`, hue=model)."""
    ax = correlation_bars(table, group="axis", hue="model", ax=ax, ylabel=ylabel)
    ax.tick_params(axis="x", labelsize=TICK_SIZE)
    return ax


def implicit_reward_agreement_bars(
    table: pd.DataFrame, *, ax: Axes | None = None, reference: str | None = None,
) -> Axes:
    """Implicit-reward agreement with the human choice per model: point, interval (the table's) and the
    chance line.

    One row per model (models on the y axis, so long names stay readable at column width); an
    interval that crosses the dashed 0.5 line is no evidence the reward beats chance.
    """
    n_models = len(table)
    ax = column_axes(ax, height=max(1.2, 0.9 + 0.28 * n_models))
    y = np.arange(n_models)[::-1]
    est = table["estimate"].to_numpy(dtype=float)
    err = np.vstack([est - table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float) - est])
    ax.barh(y, est - 0.5, left=0.5, height=0.55, color=PALETTE[0], alpha=0.85)
    ax.errorbar(est, y, xerr=np.nan_to_num(err), fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
    ax.axvline(0.5, color="grey", linestyle="--", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([str(m) for m in table["model"]], fontsize=TICK_SIZE)
    lows = np.nanmin(np.append(table["ci_low"].to_numpy(dtype=float), 0.5))
    highs = np.nanmax(np.append(table["ci_high"].to_numpy(dtype=float), 0.5))
    pad = max(0.02, 0.1 * (highs - lows))
    ax.set_xlim(lows - pad, highs + pad)
    ax.set_ylim(-0.6, n_models - 0.4)
    title = "implicit reward vs " + (reference if reference else "reference") + "\n(dashed line: chance)"
    ax.set_title(title, fontsize=TICK_SIZE)
    style_axes(ax, "agreement with human choice", "")
    return ax
