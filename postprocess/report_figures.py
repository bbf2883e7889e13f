"""Draw and save the report's figures (the only place figures are saved)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lm_eval_tasks.rows import RATING_AXES
from postprocess.analysis import Settings, measure_values
from postprocess.figures import (
    COLUMN_WIDTH_IN,
    agreement_by_confidence,
    calibration_plot,
    correlation_bars,
    rating_scatter,
)
from postprocess.load import LoadedRun
from postprocess.preference_model import Calibration, LogitFit

DPI = 200


@dataclass(frozen=True)
class SavedFigure:
    run: str | None
    task: str | None
    title: str
    path: str  # relative to the report folder
    caption: str


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80] or "run"


def save(fig: Figure, folder: Path, name: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / name, dpi=DPI)
    return f"{folder.name}/{name}"


def ratings_figure(frame: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(2 * COLUMN_WIDTH_IN, 4.6), layout="constrained")
    values = measure_values(frame, "per_byte")
    for ax, axis in zip(fig.subplots(2, 2).ravel(), RATING_AXES):
        rating_scatter(values, frame[axis].to_numpy(dtype=float), ax=ax, rating_label=f"{axis} rating (1-7)")
    return fig


def _stat_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{k: (np.nan if v is None else v) for k, v in r.items()} for r in rows])


def correlation_table(axis_stats: dict, statistic: str = "spearman") -> pd.DataFrame:
    return _stat_table([{"axis": axis, "measure": measure, **{k: stats[statistic][k] for k in
                                                                ("estimate", "ci_low", "ci_high", "n")}}
                        for measure, axes in axis_stats.items() for axis, stats in axes.items()])


def confidence_table(cmp_stats: dict) -> pd.DataFrame:
    return _stat_table([{"bucket": bucket, "measure": measure, **{k: stat[k] for k in
                                                                  ("estimate", "ci_low", "ci_high", "n")}}
                        for measure, entry in cmp_stats.items() if measure != "preference_model"
                        for bucket, stat in entry["by_confidence"].items()])


def _calibration(d: dict) -> Calibration:
    return Calibration(**{k: (np.asarray(v) if isinstance(v, list) else v) for k, v in d.items()})


def _fit(d: dict) -> LogitFit:
    return LogitFit(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()})


def draw_run_figures(loaded: list[LoadedRun], summary: dict, folder: Path, settings: Settings) -> list[SavedFigure]:
    saved = []
    for lr, run in zip(loaded, summary["runs"]):
        name = run["model_name"]
        for task_name, task in lr.tasks.items():
            base = f"{slug(run.get('display_name', name))}__{task_name}"
            if task.kind == "axis":
                saved.append(SavedFigure(name, task_name, "Log-probability against each rating",
                                         save(ratings_figure(task.frame), folder, f"{base}__ratings.png"),
                                         "Per-byte log-probability of each summary against its rating (jittered), "
                                         "with the median per rating level and its 95% CI."))
                ax = correlation_bars(correlation_table(run["axis"][task_name]))
                saved.append(SavedFigure(name, task_name, "Spearman correlation with each rating",
                                         save(ax.figure, folder, f"{base}__correlations.png"),
                                         f"Spearman ρ per measure and rating; bars are {settings.confidence:.0%} "
                                         "cluster-bootstrap CIs (posts resampled)."))
            else:
                stats = run["cmp"][task_name]
                ax = agreement_by_confidence(confidence_table(stats), hue="measure")
                saved.append(SavedFigure(name, task_name, "Agreement with the human choice by annotator confidence",
                                         save(ax.figure, folder, f"{base}__agreement_by_confidence.png"),
                                         "Fraction of pairs where the higher-likelihood summary is the one the "
                                         "labeller chose (tie = 1/2), per confidence level, with cluster-bootstrap "
                                         "CIs; dashed: chance."))
                model = stats["preference_model"]
                ax = calibration_plot(_calibration(model["calibration"]), _fit(model["logprob_diff"]))
                saved.append(SavedFigure(name, task_name, "Calibration of P(human prefers A)",
                                         save(ax.figure, folder, f"{base}__calibration.png"),
                                         "Observed rate of choosing A per decile of the summed log-prob difference "
                                         "(exact binomial CIs), the fitted logistic curve and the unit-slope curve."))
    return saved
