"""Figures comparing models against a reference, sized for one paper column (3.4 in wide).

Same rules as `postprocess.plots.run_figures`: each function draws on `ax` (or a new column-width
Figure), returns the Axes, never imports pyplot, changes rcParams or saves. The tables the bar functions
draw are built from summary.json by `postprocess.report.figures` (`model_correlation_table`,
`implicit_reward_table`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from postprocess.plots.run_figures import correlation_bars
from postprocess.plots.style import LEGEND_SIZE, PALETTE, TICK_SIZE, column_axes, style_axes
from postprocess.stats.result import confidence_label, format_stat, interval_warning


def sharpening_scatter(
    ref_demeaned, model_demeaned, gamma: Mapping | None = None, *, ax: Axes | None = None, title: str | None = None,
    confidence: float = 0.95, max_points: int = 4000, seed: int = 0,
) -> Axes:
    """The model's log-prob against the reference's, both demeaned within post (and with any covariate gamma
    holds fixed partialled out, so the slope through the origin is gamma), one point per distinct summary, with
    the fitted slope gamma (a line through the origin) and the identity line (slope 1).

    A fitted line steeper than the identity means gamma > 1: the model stretches the reference's differences
    between summaries of a post (it sharpens the reference); flatter means gamma < 1. `gamma` is the
    `sharpening_gamma` statistic (as `Stat.to_dict()` gives it); the legend shows it with its interval at
    `confidence`. Beyond `max_points` summaries a seeded random subset is drawn (the fit is gamma's, from all).
    """
    ax = column_axes(ax, height=2.6)
    x = np.asarray(ref_demeaned, dtype=float)
    y = np.asarray(model_demeaned, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) > max_points:
        shown = np.random.default_rng(seed).choice(len(x), max_points, replace=False)
        x, y = x[shown], y[shown]
    ax.scatter(x, y, s=4, alpha=0.5, color=PALETTE[0], linewidths=0, rasterized=True)
    reach = float(np.max(np.abs(x))) if len(x) else 1.0
    line = np.array([-reach, reach])
    ax.plot(line, line, color="grey", linestyle="--", linewidth=0.8, label="identity (γ = 1)")
    if gamma and gamma.get("estimate") is not None:
        text = format_stat(gamma, 2, marks=True)
        if gamma.get("ci_low") is not None:
            posts = (gamma.get("details") or {}).get("n_clusters")
            few = f", {posts} posts" if interval_warning(gamma) and posts else ""
            text += f" ({confidence_label(confidence)} CI{few})"
        ax.plot(line, gamma["estimate"] * line, color=PALETTE[1], linewidth=1.2, label=f"fit: γ = {text}")
    ax.legend(fontsize=LEGEND_SIZE, frameon=False, loc="upper left")
    if title:
        ax.set_title(title, fontsize=TICK_SIZE)
    style_axes(ax, "log π_ref, within post (nats)", "log π_model, within post (nats)")
    return ax


def model_correlation_bars(
    table: pd.DataFrame, *, ax: Axes | None = None, ylabel: str = "Spearman ρ with rating",
) -> Axes:
    """Correlation with each rating axis per model, with CIs (`run_figures.correlation_bars`, hue=model)."""
    ax = correlation_bars(table, group="axis", hue="model", ax=ax, ylabel=ylabel)
    ax.tick_params(axis="x", labelsize=TICK_SIZE)
    return ax


def implicit_reward_agreement_bars(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
) -> Axes:
    """Implicit-reward agreement with the human choice per model: point, interval (the table's) on the whole
    0-1 axis, and the chance line.

    One row per model (models on the y axis, so long names stay readable at column width); an
    interval that crosses the dashed 0.5 line is no evidence the reward beats chance. `title`: what is shown,
    on which measure (the caller's).
    """
    n_models = len(table)
    ax = column_axes(ax, height=max(1.3, 1.0 + 0.28 * n_models))
    y = np.arange(n_models)[::-1]
    est = table["estimate"].to_numpy(dtype=float)
    err = np.vstack([est - table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float) - est])
    ax.errorbar(est, y, xerr=np.nan_to_num(np.clip(err, 0, None)), fmt="o", color=PALETTE[0], markersize=4,
                ecolor="black", elinewidth=0.8, capsize=2)
    ax.axvline(0.5, color="grey", linestyle="--", linewidth=0.8)
    ax.set_yticks(y)
    # long model names wrap, so the tick labels leave the axes most of the column's width
    ax.set_yticklabels([textwrap.fill(str(m), 18) for m in table["model"]], fontsize=TICK_SIZE)
    ax.set_xlim(0, 1)  # agreement is a share: the whole axis from 0, chance dashed
    ax.set_ylim(-0.6, n_models - 0.4)
    if title:
        ax.set_title(title, fontsize=TICK_SIZE)
    style_axes(ax, "agreement with the human choice\n(dashed: chance, 0.5)", "")
    return ax


def mode_collapse_map(
    table: pd.DataFrame, *, ax: Axes | None = None, reference: str | None = None, confidence: float = 0.95,
    diversity_label: str = "per-input diversity (EAD)", title: str | None = None,
) -> Axes:
    """Per model, the per-input diversity of its samples (y) against the reference's per-token log-prob of
    them (x), each with its interval: the mode-collapse map.

    `table` has one row per model: model, x, x_low, x_high, y, y_low, y_high (NaN where an interval is
    missing). Down and to the right of the reference (less diverse, more likely under it) is concentration
    seen in generations; the reference's own samples are the hollow marker. An optional column `mark` (e.g.
    "† 6 posts") follows the model's name in the legend where its intervals come from few posts.
    """
    ax = column_axes(ax, height=2.6)
    for i, row in enumerate(table.itertuples(index=False)):
        own = reference is not None and row.model == reference
        color = "black" if own else PALETTE[i % len(PALETTE)]
        xerr = np.nan_to_num([[row.x - row.x_low], [row.x_high - row.x]])
        yerr = np.nan_to_num([[row.y - row.y_low], [row.y_high - row.y]])
        ax.errorbar([row.x], [row.y], xerr=np.clip(xerr, 0, None), yerr=np.clip(yerr, 0, None), fmt="o",
                    color=color, markerfacecolor="white" if own else color, markersize=4, elinewidth=0.8,
                    capsize=2, label=(f"{row.model} (reference)" if own else str(row.model))
                    + (f" {row.mark}" if getattr(row, "mark", "") else ""))
    if len(table):
        ax.legend(fontsize=LEGEND_SIZE, frameon=False, loc="best")
    ax.set_title(title or f"points: estimates; bars: {confidence_label(confidence)} CIs", fontsize=TICK_SIZE)
    style_axes(ax, "log-prob per token under the reference (nats)", diversity_label)
    return ax
