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
from scipy.special import expit

from postprocess.compare.align import Aligned
from postprocess.compare.statistics import gamma_points
from postprocess.io.load import LoadedRun
from postprocess.io.samples import TLDR_ROLES, RatingRoles, rating_roles
from postprocess.plots.comparison_figures import (
    implicit_reward_agreement_bars,
    mode_collapse_map,
    model_correlation_bars,
    sharpening_scatter,
)
from postprocess.plots.run_figures import (
    agreement_by_confidence,
    alpha_fits,
    calibration_plot,
    correlation_bars,
    pair_probability_histogram,
    rating_scatter,
)
from postprocess.plots.style import COLUMN_WIDTH_IN, LABEL_SIZE, TICK_SIZE
from postprocess.report.answers import CONFOUND_FITS
from postprocess.report.facts import ReportFacts
from postprocess.report.findings import (
    MEASURE_WORDS,
    alpha_baseline,
    measure_order,
    shared_summaries,
)
from postprocess.stats.bootstrap import Settings
from postprocess.stats.measures import measure_values
from postprocess.stats.result import confidence_label, interval_marks, interval_warning
from postprocess.stats.table import ALL, group_label, levels, select, split_group, stat_dict, stats_by

DPI = 200
# How the sharpening scatter's points are made on a measure beyond the within-post demeaning: what gamma holds fixed on
# the scale (`postprocess.compare.concentration.held_fixed`) is partialled out of the plotted points too.
HELD_FIXED = {"sum": " with the summary's token count and the reference's summed next-token entropy (where it was "
                     "logged) partialled out, as γ holds them fixed",
              "per_token": " with the reference's mean next-token entropy (where it was logged) partialled out, as γ "
                           "holds it fixed"}


@dataclass(frozen=True)
class SavedFigure:
    run: str | None
    task: str | None
    title: str
    path: str  # relative to the report folder
    caption: str
    answers: str | None = None  # the hypothesis ("hypothesis_1", "hypothesis_2") whose answer it shows, if any


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80] or "run"


def save(fig: Figure, folder: Path, name: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / name, dpi=DPI)
    return f"{folder.name}/{name}"


def titled(fig: Figure, title: str) -> Figure:
    """`fig` with `title` above everything (what is shown, on which measure), so the PNG reads on its own."""
    fig.suptitle(title, fontsize=LABEL_SIZE)
    return fig


def ratings_figure(frame: pd.DataFrame, *, confidence: float, roles: RatingRoles = TLDR_ROLES) -> Figure:
    """One panel per rating of `roles`, two to a row (TL;DR: 2 x 2, its 1-7 scale named)."""
    n_rows = -(-len(roles.axes) // 2)
    fig = Figure(figsize=(2 * COLUMN_WIDTH_IN, 2.3 * n_rows), layout="constrained")
    values = measure_values(frame, "per_byte")
    panels = fig.subplots(n_rows, 2, squeeze=False).ravel()
    scale = " (1-7)" if roles == TLDR_ROLES else ""
    for ax, axis in zip(panels, roles.axes):
        rating_scatter(values, frame[axis].to_numpy(dtype=float), ax=ax, rating_label=f"{axis} rating{scale}",
                       confidence=confidence)
    for ax in panels[len(roles.axes):]:
        ax.set_axis_off()
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


def pair_probabilities(frame: pd.DataFrame, facts: ReportFacts) -> tuple[str, np.ndarray] | None:
    """(measure, sigmoid(delta) per pair), delta = the measure of summary A minus summary B as the rows list them, on
    the main measure, or the first after it that the task has (finite on some pair); None when none is."""
    for measure in measure_order(facts.main_measure):
        try:
            delta = measure_values(frame, measure, "_a") - measure_values(frame, measure, "_b")
        except KeyError:  # a table without the measure's columns (no token counts at all)
            continue
        if np.isfinite(delta).any():
            return measure, expit(delta)
    return None


def pair_probability_figure(frame: pd.DataFrame, facts: ReportFacts, *, name: str, task: str, base: str,
                            folder: Path) -> SavedFigure | None:
    """The distribution of sigma(delta) over a pair task's pairs under one run (Xiao et al. 2024's piling near 0 and
    1), on the main measure, saved; None without a measure to draw."""
    found = pair_probabilities(frame, facts)
    if found is None:
        return None
    measure, probability = found
    n = int(np.isfinite(probability).sum())
    ax = pair_probability_histogram(probability, xlabel="σ(Δ), Δ = summary 0 − summary 1")
    titled(ax.figure, f"pair probability σ(Δ) over the pairs\n(Δ of the {MEASURE_WORDS[measure]})")
    display = facts.names.get(name, name)
    return SavedFigure(name, task, f"Pair probability σ(Δ) on the {MEASURE_WORDS[measure]} over the pairs",
                       save(ax.figure, folder, f"{base}__pair_probability.png"),
                       f"Per pair (n = {n:,}), σ(Δ) with Δ the {MEASURE_WORDS[measure]} of summary 0 minus summary 1 "
                       f"under {display}: the probability a Bradley-Terry reading of its likelihood gives summary 0. "
                       "Xiao et al. 2024 found a reference model's pair probabilities piled near 0 and 1 (preference "
                       "collapse); the panel states the shares below 0.1 and above 0.9.")


def draw_run_figures(loaded: list[LoadedRun], facts: ReportFacts, fits: Mapping[tuple[str, str], Mapping],
                     table: pd.DataFrame, folder: Path, settings: Settings) -> list[SavedFigure]:
    """Each run's figures: the correlations and agreements from the statistics table, the ratings from
    the run's rows, the calibration from its preference model's objects (`fits[(model, task)]`: `Calibration`
    and `LogitFit`, as `postprocess.report.run_statistics.preference_model` made them)."""
    saved = []
    ci = confidence_label(settings.confidence)
    for lr, run in zip(loaded, facts.runs):
        name = run.model_name
        for task_name, task in lr.tasks.items():
            base = f"{slug(run.display_name)}__{task_name}"
            if task.kind == "axis":
                saved.append(SavedFigure(name, task_name, "Log-prob per byte against each rating",
                                         save(titled(ratings_figure(task.frame, confidence=settings.confidence,
                                                                   roles=rating_roles(task.info)),
                                                    "log-prob per byte against each rating"), folder,
                                              f"{base}__ratings.png"),
                                         "Per-byte log-probability of each summary against its rating (jittered), "
                                         f"with the median per rating level and its {ci} CI."))
                ax = correlation_bars(correlation_table(table, model=name, task=task_name))
                titled(ax.figure, "Spearman ρ with each rating, per measure")
                saved.append(SavedFigure(name, task_name, "Spearman ρ of each measure with each rating",
                                         save(ax.figure, folder, f"{base}__correlations.png"),
                                         f"Spearman ρ per measure and rating; bars are {ci} "
                                         "CIs clustered by post (each row's method: statistics.csv)."))
            else:
                by_confidence = confidence_table(table, model=name, task=task_name)
                if by_confidence["estimate"].notna().any():  # data without confidences (pref tasks) has no figure
                    ax = agreement_by_confidence(by_confidence, hue="measure")
                    titled(ax.figure, "agreement with the human choice\nby annotator confidence, per measure")
                    saved.append(SavedFigure(name, task_name, "Agreement with the human choice by annotator "
                                             "confidence, per measure",
                                             save(ax.figure, folder, f"{base}__agreement_by_confidence.png"),
                                             "Fraction of pairs where the higher-likelihood summary is the one the "
                                             "labeller chose (tie = 1/2), per confidence level, with cluster-bootstrap "
                                             "CIs; dashed: chance."))
                probability = pair_probability_figure(task.frame, facts, name=name, task=task_name, base=base,
                                                      folder=folder)
                if probability is not None:
                    saved.append(probability)
                model = fits[(name, task_name)]
                ax = calibration_plot(model["calibration"], model["logprob_diff"])
                titled(ax.figure, "calibration of the choice on the summed log-prob")
                saved.append(SavedFigure(name, task_name, "Calibration of P(human prefers A) on the summed log-prob",
                                         save(ax.figure, folder, f"{base}__calibration.png"),
                                         "Observed rate of choosing A per decile of the summed log-prob difference "
                                         "(exact binomial CIs), the fitted logistic curve (slope b) and the unit-slope "
                                         "curve b = 1."))
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


def sharpening_measure(table: pd.DataFrame, facts: ReportFacts) -> str:
    """The scale of the sharpening figure: the main measure where gamma was computed on it, else the summed
    log-prob (the sequence probability the theory of gamma is about)."""
    measures = set(select(table, statistic="sharpening_gamma")["measure"])
    return next((m for m in measure_order(facts.main_measure) if m in measures), "sum")


def sharpening_figure(panels: list[tuple[str, tuple[np.ndarray, np.ndarray], Mapping | None]], *,
                      confidence: float, measure: str = "sum") -> Figure:
    """One `sharpening_scatter` panel per (model name, (x, y) demeaned points, its gamma statistic), three to a row."""
    n_cols = min(3, max(len(panels), 1))
    n_rows = -(-len(panels) // n_cols)
    fig = Figure(figsize=(COLUMN_WIDTH_IN * n_cols, 2.8 * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, (name, (x, y), gamma) in zip(axes, panels):
        sharpening_scatter(x, y, gamma, ax=ax, title=f"{name}\n({MEASURE_WORDS[measure]})", confidence=confidence)
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    return fig


def draw_comparison_figures(facts: ReportFacts, table: pd.DataFrame, aligned: dict[tuple[str, str], Aligned],
                            folder: Path, settings: Settings) -> list[SavedFigure]:
    """The figures of the models against the reference: per task the sharpening gamma of every model (its points
    from the aligned rows, its fit from the statistics table; drawn once for tasks that score the same distinct
    summaries, the first of them the figure of hypothesis 2's answer), and the models' correlations or
    implicit-reward agreements (from the statistics table)."""
    saved = []
    names = facts.names
    reference = names[facts.reference]
    ci = confidence_label(settings.confidence)
    measure = sharpening_measure(table, facts)
    gamma_rows = select(table, statistic="sharpening_gamma", group=ALL)
    repeats = {task: earlier for model in levels(gamma_rows, "model")
               for task, earlier in shared_summaries(select(gamma_rows, model=model), "sharpening_gamma").items()}
    for task in sorted({task for _, task in aligned} - set(repeats)):
        models = sorted(model for model, t in aligned if t == task)
        gammas = stats_by(select(gamma_rows, task=task, measure=measure), "model")
        fig = sharpening_figure([(names[m], gamma_points(aligned[(m, task)], measure), gammas.get((m,)))
                                 for m in models], confidence=settings.confidence, measure=measure)
        also = [t for t, earlier in repeats.items() if earlier == task]
        tasks = task + "".join(f" and {t}" for t in also)
        why = (f" Drawn once for {tasks}: both tasks score the same distinct summaries, so their points and γ are "
               "the same." if also else "")
        saved.append(SavedFigure(None, None, f"Sharpening γ on the {MEASURE_WORDS[measure]}, against {reference} "
                                 f"({tasks})", save(fig, folder, f"sharpening__{task}.png"),
                                 f"Per distinct summary, the model's {MEASURE_WORDS[measure]} (y) against "
                                 f"{reference}'s (x), both demeaned within post{HELD_FIXED.get(measure, '')}; one "
                                 "panel per model. Orange: the "
                                 f"fitted within-post slope γ with its {ci} cluster-bootstrap CI; dashed: the identity "
                                 "(γ = 1). Steeper than the identity: the model sharpens the reference "
                                 f"(concentration).{why}",
                                 answers=None if any(f.answers for f in saved) else "hypothesis_2"))
    kinds = {task: rows.kind for (_, task), rows in aligned.items()}
    reward = next((m for m in measure_order(facts.main_measure)
                   if m in set(select(table, statistic="implicit_reward_agreement")["measure"])), "sum")
    for task, kind in sorted(kinds.items()):
        if kind == "axis":
            ax = model_correlation_bars(model_correlation_table(table, task, names))
            titled(ax.figure, "Spearman ρ of the log-prob per byte with each rating")
            saved.append(SavedFigure(None, None, f"Spearman ρ of the log-prob per byte with each rating, per model "
                                     f"({task})", save(ax.figure, folder, f"models_correlation__{task}.png"),
                                     "Spearman ρ of log-prob per byte with each rating per model, with cluster-"
                                     "bootstrap CIs."))
        else:
            ax = implicit_reward_agreement_bars(implicit_reward_table(table, task, names, measure=reward),
                                                title=f"implicit reward vs the reference\n({MEASURE_WORDS[reward]})")
            saved.append(SavedFigure(None, None, f"Implicit-reward agreement with the human choice on the "
                                     f"{MEASURE_WORDS[reward]}, per model ({task})",
                                     save(ax.figure, folder, f"implicit_reward__{task}.png"),
                                     f"Agreement of r = {MEASURE_WORDS[reward]}(model) − {MEASURE_WORDS[reward]}("
                                     f"{reference}) with the human choice, with {ci} cluster-bootstrap CIs, on the "
                                     "whole 0-1 axis; dashed: chance (0.5)."))
    return saved


# The labels of the alpha fits in the figure of hypothesis 1's answer.
ALPHA_LABELS = {ALL: "all pairs", "quality_adjusted": "quality held", "length_adjusted": "+ length held",
                "quality_length_adjusted": "+ length held", "copy_adjusted": "+ copying held"}


def alpha_table(table: pd.DataFrame, model: str, task: str, measure: str) -> pd.DataFrame:
    """Columns label, estimate, ci_low, ci_high: the alpha hypothesis 1's answer rests on (`alpha_baseline`) and
    its fits with a confound held fixed (`answers.CONFOUND_FITS`), each label with its unreliable-interval mark and
    its posts where the interval comes from few."""
    rows = select(table, reference="", model=model, task=task, statistic="typicality_alpha", measure=measure)
    columns = ["label", "estimate", "ci_low", "ci_high"]
    found = alpha_baseline(rows, measure)
    if found is None:
        return pd.DataFrame(columns=columns)
    group, _ = found
    fits = {g: s for (g,), s in stats_by(rows, "group").items()}
    out = []
    for g in (group, *(fit for fit, _ in CONFOUND_FITS.get(group, ()))):
        if g in fits:
            stat = fits[g]
            posts = (stat.get("details") or {}).get("n_clusters")
            few = f" {interval_marks(stat)} {posts} posts" if interval_warning(stat) and posts else interval_marks(stat)
            out.append({"label": ALPHA_LABELS.get(g, g.replace("tie_", "equal ")) + few,
                        **{k: stat[k] for k in columns[1:]}})
    return pd.DataFrame(out, columns=columns).astype({k: float for k in columns[1:]})


def draw_answer_figures(facts: ReportFacts, table: pd.DataFrame, folder: Path, settings: Settings) -> list[SavedFigure]:
    """The figure of hypothesis 1's answer: per task a panel of the answering run's alpha (the reference run, else
    the first) and its fits with length and copying held fixed, on the main measure; [] without alpha rows."""
    own = select(table, reference="", statistic="typicality_alpha")
    model = facts.reference or facts.runs[0].model_name
    main = facts.main_measure
    panels = []
    for task in sorted(levels(select(own, model=model), "task")):
        measure = next((m for m in measure_order(main)
                        if alpha_baseline(select(own, model=model, task=task), m) is not None), None)
        if measure is not None:
            panels.append((task, measure, alpha_table(table, model, task, measure)))
    if not panels:
        return []
    fig = Figure(figsize=(COLUMN_WIDTH_IN, sum(0.9 + 0.3 * len(p[2]) for p in panels) + 0.4), layout="constrained")
    titled(fig, f"typicality bias α, with length and copying held fixed\n({MEASURE_WORDS[main]}; dashed: no bias)")
    axes = fig.subplots(len(panels), 1, squeeze=False).ravel()
    for ax, (task, measure, data) in zip(axes, panels):
        alpha_fits(data, ax=ax, xlabel=f"typicality bias α ({MEASURE_WORDS[measure]})")
        ax.set_title(task, fontsize=TICK_SIZE)
    name = facts.names.get(model, model)
    ci = confidence_label(settings.confidence)
    return [SavedFigure(model, None, f"Typicality bias α of {name}, with length and copying held fixed",
                        save(fig, folder, "answer__typicality_alpha.png"),
                        f"Per task, α (logit of the human preference on the standardised log-prob difference, "
                        f"Zhang et al. 2025) with its {ci} cluster-bootstrap CI, and the same fit with the log length "
                        "ratio or the summaries' copying added; dashed: α = 0, no typicality bias. † marks an "
                        "interval from few posts (no claim).", answers="hypothesis_1")]


# --- generated samples: the mode-collapse map ---
MAP_DIVERSITY = "ead"


def _few_posts(own: pd.DataFrame, model: str, diversity: str) -> str:
    """'† N posts' when either interval of a model's point on the mode-collapse map is unreliable, else ''."""
    for statistic, group in (("sample_ref_logprob", ALL), (diversity, "per_input")):
        rows = select(own, model=model, statistic=statistic, group=group)
        if not rows.empty and interval_warning(stat := stat_dict(rows.iloc[0])):
            posts = (stat.get("details") or {}).get("n_clusters")
            return f"{interval_marks(stat)} {posts} posts" if posts else interval_marks(stat)
    return ""


def mode_collapse_table(table: pd.DataFrame, task: str, names: Mapping[str, str] | None = None, *,
                        diversity: str = MAP_DIVERSITY) -> pd.DataFrame:
    """Columns model, x, x_low, x_high, y, y_low, y_high, mark: per model with both, the reference's per-token
    log-prob of its samples (`sample_ref_logprob`) and the per-input `diversity` of its samples, in run order;
    `model` is the display name from `names`; `mark` "† 6 posts" where an interval comes from few posts, else ""."""
    own = select(table, reference="", task=task)
    x = _figure_table(select(own, statistic="sample_ref_logprob"), {"model": "model"})
    y = _figure_table(select(own, statistic=diversity, group="per_input"), {"model": "model"})
    both = x.merge(y, on="model", suffixes=("_x", "_y"))
    out = pd.DataFrame({"model": [(names or {}).get(m, m) for m in both["model"]],
                        "x": both["estimate_x"], "x_low": both["ci_low_x"], "x_high": both["ci_high_x"],
                        "y": both["estimate_y"], "y_low": both["ci_low_y"], "y_high": both["ci_high_y"],
                        "mark": [_few_posts(own, m, diversity) for m in both["model"]]})
    return out.dropna(subset=["x", "y"]).reset_index(drop=True)


def draw_generation_figures(facts: ReportFacts, table: pd.DataFrame, folder: Path,
                            settings: Settings) -> list[SavedFigure]:
    """Per generation task with `sample_ref_logprob` rows, the mode-collapse map (`run` None, `task` the task)."""
    names = facts.names
    reference = facts.reference
    saved = []
    tasks = select(table, reference="", statistic="sample_ref_logprob")["task"]
    for task in sorted(set(tasks)):
        saved += semantic_map(table, task, names, reference, folder, settings)
        data = mode_collapse_table(table, task, names)
        if data.empty:
            continue
        ci = confidence_label(settings.confidence)
        few = bool(data["mark"].str.len().gt(0).any())
        title = "diversity against likelihood of the samples\n" + (
            f"{ci} CIs; †: from few posts, no claim" if few else f"{ci} CIs")
        ax = mode_collapse_map(data, reference=names.get(reference, reference), confidence=settings.confidence,
                               title=title)
        saved.append(SavedFigure(None, task, "Mode-collapse map: per-input diversity (EAD) against the reference's "
                                 f"log-prob per token of the samples ({task})",
                                 save(ax.figure, folder, f"mode_collapse__{task}.png"),
                                 f"Per model: the per-input diversity of its samples (EAD of the K samples of a post, "
                                 f"averaged over posts) against the reference's mean per-token log-prob of them, "
                                 f"with {ci} CIs clustered by post. Lower and to the right of the "
                                 "reference (hollow) is concentration seen in generations."))
    return saved


SEMANTIC_MAP = "semantic_distance"


def semantic_map(table: pd.DataFrame, task: str, names: Mapping[str, str], reference: str | None, folder: Path,
                 settings: Settings) -> list[SavedFigure]:
    """The mode-collapse map with the per-input semantic distance on the y axis ([] without its rows)."""
    data = mode_collapse_table(table, task, names, diversity=SEMANTIC_MAP)
    if data.empty:
        return []
    ci = confidence_label(settings.confidence)
    few = bool(data["mark"].str.len().gt(0).any())
    title = "semantic diversity against likelihood of the samples\n" + (
        f"{ci} CIs; †: from few posts, no claim" if few else f"{ci} CIs")
    ax = mode_collapse_map(data, reference=names.get(reference, reference), confidence=settings.confidence,
                           diversity_label="per-input semantic distance", title=title)
    return [SavedFigure(None, task, "Mode-collapse map: per-input semantic distance against the reference's log-prob "
                        f"per token of the samples ({task})", save(ax.figure, folder, f"semantic_collapse__{task}.png"),
                        "Per model: the mean pairwise cosine distance of the sentence embeddings of the K samples of "
                        "a post, averaged over posts, against the reference's mean per-token log-prob of them, with "
                        f"{ci} CIs clustered by post. Lower and to the right of the reference "
                        "(hollow) is concentration in meaning, which paraphrase does not hide.")]
