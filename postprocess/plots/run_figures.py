"""Figures of one run's statistics, sized for one paper column (3.4 in wide).

Every function draws on `ax` (or on a new 3.4 in wide `matplotlib.figure.Figure` when `ax` is None)
and returns the Axes. Nothing here imports pyplot, changes rcParams or saves files: only the report
step saves, with ``ax.figure.savefig(...)``. Font sizes are set per element for the column width
(`postprocess.plots.style`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy.special import expit

from postprocess.plots.style import LEGEND_SIZE, PALETTE, column_axes, median_ci, style_axes
from postprocess.stats.preference_model import Calibration, LogitFit
from postprocess.stats.result import confidence_label

MEASURE_LABELS = {
    "sum": "log-prob (nats)",
    "per_byte": "log-prob per byte (nats)",
    "per_token": "log-prob per token (nats)",
}


def _interval(ax: Axes, x, low, high, color: str, **kw) -> None:
    """Draw [low, high] as a capped vertical line. A percentile interval need not contain its estimate
    (small samples), so the line is drawn from the interval itself, not as error around the estimate."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    ax.errorbar(x, (low + high) / 2, yerr=np.nan_to_num((high - low) / 2), fmt="none", ecolor=color, **kw)


def rating_scatter(
    measure, rating, *, ax: Axes | None = None, measure_label: str = MEASURE_LABELS["per_byte"],
    rating_label: str = "overall rating (1-7)", jitter: float = 0.15, seed: int = 0,
    n_resamples: int = 200, confidence: float = 0.95,
) -> Axes:
    """Measure against a Likert rating: jittered points plus the median per rating with its interval.

    The median line is the rank-based fit (a monotone association shows as a rising median); its
    interval is a row bootstrap of the median at `confidence` (seeded; a display aid, not the reported
    statistic).
    """
    ax = column_axes(ax)
    m = np.asarray(measure, dtype=float)
    r = np.asarray(rating, dtype=float)
    keep = np.isfinite(m) & np.isfinite(r)
    m, r = m[keep], r[keep]
    rng = np.random.default_rng(seed)
    ax.scatter(r + rng.uniform(-jitter, jitter, len(r)), m, s=3, alpha=0.25, color=PALETTE[0],
               linewidths=0, rasterized=len(r) > 2000)
    levels = np.unique(r)
    med, lo, hi = [], [], []
    for level in levels:
        v = m[r == level]
        med.append(np.median(v))
        a, b = median_ci(v, rng, n_resamples, confidence) if len(v) > 1 else (v[0], v[0])
        lo.append(a)
        hi.append(b)
    if len(levels):
        med = np.asarray(med)
        ax.errorbar(levels, med, yerr=[med - np.asarray(lo), np.asarray(hi) - med], color="black",
                    marker="o", markersize=3, linewidth=1, capsize=2,
                    label=f"median, {confidence_label(confidence)} CI")
        ax.legend(fontsize=LEGEND_SIZE, frameon=False, loc="best")
        ax.set_xticks(levels)
        ax.set_xticklabels([f"{v:g}" for v in levels])
    style_axes(ax, rating_label, measure_label)
    return ax


def correlation_bars(
    table: pd.DataFrame, *, group: str = "axis", hue: str = "measure", ax: Axes | None = None,
    ylabel: str = "Spearman ρ with rating", hue_labels: dict | None = None,
) -> Axes:
    """Grouped bars of a correlation with CI error bars: one group per `group`, one bar per `hue`.

    `table` needs columns `group`, `hue`, estimate, ci_low, ci_high (e.g. from `by_group` or
    `Stat.to_dict()` rows). Use hue="model" to compare several models on one measure. Undefined
    statistics (NaN) leave a gap.
    """
    ax = column_axes(ax)
    groups = list(dict.fromkeys(table[group]))
    hues = list(dict.fromkeys(table[hue]))
    width = 0.8 / max(len(hues), 1)
    x = np.arange(len(groups))
    for j, h in enumerate(hues):
        sub = table[table[hue] == h].set_index(group).reindex(groups)
        est = sub["estimate"].to_numpy(dtype=float)
        label = (hue_labels or {}).get(h, str(h))
        xs = x + (j - (len(hues) - 1) / 2) * width
        ax.bar(xs, est, width * 0.9, color=PALETTE[j % len(PALETTE)], label=label)
        _interval(ax, xs, sub["ci_low"], sub["ci_high"], "black", elinewidth=0.8, capsize=1.5)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(x)
    ax.set_xticklabels([str(g) for g in groups])
    labels = [(hue_labels or {}).get(h, str(h)) for h in hues]
    ncols = min(len(hues), 3) if sum(len(label) for label in labels) <= 36 else 1  # long names: one per line
    ax.legend(fontsize=LEGEND_SIZE, frameon=False, ncols=ncols, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    style_axes(ax, "", ylabel)
    return ax


def agreement_by_confidence(
    table: pd.DataFrame, *, bucket: str = "bucket", hue: str | None = None,
    ax: Axes | None = None, hue_labels: dict | None = None,
) -> Axes:
    """Agreement with the human choice per confidence bucket, with CIs and the chance line 0.5.

    `table` needs columns `bucket`, estimate, ci_low, ci_high, n (and `hue` if given, e.g.
    "measure" or "model"); buckets are drawn in table order (e.g. slight, moderate, strong, definite).
    """
    ax = column_axes(ax)
    buckets = list(dict.fromkeys(table[bucket]))
    hues = list(dict.fromkeys(table[hue])) if hue else [None]
    step = 0.6 / max(len(hues), 1)
    x = np.arange(len(buckets))
    for j, h in enumerate(hues):
        sub = table if h is None else table[table[hue] == h]
        sub = sub.set_index(bucket).reindex(buckets)
        label = None if h is None else (hue_labels or {}).get(h, str(h))
        xs, color = x + (j - (len(hues) - 1) / 2) * step, PALETTE[j % len(PALETTE)]
        ax.plot(xs, sub["estimate"].to_numpy(dtype=float), "o", markersize=3.5, color=color, label=label)
        _interval(ax, xs, sub["ci_low"], sub["ci_high"], color, capsize=2, linewidth=1)
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=0.8, label="chance")
    first = table.drop_duplicates(bucket).set_index(bucket).reindex(buckets)
    n = first["n"] if "n" in first else pd.Series([None] * len(buckets))
    ax.set_xticks(x)
    ax.set_xticklabels([f"{b}\nn={int(k):,}" if pd.notna(k) else str(b)
                        for b, k in zip(buckets, n)])
    ax.set_xlim(-0.5, len(buckets) - 0.5)
    ax.set_ylim(0, 1)  # agreement is a share: its axis starts at 0, chance dashed at 0.5
    ax.legend(fontsize=LEGEND_SIZE, frameon=False, loc="best")
    style_axes(ax, "annotator confidence", "agreement with human")
    return ax


def calibration_plot(
    calibration: Calibration, fit: LogitFit | None = None, *, ax: Axes | None = None,
    xlabel: str = "log-prob difference A − B (nats)", show_unit_slope: bool = True,
) -> Axes:
    """Observed P(human prefers A) per bin of the logprob difference, with exact binomial CIs at the
    calibration's `confidence`.

    Adds the fitted logistic curve sigmoid(b * diff), b the fit's slope (length ratio held at 0, intercept
    included if fitted; b, not β, which names DPO's KL coefficient) and, dashed, the unit-slope curve b = 1 that
    reads the model's logprobs as utilities.
    """
    ax = column_axes(ax)
    c = calibration
    if len(c.n):
        ax.errorbar(c.x_mean, c.observed, yerr=[c.observed - c.ci_low, c.ci_high - c.observed],
                    fmt="o", markersize=3, capsize=2, linewidth=1, color="black",
                    label=f"observed, {confidence_label(c.confidence)} CI")
        grid = np.linspace(c.x_low.min(), c.x_high.max(), 200)
        if fit is not None and fit.defined:
            ratio = np.zeros_like(grid) if "log_length_ratio" in fit.names else None
            slope = fit.coefficient("logprob_diff")
            ax.plot(grid, fit.predict(grid, ratio), color=PALETTE[1], linewidth=1.2,
                    label=f"logistic fit, slope b={slope:.2f}")
        if show_unit_slope:
            ax.plot(grid, expit(grid), color=PALETTE[0], linestyle="--", linewidth=1,
                    label="b=1")
    ax.axhline(0.5, color="grey", linewidth=0.5)
    ax.axvline(0.0, color="grey", linewidth=0.5)
    ax.set_ylim(0, 1)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=LEGEND_SIZE, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                  ncols=2, handlelength=1.5, columnspacing=1.0)
    style_axes(ax, xlabel, "P(human prefers A)")
    return ax


def alpha_fits(table: pd.DataFrame, *, ax: Axes | None = None, xlabel: str = "typicality bias α") -> Axes:
    """The typicality bias alpha of one task and the fits that hold a confound fixed: one row per fit (top to
    bottom in table order), its estimate and interval, and the line alpha = 0 (no typicality bias).

    `table` has columns label (the fit, with its † mark where the interval is unreliable), estimate, ci_low,
    ci_high."""
    ax = column_axes(ax, height=max(1.4, 0.8 + 0.3 * len(table)))
    y = np.arange(len(table))[::-1]
    est = table["estimate"].to_numpy(dtype=float)
    low, high = table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float)
    ax.errorbar(est, y, xerr=np.nan_to_num(np.clip(np.vstack([est - low, high - est]), 0, None)), fmt="o",
                color=PALETTE[0], markersize=3.5, elinewidth=0.9, capsize=2)
    ax.axvline(0.0, color="grey", linestyle="--", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([str(label) for label in table["label"]])
    ax.set_ylim(-0.6, len(table) - 0.4)
    style_axes(ax, xlabel, "")
    return ax
