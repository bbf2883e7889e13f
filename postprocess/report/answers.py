"""The "Answers" report.md opens with: one paragraph per hypothesis, on the report's declared main measure
(`findings.main_measure`), each with its estimate, interval, verdict and its largest named confound.

Hypothesis 1 rests on the typicality bias alpha of the reference run (every run without a reference), on the
fit over all pairs (`findings.alpha_baseline`); its largest confound is the one whose adjusted fit (length or
copying held fixed) moves alpha most, or too few posts when alpha's own interval is unreliable. Hypothesis 2
rests on the sharpening gamma of each compared model, stated once for tasks that score the same distinct
summaries; its confound is length (gamma on the other scale beside it) or too few posts. Verdicts follow the
intervals exactly as the findings do (`findings.direction`), so an answer never contradicts a finding or a table.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from postprocess.compute.facts import ReportFacts, as_facts
from postprocess.report.findings import (
    MEASURE_WORDS,
    alpha_baseline,
    baseline_words,
    beats_baseline,
    best_baseline,
    comparison_pairs,
    direction,
    measure_order,
    no_claim,
    shared_summaries,
)
from postprocess.stats.baselines import RULE_WORDS
from postprocess.stats.result import format_stat, interval_warning
from postprocess.stats.table import ALL, levels, select, stats_by

# The fits that hold one confound fixed, beside the fit an answer rests on: {baseline group: ((group, confound))}.
CONFOUND_FITS = {
    ALL: (("length_adjusted", "length"), ("copy_adjusted", "copying")),
    "quality_adjusted": (("quality_length_adjusted", "length"), ("copy_adjusted", "copying")),
}


def _fmt(stat: Mapping | None, facts: ReportFacts) -> str:
    return format_stat(stat, confidence=facts.settings.confidence)


def _verdict(stat: Mapping, null: float, words: Mapping[int, str]) -> str:
    d = direction(stat, null)
    return no_claim(stat) if d is None else words[d]


ALPHA_WORDS = {1: "humans prefer the summary the model finds more likely",
               -1: "humans prefer the summary the model finds less likely",
               0: "no evidence either way at this sample size (the interval contains 0)"}
AGREEMENT_WORDS = {1: "above chance", -1: "below chance", 0: "not distinguishable from chance (0.5)"}
GAMMA_WORDS = {1: "γ > 1, the model sharpens the reference (the concentration mode collapse predicts)",
               -1: "γ < 1, the model flattens the reference",
               0: "not distinguishable from 1, no evidence of sharpening or flattening at this sample size"}


def largest_confound(rows: pd.DataFrame, measure: str, group: str, stat: Mapping, facts: ReportFacts) -> str:
    """'Largest confound: ...' for an alpha: too few posts when its interval is unreliable; else the confound whose
    fit moves alpha furthest from its estimate, with that fit and its verdict; '' when no such fit exists."""
    if warning := interval_warning(stat):
        return f" Largest confound: few posts ({warning}), so no claim."
    fits = {g: s for (g,), s in stats_by(select(rows, measure=measure), "group").items()}
    moved = [(abs(fits[g]["estimate"] - stat["estimate"]), g, word) for g, word in CONFOUND_FITS.get(group, ())
             if g in fits and fits[g]["estimate"] is not None]
    if not moved:
        return ""
    _, fit, word = max(moved)
    return (f" Largest confound: {word}; with {word} held fixed α is {_fmt(fits[fit], facts)}, "
            f"{_verdict(fits[fit], 0.0, ALPHA_WORDS)}.")


def hypothesis1_answer(summary: ReportFacts | Mapping, table: pd.DataFrame) -> str | None:
    """The hypothesis-1 paragraph, or None without `typicality_alpha` rows."""
    facts = as_facts(summary)
    names = facts.names
    own = select(table, reference="", statistic="typicality_alpha")
    models = [facts.reference] if facts.reference else levels(own, "model")
    main = facts.main_measure
    parts = []
    for model in models:
        for task in sorted(levels(select(own, model=model), "task")):
            rows = select(own, model=model, task=task)
            found = next(((m, b) for m in measure_order(main) if (b := alpha_baseline(rows, m)) is not None), None)
            if found is None:
                continue
            measure, (group, stat) = found
            on = "" if measure == main else f" (on {MEASURE_WORDS[measure]}: the main measure is absent)"
            text = (f"{task}, {names.get(model, model)}{on}: typicality bias α{baseline_words(group)} "
                    f"{_fmt(stat, facts)}, {_verdict(stat, 0.0, ALPHA_WORDS)}.")
            agreement = stats_by(select(table, reference="", model=model, task=task, statistic="agreement",
                                        measure=measure, group=ALL), "measure").get((measure,))
            if agreement is not None:
                text += (f" The likelier summary is the one humans chose in {_fmt(agreement, facts)} of pairs, "
                         f"{_verdict(agreement, 0.5, AGREEMENT_WORDS)}.")
            parts.append(text + largest_confound(rows, measure, group, stat, facts))
    if not parts:
        return None
    return ("**Hypothesis 1: does the base model's likelihood predict which summary humans prefer?** "
            + " ".join(parts))


def hypothesis2_answer(summary: ReportFacts | Mapping, table: pd.DataFrame) -> str | None:
    """The hypothesis-2 paragraph, or None without `sharpening_gamma` rows."""
    facts = as_facts(summary)
    names = facts.names
    main = facts.main_measure
    parts = []
    for model, reference in comparison_pairs(table):
        rows = select(table, model=model, reference=reference, statistic="sharpening_gamma", group=ALL)
        repeats = shared_summaries(rows, "sharpening_gamma")
        for task in sorted(levels(rows, "task")):
            if task in repeats:
                continue
            gamma = {m: s for (m,), s in stats_by(select(rows, task=task), "measure").items()}
            measure = next((m for m in measure_order(main) if m in gamma), None)
            if measure is None:
                continue
            stat = gamma[measure]
            also = [t for t, earlier in repeats.items() if earlier == task]
            tasks = task + "".join(f" and {t}" for t in also) + (
                " (the same distinct summaries, one result)" if also else "")
            on = "" if measure == main else f" (γ is not computed on {MEASURE_WORDS[main]})"
            text = (f"{names.get(model, model)} vs {names.get(reference, reference)}, {tasks}{on}: sharpening γ "
                    f"{_fmt(stat, facts)}, {_verdict(stat, 1.0, GAMMA_WORDS)}.")
            if (stat.get("details") or {}).get("entropy_held_fixed") is False:
                text += (f" {names.get(reference, reference)} logged no next-token entropies, so γ holds only the "
                         "token count fixed and may be confounded by entropy.")
            if warning := interval_warning(stat):
                text += f" Largest confound: few posts ({warning}), so no claim."
            else:
                other = next((m for m in measure_order(main) if m != measure and m in gamma), None)
                if other is not None:
                    text += (f" Largest confound: length; on {MEASURE_WORDS[other]} (longer summaries weigh more) "
                             f"γ is {_fmt(gamma[other], facts)}, {_verdict(gamma[other], 1.0, GAMMA_WORDS)}.")
            parts.append(text)
    if not parts:
        return None
    return "**Hypothesis 2: does tuning sharpen the reference model's distribution?** " + " ".join(parts)


def baselines_answer(summary: ReportFacts | Mapping, table: pd.DataFrame) -> str | None:
    """Each model's agreement on every pair task (main measure) beside the best null baseline of its run's pairs
    (`findings.best_baseline`), and whether it beats it by its interval; None without `baseline_agreement` rows."""
    facts = as_facts(summary)
    names = facts.names
    own = select(table, reference="")
    agreement = select(own, statistic="agreement", group=ALL)
    main = facts.main_measure
    parts = []
    for task in sorted(levels(select(own, statistic="baseline_agreement"), "task")):
        texts = []
        for model in levels(select(agreement, task=task), "model"):
            best = best_baseline(own, model, task)
            by_measure = stats_by(select(agreement, model=model, task=task), "measure")
            measure = next((m for m in measure_order(main) if (m,) in by_measure), None)
            if best is None or measure is None:
                continue
            rule, base = best
            stat = by_measure[(measure,)]
            on = "" if measure == main else f" on {MEASURE_WORDS[measure]}"
            verdict = {True: "beats it", False: "does not beat it (intervals overlap or the rule is ahead)",
                       None: "not comparable (no interval)"}[beats_baseline(stat, base)]
            texts.append(f"{names.get(model, model)}{on} {_fmt(stat, facts)} against \"{RULE_WORDS[rule]}\" "
                         f"{_fmt(base, facts)}: {verdict}")
        if texts:
            parts.append(f"{task}: " + "; ".join(texts) + ".")
    if not parts:
        return None
    return "**Null baselines: does each model beat a rule that knows only length or copying?** " + " ".join(parts)


def model_pairs_answer(summary: ReportFacts | Mapping, table: pd.DataFrame) -> str | None:
    """The paired difference of agreement between every two models on the same pairs (main measure, or the first of
    `measure_order` present), with its exact McNemar p and Holm-adjusted p; None with fewer than two runs."""
    facts = as_facts(summary)
    names = facts.names
    rows = select(table, statistic="agreement_difference", group=ALL)
    main = facts.main_measure
    confidence = facts.settings.confidence
    parts = []
    for (model, reference, task), group in rows.groupby(["model", "reference", "task"], sort=False):
        by_measure = stats_by(group, "measure")
        measure = next((m for m in measure_order(main) if (m,) in by_measure), None)
        if measure is None:
            continue
        stat = by_measure[(measure,)]
        on = "" if measure == main else f" (on {MEASURE_WORDS[measure]})"
        p_holm = stat.get("p_holm")
        held = p_holm is not None and p_holm < 1 - confidence and direction(stat) in (1, -1)
        verdict = (f"{names.get(model, model) if stat['estimate'] > 0 else names.get(reference, reference)} agrees "
                   "more often" if held else "no difference after the Holm adjustment")
        p_text = "" if stat.get("p_value") is None else f", McNemar p = {stat['p_value']:.3g}"
        p_text += "" if p_holm is None else f", Holm-adjusted p = {p_holm:.3g}"
        parts.append(f"{task}{on}: {names.get(model, model)} minus {names.get(reference, reference)} "
                     f"{_fmt(stat, facts)}{p_text}: {verdict}.")
    if not parts:
        return None
    return "**Model against model: which agrees more with the humans on the same pairs?** " + " ".join(parts)


def answers(summary: ReportFacts | Mapping, table: pd.DataFrame) -> dict[str, str]:
    """{"hypothesis_1", "baselines", "model_pairs", "hypothesis_2"}: paragraphs, each present only where its rows
    exist."""
    facts = as_facts(summary)
    out = {"hypothesis_1": hypothesis1_answer(facts, table), "baselines": baselines_answer(facts, table),
           "model_pairs": model_pairs_answer(facts, table), "hypothesis_2": hypothesis2_answer(facts, table)}
    return {key: text for key, text in out.items() if text}


def stated_measure(summary: ReportFacts | Mapping) -> str:
    """The sentence naming the main measure, under the Answers heading."""
    return (f"Main measure: {MEASURE_WORDS[as_facts(summary).main_measure]} (`summ-pref report --main-measure` "
            "changes it); every finding below is stated on it unless it names another.")

