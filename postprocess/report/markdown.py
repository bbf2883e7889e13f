"""report.md: the statistics from the statistics table (filtered by model, task, statistic, group), the
provenance, settings, row counts and model fits from summary.json, and the saved figures."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from postprocess.io.provenance import synthetic_scope
from postprocess.io.samples import TLDR_ROLES, RatingRoles, describe_data_notes, rating_roles
from postprocess.report.answers import answers, stated_measure
from postprocess.report.figures import SavedFigure
from postprocess.report.findings import findings_by_question, main_measure
from postprocess.report.run_statistics import tie_group
from postprocess.report.tables import HYPOTHESIS_1
from postprocess.stats.baselines import RULE_WORDS
from postprocess.stats.registry import REGISTRY, difference_name, statistics
from postprocess.stats.result import INTERVAL_MARKS, MIN_CLUSTERS, confidence_label, format_stat, interval_marks
from postprocess.stats.table import ALL, group_label, levels, select, split_group, stats_by

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
    """A markdown table, followed by the footnote of every unreliable-interval mark in its cells. A row with nothing
    in it (every cell empty or `n/a`) is left out."""
    rows = [r for r in rows if any(c not in ("", "n/a") for c in r)]
    notes = [FOOTNOTES[kind] for kind, mark in INTERVAL_MARKS.items() if any(mark in c for row in rows for c in row)]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows),
            "", *(line for note in notes for line in (note, ""))]


def figure_lines(figures: list[SavedFigure], run: str | None, task: str | None) -> list[str]:
    return [line for f in figures if f.run == run and f.task == task and f.answers is None
            for line in (f"![{f.title}]({f.path})", "", f"*{f.title}.* {f.caption}", "")]


def axis_section(rows: pd.DataFrame, task_info: Mapping, ci: str, baselines: pd.DataFrame | None = None) -> list[str]:
    """One axis task of one run: `rows` are its statistics (group `all`) from the statistics table, `baselines`
    its `baseline_spearman` rows; `ci` the intervals' coverage ("95%"). Columns: the task's ratings
    (`rating_roles`)."""
    lines = []
    axes = list(rating_roles(task_info).axes)
    stats = stats_by(rows, "statistic", "measure", "axis")
    measures = [m for m in levels(rows, "measure") if m]  # the entropy along the summaries has no measure
    present = set(rows["statistic"]) - set(HYPOTHESIS_1)  # hypothesis 1 has its own tables (`typicality_lines`)
    for statistic in (s.name for s in statistics(kind="axis") if s.name in present):  # in registry order
        heading = REGISTRY[statistic].key.replace("_", " ")  # the summary.json key, as the report always named it
        lines += [f"{heading} (estimate [{ci} CI], posts resampled):", ""]
        lines += markdown_table(["measure", *axes],
                                [[m, *(cell(stats.get((statistic, m, a))) for a in axes)] for m in measures])
    n_rows = [[m, *(f"{s['n']} / {p(s)}" if (s := stats.get(("spearman", m, a))) else "n/a" for a in axes)]
              for m in measures]
    lines += ["Spearman: rows used / p-value (t-test of Fisher's z on the delete-one-post jackknife SE, inverts the "
              "interval):", "",
              *markdown_table(["measure", *axes], n_rows)]
    return lines + axis_baseline_lines(baselines, axes, ci)


def axis_baseline_lines(rows: pd.DataFrame | None, axes: list[str], ci: str) -> list[str]:
    """The null rules' Spearman with each rating (`baseline_spearman`), to read beside the models' Spearman."""
    if rows is None or rows.empty:
        return []
    stats = stats_by(rows, "group", "axis")
    groups = levels(rows, "group")
    return [f"Null baselines, Spearman ρ of the rule's score with each rating (estimate [{ci} CI], same draws):", "",
            *markdown_table(["rule", *axes], [[baseline_label(g), *(cell(stats.get((g, a))) for a in axes)]
                                              for g in groups])]


def _breakdown(rows: pd.DataFrame, measures: list[str], by: str) -> list[str]:
    """The table of one breakdown (`by` e.g. "by_confidence") of the agreement: a column per group."""
    groups = [g for g in levels(select(rows, measure=measures[0]), "group") if g != ALL and split_group(g)[0] == by]
    stats = stats_by(rows, "measure", "group")
    return markdown_table(["measure", *(split_group(g)[1] for g in groups)],
                          [[m, *(cell(stats.get((m, g))) for g in groups)] for m in measures])


def baseline_label(group: str) -> str:
    """An agreement table's row name of a null rule: "null: the longer summary (bytes) wins"."""
    return f"null: {RULE_WORDS.get(split_group(group)[1], group)}"


def cmp_section(rows: pd.DataFrame, fits: Mapping, ci: str, baselines: pd.DataFrame | None = None) -> list[str]:
    """One pair task of one run: `rows` are its agreement statistics (every group) from the statistics
    table, `fits` its preference model (`runs[].cmp[TASK].preference_model`), `baselines` its null rules'
    `baseline_agreement` rows (shown under the measures, same pairs and draws); `ci` the coverage."""
    lines = []
    measures = levels(rows, "measure")
    overall = stats_by(select(rows, group=ALL), "measure")
    table_rows = []
    for m in measures:
        s = overall.get((m,))
        table_rows.append([m, cell(s), str(((s or {}).get("details") or {}).get("n_ties", "")), p(s)])
    for group, s in stats_by(baselines if baselines is not None else rows.iloc[:0], "group").items():
        table_rows.append([baseline_label(group[0]), cell(s), str((s.get("details") or {}).get("n_ties", "")), p(s)])
    lines += markdown_table(["measure", f"agreement [{ci} CI]", "ties", "p (t, cluster-robust)"], table_rows)
    for by, heading in (("by_confidence", "Agreement by annotator confidence:"),
                        ("by_subsplit", "Agreement by split:")):
        groups = rows[rows["group"].str.startswith(group_label(by, ""))]
        if measures and groups["estimate"].notna().any():  # data without confidences or splits (pref) has none
            lines += [heading, "", *_breakdown(rows, measures, by)]
    fit_rows = []
    for fit_name in ("logprob_diff", "logprob_diff_and_length"):
        fit = fits[fit_name]
        if fit["coef"] is None:
            fit_rows.append([fit_name, f"undefined ({fit['reason']})", "", ""])
            continue
        for i, term in enumerate(fit["names"]):
            fit_rows.append([fit_name, term, f"{fit['coef'][i]:.4f} ± {fit['se'][i]:.4f}", f"{fit['p_values'][i]:.3g}"])
    lines += ["Logistic (Bradley-Terry) fit of the choice, no intercept: P(A) = sigmoid(b·Δ), b the coefficient of the "
              "summed log-prob difference (`logprob_diff`):", ""]
    lines += markdown_table(["fit", "term", "coefficient ± SE", "p"], fit_rows)
    lines += ["Per policy pair: see `tables/agreement.csv`.", ""]
    return lines


# Hypothesis 1 (issue 13): the typicality bias alpha, the agreement as Verbalized Sampling reports it and the
# human ceiling. Each block appears only when its rows are in the statistics table.
TYPICALITY = ("typicality_alpha", "typicality_odds_ratio", "typicality_delta_p")
GROUP_WORDS = {
    "all": "all pairs",
    "length_adjusted": "+ log length ratio",
    "policy_adjusted": "+ policy fixed effects",
    "copy_adjusted": "+ extractiveness differences",
    "tie_accuracy": "pairs with equal mean accuracy",
    "quality_adjusted": "+ Δaccuracy, Δcoverage, Δcoherence",
    "quality_length_adjusted": "+ quality and log length ratio",
    "token_count_adjusted": "+ token count difference; axis tasks: over the tie pairs; the α of predicted γ where "
                            "the reference logged no entropies",
    "entropy_token_count_adjusted": "+ token count and summed entropy differences; axis tasks: over the tie pairs; "
                                    "the α of predicted γ",
    "vs_scale": "Verbalized Sampling's reading: intercept, per sd of Δ, first-listed summary minus second",
}
CMP_GROUPS = ("all", "vs_scale", "length_adjusted", "policy_adjusted", "copy_adjusted")
AXIS_GROUPS = ("tie_accuracy", "vs_scale", "quality_adjusted", "quality_length_adjusted", "copy_adjusted",
               "policy_adjusted")
HEADLINE_SPLIT = "subsplit=valid2"


def _group_label(group: str, roles: RatingRoles = TLDR_ROLES) -> str:
    words = GROUP_WORDS.get(group)
    if group == "quality_adjusted" and roles != TLDR_ROLES:
        words = "+ " + ", ".join(f"Δ{q}" for q in roles.quality)
    elif words is None and group.startswith("tie_"):
        words = f"pairs with equal mean {group.removeprefix('tie_')}"
    return f"{group} ({words})" if words else group


def _ordered_groups(rows: pd.DataFrame, fixed: tuple[str, ...]) -> list[str]:
    """The fixed groups present (in their order), then the others (subsplits, policies) in table order,
    the headline split valid2 first among them."""
    present = levels(rows, "group")
    rest = [g for g in present if g not in fixed]
    rest.sort(key=lambda g: g != HEADLINE_SPLIT)
    return [g for g in fixed if g in present] + rest


def _cell_p(stat: Mapping | None) -> str:
    """`cell` followed by the p-value, `0.214 [0.101, 0.318], p 0.003`."""
    text = cell(stat)
    value = p(stat)
    return f"{text}, p {value}" if value else text


def typicality_lines(rows: pd.DataFrame, kind: str, ci: str, roles: RatingRoles = TLDR_ROLES) -> list[str]:
    """The alpha table (rows = groups, columns = measures) and the odds ratio / Δp table of one task, from
    its `typicality_*` rows; [] when it has none. `roles`: an axis task's outcome and quality ratings."""
    alpha_rows = select(rows, statistic="typicality_alpha")
    if alpha_rows.empty:
        return []
    measures = levels(alpha_rows, "measure")
    tied = [group] if (group := tie_group(roles)) else []
    groups = _ordered_groups(alpha_rows, CMP_GROUPS if kind == "cmp" else (*tied, *AXIS_GROUPS[1:]))
    first = "summary 0 (as the data lists it)" if kind == "cmp" else "summary i (first in sorted order)"
    stats = stats_by(rows[rows["statistic"].isin(TYPICALITY)], "statistic", "measure", "group")
    best = roles.outcome
    outcome = (f"1[{best}_i > {best}_j] over within-post pairs of distinct summaries (ratings averaged over "
               f"raters) whose mean {best} ratings differ" if kind == "axis" else "the human choice")
    lines = [f"Hypothesis 1: typicality bias α (Zhang et al. 2025): logistic regression of {outcome} on "
             "z = Δ / rms(Δ), Δ the measure's difference within the pair, no intercept (the fit does not depend "
             "on which summary is listed first), clustered by post; `vs_scale` beside it on the same rows: Verbalized "
             f"Sampling's published reading, with an intercept, z = Δ / sd(Δ), the outcome 1 when {first} won"
             + f". Cells: α [{ci} CI], p (cluster bootstrap; the cluster-robust Wald p is in summary.json's "
             "details).", ""]
    measure = next((m for m in ("per_token", "per_byte", "sum") if m in measures), measures[0])
    headline = stats.get(("typicality_alpha", measure, HEADLINE_SPLIT))
    if headline is not None:
        lines += [f"Headline split valid2 ({measure}): α = {_cell_p(headline)}.", ""]
    lines += markdown_table(["group", *measures],
                            [[_group_label(g, roles), *(_cell_p(stats.get(("typicality_alpha", m, g)))
                                                         for m in measures)] for g in groups])
    if any(s in set(rows["statistic"]) for s in TYPICALITY[1:]):
        lines += ["The same fits read as the odds ratio per rms unit of Δ (`vs_scale`: per sd) and Δp, the win "
                  "probability at z = +1 "
                  f"minus at z = −1 (estimate [{ci} CI]):", ""]
        lines += markdown_table(
            ["group", *(f"{m}: {what}" for m in measures for what in ("odds ratio", "Δp"))],
            [[_group_label(g, roles), *(cell(stats.get((s, m, g))) for m in measures for s in TYPICALITY[1:])]
             for g in groups])
    ordinal = stats_by(select(rows, statistic="typicality_ordinal"), "measure")
    if ordinal:
        lines += [f"Ordered logit of the {best} rating on {', '.join(roles.quality)} and the standardised "
                  f"measure, clustered by post (coefficient of the measure [{ci} CI], p):", ""]
        lines += markdown_table(["measure", "ordinal coefficient"], [[m, _cell_p(s)] for (m,), s in ordinal.items()])
    return lines


def vs_agreement_lines(rows: pd.DataFrame, ci: str) -> list[str]:
    """"Agreement as Verbalized Sampling reports it": per measure the agreement with its cluster-bootstrap
    and its Wilson interval, Chen's R / R~, valid2, and the agreement by policy-pair class; [] when none of
    these rows exist."""
    wilson = stats_by(select(rows, statistic="agreement_wilson", group=ALL), "measure")
    ranking = stats_by(select(rows, statistic="ranking_accuracy", group=ALL), "measure")
    agreement = select(rows, statistic="agreement")
    by_class = agreement[agreement["group"].str.startswith("policy_class=")]
    if not wilson and not ranking and by_class.empty:
        return []
    overall = stats_by(select(agreement, group=ALL), "measure")
    valid2 = stats_by(select(agreement, group=HEADLINE_SPLIT), "measure")
    measures = [m for m in dict.fromkeys([*levels(agreement, "measure"), *(m for (m,) in wilson),
                                          *(m for (m,) in ranking)])]
    lines = ["Agreement as Verbalized Sampling reports it:", ""]
    if wilson or ranking:
        header = ["measure", f"agreement [{ci} CI, posts resampled]", f"agreement [{ci} Wilson CI, pairs independent]",
                  "Chen's R (sum) / R~ (per token)"]
        if valid2:
            header.append(f"valid2 (headline split) [{ci} CI]")
        table_rows = []
        for m in measures:
            r = ranking.get((m,))
            row = [m, cell(overall.get((m,))), _cell_p(wilson.get((m,))) if (m,) in wilson else "n/a",
                   _cell_p(r) if r is not None else ""]
            if valid2:
                row.append(cell(valid2.get((m,))))
            table_rows.append(row)
        lines += markdown_table(header, table_rows)
        lines += ["Ties: the agreement counts a tied pair 1/2; Chen et al.'s ranking accuracy (R on the summed "
                  "log-prob, R~ on the mean per-token log-prob) ranks a tied pair [1, 1], which matches no strict "
                  "human ranking, so a model tie counts as a miss.", ""]
    if not by_class.empty:
        class_measures = levels(by_class, "measure")
        lines += ["Agreement by policy-pair class (Stiennon et al. 2020, appendix G.7):", "",
                  *_breakdown(agreement, class_measures, "by_policy_class")]
    return lines


def human_ceiling_lines(rows: pd.DataFrame, ci: str) -> list[str]:
    """The human ceiling of one pair task: labeller-labeller agreement, the model's agreement with the
    majority vote, Chen's idealised R* and the worker heterogeneity test; [] when none of these rows exist."""
    names = ("majority_agreement", "idealised_ranking_accuracy", "worker_heterogeneity")
    human = stats_by(select(rows, statistic="human_agreement", group=ALL), "measure")
    per_measure = select(rows[rows["statistic"].isin(names)], group=ALL)
    if not human and per_measure.empty:
        return []
    lines = ["Human ceiling:", ""]
    for (_, stat) in human.items():
        over = f" over {stat['n']} pairs" if stat["estimate"] is not None else ""
        lines += [f"Labeller-labeller agreement (pairs judged by more than one worker, share of worker pairs that "
                  f"agree, posts resampled): {_cell_p(stat)}{over}.", ""]
    if not per_measure.empty:
        stats = stats_by(per_measure, "statistic", "measure")
        present = [s for s in names if s in set(per_measure["statistic"])]
        heads = {"majority_agreement": f"agreement with the majority vote [{ci} CI], p",
                 "idealised_ranking_accuracy": f"idealised R* [{ci} CI], p",
                 "worker_heterogeneity": "worker heterogeneity (LR test of worker slopes), p"}
        lines += markdown_table(["measure", *(heads[s] for s in present)],
                                [[m, *(_cell_p(stats.get((s, m))) for s in present)]
                                 for m in levels(per_measure, "measure")])
    return lines


def _gamma_verdict(stat: Mapping | None) -> str:
    """Is gamma above 1 by its interval: "> 1", "< 1", "CI contains 1", or "no claim" (no interval, or an
    unreliable one)."""
    if not stat or stat.get("estimate") is None or stat.get("ci_low") is None or interval_marks(stat):
        return "no claim"
    return "> 1" if stat["ci_low"] > 1 else "< 1" if stat["ci_high"] < 1 else "CI contains 1"


def sharpening_lines(summary: Mapping, table: pd.DataFrame, ci: str) -> list[str]:
    """Hypothesis 2's headline table: per compared model and task, the sharpening gamma on the summed and
    per-token log-prob, whether it is above 1 by its interval, and the predicted 1 + alpha/beta where beta is
    known; [] without `sharpening_gamma` rows."""
    rows = select(table[table["reference"] != ""], group=ALL)
    gamma = stats_by(select(rows, statistic="sharpening_gamma"), "model", "task", "measure")
    if not gamma:
        return []
    predicted = stats_by(select(rows, statistic="predicted_gamma"), "model", "task")
    names = {run["model_name"]: run.get("display_name", run["model_name"]) for run in summary["runs"]}
    body = []
    unadjusted = False

    def gamma_cell(stat: Mapping | None) -> str:
        nonlocal unadjusted
        if not stat:
            return "n/a"
        if (stat.get("details") or {}).get("entropy_held_fixed", True):
            return _cell_p(stat)
        unadjusted = True
        return _cell_p(stat) + " ‡"

    for model, task in dict.fromkeys((m, t) for m, t, _ in gamma):
        total, per_token = gamma.get((model, task, "sum")), gamma.get((model, task, "per_token"))
        body.append([names.get(model, model), task, gamma_cell(total), _gamma_verdict(total), gamma_cell(per_token),
                     _cell_p(predicted.get((model, task))) if (model, task) in predicted else "β unknown"])
    note = (["", "‡ entropy not held fixed: the reference run logged no next-token entropies (score it with --model "
             "hf-prefix), so this γ may be confounded by entropy."] if unadjusted else [])
    return ["Sharpening γ (hypothesis 2): the within-post slope of the model's log-prob on the reference's over the "
            "distinct summaries of a task (post fixed effects; p against γ = 1, cluster bootstrap). A model "
            "renormalised at every token adds a normaliser per token that grows with the length and with the "
            "reference's next-token entropy, so on the summed log-prob the summary's token count and the "
            "reference's summed next-token entropy are held fixed, per token its mean next-token entropy "
            "(docs/statistics.md). γ > 1: the model "
            "sharpens the reference, raising most what it already found likely (concentration; mode collapse); "
            "γ < 1: it flattens it. KL-regularised RLHF with a typicality-biased reward predicts γ = 1 + α/β "
            "(Verbalized Sampling), α the reference's typicality bias per nat (hypothesis 1, summed log-prob, token "
            "count and summed entropy held fixed as γ holds them):", "",
            *markdown_table(["model", "task", f"γ, summed log-prob, token count and entropy fixed [{ci} CI], p",
                             "γ vs 1", f"γ, per token, entropy fixed [{ci} CI], p", f"predicted 1 + α/β [{ci} CI], p"],
                            body), *note]


def implicit_reward_lines(summary: Mapping, table: pd.DataFrame, ci: str) -> list[str]:
    """The implicit reward of each compared model on each pair task: its β, and per measure its agreement with
    the human choice and its mean margin (chosen minus rejected); [] without such rows."""
    rows = select(table[table["reference"] != ""], group=ALL)
    agreement = stats_by(select(rows, statistic="implicit_reward_agreement"), "model", "task", "measure")
    margin = stats_by(select(rows, statistic="implicit_reward_margin"), "model", "task", "measure")
    if not agreement:
        return []
    names = {run["model_name"]: run.get("display_name", run["model_name"]) for run in summary["runs"]}
    betas = {c["model_name"]: c.get("beta") for c in summary["comparisons"]}
    body = [[names.get(model, model), task, "1 (log-ratio)" if betas.get(model) is None else f"{betas[model]:g}",
             measure, cell(stat), _cell_p(margin.get((model, task, measure)))]
            for (model, task, measure), stat in agreement.items()]
    return ["Implicit reward r = β·(log-prob − the reference's log-prob), DPO's reward where the model's β is known "
            "(else β = 1, the plain log-ratio). Its agreement with the human choice does not depend on β; the mean "
            "margin, r of the chosen summary minus r of the rejected one, does (nats times β):", "",
            *markdown_table(["model", "task", "β", "measure", f"agreement [{ci} CI]", f"margin [{ci} CI], p"], body)]


# Chen et al. 2024's flip table: its cells (`postprocess.compare.concentration.FLIP_CELLS`) as report.md's columns.
FLIP_COLUMNS = (("ref_agrees_model_agrees", "both agree"), ("ref_agrees_model_disagrees", "reference only"),
                ("ref_disagrees_model_agrees", "model only"), ("ref_disagrees_model_disagrees", "neither"))


def flip_table_lines(summary: Mapping, table: pd.DataFrame, ci: str) -> list[str]:
    """Chen et al.'s flip table of each compared model on each pair task and measure: the pairs both runs rank as
    the human did, only the reference, only the model, neither (counts and shares of the pairs neither run ties),
    the ties left out, and the net flip with its interval and McNemar's exact p (the `net_flip` row); [] without
    flip tables in summary.json."""
    names = _names(summary)
    net = stats_by(select(table[table["reference"] != ""], statistic="net_flip", group=ALL), "model", "task",
                   "measure")
    body = []
    for comparison in summary.get("comparisons") or []:
        model = comparison["model_name"]
        for task, entry in (comparison.get("cmp") or {}).items():
            for measure, flips in (entry.get("flip_table") or {}).items():
                counts, fractions = flips.get("counts") or {}, flips.get("fractions") or {}
                cells = [f"{counts[key]} ({fractions[key]:.1%})" if fractions.get(key) is not None
                         else str(counts.get(key, "n/a")) for key, _ in FLIP_COLUMNS]
                ties = (flips.get("n_ties") or {}).get("either", 0)
                body.append([names.get(model, model), task, measure, *cells, str(ties),
                             _cell_p(net.get((model, task, measure)))])
    if not body:
        return []
    return ["Flip table (Chen et al. 2024): over the human pairs neither run ties, the pairs whose human choice the "
            "reference's likelihood ranks first and the model's does too (both agree), only the reference's "
            "(reference only), only the model's (model only), or neither (share of those pairs); net flip = (model "
            f"only − reference only) / pairs, the model's ranking accuracy minus the reference's [{ci} CI, posts "
            "resampled], p: McNemar's exact test on the two discordant cells:", "",
            *markdown_table(["model", "task", "measure", *(label for _, label in FLIP_COLUMNS), "ties left out",
                             f"net flip [{ci} CI], p"], body)]


# The comparison statistics on the human-written summaries that the findings state and no other table shows.
SUMMARY_SHIFTS = (("preferred_vs_rejected_shift", "per-byte shift (model − reference), preferred minus rejected"),
                  ("mean_entropy_difference", "mean next-token entropy along the summaries, model − reference (nats)"))


def summary_shift_lines(summary: Mapping, table: pd.DataFrame, ci: str) -> list[str]:
    """Per compared model and task, the shift of the preferred against the rejected summaries and the change of
    entropy along the human-written summaries (generation tasks have their own tables); [] without such rows."""
    rows = select(table[table["reference"] != ""], group=ALL)
    rows = rows[~rows["task"].isin(levels(select(table, statistic="ead"), "task"))]
    stats = stats_by(rows[rows["statistic"].isin([name for name, _ in SUMMARY_SHIFTS])], "model", "task", "statistic")
    if not stats:
        return []
    names = _names(summary)
    body = [[names.get(model, model), task, label, _cell_p(stat)] for (model, task, statistic), stat in stats.items()
            for name, label in SUMMARY_SHIFTS if name == statistic]
    return ["Changes along the human-written summaries:", "",
            *markdown_table(["model", "task", "statistic", f"estimate [{ci} CI], p"], body)]


def rows_scored(summary: dict) -> list[str]:
    """Rows each run scored per task and how many all runs share: with several runs, statistics
    side by side are only comparable on the same judgements, so a difference must be visible."""
    coverage = summary.get("row_coverage") or {}
    if len(summary["runs"]) < 2 or not coverage:
        return []
    runs = [(r["model_name"], r.get("display_name", r["model_name"])) for r in summary["runs"]]
    rows = [[task, *(str(entry["per_run"].get(name, "not scored")) for name, _ in runs), str(entry["common"])]
            for task, entry in coverage.items()]
    return ["### Rows scored", "", *markdown_table(["task", *(shown for _, shown in runs), "common to all runs"], rows)]


def synthetic_banner(summary: dict) -> list[str]:
    """The short warning report.md opens with when any task was scored on made-up rows."""
    scope = synthetic_scope(summary["runs"])
    if scope is None:
        return []
    return [f"> **Synthetic data** ({scope}): made-up rows, not human judgements; no conclusion about humans or "
            "models can be drawn.", ""]


def tempered_banner(summary: Mapping) -> list[str]:
    """The short warning after the synthetic-data banner when a run is a tempered copy (`summ-pref tempered-copy`)."""
    return [line for run in summary["runs"] if run.get("tempered") for line in (
        f"> **Synthetic model**: {run.get('display_name', run['model_name'])} is {run['tempered']}; its sharpening "
        "is built in, a known truth for γ.", "")]


def incomplete_banner(summary: Mapping) -> list[str]:
    """The warning when runs lm-eval did not finish writing were read (--allow-incomplete), one line per shortfall."""
    notes = summary.get("incomplete_inputs") or []
    if not notes:
        return []
    return ["> **Incomplete runs** (read with --allow-incomplete): the statistics below use only what these runs "
            "wrote; they may differ from a complete run's.", ">",
            *(f"> - {note}" for note in notes), ""]


# Generated samples (issue 11): the diversity of each model's samples, their likelihood under the reference and
# the next-token entropies; each table appears only when the statistics table has its rows.
GENERATION_ROWS = (
    *((name, "per_input", f"{label}, per input") for name, label in (
        ("distinct_1", "distinct-1"), ("distinct_2", "distinct-2"), ("distinct_3", "distinct-3"), ("ead", "EAD"),
        ("self_bleu", "self-BLEU (lower: more diverse)"),
        ("compression_ratio", "compression ratio (lower: more diverse)"),
        ("semantic_distance", "semantic distance (mean pairwise cosine)"), ("vendi_score", "Vendi score"))),
    *((name, "across_input", f"{label}, across inputs") for name, label in (
        ("distinct_1", "distinct-1"), ("distinct_2", "distinct-2"), ("distinct_3", "distinct-3"), ("ead", "EAD"),
        ("self_bleu", "self-BLEU (lower: more diverse)"),
        ("compression_ratio", "compression ratio (lower: more diverse)"),
        ("semantic_distance", "semantic distance (mean pairwise cosine)"), ("vendi_score", "Vendi score"))),
    ("mean_length", ALL, "mean length (words)"),
    ("empty_share", ALL, "empty samples (share; left out of the rows above)"),
    ("sample_ref_logprob", ALL, "the reference's log-prob per token of the samples (nats)"),
    ("mean_entropy", ALL, "next-token entropy along the model's own samples (nats)"),
)
POST_ROWS = (("post_entropy", "next-token entropy over the posts (nats)"),
             ("post_perplexity", "perplexity over the posts"))


def _names(summary: Mapping) -> dict[str, str]:
    return {r["model_name"]: r.get("display_name", r["model_name"]) for r in summary["runs"]}


def _generation_settings(summary: Mapping, task: str) -> str:
    """Samples per post, prompt and generation settings of a generation task, once when every run that generated
    it used the same, else per run (their statistics are then not comparable as they stand)."""
    described: dict[str, list[str]] = {}
    for run in summary["runs"]:
        for info in (run.get("generation_tasks") or {}).values():
            if info.get("kind") == "gen" and info.get("task") == task:
                k = info.get("samples_per_post") or {}
                per_post = k.get("min") if k.get("min") == k.get("max") else f"{k.get('min')}-{k.get('max')}"
                settings = ", ".join(f"{key}={value}" for key, value in (info.get("generation") or {}).items()
                                     if key != "torch_seed")
                chat = " inside the model's chat template" if info.get("chat_template") else ""
                text = (f"{per_post} samples per post, data {info.get('data_origin')}, prompt `{info.get('prompt')}`"
                        f"{chat}; {settings}")
                described.setdefault(text, []).append(run.get("display_name", run["model_name"]))
    if len(described) == 1:
        return f"Generation: {next(iter(described))}."
    return ("Generation settings differ between the runs: "
            + "; ".join(f"{', '.join(who)}: {text}" for text, who in described.items()) + ".")


def _by_model_table(rows: pd.DataFrame, spec: tuple, names: Mapping[str, str]) -> list[str]:
    """Rows = the statistics of `spec` ((statistic, group, label), ...) present, columns = the models."""
    models = [m for m in names if m in set(rows["model"])]
    stats = stats_by(rows, "statistic", "group", "model")
    body = [[label, *(cell(stats.get((name, group, m))) for m in models)] for name, group, label in spec
            if any((name, group, m) in stats for m in models)]
    return markdown_table(["statistic", *(names[m] for m in models)], body) if body else []


def _difference_table(rows: pd.DataFrame, spec: tuple, names: Mapping[str, str], reference: str) -> list[str]:
    """Rows = the differences of `spec` present, columns = each model minus the reference (cell, p)."""
    models = [m for m in names if m in set(rows["model"])]
    stats = stats_by(rows, "statistic", "group", "model")
    body = [[label, *(_cell_p(stats.get((difference_name(name), group, m))) for m in models)]
            for name, group, label in spec if any((difference_name(name), group, m) in stats for m in models)]
    return markdown_table(["statistic", *(f"{names[m]} − {names[reference]}" for m in models)], body) if body else []


def generation_lines(summary: Mapping, table: pd.DataFrame, figures: list[SavedFigure], ci: str) -> list[str]:
    """The "Generated samples" section: per generation task, each model's statistics and its differences from
    the reference, the mode-collapse map; then the entropy and perplexity over the posts; [] without such rows."""
    names = _names(summary)
    generation = [s.name for s in statistics(kind="generation")]
    rows = table[table["statistic"].isin([*generation, *map(difference_name, generation)])]
    own, compared = rows[rows["reference"] == ""], rows[rows["reference"] != ""]
    gen_tasks = levels(own[own["statistic"] == "ead"], "task")
    post_tasks = levels(own[own["statistic"].isin([name for name, _ in POST_ROWS])], "task")
    if not gen_tasks and not post_tasks:
        return []
    lines = ["### Generated samples", "",
             ("Per input: the statistic of the K samples of a post, averaged over posts "
              f"({ci} CI: t on the CR2 cluster-robust SE by post). Across inputs: the statistic of the first sample "
              f"of every post ({ci} CI: delete-d jackknife on half-samples of posts, normal; semantic statistics: "
              "delete-one-post jackknife, t(G - 1); a bootstrap resample would repeat texts). distinct-n: unique / "
              "all n-grams (lowercased words); EAD: expectation-adjusted distinct, averaged over n = 1-5 (Kirk et "
              "al. 2024); self-BLEU: sacrebleu, each sample against the others, 0-100; compression ratio: bytes / "
              "gzip bytes (Shaib et al. 2024). Differences: model minus reference "
              "on the posts both have, paired (p: the t-test on the CR2 SE; across inputs: the jackknife's "
              "normal or t test)."), ""]
    embedding = summary["settings"].get("embedding_model")
    if embedding:
        lines += [semantic_note(embedding), ""]
    for task in gen_tasks:
        lines += [f"#### {task}", "", _generation_settings(summary, task), ""]
        lines += _by_model_table(select(own, task=task), GENERATION_ROWS, names)
        if summary.get("reference"):
            lines += _difference_table(select(compared, task=task), GENERATION_ROWS, names, summary["reference"])
        lines += figure_lines(figures, None, task)
    if post_tasks:
        lines += ["#### Next-token entropy and perplexity over the posts", "",
                  f"Every token of every post scored after the prompt's header ({ci} CI, posts resampled):", ""]
        for task in post_tasks:
            spec = tuple((name, ALL, f"{label} ({task})") for name, label in POST_ROWS)
            lines += _by_model_table(select(own, task=task), spec, names)
            if summary.get("reference"):
                lines += _difference_table(select(compared, task=task), spec, names, summary["reference"])
    return lines


def semantic_note(embedding: Mapping) -> str:
    """What the semantic rows are and which embedding model made them."""
    source = embedding.get("revision") or embedding.get("source")
    return ("Semantic distance: mean over pairs of 1 − cosine similarity of the samples' sentence embeddings "
            "(Kirk et al. 2024); Vendi score: exp of the entropy of the eigenvalues of the cosine kernel / n, the "
            "effective number of distinct samples (Friedman & Dieng 2023); empty samples left out. Embeddings: "
            f"`{embedding['name']}` ({source}, weights sha256 {embedding.get('weights_sha256')}).")


def human_entropy_line(rows: pd.DataFrame) -> list[str]:
    """One sentence with the run's mean next-token entropy along the task's human-written summaries, or []."""
    stat = stats_by(select(rows, statistic="mean_entropy", group=ALL), "task")
    if not stat:
        return []
    (value,) = stat.values()
    return [f"Mean next-token entropy along the distinct human-written summaries: {cell(value)} nats.", ""]


def methods_paragraph(summary: Mapping) -> str:
    """How intervals and p-values are made and what the measures are (the "Data and methods" section)."""
    settings = summary["settings"]
    ci = confidence_label(settings["confidence"])
    return (f"summ-pref {summary['package']['version']}, lm-eval {summary['lm_eval_version']}, created "
            f"{summary['created']}. Intervals: {ci} percentile cluster bootstrap "
            f"({settings['n_resamples']} resamples of posts, seed {settings['seed']}) only in the details and where "
            "no jackknife is taken (more than 500 posts); the printed intervals keep their coverage with few posts "
            "(`method` says which): agreement and the other rates, Wilson on the effective sample size of a CR2 "
            "cluster-robust SE by post; gamma, the net flip and means and paired differences of means, t on the CR2 "
            "SE with Bell-McCaffrey degrees of freedom; alpha and the ordered logit, Wald t(G - 1) on a cluster-robust "
            "SE; correlations, t(G - 1) on the delete-one-post jackknife SE of Fisher's z; differences of "
            "correlations and of alpha and the posts' entropy and perplexity, t(G - 1) on the delete-one-post "
            "jackknife SE; across inputs, a jackknife. p-values: the cluster-bootstrap "
            "p of the same resamples, inverting the percentile interval against the null (0; 0.5 for agreement), or "
            f"the t-test (score t-test for a rate) that inverts the interval, so p < "
            f"{1 - settings['confidence']:.2g} exactly when the interval "
            "excludes the null; the rows-independent tests (sign test, scipy) are in summary.json as "
            f"`details.p_value_independent`. {INTERVAL_MARKS['few_clusters']} / {INTERVAL_MARKS['zero_width']}: "
            f"unreliable interval (fewer than {MIN_CLUSTERS} posts / zero width), no directional claim. "
            "Measures: `sum` = summed log-probability of the summary (nats), `per_byte` = sum / UTF-8 bytes, "
            f"`per_token` = sum / tokens; the main measure of the answers and findings is `{main_measure(summary)}`.")


def answer_lines(summary: Mapping, table: pd.DataFrame, figures: list[SavedFigure]) -> list[str]:
    """The "Answers" section: the main measure, then per hypothesis its paragraph and the one figure showing it."""
    texts = answers(summary, table)
    if not texts:
        return []
    ci = confidence_label(summary["settings"]["confidence"])
    lines = ["## Answers", "", stated_measure(summary) + f" Intervals: {ci}, posts resampled; "
             f"{INTERVAL_MARKS['few_clusters']}: from fewer than {MIN_CLUSTERS} posts, no claim.", ""]
    for question, text in texts.items():
        lines += [text, ""]
        shown = next((f for f in figures if f.answers == question), None)
        if shown is not None:
            lines += [f"![{shown.title}]({shown.path})", ""]
    return lines


def bullets(sentences: list[str]) -> list[str]:
    return [*(f"- {sentence}" for sentence in sentences), ""] if sentences else []


def task_lines(run: Mapping, task: str, info: Mapping, rows: pd.DataFrame, figures: list[SavedFigure],
               ci: str) -> list[str]:
    """One run's task under hypothesis 1: its statistics tables, hypothesis 1's alpha, the human ceiling and the
    run's figures of the task."""
    if info["kind"] == "axis":
        lines = [f"#### {task} (axis ratings, n = {info['n']})", ""]
        lines += axis_section(select(rows, group=ALL), info, ci, select(rows, statistic="baseline_spearman"))
        lines += typicality_lines(rows, "axis", ci, rating_roles(info))
    else:
        lines = [f"#### {task} (pairwise choices, n = {info['n']})", ""]
        lines += cmp_section(select(rows, statistic="agreement"), run["cmp"][task]["preference_model"], ci,
                             select(rows, statistic="baseline_agreement"))
        lines += typicality_lines(rows, "cmp", ci)
        lines += vs_agreement_lines(rows, ci)
        lines += human_ceiling_lines(rows, ci)
    lines += human_entropy_line(rows)
    return lines + figure_lines(figures, run["model_name"], task)


def provenance_lines(run: Mapping) -> list[str]:
    """One run's model, its arguments, and per task the data, prompt and data notes (the "Data and methods" section)."""
    weights = f"; weights {run['weights']}" if run.get("weights") else ""
    lines = [f"### {run.get('display_name', run['model_name'])}", "",
             (f"`{run['model']}` with `{run['model_args']}`{weights}; task versions {run['task_versions']}; "
              f"token counts: {run['token_counts']}."), ""]
    for task, info in run["tasks"].items():
        lines += [f"{task}: data {info['data_origin']} (split {info['split']}, seed {info['seed']}); "
                  f"prompt `{info['prompt']}` (sha {info['prompt_sha']}), chat template "
                  f"{'applied' if info['chat_template'] else 'not applied'}"
                  + (f", `{info['continuation_end']}` appended to every summary (continuation_end)"
                     if info.get("continuation_end") else "") + f"; {info['verification']}."
                  + "".join(f" Measure `{m}` absent: {r}." for m, r in info["measures_absent"].items()), ""]
        notes = describe_data_notes(info.get("data_notes") or {})
        lines += [f"Data notes ({task}): {'; '.join(notes)}.", ""] if notes else []
    return lines


def render_report(summary: Mapping, table: pd.DataFrame, figures: list[SavedFigure]) -> str:
    """report.md of a summary (provenance, settings, tasks, fits), its statistics table and its figures: the answers
    first, then the sections by question (hypothesis 1, hypothesis 2, data and methods)."""
    ci = confidence_label(summary["settings"]["confidence"])
    said = findings_by_question(summary, table)
    lines = ["# summ-pref report", "", *synthetic_banner(summary), *tempered_banner(summary),
             *incomplete_banner(summary), *answer_lines(summary, table, figures)]
    own = table[table["reference"] == ""]
    lines += ["## Hypothesis 1: does the likelihood predict the human preference?", "", *bullets(said["hypothesis_1"])]
    for run in summary["runs"]:
        lines += [f"### {run.get('display_name', run['model_name'])}", ""]
        for task, info in run["tasks"].items():
            lines += task_lines(run, task, info, select(own, model=run["model_name"], task=task), figures, ci)
    generated = generation_lines(summary, table, figures, ci)
    if summary.get("comparisons") or said["hypothesis_2"] or generated:
        lines += ["## Hypothesis 2: does tuning sharpen the reference?", "", *bullets(said["hypothesis_2"])]
        lines += sharpening_lines(summary, table, ci)
        lines += implicit_reward_lines(summary, table, ci)
        lines += flip_table_lines(summary, table, ci)
        lines += summary_shift_lines(summary, table, ci)
        lines += figure_lines(figures, None, None)
        lines += generated
    lines += ["## Data and methods", "", methods_paragraph(summary), "", *bullets(said["data"])]
    lines += rows_scored(summary)
    for run in summary["runs"]:
        lines += provenance_lines(run)
    lines += ["### Inputs", "", *markdown_table(["file", "sha256"], [[f"`{i['path']}`", i["sha256"][:16]]
                                                           for i in summary["inputs"]])]
    return "\n".join(lines)
