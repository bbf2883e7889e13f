"""Correlations on many bootstrap resamples at once, as frequency-weighted statistics.

A cluster resample repeats rows; repeating row i w times is the same as giving it integer weight w.
Every function here takes a (b, n) weight matrix `w` (one resample per row, as produced by
`postprocess.stats.bootstrap.resampled`) and returns b values, each *exactly* the statistic scipy would
compute on the expanded sample ``x[np.repeat(arange(n), w[r])]`` (tests check this). NaN marks a
resample where the statistic is undefined (a constant variable, fewer than two rows).

Ranks of the expanded sample are midranks: a value v with total weight T_v and total weight S_v of
strictly smaller values gets rank S_v + (T_v + 1) / 2.
"""

from __future__ import annotations

import itertools

import numpy as np

# Kendall's vectorised path loops over the distinct values of the coarser variable (a 1-7 rating has
# seven); above this many it falls back to scipy per resample.
KENDALL_MAX_LEVELS = 64
# One-pass moments of centred values leave a constant variable a variance of rounding size: this small
# relative to its sum of squares means constant.
_REL_ZERO_VAR = 1e-14


def _weights(w) -> np.ndarray:
    wf = np.asarray(w, dtype=float)
    return wf[None, :] if wf.ndim == 1 else wf


def weighted_pearson(x, y, w) -> np.ndarray:
    """Pearson r of the expanded samples, from their weighted moments (one matrix product per chunk).

    x and y are centred on their (unweighted) means first, so the one-pass moments
    sum w (x - sx / n)^2 = sxx - sx^2 / n do not cancel: a resample's mean lies close to the full
    sample's. The single-run Pearson interval and the paired difference both use this function, so
    they share these numerics.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    wf = _weights(w)
    if len(x) == 0:
        return np.full(wf.shape[0], np.nan)
    xc, yc = x - x.mean(), y - y.mean()
    n, sx, sy, sxx, syy, sxy = (wf @ np.column_stack([np.ones_like(xc), xc, yc, xc * xc, yc * yc, xc * yc])).T
    with np.errstate(invalid="ignore", divide="ignore"):
        vx, vy = sxx - sx * sx / n, syy - sy * sy / n
        r = (sxy - sx * sy / n) / np.sqrt(vx * vy)
    bad = (n < 2) | (vx <= _REL_ZERO_VAR * sxx) | (vy <= _REL_ZERO_VAR * syy)
    return np.clip(np.where(bad, np.nan, r), -1.0, 1.0)


def _tie_groups(x: np.ndarray):
    """Sort order, start of each run of equal values in sorted order, and each row's group."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    new = np.ones(len(xs), dtype=bool)
    new[1:] = xs[1:] != xs[:-1]
    starts = np.flatnonzero(new)
    group = np.empty(len(x), dtype=np.intp)
    group[order] = np.cumsum(new) - 1
    return order, starts, group


def _ranks(x: np.ndarray, wf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(b, n) midranks and (b,) tie term sum_g (T_g^3 - T_g) over tie groups of the expanded samples."""
    order, starts, group = _tie_groups(x)
    tot = np.add.reduceat(wf[:, order], starts, axis=1)
    mid = np.cumsum(tot, axis=1) - (tot - 1) / 2
    return mid[:, group], np.sum(tot**3 - tot, axis=1)


def _rank_corr(ra, ta, rb, tb, wf, tot) -> np.ndarray:
    """Pearson r of midranks from closed forms: the weighted mean rank is (N + 1) / 2 and the sum of
    squared deviations is (N^3 - N - sum_g (T_g^3 - T_g)) / 12, so one pass (the cross sum) is left."""
    vaa = (tot**3 - tot - ta) / 12
    vbb = (tot**3 - tot - tb) / 12
    vab = np.einsum("bn,bn,bn->b", wf, ra, rb) - tot * ((tot + 1) / 2) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        r = vab / np.sqrt(vaa * vbb)
    # Ties-only variables give exactly zero variance (integer arithmetic in floats).
    return np.clip(np.where((vaa > 0.5) & (vbb > 0.5), r, np.nan), -1.0, 1.0)


def weighted_spearman(x, y, w) -> np.ndarray:
    """Spearman rho of the expanded samples: Pearson r of their midranks."""
    wf = _weights(w)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(x) == 0:
        return np.full(wf.shape[0], np.nan)
    tot = wf.sum(axis=1)
    return _rank_corr(*_ranks(x, wf), *_ranks(y, wf), wf, tot)


def partial_from_pairwise(r_xy, r_xz, r_yz):
    """r_xy.z = (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)); NaN when z explains x or y."""
    r_xy, r_xz, r_yz = (np.asarray(v, dtype=float) for v in (r_xy, r_xz, r_yz))
    den = (1 - r_xz**2) * (1 - r_yz**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (r_xy - r_xz * r_yz) / np.sqrt(den)
    return np.clip(np.where(den > 1e-12, r, np.nan), -1.0, 1.0)


def weighted_partial_spearman(x, y, z, w) -> np.ndarray:
    """Partial Spearman of x and y given z on the expanded samples (partial r of midranks)."""
    wf = _weights(w)
    if len(np.asarray(x)) == 0:
        return np.full(wf.shape[0], np.nan)
    tot = wf.sum(axis=1)
    rx, ry, rz = (_ranks(np.asarray(v, dtype=float), wf) for v in (x, y, z))
    return partial_from_pairwise(
        _rank_corr(*rx, *ry, wf, tot), _rank_corr(*rx, *rz, wf, tot), _rank_corr(*ry, *rz, wf, tot)
    )


def weighted_kendall(x, y, w) -> np.ndarray:
    """Kendall tau-b of the expanded samples.

    With N = total weight, S = sum over pairs of w_i w_j sign(x_i - x_j) sign(y_i - y_j), and n_x
    (n_y) the number of pairs tied in x (y), copies of one row included:
    tau_b = S / sqrt((N(N-1)/2 - n_x)(N(N-1)/2 - n_y)).
    S is accumulated per distinct value m of the coarser variable y: for rows with y_i = m, the
    weight of rows with y_j < m and smaller x minus that with larger x (cumulative sums in x order).
    Cost O(b * n * L) for L distinct values of y (a 1-7 rating has seven).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    wf = _weights(w)
    if len(np.unique(x)) < len(np.unique(y)):
        x, y = y, x
    levels = np.unique(y)
    if len(levels) > KENDALL_MAX_LEVELS:
        return _kendall_by_resample(x, y, wf)
    order, starts, group = _tie_groups(x)
    ws = wf[:, order]
    ys = y[order]
    gs = group[order]
    run_start = starts[gs]  # sorted position where each row's run of equal x starts
    run_end = np.append(starts[1:], len(x))[gs]  # one past where it ends
    s = np.zeros(wf.shape[0])
    below = np.zeros((wf.shape[0], len(x) + 1))  # below[:, k] = weight of y < m in sorted rows < k
    lower = np.zeros_like(ws)
    for prev, level in itertools.pairwise(levels):
        lower += ws * (ys == prev)
        np.cumsum(lower, axis=1, out=below[:, 1:])
        rows = np.flatnonzero(ys == level)
        smaller_x = below[:, run_start[rows]]
        larger_x = below[:, -1:] - below[:, run_end[rows]]
        s += np.einsum("bn,bn->b", ws[:, rows], smaller_x - larger_x)
    n_tot = wf.sum(axis=1)
    pairs = n_tot * (n_tot - 1) / 2
    tx = np.add.reduceat(ws, starts, axis=1)
    ty = ws @ (ys[:, None] == levels[None, :]).astype(float)
    ties_x = np.sum(tx * (tx - 1) / 2, axis=1)
    ties_y = np.sum(ty * (ty - 1) / 2, axis=1)
    den = (pairs - ties_x) * (pairs - ties_y)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = s / np.sqrt(den)
    return np.clip(np.where(den > 0, tau, np.nan), -1.0, 1.0)


def _kendall_by_resample(x: np.ndarray, y: np.ndarray, wf: np.ndarray) -> np.ndarray:
    from scipy.stats import kendalltau

    rows = np.arange(len(x))
    out = np.full(wf.shape[0], np.nan)
    for r in range(wf.shape[0]):
        idx = np.repeat(rows, wf[r].astype(np.intp))
        xs, ys = x[idx], y[idx]
        if len(idx) > 1 and np.ptp(xs) > 0 and np.ptp(ys) > 0:
            out[r] = kendalltau(xs, ys).statistic
    return out
