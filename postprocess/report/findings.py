"""The findings of report.md, by question: sentences worded from the rows of the statistics table, on the
report's main measure (`main_measure`; a sentence on another measure names it).

Wording follows the intervals, never the point estimates alone: a direction is claimed only when the
confidence interval excludes the null (0 for correlations and differences, 0.5 for agreement with
the human choice, 1 for the sharpening gamma). Otherwise the sentence says the data show no evidence
either way, or that models are indistinguishable. A statistic without an interval (n_resamples = 0),
undefined on the data (estimate None), or whose interval is unreliable (from fewer than 10 posts, or of zero width:
`postprocess.stats.result.interval_warning`) supports no directional claim, and the sentence says why.
The p-values of the report's tables invert the same intervals, so no sentence contradicts its table.

Models are named by their display name (`postprocess.io.provenance`); each sentence about a task adds
the data notes of the runs it rests on (rows dropped for a NaN log-prob, ...). On made-up data
(`synthetic_data`) the first bullet says that no conclusion can be drawn.

"Best" model: for each task, the run with the highest estimate. It is called ahead of another model
only when (a) that other model is the reference and the paired difference's interval (same resampled
posts) excludes 0, or (b) otherwise, the two runs' own intervals do not overlap, a conservative test
since independent intervals ignore the pairing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from postprocess.io.samples import rating_roles
from postprocess.report.facts import ReportFacts, as_facts
from postprocess.stats.baselines import RULE_WORDS
from postprocess.stats.registry import difference_name
from postprocess.stats.result import format_stat, interval_warning
from postprocess.stats.table import ALL, levels, select, split_group, stat_dict, stats_by

MEASURE_WORDS = {"sum": "summed log-prob", "per_byte": "log-prob per byte", "per_token": "log-prob per token"}


def main_measure(facts: ReportFacts | Mapping) -> str:
    """The declared main measure of a report (`--main-measure`; per token when absent)."""
    return as_facts(facts).main_measure


def measure_order(main: str) -> tuple[str, ...]:
    """The measures to try, the main one first: a task without it (no token counts) falls back, and says so by
    naming the measure it used."""
    return (main, *(m for m in ("per_token", "per_byte", "sum") if m != main))
# What a ranking of the runs compares, per kind of task: (statistic, axis) of the statistics table.
RANKED = {"cmp": ("agreement", ""), "axis": ("spearman", "overall")}


def direction(stat: Mapping | None, null: float = 0.0) -> int | None:
    """+1 / -1 when the interval lies wholly above / below `null`, 0 when it contains it, None when
    there is no estimate, no interval, or an unreliable one (no claim possible; `no_claim` says why).

    Examples
    --------
    >>> direction({"estimate": 0.1, "ci_low": -0.01, "ci_high": 0.2}), direction({"estimate": 0.6,
    ...     "ci_low": 0.55, "ci_high": 0.65}, null=0.5), direction({"estimate": None})
    (0, 1, None)
    """
    if not stat or stat.get("estimate") is None or stat.get("ci_low") is None or stat.get("ci_high") is None:
        return None
    if interval_warning(stat):
        return None
    if stat["ci_low"] > null:
        return 1
    if stat["ci_high"] < null:
        return -1
    return 0


def no_claim(stat: Mapping | None) -> str:
    """Why `direction` gives None for `stat`: its unreliable interval, or no interval / undefined."""
    warning = interval_warning(stat)
    return f"no directional claim ({warning})" if warning else "no claim (no interval or undefined)"


@dataclass(frozen=True)
class _View:
    """What every sentence reads: the run facts (names, data notes), the statistics table, the coverage."""

    facts: ReportFacts
    table: pd.DataFrame
    names: Mapping[str, str]
    confidence: float

    def fmt(self, stat: Mapping | None) -> str:
        return format_stat(stat, confidence=self.confidence)

    def notes(self, model_names: Iterable[str], task: str) -> str:
        """' Data notes: MODEL: ...' for the runs a sentence rests on, or '' when they have none."""
        wanted = set(model_names)
        parts = []
        for run in self.facts.runs:
            if run.model_name in wanted and task in run.tasks and (notes := run.tasks[task].data_notes):
                parts.append(f"{self.names[run.model_name]}: {'; '.join(notes)}")
        return f" Data notes: {'; '.join(parts)}." if parts else ""


def _by_task(rows: pd.DataFrame, statistic: str, **where: object) -> list[tuple[str, dict]]:
    """(task, statistic) of every row of `statistic` (and `where`), by task name."""
    return sorted((task, stat) for (task,), stat in stats_by(select(rows, statistic=statistic, **where),
                                                               "task").items())


def _ranked(view: _View, kind: str, task: str) -> tuple[str, str]:
    """`RANKED[kind]`, with an axis task's own outcome rating (`rating_roles`; overall on TL;DR)."""
    statistic, axis = RANKED[kind]
    if kind == "axis":
        infos = [run.tasks[task].info for run in view.facts.runs if task in run.tasks]
        axis = next((rating_roles(info).outcome for info in infos if info), axis)
    return statistic, axis


def _paired(view: _View, a: str, b: str, kind: str, task: str, measure: str) -> dict | None:
    """The paired difference a - b of the ranked statistic when one of them is the reference, else None."""
    statistic, axis = _ranked(view, kind, task)
    rows = select(view.table, task=task, measure=measure, axis=axis, statistic=difference_name(statistic), group=ALL)
    for row in rows.to_dict("records"):
        if {row["model"], row["reference"]} == {a, b}:
            stat = stat_dict(row)
            if stat["estimate"] is None:
                return None
            if row["model"] == a:
                return stat
            flipped = dict(stat, estimate=-stat["estimate"])
            if stat["ci_low"] is not None and stat["ci_high"] is not None:
                flipped.update(ci_low=-stat["ci_high"], ci_high=-stat["ci_low"])
            return flipped
    return None


def _ahead(view: _View, best: str, best_stat: Mapping, other: str, other_stat: Mapping | None, kind: str, task: str,
           measure: str) -> tuple[bool | None, str]:
    """(True, ''): best is ahead of other; (False, ''): indistinguishable; (None, why): no usable interval."""
    diff = _paired(view, best, other, kind, task, measure)
    if diff is not None:
        d = direction(diff)
        if d is None:
            return None, interval_warning(diff) or "no interval or undefined"
        # a sweep's many comparisons: the Holm-adjusted p of the family must agree with the interval
        held = diff.get("p_holm") is None or diff["p_holm"] < 1 - view.confidence
        return d > 0 and held, ""
    if other_stat is None or other_stat.get("estimate") is None:
        return None, "no interval or undefined"
    if None in (best_stat.get("ci_low"), other_stat.get("ci_high")):
        return None, "no interval or undefined"
    for name, stat in ((best, best_stat), (other, other_stat)):
        if warning := interval_warning(stat):
            return None, f"{view.names[name]}'s {warning}"
    return best_stat["ci_low"] > other_stat["ci_high"], ""


def _ranking(view: _View, kind: str, task: str) -> str | None:
    """The sentence ranking the runs of one task by `RANKED[kind]`, on the main measure (or the first of
    `measure_order` all runs have)."""
    statistic, axis = _ranked(view, kind, task)
    rows = select(view.table, reference="", task=task, statistic=statistic, axis=axis, group=ALL)
    runs = levels(rows, "model")
    measure = next((m for m in measure_order(view.facts.main_measure)
                    if set(runs) <= set(select(rows, measure=m)["model"])), None)
    if not runs or measure is None:
        return None
    names = view.names
    what = "agreement with the human choice" if kind == "cmp" else f"Spearman ρ with the {axis} rating"
    by_model = stats_by(select(rows, measure=measure), "model")
    stats = {m: by_model[(m,)] for m in runs}
    defined = {m: s for m, s in stats.items() if s["estimate"] is not None}
    head = f"**{task}** ({MEASURE_WORDS[measure]}): "
    notes = view.notes(stats, task)
    if not defined:
        reasons = "; ".join(f"{names[m]}: {view.fmt(s)}" for m, s in stats.items())
        return head + f"{what} is undefined for every model ({reasons})." + notes
    null = 0.5 if kind == "cmp" else 0.0
    chance = "chance (0.5)" if kind == "cmp" else "zero"
    if len(runs) == 1:
        (name, stat), = stats.items()
        d = direction(stat, null)
        warning = interval_warning(stat)
        verdict = {1: f"above {chance}", -1: f"below {chance}", 0: f"not distinguishable from {chance}",
                   None: f"no directional claim ({warning})" if warning else "no interval, so no claim"}[d]
        ceiling = _human_ceiling(view, name, task) if kind == "cmp" else ""
        return head + f"{names[name]} reaches {what} {view.fmt(stat)}: {verdict}." + ceiling + notes
    best = max(defined, key=lambda m: defined[m]["estimate"])
    ahead, tied, unknown = [], [], []
    for other, s in stats.items():
        if other == best:
            continue
        verdict, why = _ahead(view, best, defined[best], other, s, kind, task, measure)
        if verdict is None:
            unknown.append(f"{names[other]} ({why})")
        else:
            (ahead if verdict else tied).append(names[other])
    text = head + f"{names[best]} tracks humans best by {what}, {view.fmt(defined[best])}"
    if not tied and not unknown:
        text += f"; it is ahead of every other model ({', '.join(ahead)})."
    elif not ahead and not unknown:
        text += f", but it is indistinguishable from {', '.join(tied)} at this sample size."
    else:
        parts = ([f"ahead of {', '.join(ahead)}"] if ahead else []) + (
            [f"indistinguishable from {', '.join(tied)}"] if tied else []) + (
            [f"not comparable with {', '.join(unknown)}"] if unknown else [])
        text += "; " + "; ".join(parts) + "."
    if direction(defined[best], null) == 0:
        text += f" Even its interval includes {chance}."
    elif warning := interval_warning(defined[best]):
        text += f" Its own interval supports no claim against {chance}: {warning}."
    if kind == "cmp":
        text += _human_ceiling(view, best, task)
    return text + notes


def _sharpening(view: _View, rows: pd.DataFrame, model: str, reference: str) -> list[str]:
    """Hypothesis 2's headline, per task: is the sharpening gamma above 1 by its interval (summed log-prob with the
    token count and the reference's summed next-token entropy held fixed, the per-token gamma beside it), with the
    gamma = 1 + alpha/beta that hypothesis 1's alpha predicts where beta is known. Where the reference logged no
    entropies the sentence says that gamma holds the token count alone fixed and may be confounded by entropy. The
    summed slope without the token count (`summed_slope_unadjusted`) is confounded by length and never read here."""
    out = []
    who = f"{view.names[model]} vs {view.names[reference]}"
    per_token = dict(_by_task(rows, "sharpening_gamma", measure="per_token"))
    predicted = dict(_by_task(rows, "predicted_gamma", measure="sum"))
    for task, s in _by_task(rows, "sharpening_gamma", measure="sum"):
        verdict = {1: "γ > 1: the model sharpens the reference, raising most what the reference already found "
                      "likely (concentration, as mode collapse predicts)",
                   -1: "γ < 1: the model flattens the reference, spreading probability away from what it found "
                       "likely",
                   0: "not distinguishable from 1: no evidence of sharpening or flattening at this sample size",
                   None: no_claim(s)}[direction(s, 1.0)]
        entropy = (s.get("details") or {}).get("entropy_held_fixed")  # None: a row that does not say
        fixed = "token count and the reference's summed next-token entropy held fixed" if entropy else \
            "token count held fixed"
        text = (f"**{task}**, hypothesis 2, {who}: sharpening γ (within-post slope of the model's summed log-prob "
                f"on the reference's, {fixed}) is {view.fmt(s)}; {verdict}. A model renormalised at every token "
                "adds to its summed log-prob a normaliser per token that grows with the summary's length and with "
                "the reference's next-token entropy along it, which would otherwise count as sharpening or "
                "flattening (docs/statistics.md).")
        if entropy is False:
            text += (f" Warning: {view.names[reference]} logged no next-token entropies (score it with --model "
                     "hf-prefix), so only the token count is held fixed and γ may be confounded by entropy.")
        if task in per_token:
            text += f" Per token, γ is {view.fmt(per_token[task])}."
        if task in predicted:
            beta = (predicted[task].get("details") or {}).get("beta")
            text += (f" Predicted from the reference's typicality bias, γ = 1 + α/β (β = {beta:g}) is "
                     f"{view.fmt(predicted[task])}.")
        out.append(text + view.notes((model, reference), task))
    return out


def _concentration(view: _View, rows: pd.DataFrame, model: str, reference: str) -> list[str]:
    out = []
    who = f"{view.names[model]} vs {view.names[reference]}"
    for task, diff in _by_task(rows, "preferred_vs_rejected_shift"):
        verdict = {1: "fine-tuning raised the human-preferred summaries more than the rejected ones",
                   -1: "fine-tuning raised the rejected summaries more than the human-preferred ones",
                   0: "no evidence either way at this sample size",
                   None: no_claim(diff)}[direction(diff)]
        out.append(f"**{task}**, {who}: per-byte shift on preferred minus rejected summaries is "
                   f"{view.fmt(diff)}; {verdict}." + view.notes((model, reference), task))
    return out


def _implicit_reward(view: _View, rows: pd.DataFrame, model: str, reference: str) -> list[str]:
    """Agreement of the implicit reward on the main measure with the human choice, then its mean margin on the same
    scale, scaled by the model's β where the comparison has one (`comparisons[].beta`)."""
    out = []
    beta = view.facts.betas.get(model)
    scale = "β = 1, the plain log-ratio" if beta is None else f"scaled by the model's β = {beta:g}"
    agreement = select(rows, statistic="implicit_reward_agreement")
    measure = next((m for m in measure_order(view.facts.main_measure) if m in set(agreement["measure"])), "sum")
    margins = dict(_by_task(rows, "implicit_reward_margin", measure=measure))
    for task, s in _by_task(rows, "implicit_reward_agreement", measure=measure):
        verdict = {1: "above chance", -1: "below chance", 0: "not distinguishable from chance (0.5)",
                   None: no_claim(s)}[direction(s, 0.5)]
        margin = margins.get(task)
        shown = (f"; its mean margin, chosen minus rejected ({scale}), is {view.fmt(margin)}" if margin is not None
                 else "")
        out.append(f"**{task}**: the implicit reward of {view.names[model]} ({MEASURE_WORDS[measure]} minus "
                   f"{view.names[reference]}'s) agrees with the human choice at {view.fmt(s)}: {verdict}{shown}."
                   + view.notes((model, reference), task))
    return out


def _entropy(view: _View, rows: pd.DataFrame, model: str, reference: str) -> list[str]:
    out = []
    for task, diff in _by_task(rows, "mean_entropy_difference"):
        verdict = {1: "higher entropy than the reference (no sign of mode collapse)",
                   -1: "lower entropy than the reference, as mode collapse would show",
                   0: "no evidence of a change in entropy at this sample size",
                   None: no_claim(diff)}[direction(diff)]
        texts = "each model's own samples" if _generated(view, task) else "the summaries"
        out.append(f"**{task}**: mean token entropy along {texts}, {view.names[model]} minus "
                   f"{view.names[reference]}, is {view.fmt(diff)} nats: {verdict}."
                   + view.notes((model, reference), task))
    return out


# Generated samples: mode collapse as the samples show it. Concentration seen in generations: the
# model's samples are less diverse per post (EAD of its K samples, paired difference) AND more likely under the
# reference (the reference's per-token log-prob of them) than the reference's own samples.
def _generated(view: _View, task: str) -> bool:
    """Whether `task` is a generation task (its rows hold the samples' diversity)."""
    return not select(view.table, task=task, statistic="ead").empty


def _semantic(view: _View, rows: pd.DataFrame, task: str) -> str:
    """' Semantic diversity per post (...): distance X, Vendi Y.' where the report has the semantic rows, else ''."""
    found = {name: dict(_by_task(rows, difference_name(name), group="per_input")).get(task)
             for name in ("semantic_distance", "vendi_score")}
    if not any(found.values()):
        return ""
    parts = [f"{label} {view.fmt(stat)}" for label, stat in zip(("distance", "Vendi score"), found.values()) if stat]
    return f" Semantic diversity per post (sentence embeddings, model minus reference): {', '.join(parts)}."


def _mode_collapse(view: _View, model: str, reference: str) -> list[str]:
    """One sentence per generation task compared: per-input diversity and likelihood under the reference."""
    out = []
    rows = select(view.table, model=model, reference=reference)
    for task, div in _by_task(rows, difference_name("ead"), group="per_input"):
        lik = dict(_by_task(rows, difference_name("sample_ref_logprob"))).get(task)
        who = f"{view.names[model]} vs {view.names[reference]}"
        head = (f"**{task}**, {who}: per-input diversity of the samples (EAD, model minus reference) "
                f"{view.fmt(div)}")
        d_div = direction(div)
        tail = (_semantic(view, rows, task) + _empty_samples(view, (model, reference), task)
                + view.notes((model, reference), task))
        if lik is None:
            verdict = {1: "the model's samples are more diverse per post", -1: "the model's samples are less diverse "
                       "per post (its likelihood under the reference was not scored)",
                       0: "no evidence of a change in diversity at this sample size", None: no_claim(div)}[d_div]
            out.append(f"{head}; {verdict}." + tail)
            continue
        d_lik = direction(lik)
        head += f"; the reference's log-prob per token of them, minus of its own samples, {view.fmt(lik)}"
        if d_div is None or d_lik is None:
            verdict = no_claim(div if d_div is None else lik)
        elif d_div == -1 and d_lik == 1:
            verdict = ("concentration seen in generations: the samples are less diverse and more likely under the "
                       "reference, as mode collapse would show")
        elif d_div == -1:
            verdict = "less diverse, but not more likely under the reference"
        elif d_lik == 1:
            verdict = "more likely under the reference, but not less diverse per post"
        elif d_div == 0 and d_lik == 0:
            verdict = "no evidence of mode collapse in the generations at this sample size"
        else:
            verdict = "no sign of mode collapse in the generations"
        out.append(f"{head}: {verdict}." + tail)
    return out


def _empty_samples(view: _View, models: Iterable[str], task: str) -> str:
    """' Empty samples (left out of the diversity statistics): MODEL x%, ...' when any model's share is above 0."""
    shares = {m: dict(_by_task(select(view.table, model=m, reference=""), "empty_share")).get(task) for m in models}
    if not any(s is not None and (s.get("estimate") or 0) > 0 for s in shares.values()):
        return ""
    parts = [f"{view.names[m]} {s['estimate']:.1%}" for m, s in shares.items()
             if s is not None and s.get("estimate") is not None]
    return f" Empty samples (left out of the diversity statistics): {', '.join(parts)}."


# Hypothesis 1: the typicality bias alpha on the main measure, and the adjusted fit that holds length (pair
# tasks) or quality and length (axis tasks) fixed.
ADJUSTED = (("length_adjusted", "length"), ("quality_length_adjusted", "quality and length"))
BASELINE_WORDS = {"all": "", "quality_adjusted": " (all pairs, quality ratings held fixed)"}


def alpha_baseline(rows: pd.DataFrame, measure: str) -> tuple[str, dict] | None:
    """(group, stat) of the alpha a hypothesis-1 finding rests on, from one run's and task's `typicality_alpha`
    rows: group `all` on pair tasks; on axis tasks (no group all) Verbalized Sampling's pairs of equal mean quality
    (`tie_<rating>`), unless that interval is unreliable (few posts) and the fit on all pairs with quality held fixed
    (`quality_adjusted`) is not: a finding never rests on a few-post breakdown when an all-rows fit exists."""
    at = {g: s for (g,), s in stats_by(select(rows, measure=measure), "group").items()}
    if ALL in at:
        return ALL, at[ALL]
    tied = sorted(g for g in at if g.startswith("tie_"))
    quality = at.get("quality_adjusted")
    if tied and not (interval_warning(at[tied[0]]) and quality is not None and not interval_warning(quality)):
        return tied[0], at[tied[0]]
    return ("quality_adjusted", quality) if quality is not None else None


def baseline_words(group: str) -> str:
    """' (pairs with equal mean accuracy)', ' (all pairs, quality ratings held fixed)' or '' for group all."""
    if group.startswith("tie_"):
        return f" (pairs with equal mean {group.removeprefix('tie_')})"
    return BASELINE_WORDS.get(group, f" ({group})")


def _human_ceiling(view: _View, model: str, task: str) -> str:
    """' Labellers agree with each other at ... (95% CI).' from the run's `human_agreement` row, or ''."""
    rows = select(view.table, model=model, reference="", task=task, statistic="human_agreement", group=ALL)
    if rows.empty:
        return ""
    stat = stat_dict(rows.iloc[0])
    if stat["estimate"] is None:
        return f" Labellers' agreement with each other is {view.fmt(stat)}."
    return f" Labellers agree with each other at {view.fmt(stat)} (the human ceiling)."


def _confound(rows: pd.DataFrame, measure: str, adjusted: str) -> str:
    """The confound that removed the effect: length on pairs; on axis tasks quality when the quality-only fit
    already contains 0, else length."""
    if adjusted == "length_adjusted":
        return "length"
    quality = stats_by(select(rows, measure=measure, group="quality_adjusted"), "measure").get((measure,))
    return "quality" if direction(quality) == 0 else "length"


def _hypothesis1(view: _View, own: pd.DataFrame) -> list[str]:
    """Two sentences per run and task with `typicality_alpha` rows: does likelihood predict the human
    preference (alpha of `alpha_baseline`, on the main measure), and does it still with length (and quality)
    fixed."""
    out = []
    alpha = select(own, statistic="typicality_alpha")
    for model in levels(alpha, "model"):
        for task in sorted(levels(select(alpha, model=model), "task")):
            rows = select(alpha, model=model, task=task)
            found = next(((m, b) for m in measure_order(view.facts.main_measure)
                          if (b := alpha_baseline(rows, m)) is not None), None)
            if found is None:
                continue
            measure, (first, stat) = found
            d_all = direction(stat)
            pairs = baseline_words(first)
            head = f"**{task}**, hypothesis 1 ({MEASURE_WORDS[measure]}), {view.names[model]}: "
            verdict = {1: "humans prefer the summary the model finds more likely",
                       -1: "humans prefer the summary the model finds less likely",
                       0: "no evidence that likelihood predicts the human preference at this sample size",
                       None: no_claim(stat)}[d_all]
            notes = view.notes((model,), task)
            out.append(head + f"typicality bias α{pairs} {view.fmt(stat)} per rms unit of the log-prob difference; "
                       f"{verdict}." + notes)
            adjusted = next(((g, w) for g, w in ADJUSTED if not select(rows, measure=measure, group=g).empty), None)
            if adjusted is None:
                continue
            group, held = adjusted
            held = "length" if first == "quality_adjusted" else held  # quality is held fixed in both fits
            adj = stat_dict(select(rows, measure=measure, group=group).iloc[0])
            d_adj = direction(adj)
            if d_adj is None:
                verdict = no_claim(adj)
            elif d_adj == 0 and d_all in (1, -1):
                verdict = (f"the interval now contains 0: the effect is mostly "
                           f"{_confound(rows, measure, group)}")
            elif d_adj == 0:
                verdict = f"no evidence either way with {held} held fixed either"
            elif d_all is not None and d_adj == -d_all:
                verdict = f"the sign reverses with {held} held fixed"
            elif d_adj == d_all:
                verdict = (f"likelihood still predicts the human preference with {held} held fixed "
                           f"({'more' if d_adj > 0 else 'less'} likely preferred)")
            else:
                verdict = (f"with {held} held fixed, humans prefer the summary the model finds "
                           f"{'more' if d_adj > 0 else 'less'} likely ({held} masked it)")
            out.append(f"**{task}**, hypothesis 1 with {held} held fixed ({MEASURE_WORDS[measure]}), "
                       f"{view.names[model]}: α {view.fmt(adj)}; {verdict}." + _copying(view, rows, measure, d_all)
                       + notes)
    return out


def best_baseline(rows: pd.DataFrame, model: str, task: str) -> tuple[str, dict] | None:
    """(rule, stat) of the null rule with the highest `baseline_agreement` of a run's pair task, or None."""
    found = [(g, s) for (g,), s in stats_by(select(rows, model=model, task=task, statistic="baseline_agreement"),
                                            "group").items() if s["estimate"] is not None]
    if not found:
        return None
    group, stat = max(found, key=lambda item: item[1]["estimate"])
    return split_group(group)[1], stat


def beats_baseline(stat: Mapping, baseline: Mapping) -> bool | None:
    """Does a model's agreement beat a null rule's by its interval: True when the two intervals do not overlap
    and the model is above (non-overlap, a conservative test for two estimates on the same pairs), False when not,
    None without both intervals."""
    if None in (stat.get("ci_low"), baseline.get("ci_high")) or stat.get("estimate") is None:
        return None
    return stat["ci_low"] > baseline["ci_high"]


def _baselines(view: _View, own: pd.DataFrame) -> list[str]:
    """A sentence per run and pair task whose agreement (on the main measure) does not beat the best null rule
    (`baseline_agreement`: the longer, the shorter or the more copied summary wins) by its interval."""
    out = []
    agreement = select(own, statistic="agreement", group=ALL)
    for model in levels(agreement, "model"):
        for task in sorted(levels(select(agreement, model=model), "task")):
            best = best_baseline(own, model, task)
            by_measure = stats_by(select(agreement, model=model, task=task), "measure")
            measure = next((m for m in measure_order(view.facts.main_measure) if (m,) in by_measure), None)
            if best is None or measure is None:
                continue
            rule, base = best
            stat = by_measure[(measure,)]
            if beats_baseline(stat, base) is False:
                out.append(f"**{task}** ({MEASURE_WORDS[measure]}): {view.names[model]}'s agreement "
                           f"{view.fmt(stat)} does not beat the best null baseline, \"{RULE_WORDS[rule]}\", "
                           f"{view.fmt(base)} on the same pairs (the intervals overlap or the rule is ahead).")
    return out


def _copying(view: _View, rows: pd.DataFrame, measure: str, d_all: int | None) -> str:
    """' With copying held fixed ...' when the effect's interval excludes 0 but the fit with the summaries'
    copying (`copy_adjusted`) does not: a summary that copies its source is likely through copying alone."""
    copy = select(rows, measure=measure, group="copy_adjusted")
    if copy.empty or d_all not in (1, -1):
        return ""
    stat = stat_dict(copy.iloc[0])
    if direction(stat) != 0:
        return ""
    return (f" With the summaries' copying held fixed, α is {view.fmt(stat)}: the interval contains 0, so "
            "copying from the source may explain the effect.")


def _synthetic(facts: ReportFacts) -> list[str]:
    scope = facts.synthetic_scope
    if scope is None:
        return []
    return [(f"**Synthetic data** ({scope}): these rows are made up, so no conclusion about humans or "
            "models can be drawn from them; the sentences below only show how real results would be worded.")]


def _models(facts: ReportFacts, names: Mapping[str, str]) -> list[str]:
    """One bullet naming each model's weights (quantised or not) and whether a chat template was used."""
    parts = []
    for run in facts.runs:
        said = ([run.weights or "no quantisation recorded"] if run.has_weights else []) + [
            note for note in (run.chat_template,) if note]
        if said:
            parts.append(f"{names[run.model_name]}: {', '.join(said)}")
    return [f"**Models**: {'; '.join(parts)}."] if parts else []


def comparison_pairs(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(model, reference) of every comparison in the statistics table, in table order."""
    rows = table[table["reference"] != ""]
    return list(dict.fromkeys(zip(rows["model"], rows["reference"])))


def findings(summary: ReportFacts | Mapping, table: pd.DataFrame) -> list[str]:
    """Markdown bullet sentences (without the leading "- ") summarising the report's numbers.

    Parameters
    ----------
    summary : ReportFacts or mapping
        summary.json-shaped, for what is not a statistic: ``runs`` (each with ``model_name``; optionally
        ``display_name``, ``weights`` and ``tasks[TASK]`` with ``data_origin``, ``chat_template`` and
        ``data_notes``) and ``settings["confidence"]`` (the default `Settings` coverage when absent).
    table : pandas.DataFrame
        The statistics table (`postprocess.stats.table`): the ranked statistics are the rows
        ``agreement`` and ``spearman`` (axis ``overall``) with `reference` empty, group ``all``; the
        paired differences and the comparisons (``sharpening_gamma`` and ``predicted_gamma``,
        ``implicit_reward_agreement`` of the main measure, ``preferred_vs_rejected_shift``,
        ``mean_entropy_difference``) are the rows with `reference` set.

    Returns
    -------
    list of str
        A warning when any task was scored on synthetic data, the models' weights and chat template,
        which model tracks humans best per task (agreement, with the labellers' agreement with each other
        beside it where ``human_agreement`` rows exist; Spearman with the overall rating), hypothesis 1 per
        run and task (``typicality_alpha`` of `alpha_baseline`'s group, on the main measure of
        ``settings.main_measure``, per_token by default, falling back along `measure_order`; the fit with
        length, or quality and length, held
        fixed: ``length_adjusted`` on pair tasks, ``quality_length_adjusted`` on axis tasks, naming the
        confound when only the unadjusted interval excludes 0), then, per comparison, the headline: the
        sharpening gamma against 1 (beside it the per-token gamma and the predicted 1 + alpha/beta), the
        implicit reward against chance, the preferred-minus-rejected shift and entropy, and per generation task
        mode collapse in the samples (``ead_difference`` of group ``per_input`` beside
        ``sample_ref_logprob_difference``: less diverse and more likely under the reference is concentration).
        gamma and entropy are said once for tasks that score the same distinct summaries (`shared_summaries`).

    Examples
    --------
    >>> from postprocess.stats.result import Stat
    >>> from postprocess.stats.table import stat_row, statistics_table
    >>> def agreement(low, n_clusters):
    ...     stat = Stat(0.55, low, 0.61, 0.04, 120, "m", details={"n_clusters": n_clusters})
    ...     return statistics_table([stat_row(stat, model="m", task="t", statistic="agreement", measure="per_byte")])
    >>> summary = {"runs": [{"model_name": "m"}], "settings": {"confidence": 0.95}}
    >>> print(findings(summary, agreement(0.49, 30))[0])  # doctest: +NORMALIZE_WHITESPACE
    **t** (log-prob per byte): m reaches agreement with the human choice 0.550 [0.490, 0.610] (95% CI):
    not distinguishable from chance (0.5).

    An interval from fewer than 10 posts supports no claim, even one that excludes chance:

    >>> print(findings(summary, agreement(0.52, 6))[0])  # doctest: +NORMALIZE_WHITESPACE
    **t** (log-prob per byte): m reaches agreement with the human choice 0.550 [0.520, 0.610] (95% CI):
    no directional claim (interval from only 6 posts, fewer than 10).
    """
    return [line for lines in findings_by_question(summary, table).values() for line in lines]


# The questions report.md is organised by, in order; each finding belongs to one.
QUESTIONS = ("data", "hypothesis_1", "hypothesis_2")
# The comparison statistics computed on a task's distinct summaries, with the rows each sentence reads: two tasks
# that score the same summaries (the axis and pair tasks of one data set) give them number for number.
ON_DISTINCT_SUMMARIES = {"sharpening_gamma": ("sharpening_gamma", "predicted_gamma"),
                         "mean_entropy_difference": ("mean_entropy_difference",)}


def shared_summaries(rows: pd.DataFrame, statistic: str) -> dict[str, str]:
    """{task: the earlier task it repeats}: the tasks whose `statistic` rows (every measure: estimate, interval,
    rows used) equal an earlier task's, to 9 decimals (the same sums in another order differ in the last bits).
    Such tasks score the same distinct summaries, so their result is one."""
    first: dict[tuple, str] = {}
    repeats = {}
    chosen = select(rows, statistic=statistic)
    for task in sorted(levels(chosen, "task")):
        part = select(chosen, task=task).sort_values("measure")
        key = tuple((row["measure"], row["n"], *(None if pd.isna(row[c]) else round(float(row[c]), 9)
                                                 for c in ("estimate", "ci_low", "ci_high")))
                    for row in part.to_dict("records"))
        if key in first:
            repeats[task] = first[key]
        else:
            first[key] = task
    return repeats


def _stated_once(view: _View, builder, rows: pd.DataFrame, model: str, reference: str, statistic: str) -> list[str]:
    """`builder`'s sentences with a task that repeats another's `statistic` (`shared_summaries`) left out and
    named beside the task it repeats."""
    repeats = shared_summaries(rows, statistic)
    kept = rows[~(rows["task"].isin(repeats) & rows["statistic"].isin(ON_DISTINCT_SUMMARIES[statistic]))]
    out = []
    for sentence in builder(view, kept, model, reference):
        for task, earlier in repeats.items():
            if sentence.startswith(f"**{earlier}**"):
                sentence = (f"**{earlier}** and **{task}** (both tasks score the same distinct summaries, so this is "
                            "one result)" + sentence.removeprefix(f"**{earlier}**"))
        out.append(sentence)
    return out


def findings_by_question(summary: ReportFacts | Mapping, table: pd.DataFrame) -> dict[str, list[str]]:
    """`findings`, by the question each answers (`QUESTIONS`): the data and models (synthetic rows, weights and
    chat template), hypothesis 1 (the rankings by agreement and Spearman, the typicality bias alpha) and hypothesis 2
    (per comparison: gamma, the implicit reward, the preferred-minus-rejected shift, entropy, mode collapse).
    gamma and entropy are stated once for tasks that score the same distinct summaries (`shared_summaries`)."""
    facts = as_facts(summary)
    names = {**{m: m for m in (*table["model"], *table["reference"]) if m}, **facts.names}
    view = _View(facts, table, names, facts.settings.confidence)
    out: dict[str, list[str]] = {q: [] for q in QUESTIONS}
    out["data"] = _synthetic(facts) + _models(facts, names)
    own = table[table["reference"] == ""]
    for kind, (statistic, _) in RANKED.items():
        for task in sorted(levels(select(own, statistic=statistic, group=ALL), "task")):
            if _ranked(view, kind, task)[1] not in set(select(own, statistic=statistic, task=task)["axis"]):
                continue
            line = _ranking(view, kind, task)
            if line:
                out["hypothesis_1"].append(line)
    out["hypothesis_1"] += _baselines(view, own) + _hypothesis1(view, own)
    for model, reference in comparison_pairs(table):
        rows = select(table, model=model, reference=reference, group=ALL)
        out["hypothesis_2"] += (_stated_once(view, _sharpening, rows, model, reference, "sharpening_gamma")
                                + _implicit_reward(view, rows, model, reference)
                                + _concentration(view, rows, model, reference)
                                + _stated_once(view, _entropy, rows, model, reference, "mean_entropy_difference")
                                + _mode_collapse(view, model, reference))
    return out
