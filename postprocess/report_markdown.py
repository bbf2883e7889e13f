"""Render summary.json and the saved figures as report.md."""

from __future__ import annotations

from postprocess.findings import findings
from postprocess.report_figures import SavedFigure

AXES = ("overall", "accuracy", "coverage", "coherence")


def fmt(stat: dict | None, digits: int = 3) -> str:
    """`0.214 [0.101, 0.318]`, or `undefined (reason)`."""
    if not stat or stat.get("estimate") is None:
        return f"undefined ({stat.get('reason')})" if stat else "n/a"
    text = f"{stat['estimate']:.{digits}f}"
    if stat.get("ci_low") is not None and stat.get("ci_high") is not None:
        text += f" [{stat['ci_low']:.{digits}f}, {stat['ci_high']:.{digits}f}]"
    return text


def p(stat: dict) -> str:
    value = stat.get("p_value") if stat else None
    return "" if value is None else ("<1e-4" if value < 1e-4 else f"{value:.3g}")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows),
            ""]


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
    lines += ["Spearman: rows used / p-value:", "", *table(["measure", *AXES], n_rows)]
    return lines


def cmp_section(name: str, stats: dict, task_info: dict) -> list[str]:
    lines = [f"#### {name} (pairwise choices, n = {task_info['n']})", ""]
    measures = [m for m in stats if m != "preference_model"]
    rows = [[m, fmt(stats[m]["agreement"]), str((stats[m]["agreement"].get("details") or {}).get("n_ties", "")),
             p(stats[m]["agreement"])] for m in measures]
    lines += table(["measure", "agreement [95% CI]", "ties", "p (sign test)"], rows)
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


def render_report(summary: dict, figures: list[SavedFigure]) -> str:
    settings = summary["settings"]
    lines = [
        "# summ-pref report",
        "",
        f"summ-pref {summary['package']['version']}, lm-eval {summary['lm_eval_version']}, created "
        f"{summary['created']}. Intervals: {settings['confidence']:.0%} percentile cluster bootstrap "
        f"({settings['n_resamples']} resamples of posts, seed {settings['seed']}). "
        "Measures: `sum` = summed log-probability of the summary (nats), `per_byte` = sum / UTF-8 bytes, "
        "`per_token` = sum / tokens.",
        "",
        "## Findings",
        "",
        *(f"- {sentence}" for sentence in findings(summary)),
        "",
    ]
    if summary.get("comparisons"):
        lines += ["## Comparisons against the reference", ""]
        lines += figure_lines(figures, None, None)
    for run in summary["runs"]:
        lines += [f"## {run['model_name']}", "",
                  f"`{run['model']}` with `{run['model_args']}`; task versions {run['task_versions']}; "
                  f"token counts: {run['token_counts']}.", ""]
        for task, info in run["tasks"].items():
            lines += [f"### {task}", "",
                      f"Data: {info['data_origin']} (split {info['split']}, seed {info['seed']}); "
                      f"prompt `{info['prompt']}` (sha {info['prompt_sha']}); {info['verification']}."
                      + "".join(f" Measure `{m}` absent: {r}." for m, r in info["measures_absent"].items()), ""]
            if task in run["axis"]:
                lines += axis_section(task, run["axis"][task], info)
            else:
                lines += cmp_section(task, run["cmp"][task], info)
            lines += figure_lines(figures, run["model_name"], task)
    lines += ["## Inputs", "", *table(["file", "sha256"], [[f"`{i['path']}`", i["sha256"][:16]]
                                                          for i in summary["inputs"]])]
    return "\n".join(lines)
