"""Draw and save the report's figures (the only place figures are saved): the tables each figure draws,
built from summary.json, and each figure's title and caption beside it."""

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


def _entries(summary: Mapping) -> list[dict]:
    comps = summary.get("comparisons") or []
    return list(comps.values()) if isinstance(comps, Mapping) else list(comps)


def model_correlation_table(
    summary: Mapping, task: str, *, measure: str = "per_byte", statistic: str = "spearman",
) -> pd.DataFrame:
    """Columns model, axis, estimate, ci_low, ci_high: one run's correlation per axis, every run.

    Reads ``summary["runs"][i]["axis"][task][measure][axis][statistic]``; runs without the task or
    measure are left out. `model` is the run's display name (its model_name when none is recorded).
    """
    rows = []
    for run in summary.get("runs", []):
        by_axis = run.get("axis", {}).get(task, {}).get(measure, {})
        for axis, stats in by_axis.items():
            s = stats.get(statistic) or {}
            rows.append({"model": run.get("display_name", run["model_name"]), "axis": axis,
                         **{k: (np.nan if s.get(k) is None else s[k]) for k in ("estimate", "ci_low", "ci_high")}})
    return pd.DataFrame(rows, columns=["model", "axis", "estimate", "ci_low", "ci_high"])


def implicit_reward_table(summary: Mapping, task: str, *, key: str = "agreement") -> pd.DataFrame:
    """Columns model, estimate, ci_low, ci_high, n: implicit-reward agreement of each compared model.

    Reads ``summary["comparisons"][...]["cmp"][task]["implicit_reward"][key]``; `model` is the
    display name of the run (`postprocess.io.provenance.display_name_map`).
    """
    names = display_name_map(summary)
    rows = []
    for entry in _entries(summary):
        s = entry.get("cmp", {}).get(task, {}).get("implicit_reward", {}).get(key)
        if s is not None:
            rows.append({"model": names.get(entry["model_name"], entry["model_name"]), "n": s.get("n"),
                         **{k: (np.nan if s.get(k) is None else s[k]) for k in ("estimate", "ci_low", "ci_high")}})
    return pd.DataFrame(rows, columns=["model", "estimate", "ci_low", "ci_high", "n"])


def draw_comparison_figures(summary: dict, aligned: dict[tuple[str, str], Aligned],
                            folder: Path) -> list[SavedFigure]:
    saved = []
    names = display_name_map(summary)
    reference = names[summary["reference"]]
    for (model_name, task), table in sorted(aligned.items()):
        ax = shift_hexbin(*shift_points(table))
        name = names[model_name]
        saved.append(SavedFigure(None, None, f"Likelihood shift of {name} against {reference} ({task})",
                                 save(ax.figure, folder, f"shift__{slug(name)}__{task}.png"),
                                 "Per distinct summary: the reference's log-prob per byte (x) and the model's "
                                 "change of it (y), hexbin counts, binned medians with CIs; a rising trend means "
                                 "probability moved further into what the reference already found likely."))
    tasks = sorted({task for _, task in aligned})
    for task in tasks:
        if task in summary["runs"][0]["axis"]:
            ax = model_correlation_bars(model_correlation_table(summary, task))
            saved.append(SavedFigure(None, None, f"Spearman with each rating, per model ({task})",
                                     save(ax.figure, folder, f"models_correlation__{task}.png"),
                                     "Spearman ρ of log-prob per byte with each rating per model, with cluster-"
                                     "bootstrap CIs."))
        elif task in summary["runs"][0]["cmp"]:
            ax = implicit_reward_agreement_bars(implicit_reward_table(summary, task), reference=reference)
            saved.append(SavedFigure(None, None, f"Implicit-reward agreement per model ({task})",
                                     save(ax.figure, folder, f"implicit_reward__{task}.png"),
                                     f"Agreement of r = log-prob(model) − log-prob({reference}) with the human "
                                     "choice, with cluster-bootstrap CIs; dashed: chance."))
    return saved
