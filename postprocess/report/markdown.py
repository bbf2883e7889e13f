"""Render summary.json and the saved figures as report.md."""

from __future__ import annotations

from postprocess.io.provenance import synthetic_scope
from postprocess.io.samples import describe_data_notes
from postprocess.report.figures import SavedFigure
from postprocess.report.findings import findings
from postprocess.stats.result import MIN_CLUSTERS, interval_problems

AXES = ("overall", "accuracy", "coverage", "coherence")
# Marks of an unreliable interval (`interval_problems`) in the tables, each explained under its table.
MARKERS = {"few_clusters": "†", "zero_width": "‡"}
FOOTNOTES = {
    "few_clusters": f"† interval from fewer than {MIN_CLUSTERS} posts: unreliable, so no directional claim is made "
                    "from it (nor from its p-value).",
    "zero_width": "‡ zero-width interval: every resample gave the same value, so it shows no sampling noise and no "
                  "directional claim is made from it (nor from its p-value).",
}


def marks(stat: dict | None) -> str:
    """The markers of what makes `stat`'s interval unreliable ('' when nothing does)."""
    return "".join(MARKERS[kind] for kind in interval_problems(stat))


def fmt(stat: dict | None, digits: int = 3) -> str:
    """`0.214 [0.101, 0.318]`, marked † / ‡ when unreliable, or `undefined (reason)`."""
    if not stat or stat.get("estimate") is None:
        return f"undefined ({stat.get('reason')})" if stat else "n/a"
    text = f"{stat['estimate']:.{digits}f}"
    if stat.get("ci_low") is not None and stat.get("ci_high") is not None:
        text += f" [{stat['ci_low']:.{digits}f}, {stat['ci_high']:.{digits}f}]{marks(stat)}"
    return text


def p(stat: dict) -> str:
    """The p-value; a bootstrap p below its resolution 1 / B (B resamples) shows as `<1/B`."""
    value = stat.get("p_value") if stat else None
    if value is None:
        return ""
    n_resamples = (stat.get("details") or {}).get("n_resamples")
    if n_resamples and value < 1 / n_resamples:
        return f"<{1 / n_resamples:.2g}{marks(stat)}"
    return ("<1e-4" if value < 1e-4 else f"{value:.3g}") + marks(stat)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table, followed by the footnote of every unreliable-interval marker in its cells."""
    notes = [FOOTNOTES[kind] for kind, mark in MARKERS.items() if any(mark in cell for row in rows for cell in row)]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows),
            "", *(line for note in notes for line in (note, ""))]


def figure_lines(figures: list[SavedFigure], run: str | None, task: str | None) -> list[str]:
    return [line for f in figures if f.run == run and f.task == task
            for line in (f"![{f.title}]({f.path})", "", f"*{f.title}.* {f.caption}", "")]


def axis_section(name: str, stats: dict, task_info: dict) -> list[str]:
    lines = [f"#### {name} (axis ratings, n = {task_info['n']})", ""]
    for statistic in ("spearman", "partial_spearman_length", "pearson", "kendall"):
        rows = [[measure, *(fmt(stats[measure][axis][statistic]) for axis in AXES)] for measure in stats]
        lines += [f"{statistic.replace('_', ' ')} (estimate [95% CI], posts resampled):", ""]
        lines += table(["measure", *AXES], rows)
    n_rows = [[measure, *(f"{stats[measure][axis]['spearman']['n']} / {p(stats[measure][axis]['spearman'])}"
                          for axis in AXES)] for measure in stats]
    lines += ["Spearman: rows used / p-value (cluster bootstrap, from the interval's resamples):", "",
              *table(["measure", *AXES], n_rows)]
    return lines


def cmp_section(name: str, stats: dict, task_info: dict) -> list[str]:
    lines = [f"#### {name} (pairwise choices, n = {task_info['n']})", ""]
    measures = [m for m in stats if m != "preference_model"]
    rows = [[m, fmt(stats[m]["agreement"]), str((stats[m]["agreement"].get("details") or {}).get("n_ties", "")),
             p(stats[m]["agreement"])] for m in measures]
    lines += table(["measure", "agreement [95% CI]", "ties", "p (cluster bootstrap)"], rows)
    buckets = list(stats[measures[0]]["by_confidence"])
    lines += ["Agreement by annotator confidence:", ""]
    lines += table(["measure", *buckets], [[m, *(fmt(stats[m]["by_confidence"][b]) for b in buckets)]
                                           for m in measures])
    subsplits = list(stats[measures[0]]["by_subsplit"])
    lines += ["Agreement by split:", ""]
    lines += table(["measure", *subsplits], [[m, *(fmt(stats[m]["by_subsplit"][s]) for s in subsplits)]
                                             for m in measures])
    model = stats["preference_model"]
    fit_rows = []
    for fit_name in ("logprob_diff", "logprob_diff_and_length"):
        fit = model[fit_name]
        if fit["coef"] is None:
            fit_rows.append([fit_name, f"undefined ({fit['reason']})", "", ""])
            continue
        for i, term in enumerate(fit["names"]):
            fit_rows.append([fit_name, term, f"{fit['coef'][i]:.4f} ± {fit['se'][i]:.4f}", f"{fit['p_values'][i]:.3g}"])
    lines += ["Logistic (Bradley-Terry) fit of the choice, no intercept:", ""]
    lines += table(["fit", "term", "coefficient ± SE", "p"], fit_rows)
    lines += ["Per policy pair: see `tables/agreement.csv`.", ""]
    return lines


def rows_scored(summary: dict) -> list[str]:
    """Rows each run scored per task and how many all runs share: with several runs, statistics
    side by side are only comparable on the same judgements, so a difference must be visible."""
    coverage = summary.get("row_coverage") or {}
    if len(summary["runs"]) < 2 or not coverage:
        return []
    runs = [(r["model_name"], r.get("display_name", r["model_name"])) for r in summary["runs"]]
    rows = [[task, *(str(entry["per_run"].get(name, "not scored")) for name, _ in runs), str(entry["common"])]
            for task, entry in coverage.items()]
    return ["## Rows scored", "", *table(["task", *(shown for _, shown in runs), "common to all runs"], rows)]


def synthetic_banner(summary: dict) -> list[str]:
    """The warning report.md opens with when any task was scored on made-up rows."""
    scope = synthetic_scope(summary["runs"])
    if scope is None:
        return []
    return [(f"> **Synthetic data** ({scope}): these rows are made up (the embedded sample or a "
             "synthetic run), not human judgements. No conclusion about humans or models can be drawn from this "
             "report; it only shows what a report on real data looks like."), ""]


def render_report(summary: dict, figures: list[SavedFigure]) -> str:
    settings = summary["settings"]
    lines = [
        "# summ-pref report",
        "",
        *synthetic_banner(summary),
        (f"summ-pref {summary['package']['version']}, lm-eval {summary['lm_eval_version']}, created "
        f"{summary['created']}. Intervals: {settings['confidence']:.0%} percentile cluster bootstrap "
        f"({settings['n_resamples']} resamples of posts, seed {settings['seed']}). "
        f"p-values: the cluster-bootstrap p of the same resamples, inverting the percentile interval against "
        f"the null (0; 0.5 for agreement), so p < {1 - settings['confidence']:.2g} exactly when the interval "
        "excludes the null; the rows-independent tests (sign test, scipy) are in summary.json as "
        f"`details.p_value_independent`. {MARKERS['few_clusters']} / {MARKERS['zero_width']}: unreliable "
        f"interval (fewer than {MIN_CLUSTERS} posts / zero width), no directional claim. "
        "Measures: `sum` = summed log-probability of the summary (nats), `per_byte` = sum / UTF-8 bytes, "
        "`per_token` = sum / tokens."),
        "",
        "## Findings",
        "",
        *(f"- {sentence}" for sentence in findings(summary)),
        "",
    ]
    lines += rows_scored(summary)
    if summary.get("comparisons"):
        lines += ["## Comparisons against the reference", ""]
        lines += figure_lines(figures, None, None)
    for run in summary["runs"]:
        weights = f"; weights {run['weights']}" if run.get("weights") else ""
        lines += [f"## {run.get('display_name', run['model_name'])}", "",
                  (f"`{run['model']}` with `{run['model_args']}`{weights}; task versions {run['task_versions']}; "
                   f"token counts: {run['token_counts']}."), ""]
        for task, info in run["tasks"].items():
            lines += [f"### {task}", "",
                      f"Data: {info['data_origin']} (split {info['split']}, seed {info['seed']}); "
                      f"prompt `{info['prompt']}` (sha {info['prompt_sha']}), chat template "
                      f"{'applied' if info['chat_template'] else 'not applied'}; {info['verification']}."
                      + "".join(f" Measure `{m}` absent: {r}." for m, r in info["measures_absent"].items()), ""]
            notes = describe_data_notes(info.get("data_notes") or {})
            lines += [f"Data notes: {'; '.join(notes)}.", ""] if notes else []
            if task in run["axis"]:
                lines += axis_section(task, run["axis"][task], info)
            else:
                lines += cmp_section(task, run["cmp"][task], info)
            lines += figure_lines(figures, run["model_name"], task)
    lines += ["## Inputs", "", *table(["file", "sha256"], [[f"`{i['path']}`", i["sha256"][:16]]
                                                          for i in summary["inputs"]])]
    return "\n".join(lines)
