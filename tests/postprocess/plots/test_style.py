"""What every figure shares: a column-wide figure when no Axes is given, the column's font sizes without top and
right spines, and the bootstrap interval of a median drawn beside medians."""

from __future__ import annotations

import numpy as np
import pytest

from postprocess.plots.style import COLUMN_WIDTH_IN, LABEL_SIZE, TICK_SIZE, column_axes, median_ci, style_axes


def test_a_new_axes_is_one_column_wide_and_a_given_one_is_kept():
    ax = column_axes(None, height=2.0)
    assert tuple(ax.figure.get_size_inches()) == (COLUMN_WIDTH_IN, 2.0)
    assert column_axes(ax) is ax


def test_style_sets_labels_sizes_and_hides_two_spines():
    ax = column_axes(None)
    style_axes(ax, "log-probability", "rating")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("log-probability", "rating")
    assert ax.xaxis.label.get_size() == LABEL_SIZE and ax.get_xticklabels()[0].get_size() == TICK_SIZE
    assert [ax.spines[s].get_visible() for s in ("top", "right", "bottom", "left")] == [False, False, True, True]


def test_median_ci_is_the_percentile_interval_of_row_resampled_medians():
    v = np.array([1.0, 2.0, 3.0, 10.0, 4.0])
    low, high = median_ci(v, np.random.default_rng(0), 200, confidence=0.9)
    rng = np.random.default_rng(0)
    medians = [np.median(v[rng.integers(0, 5, size=5)]) for _ in range(200)]  # the same draws, row by row
    assert (low, high) == pytest.approx(tuple(np.quantile(medians, [0.05, 0.95])))
    assert median_ci(np.full(4, 7.0), np.random.default_rng(1), 50) == (7.0, 7.0)
