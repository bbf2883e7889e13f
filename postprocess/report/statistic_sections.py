"""report.md's sections whose layout is specific to a few statistics, as a figure can be: hypothesis 1's
typicality alpha per fit (its groups), agreement as Verbalized Sampling and Chen et al. report it, the human
ceiling; hypothesis 2's sharpening gamma against 1 and its prediction, the implicit reward with its beta, Chen et
al.'s flip table. Each block appears only when its rows are in the statistics table; the registry's `sections`
say which statistics each shows (`postprocess.stats.registry.SECTIONS`)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from postprocess.io.samples import TLDR_ROLES, RatingRoles
from postprocess.report.cells import breakdown_table, cell, cell_p, markdown_table
from postprocess.report.facts import ReportFacts, as_facts
from postprocess.report.run_statistics import tie_group
from postprocess.stats.result import interval_marks
from postprocess.stats.table import ALL, levels, select, stats_by

TYPICALITY = ("typicality_alpha", "typicality_odds_ratio", "typicality_delta_p")
GROUP_WORDS = {
    "all": "all pairs",
    "length_adjusted": "+ log length ratio",
    "policy_adjusted": "+ policy fixed effects",
    "copy_adjusted": "+ copying differences",
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
        lines += [f"Headline split valid2 ({measure}): α = {cell_p(headline)}.", ""]
    lines += markdown_table(["group", *measures],
                            [[_group_label(g, roles), *(cell_p(stats.get(("typicality_alpha", m, g)))
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
        lines += markdown_table(["measure", "ordinal coefficient"], [[m, cell_p(s)] for (m,), s in ordinal.items()])
    return lines


def vs_agreement_lines(rows: pd.DataFrame, ci: str) -> list[str]:
    """"Agreement as Verbalized Sampling reports it": per measure the agreement with its clustered interval, Chen's
    R / R~, valid2, and the agreement by policy-pair class; [] when none of these rows exist. VS's Wilson interval
    with pairs independent under-covers, so it is named in the note, not printed."""
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
        header = ["measure", f"agreement [{ci} CI, clustered by post]", "Chen's R (sum) / R~ (per token)"]
        if valid2:
            header.append(f"valid2 (headline split) [{ci} CI]")
        table_rows = []
        for m in measures:
            r = ranking.get((m,))
            row = [m, cell(overall.get((m,))), cell_p(r) if r is not None else ""]
            if valid2:
                row.append(cell(valid2.get((m,))))
            table_rows.append(row)
        lines += markdown_table(header, table_rows)
        lines += ["Ties: the agreement counts a tied pair 1/2; Chen et al.'s ranking accuracy (R on the summed "
                  "log-prob, R~ on the mean per-token log-prob) ranks a tied pair [1, 1], which matches no strict "
                  "human ranking, so a model tie counts as a miss. Verbalized Sampling's Wilson interval, pairs taken "
                  "as independent, is in tables/agreement.csv and summary.json (`agreement_wilson`), not here: where "
                  "a post's pairs are correlated it under-covers (a nominal 95 percent interval held the truth in "
                  "83-86% of simulated samples: docs/statistics.md).", ""]
    if not by_class.empty:
        class_measures = levels(by_class, "measure")
        lines += ["Agreement by policy-pair class (Stiennon et al. 2020, appendix G.7):", "",
                  *breakdown_table(agreement, class_measures, "by_policy_class")]
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
                  f"agree, clustered by post): {cell_p(stat)}{over}.", ""]
    if not per_measure.empty:
        stats = stats_by(per_measure, "statistic", "measure")
        present = [s for s in names if s in set(per_measure["statistic"])]
        heads = {"majority_agreement": f"agreement with the majority vote [{ci} CI], p",
                 "idealised_ranking_accuracy": f"idealised R* [{ci} CI], p",
                 "worker_heterogeneity": "worker heterogeneity (LR test of worker slopes), p"}
        lines += markdown_table(["measure", *(heads[s] for s in present)],
                                [[m, *(cell_p(stats.get((s, m))) for s in present)]
                                 for m in levels(per_measure, "measure")])
    return lines


def _gamma_verdict(stat: Mapping | None) -> str:
    """Is gamma above 1 by its interval: "> 1", "< 1", "CI contains 1", or "no claim" (no interval, or an
    unreliable one)."""
    if not stat or stat.get("estimate") is None or stat.get("ci_low") is None or interval_marks(stat):
        return "no claim"
    return "> 1" if stat["ci_low"] > 1 else "< 1" if stat["ci_high"] < 1 else "CI contains 1"


def sharpening_lines(summary: ReportFacts | Mapping, table: pd.DataFrame, ci: str) -> list[str]:
    """Hypothesis 2's headline table: per compared model and task, the sharpening gamma on the summed and
    per-token log-prob, whether it is above 1 by its interval, and the predicted 1 + alpha/beta where beta is
    known; [] without `sharpening_gamma` rows."""
    rows = select(table[table["reference"] != ""], group=ALL)
    gamma = stats_by(select(rows, statistic="sharpening_gamma"), "model", "task", "measure")
    if not gamma:
        return []
    predicted = stats_by(select(rows, statistic="predicted_gamma"), "model", "task")
    names = as_facts(summary).names
    body = []
    unadjusted = False

    def gamma_cell(stat: Mapping | None) -> str:
        nonlocal unadjusted
        if not stat:
            return "n/a"
        if (stat.get("details") or {}).get("entropy_held_fixed", True):
            return cell_p(stat)
        unadjusted = True
        return cell_p(stat) + " ‡"

    for model, task in dict.fromkeys((m, t) for m, t, _ in gamma):
        total, per_token = gamma.get((model, task, "sum")), gamma.get((model, task, "per_token"))
        body.append([names.get(model, model), task, gamma_cell(total), _gamma_verdict(total), gamma_cell(per_token),
                     cell_p(predicted.get((model, task))) if (model, task) in predicted else "β unknown"])
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


def implicit_reward_lines(summary: ReportFacts | Mapping, table: pd.DataFrame, ci: str) -> list[str]:
    """The implicit reward of each compared model on each pair task: its β, and per measure its agreement with
    the human choice and its mean margin (chosen minus rejected); [] without such rows."""
    rows = select(table[table["reference"] != ""], group=ALL)
    agreement = stats_by(select(rows, statistic="implicit_reward_agreement"), "model", "task", "measure")
    margin = stats_by(select(rows, statistic="implicit_reward_margin"), "model", "task", "measure")
    if not agreement:
        return []
    facts = as_facts(summary)
    names, betas = facts.names, facts.betas
    body = [[names.get(model, model), task, "1 (log-ratio)" if betas.get(model) is None else f"{betas[model]:g}",
             measure, cell(stat), cell_p(margin.get((model, task, measure)))]
            for (model, task, measure), stat in agreement.items()]
    return ["Implicit reward r = β·(log-prob − the reference's log-prob), DPO's reward where the model's β is known "
            "(else β = 1, the plain log-ratio). Its agreement with the human choice does not depend on β; the mean "
            "margin, r of the chosen summary minus r of the rejected one, does (nats times β):", "",
            *markdown_table(["model", "task", "β", "measure", f"agreement [{ci} CI]", f"margin [{ci} CI], p"], body)]


# Chen et al. 2024's flip table: its cells (`postprocess.compare.concentration.FLIP_CELLS`) as report.md's columns.
FLIP_COLUMNS = (("ref_agrees_model_agrees", "both agree"), ("ref_agrees_model_disagrees", "reference only"),
                ("ref_disagrees_model_agrees", "model only"), ("ref_disagrees_model_disagrees", "neither"))


def flip_table_lines(summary: ReportFacts | Mapping, table: pd.DataFrame, ci: str) -> list[str]:
    """Chen et al.'s flip table of each compared model on each pair task and measure: the pairs both runs rank as
    the human did, only the reference, only the model, neither (counts and shares of the pairs neither run ties),
    the ties left out, and the net flip with its interval and McNemar's exact p (the `net_flip` row); [] without
    flip tables in summary.json."""
    facts = as_facts(summary)
    names = facts.names
    net = stats_by(select(table[table["reference"] != ""], statistic="net_flip", group=ALL), "model", "task",
                   "measure")
    body = []
    for (model, task), by_measure in facts.flip_tables.items():
        for measure, flips in by_measure.items():
            counts, fractions = flips.get("counts") or {}, flips.get("fractions") or {}
            cells = [f"{counts[key]} ({fractions[key]:.1%})" if fractions.get(key) is not None
                     else str(counts.get(key, "n/a")) for key, _ in FLIP_COLUMNS]
            ties = (flips.get("n_ties") or {}).get("either", 0)
            body.append([names.get(model, model), task, measure, *cells, str(ties),
                         cell_p(net.get((model, task, measure)))])
    if not body:
        return []
    return ["Flip table (Chen et al. 2024): over the human pairs neither run ties, the pairs whose human choice the "
            "reference's likelihood ranks first and the model's does too (both agree), only the reference's "
            "(reference only), only the model's (model only), or neither (share of those pairs); net flip = (model "
            f"only − reference only) / pairs, the model's ranking accuracy minus the reference's [{ci} CI, posts "
            "resampled], p: McNemar's exact test on the two discordant cells:", "",
            *markdown_table(["model", "task", "measure", *(label for _, label in FLIP_COLUMNS), "ties left out",
                             f"net flip [{ci} CI], p"], body)]
