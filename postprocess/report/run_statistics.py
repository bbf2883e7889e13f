"""Every statistic of one run's task, as JSON-ready nested dicts (the shape of summary.json).

One set of cluster draws over posts is made per task and shared by all its statistics, so every
interval of a task comes from the same resampled posts. Every `p_value` is the cluster-bootstrap p
that inverts the interval beside it, so no table shows p < 1 - confidence beside an interval that
contains the null (or the reverse); the rows-independent test is kept as `details.p_value_independent`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from lm_eval_tasks.rows import RATING_AXES
from postprocess.stats import (
    CONFIDENCE_BUCKETS,
    ClusterResamples,
    Stat,
    agreement,
    bradley_terry_fit,
    by_group,
    calibration_curve,
    confidence_bucket,
    kendall,
    partial_spearman,
    pearson,
    spearman,
)
from postprocess.stats.bootstrap import Settings
from postprocess.stats.measures import measure_values

CORRELATIONS = {"spearman": spearman, "pearson": pearson, "kendall": kendall}


def draws(frame: pd.DataFrame, settings: Settings) -> ClusterResamples | None:
    if settings.n_resamples <= 0:
        return None
    return ClusterResamples.draw(frame["post_id"].to_numpy(), settings.n_resamples, settings.seed)


def _kw(settings: Settings, resamples: ClusterResamples | None, frame: pd.DataFrame) -> dict:
    """Keyword arguments of every statistic: posts are the clusters, and `p_value` is the
    cluster-bootstrap p of the interval beside it (the rows-independent p stays in details)."""
    return {"clusters": frame["post_id"].to_numpy(), "n_resamples": settings.n_resamples, "seed": settings.seed,
            "confidence": settings.confidence, "resamples": resamples, "p_method": "cluster"}


def axis_correlations(frame: pd.DataFrame, measure: str, axis: str, settings: Settings,
                      resamples: ClusterResamples | None, names=("spearman", "pearson", "kendall",
                                                                  "partial_spearman_length")) -> dict[str, Stat]:
    """Correlations of one measure with one rating; partial Spearman controls for the summary's bytes."""
    x, y = measure_values(frame, measure), frame[axis].to_numpy(dtype=float)
    kw = _kw(settings, resamples, frame)
    out = {name: CORRELATIONS[name](x, y, **kw) for name in names if name in CORRELATIONS}
    if "partial_spearman_length" in names:
        out["partial_spearman_length"] = partial_spearman(x, y, frame["n_bytes"].to_numpy(dtype=float), **kw)
    return out


def axis_statistics(frame: pd.DataFrame, settings: Settings, measures: list[str],
                    names=("spearman", "pearson", "kendall", "partial_spearman_length")) -> dict:
    resamples = draws(frame, settings)
    return {m: {axis: {k: s.to_dict() for k, s in
                       axis_correlations(frame, m, axis, settings, resamples, names).items()}
                for axis in RATING_AXES} for m in measures}


# Breakdowns repeat the rank statistics only: Pearson and Kendall add little within a policy and
# would double the report's run time on a full split.
BREAKDOWN_STATISTICS = ("spearman", "partial_spearman_length")
BREAKDOWNS = {"by_policy": "policy", "by_subsplit": "subsplit"}


def axis_breakdown(frame: pd.DataFrame, settings: Settings, measures: list[str], column: str) -> dict:
    """Spearman and length-controlled partial Spearman within each value of `column` (own draws)."""
    return {str(value): axis_statistics(sub, settings, measures, BREAKDOWN_STATISTICS)
            for value, sub in frame.groupby(column, sort=True, dropna=True)}


def _agreement(frame: pd.DataFrame, measure: str, settings: Settings, resamples) -> Stat:
    return agreement(measure_values(frame, measure, "_a"), measure_values(frame, measure, "_b"),
                     frame["choice"].to_numpy(dtype=float), **_kw(settings, resamples, frame))


def _table(table: pd.DataFrame, column: str) -> dict:
    """`by_group`'s table as {group: stat dict}, with pandas' NaN back to JSON's null."""
    def clean(value):
        return None if isinstance(value, float) and math.isnan(value) else value

    return {str(row[column]): {k: clean(row[k]) for k in table.columns if k != column} for row in
            table.to_dict("records")}


def cmp_statistics(frame: pd.DataFrame, settings: Settings, measures: list[str]) -> dict:
    resamples = draws(frame, settings)
    frame = frame.assign(
        confidence_bucket=confidence_bucket(frame["confidence"].to_numpy(dtype=float)),
        policy_pair=[" vs ".join(sorted(map(str, p))) for p in zip(frame["policy_a"], frame["policy_b"])],
    )
    out: dict = {}
    for m in measures:
        def stat(sub: pd.DataFrame, m=m) -> Stat:
            return _agreement(sub, m, settings, None)

        out[m] = {
            "agreement": _agreement(frame, m, settings, resamples).to_dict(),
            "by_confidence": _table(by_group(frame, "confidence_bucket", stat, order=list(CONFIDENCE_BUCKETS)),
                                    "confidence_bucket"),
            "by_policy_pair": _table(by_group(frame, "policy_pair", stat), "policy_pair"),
            "by_subsplit": _table(by_group(frame, "subsplit", stat), "subsplit"),
        }
    out["preference_model"] = preference_model(frame, settings)
    return out


def preference_model(frame: pd.DataFrame, settings: Settings) -> dict:
    """Logistic (Bradley-Terry) fit of P(human prefers A) on the logprob difference, with and without
    the log length ratio (Stiennon et al. 2020, appendix F), and its calibration curve."""
    diff = measure_values(frame, "sum", "_a") - measure_values(frame, "sum", "_b")
    chose_a = (frame["choice"].to_numpy(dtype=float) == 0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        length_ratio = np.log(frame["n_bytes_a"].to_numpy(dtype=float) / frame["n_bytes_b"].to_numpy(dtype=float))
    length_ratio[~np.isfinite(length_ratio)] = np.nan
    return {
        "logprob_diff": bradley_terry_fit(diff, chose_a).to_dict(),
        "logprob_diff_and_length": bradley_terry_fit(diff, chose_a, length_ratio).to_dict(),
        "calibration": calibration_curve(diff, chose_a, confidence=settings.confidence).to_dict(),
    }
