"""What every figure shares: the column width, font sizes, colours, and the helpers that apply them.

Figures are sized for one paper column (3.4 in wide). Nothing here imports pyplot, changes rcParams or
saves files.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

COLUMN_WIDTH_IN = 3.4
LABEL_SIZE = 8
TICK_SIZE = 7
LEGEND_SIZE = 6.5
# Colour-blind-safe (Okabe-Ito) colours for measures / models, in order.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def column_axes(ax: Axes | None, height: float = 2.4) -> Axes:
    """`ax` itself, or the Axes of a new column-wide `Figure` (`height` inches tall) when it is None."""
    if ax is not None:
        return ax
    fig = Figure(figsize=(COLUMN_WIDTH_IN, height), layout="constrained")
    return fig.add_subplot()


def style_axes(ax: Axes, xlabel: str, ylabel: str) -> None:
    """Axis labels and tick labels at the column's font sizes, without the top and right spines."""
    ax.set_xlabel(xlabel, fontsize=LABEL_SIZE)
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    ax.tick_params(labelsize=TICK_SIZE)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def median_ci(v: np.ndarray, rng: np.random.Generator, n_resamples: int,
              confidence: float = 0.95) -> tuple[float, float]:
    """A row-bootstrap percentile interval of the median of `v` at `confidence` (a display aid drawn beside
    medians)."""
    meds = np.median(v[rng.integers(0, len(v), size=(n_resamples, len(v)))], axis=1)
    alpha = (1 - confidence) / 2
    return tuple(np.quantile(meds, [alpha, 1 - alpha]))
