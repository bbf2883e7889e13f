"""Every statistic of one run's task, as rows of the statistics table (`postprocess.report.statistics_table`).

One set of cluster draws over posts is made per task (and per breakdown group) and shared by all its
statistics, so every interval of a task comes from the same resampled posts. Every `p_value` is the
cluster-bootstrap p that inverts the interval beside it, so no table shows p < 1 - confidence beside
an interval that contains the null (or the reverse); the rows-independent test is kept as
`details.p_value_independent`. Which statistics are computed is the registry's
(`postprocess.stats.registry`): a new entry there appears here with no change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lm_eval_tasks.rows import RATING_AXES
from postprocess.stats import (
    CONFIDENCE_BUCKETS,
    Stat,
    bradley_terry_fit,
    by_group,
    calibration_curve,
    confidence_bucket,
)
from postprocess.stats.bootstrap import Settings, draw_unless_given
from postprocess.stats.measures import measure_values
from postprocess.stats.registry import REGISTRY, Statistic, statistics
from postprocess.stats.table import group_label, stat_row

# Breakdowns repeat the statistics the registry marks `breakdowns` (the rank statistics): Pearson and
# Kendall add little within a policy and would double the report's run time on a full split.
AXIS_BREAKDOWNS = {"by_policy": "policy", "by_subsplit": "subsplit"}
CMP_BREAKDOWNS = {"by_confidence": "confidence_bucket", "by_policy_pair": "policy_pair", "by_subsplit": "subsplit"}


def _kw(settings: Settings, frame: pd.DataFrame, *, shared: bool = True) -> dict:
    """Keyword arguments of every statistic: posts are the clusters, `p_value` is the cluster-bootstrap p
    of the interval beside it (the rows-independent p stays in details), and with `shared` one set of
    draws over the frame's posts serves every statistic (else each statistic draws its own)."""
    posts = frame["post_id"].to_numpy()
    resamples = draw_unless_given(None, posts, settings.n_resamples, settings.seed) if shared else None
    return {"clusters": posts, "n_resamples": settings.n_resamples, "seed": settings.seed,
            "confidence": settings.confidence, "resamples": resamples, "p_method": "cluster"}


def axis_stat(entry: Statistic, frame: pd.DataFrame, measure: str, axis: str, kw: dict) -> Stat:
    """One registered axis statistic of a measure against one rating (covariate from the frame)."""
    covariate = [frame[entry.covariate].to_numpy(dtype=float)] if entry.covariate else []
    return entry.point(measure_values(frame, measure), frame[axis].to_numpy(dtype=float), *covariate, **kw)


def axis_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], *, model: str, task: str,
              group: str = "all", entries: list[Statistic] | None = None) -> list[dict]:
    """Every registered axis statistic (or `entries`) of every measure against every rating axis."""
    kw = _kw(settings, frame)
    return [stat_row(axis_stat(entry, frame, m, axis, kw), model=model, task=task, statistic=entry.name, measure=m,
                     axis=axis, group=group)
            for m in measures for axis in RATING_AXES for entry in entries or statistics(kind="axis")]


def axis_breakdown_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], by: str, *, model: str,
                        task: str) -> list[dict]:
    """The breakdown statistics within each value of one column (each group with its own draws)."""
    entries = statistics(kind="axis", breakdowns=True)
    return [row for value, sub in frame.groupby(AXIS_BREAKDOWNS[by], sort=True, dropna=True)
            for row in axis_rows(sub, settings, measures, model=model, task=task, group=group_label(by, value),
                                 entries=entries)]


def _agreement(frame: pd.DataFrame, measure: str, kw: dict) -> Stat:
    return REGISTRY["agreement"].point(measure_values(frame, measure, "_a"), measure_values(frame, measure, "_b"),
                                       frame["choice"].to_numpy(dtype=float), **kw)


def with_pair_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """The pair table with the breakdown columns: annotator confidence bucket and policy pair."""
    return frame.assign(
        confidence_bucket=confidence_bucket(frame["confidence"].to_numpy(dtype=float)),
        policy_pair=[" vs ".join(sorted(map(str, p))) for p in zip(frame["policy_a"], frame["policy_b"], strict=True)],
    )


def cmp_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], *, model: str, task: str) -> list[dict]:
    """Agreement with the human choice per measure, overall (shared draws) and per breakdown group."""
    kw = _kw(settings, frame)
    frame = with_pair_groups(frame)
    rows = []
    for m in measures:
        rows.append(stat_row(_agreement(frame, m, kw), model=model, task=task, statistic="agreement", measure=m))
        for by, column in CMP_BREAKDOWNS.items():
            order = list(CONFIDENCE_BUCKETS) if by == "by_confidence" else None
            table = by_group(frame, column, lambda sub, m=m: _agreement(sub, m, _kw(settings, sub, shared=False)),
                             order=order)
            rows += [stat_row(record, model=model, task=task, statistic="agreement", measure=m,
                              group=group_label(by, record[column])) for record in table.to_dict("records")]
    return rows


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
