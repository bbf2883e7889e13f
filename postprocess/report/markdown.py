"""report.md: the statistics from the statistics table (filtered by model, task, statistic, group), the
provenance, settings, row counts and model fits from summary.json, and the saved figures."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lm_eval_tasks.rows import RATING_AXES
from postprocess.io.provenance import synthetic_scope
from postprocess.io.samples import describe_data_notes
from postprocess.report.figures import SavedFigure
from postprocess.report.findings import findings
from postprocess.stats.registry import REGISTRY, statistics
from postprocess.stats.result import INTERVAL_MARKS, MIN_CLUSTERS, confidence_label, format_stat, interval_marks
from postprocess.stats.table import ALL, levels, select, split_group, stats_by

# The single-run statistics of an axis task, one markdown table each, in this order.
# Each unreliable-interval mark (`INTERVAL_MARKS`) is explained under the table that shows it.
FOOTNOTES = {
    "few_clusters": f"† interval from fewer than {MIN_CLUSTERS} posts: unreliable, so no directional claim is made "
                    "from it (nor from its p-value).",
    "zero_width": "‡ zero-width interval: every resample gave the same value, so it shows no sampling noise and no "
                  "directional claim is made from it (nor from its p-value).",
}


def cell(stat: Mapping | None) -> str:
    """A table cell: `0.214 [0.101, 0.318]`, marked † / ‡ when unreliable, `undefined (reason)`, or `n/a`."""
    return format_stat(stat, marks=True)


def p(stat: Mapping | None) -> str:
    """The p-value; a bootstrap p below its resolution 1 / B (B resamples) shows as `<1/B`."""
    value = stat.get("p_value") if stat else None
    if value is None:
        return ""
    n_resamples = (stat.get("details") or {}).get("n_resamples")
    if n_resamples and value < 1 / n_resamples:
        return f"<{1 / n_resamples:.2g}{interval_marks(stat)}"
    return ("<1e-4" if value < 1e-4 else f"{value:.3g}") + interval_marks(stat)


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table, followed by the footnote of every unreliable-interval mark in its cells."""
    notes = [FOOTNOTES[kind] for kind, mark in INTERVAL_MARKS.items() if any(mark in c for row in rows for c in row)]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows),
            "", *(line for note in notes for line in (note, ""))]


def figure_lines(figures: list[SavedFigure], run: str | None, task: str | None) -> list[str]:
    return [line for f in figures if f.run == run and f.task == task
            for line in (f"![{f.title}]({f.path})", "", f"*{f.title}.* {f.caption}", "")]


def axis_section(name: str, rows: pd.DataFrame, task_info: Mapping, ci: str) -> list[str]:
    """One axis task of one run: `rows` are its statistics (group `all`) from the statistics table; `ci`
    the intervals' coverage ("95%")."""
    lines = [f"#### {name} (axis ratings, n = {task_info['n']})", ""]
    stats = stats_by(rows, "statistic", "measure", "axis")
    measures = levels(rows, "measure")
    present = set(rows["statistic"])
    for statistic in (s.name for s in statistics(kind="axis") if s.name in present):  # in registry order
        heading = REGISTRY[statistic].key.replace("_", " ")  # the summary.json key, as the report always named it
        lines += [f"{heading} (estimate [{ci} CI], posts resampled):", ""]
        lines += markdown_table(["measure", *RATING_AXES],
                                [[m, *(cell(stats.get((statistic, m, a))) for a in RATING_AXES)] for m in measures])
    n_rows = [[m, *(f"{s['n']} / {p(s)}" if (s := stats.get(("spearman", m, a))) else "n/a" for a in RATING_AXES)]
              for m in measures]
    lines += ["Spearman: rows used / p-value (cluster bootstrap, from the interval's resamples):", "",
              *markdown_table(["measure", *RATING_AXES], n_rows)]
    return lines


def _breakdown(rows: pd.DataFrame, measures: list[str], by: str) -> list[str]:
    """The table of one breakdown (`by` e.g. "by_confidence") of the agreement: a column per group."""
    groups = [g for g in levels(select(rows, measure=measures[0]), "group") if g != ALL and split_group(g)[0] == by]
    stats = stats_by(rows, "measure", "group")
    return markdown_table(["measure", *(split_group(g)[1] for g in groups)],
                          [[m, *(cell(stats.get((m, g))) for g in groups)] for m in measures])


def cmp_section(name: str, rows: pd.DataFrame, fits: Mapping, task_info: Mapping, ci: str) -> list[str]:
    """One pair task of one run: `rows` are its agreement statistics (every group) from the statistics
    table, `fits` its preference model (`runs[].cmp[TASK].preference_model`); `ci` the coverage."""
    lines = [f"#### {name} (pairwise choices, n = {task_info['n']})", ""]
    measures = levels(rows, "measure")
    overall = stats_by(select(rows, group=ALL), "measure")
    table_rows = []
    for m in measures:
        s = overall.get((m,))
        table_rows.append([m, cell(s), str(((s or {}).get("details") or {}).get("n_ties", "")), p(s)])
    lines += markdown_table(["measure", f"agreement [{ci} CI]", "ties", "p (cluster bootstrap)"], table_rows)
    if measures:
        lines += ["Agreement by annotator confidence:", "", *_breakdown(rows, measures, "by_confidence")]
        lines += ["Agreement by split:", "", *_breakdown(rows, measures, "by_subsplit")]
    fit_rows = []
    for fit_name in ("logprob_diff", "logprob_diff_and_length"):
        fit = fits[fit_name]
        if fit["coef"] is None:
            fit_rows.append([fit_name, f"undefined ({fit['reason']})", "", ""])
            continue
        for i, term in enumerate(fit["names"]):
            fit_rows.append([fit_name, term, f"{fit['coef'][i]:.4f} ± {fit['se'][i]:.4f}", f"{fit['p_values'][i]:.3g}"])
    lines += ["Logistic (Bradley-Terry) fit of the choice, no intercept:", ""]
    lines += markdown_table(["fit", "term", "coefficient ± SE", "p"], fit_rows)
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
    return ["## Rows scored", "", *markdown_table(["task", *(shown for _, shown in runs), "common to all runs"], rows)]


def synthetic_banner(summary: dict) -> list[str]:
    """The warning report.md opens with when any task was scored on made-up rows."""
    scope = synthetic_scope(summary["runs"])
    if scope is None:
        return []
    return [(f"> **Synthetic data** ({scope}): these rows are made up (the embedded sample or a "
             "synthetic run), not human judgements. No conclusion about humans or models can be drawn from this "
             "report; it only shows what a report on real data looks like."), ""]


def render_report(summary: Mapping, table: pd.DataFrame, figures: list[SavedFigure]) -> str:
    """report.md of a summary (provenance, settings, tasks, fits), its statistics table and its figures."""
    settings = summary["settings"]
    ci = confidence_label(settings["confidence"])
    lines = [
        "# summ-pref report",
        "",
        *synthetic_banner(summary),
        (f"summ-pref {summary['package']['version']}, lm-eval {summary['lm_eval_version']}, created "
        f"{summary['created']}. Intervals: {ci} percentile cluster bootstrap "
        f"({settings['n_resamples']} resamples of posts, seed {settings['seed']}). "
        f"p-values: the cluster-bootstrap p of the same resamples, inverting the percentile interval against "
        f"the null (0; 0.5 for agreement), so p < {1 - settings['confidence']:.2g} exactly when the interval "
        "excludes the null; the rows-independent tests (sign test, scipy) are in summary.json as "
        f"`details.p_value_independent`. {INTERVAL_MARKS['few_clusters']} / {INTERVAL_MARKS['zero_width']}: "
        f"unreliable interval (fewer than {MIN_CLUSTERS} posts / zero width), no directional claim. "
        "Measures: `sum` = summed log-probability of the summary (nats), `per_byte` = sum / UTF-8 bytes, "
        "`per_token` = sum / tokens."),
        "",
        "## Findings",
        "",
        *(f"- {sentence}" for sentence in findings(summary, table)),
        "",
    ]
    lines += rows_scored(summary)
    if summary.get("comparisons"):
        lines += ["## Comparisons against the reference", ""]
        lines += figure_lines(figures, None, None)
    own = table[table["reference"] == ""]
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
            rows = select(own, model=run["model_name"], task=task)
            if info["kind"] == "axis":
                lines += axis_section(task, select(rows, group=ALL), info, ci)
            else:
                lines += cmp_section(task, select(rows, statistic="agreement"), run["cmp"][task]["preference_model"],
                                     info, ci)
            lines += figure_lines(figures, run["model_name"], task)
    lines += ["## Inputs", "", *markdown_table(["file", "sha256"], [[f"`{i['path']}`", i["sha256"][:16]]
                                                          for i in summary["inputs"]])]
    return "\n".join(lines)
