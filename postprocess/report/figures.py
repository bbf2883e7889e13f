"""Draw and save the report's figures (the only place figures are saved): the tables each figure draws,
filters of the statistics table (`postprocess.stats.table`), and each figure's title and caption beside
it. Intervals are labelled with the run's coverage (`Settings.confidence`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lm_eval_tasks.rows import RATING_AXES
from postprocess.compare.align import Aligned
from postprocess.compare.statistics import shift_points
from postprocess.io.load import LoadedRun
from postprocess.io.provenance import display_name_map
from postprocess.plots.comparison_figures import implicit_reward_agreement_bars, model_correlation_bars, shift_hexbin
from postprocess.plots.run_figures import agreement_by_confidence, calibration_plot, correlation_bars, rating_scatter
from postprocess.plots.style import COLUMN_WIDTH_IN
from postprocess.stats.bootstrap import Settings
from postprocess.stats.measures import measure_values
from postprocess.stats.preference_model import Calibration, LogitFit
from postprocess.stats.result import confidence_label
from postprocess.stats.table import ALL, group_label, select, split_group

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


def ratings_figure(frame: pd.DataFrame, *, confidence: float) -> Figure:
    fig = Figure(figsize=(2 * COLUMN_WIDTH_IN, 4.6), layout="constrained")
    values = measure_values(frame, "per_byte")
    for ax, axis in zip(fig.subplots(2, 2).ravel(), RATING_AXES):
        rating_scatter(values, frame[axis].to_numpy(dtype=float), ax=ax, rating_label=f"{axis} rating (1-7)",
                       confidence=confidence)
    return fig


def _figure_table(rows: pd.DataFrame, columns: dict[str, str], *, n: bool = False) -> pd.DataFrame:
    """Rows of the statistics table as a figure's table: `columns` renamed ({table column: figure
    column}), then estimate, ci_low, ci_high as floats (NaN where undefined) and, with `n`, the rows used."""
    values = ["estimate", "ci_low", "ci_high", *(["n"] if n else [])]
    out = rows.loc[:, [*columns, *values]].rename(columns=columns).reset_index(drop=True)
    out[values[:3]] = out[values[:3]].astype(float)
    return out


def correlation_table(table: pd.DataFrame, *, model: str, task: str, statistic: str = "spearman") -> pd.DataFrame:
    """Columns axis, measure, estimate, ci_low, ci_high, n: one run's correlation with each rating, per measure."""
    rows = select(table, model=model, reference="", task=task, statistic=statistic, group=ALL)
    return _figure_table(rows, {"axis": "axis", "measure": "measure"}, n=True)


def confidence_table(table: pd.DataFrame, *, model: str, task: str) -> pd.DataFrame:
    """Columns bucket, measure, estimate, ci_low, ci_high, n: one run's agreement per annotator confidence."""
    rows = select(table, model=model, reference="", task=task, statistic="agreement")
    rows = rows[rows["group"].str.startswith(group_label("by_confidence", ""))]
    rows = rows.assign(bucket=[split_group(g)[1] for g in rows["group"]])
    return _figure_table(rows, {"bucket": "bucket", "measure": "measure"}, n=True)


def _calibration(d: dict) -> Calibration:
    return Calibration(**{k: (np.asarray(v) if isinstance(v, list) else v) for k, v in d.items()})


def _fit(d: dict) -> LogitFit:
    return LogitFit(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()})


def draw_run_figures(loaded: list[LoadedRun], summary: dict, table: pd.DataFrame, folder: Path,
                     settings: Settings) -> list[SavedFigure]:
    """Each run's figures: the correlations and agreements from the statistics table, the ratings from
    the run's rows, the calibration from its preference model (`runs[].cmp[TASK].preference_model`)."""
    saved = []
    ci = confidence_label(settings.confidence)
    for lr, run in zip(loaded, summary["runs"]):
        name = run["model_name"]
        for task_name, task in lr.tasks.items():
            base = f"{slug(run.get('display_name', name))}__{task_name}"
            if task.kind == "axis":
                saved.append(SavedFigure(name, task_name, "Log-probability against each rating",
                                         save(ratings_figure(task.frame, confidence=settings.confidence), folder,
                                              f"{base}__ratings.png"),
                                         "Per-byte log-probability of each summary against its rating (jittered), "
                                         f"with the median per rating level and its {ci} CI."))
                ax = correlation_bars(correlation_table(table, model=name, task=task_name))
                saved.append(SavedFigure(name, task_name, "Spearman correlation with each rating",
                                         save(ax.figure, folder, f"{base}__correlations.png"),
                                         f"Spearman ρ per measure and rating; bars are {ci} "
                                         "cluster-bootstrap CIs (posts resampled)."))
            else:
                ax = agreement_by_confidence(confidence_table(table, model=name, task=task_name), hue="measure")
                saved.append(SavedFigure(name, task_name, "Agreement with the human choice by annotator confidence",
                                         save(ax.figure, folder, f"{base}__agreement_by_confidence.png"),
                                         "Fraction of pairs where the higher-likelihood summary is the one the "
                                         "labeller chose (tie = 1/2), per confidence level, with cluster-bootstrap "
                                         "CIs; dashed: chance."))
                model = run["cmp"][task_name]["preference_model"]
                ax = calibration_plot(_calibration(model["calibration"]), _fit(model["logprob_diff"]))
                saved.append(SavedFigure(name, task_name, "Calibration of P(human prefers A)",
                                         save(ax.figure, folder, f"{base}__calibration.png"),
                                         "Observed rate of choosing A per decile of the summed log-prob difference "
                                         "(exact binomial CIs), the fitted logistic curve and the unit-slope curve."))
    return saved


def model_correlation_table(table: pd.DataFrame, task: str, names: Mapping[str, str] | None = None, *,
                            measure: str = "per_byte", statistic: str = "spearman") -> pd.DataFrame:
    """Columns model, axis, estimate, ci_low, ci_high: each run's correlation per rating axis.

    Rows of the statistics table with `reference` empty, the task, measure and statistic, group
    `all`, in run order; `model` is the run's display name from `names` (its model_name when absent).
    """
    rows = select(table, reference="", task=task, measure=measure, statistic=statistic, group=ALL)
    rows = rows.assign(model=[(names or {}).get(m, m) for m in rows["model"]])
    return _figure_table(rows, {"model": "model", "axis": "axis"})


def implicit_reward_table(table: pd.DataFrame, task: str, names: Mapping[str, str] | None = None, *,
                          measure: str = "sum") -> pd.DataFrame:
    """Columns model, estimate, ci_low, ci_high, n: each compared model's implicit-reward agreement.

    Rows `implicit_reward_agreement` of the task and measure (r summed, "sum", or "per_byte"), every
    model against the reference; `model` is the display name from `names` (its model_name when absent).
    """
    rows = select(table, task=task, measure=measure, statistic="implicit_reward_agreement", group=ALL)
    rows = rows[rows["reference"] != ""]
    rows = rows.assign(model=[(names or {}).get(m, m) for m in rows["model"]])
    return _figure_table(rows, {"model": "model"}, n=True)


def draw_comparison_figures(summary: dict, table: pd.DataFrame, aligned: dict[tuple[str, str], Aligned],
                            folder: Path, settings: Settings) -> list[SavedFigure]:
    """The figures of the models against the reference: each model's shift (from the aligned rows), and
    per task the models' correlations or implicit-reward agreements (from the statistics table)."""
    saved = []
    names = display_name_map(summary)
    reference = names[summary["reference"]]
    for (model_name, task), rows in sorted(aligned.items()):
        ax = shift_hexbin(*shift_points(rows), confidence=settings.confidence)
        name = names[model_name]
        saved.append(SavedFigure(None, None, f"Likelihood shift of {name} against {reference} ({task})",
                                 save(ax.figure, folder, f"shift__{slug(name)}__{task}.png"),
                                 "Per distinct summary: the reference's log-prob per byte (x) and the model's "
                                 "change of it (y), hexbin counts, binned medians with CIs; a rising trend means "
                                 "probability moved further into what the reference already found likely."))
    kinds = {task: rows.kind for (_, task), rows in aligned.items()}
    for task, kind in sorted(kinds.items()):
        if kind == "axis":
            ax = model_correlation_bars(model_correlation_table(table, task, names))
            saved.append(SavedFigure(None, None, f"Spearman with each rating, per model ({task})",
                                     save(ax.figure, folder, f"models_correlation__{task}.png"),
                                     "Spearman ρ of log-prob per byte with each rating per model, with cluster-"
                                     "bootstrap CIs."))
        else:
            ax = implicit_reward_agreement_bars(implicit_reward_table(table, task, names), reference=reference)
            saved.append(SavedFigure(None, None, f"Implicit-reward agreement per model ({task})",
                                     save(ax.figure, folder, f"implicit_reward__{task}.png"),
                                     f"Agreement of r = log-prob(model) − log-prob({reference}) with the human "
                                     "choice, with cluster-bootstrap CIs; dashed: chance."))
    return saved
