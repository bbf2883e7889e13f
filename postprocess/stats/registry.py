"""The registry of every statistic the report computes: one entry per value of the `statistic` column.

Why one place: the report computes, tabulates, renders and places into summary.json whatever the
registry lists, so adding a statistic is one estimator (a pure function, arrays in, `Stat` out) plus
one entry here. An entry says what the statistic is (`label`), how to compute it on one run
(`point`) and on bootstrap resamples (`replicates`, weighted by resample counts), which rows of the
tidy table it fills (`kind`, the measures, breakdowns, comparisons) and where summary.json keeps it
(`path`, `group_path`: its key paths, kept stable because users' scripts read them).

Path templates name the table's columns in braces: `{model}`, `{task}`, `{measure}`, `{axis}`, `{group}`,
and for breakdown rows `{by}` / `{value}` (a row's group "policy=ppo" has by "by_policy", value "ppo").
An entry whose `path` holds `{group}` keeps every group under its own key and needs no `group_path`.
`runs` and `comparisons` are lists in summary.json, indexed by the row's model.

Examples
--------
>>> REGISTRY["partial_spearman"].path
('runs', '{model}', 'axis', '{task}', '{measure}', '{axis}', 'partial_spearman_length')
>>> [s.name for s in statistics(kind="axis", breakdowns=True)]
['spearman', 'partial_spearman']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .agreement import agreement
from .correlation import kendall, partial_pearson, partial_spearman, pearson, spearman, weighted_partial_pearson
from .weighted import weighted_kendall, weighted_partial_spearman, weighted_pearson, weighted_spearman


@dataclass(frozen=True)
class Statistic:
    """One statistic: how it is computed, named and placed.

    kind: "axis" (a measure against a rating, one row per rated summary), "cmp" (a measure against
    the human choice of pairs) or "comparison" (a model against the reference, computed by
    `postprocess.compare`). `point(x, y, [covariate,] clusters, **bootstrap)` returns a `Stat`;
    `replicates(x, y, [covariate,] weights)` returns one value per resample (rows of `weights`).
    `covariate` names the frame column passed as the third array (e.g. the summary's bytes).
    """

    name: str
    label: str
    kind: str
    path: tuple[str, ...]
    point: Callable | None = None
    replicates: Callable | None = None
    covariate: str | None = None
    breakdowns: bool = False
    paired: bool = False
    group_path: tuple[str, ...] | None = None

    @property
    def key(self) -> str:
        """Its key in summary.json (the last element of its path)."""
        return self.path[-1]


def _axis(name: str, label: str, point: Callable, replicates: Callable, key: str | None = None, *,
          covariate: str | None = None, breakdowns: bool = False) -> Statistic:
    key = key or name
    return Statistic(name, label, "axis", ("runs", "{model}", "axis", "{task}", "{measure}", "{axis}", key), point,
                     replicates, covariate, breakdowns, True,
                     ("runs", "{model}", "axis_breakdowns", "{task}", "{by}", "{value}", "{measure}", "{axis}", key))


def _computed(name: str, label: str, kind: str, *path: str) -> Statistic:
    """A statistic that `postprocess.report.run_statistics` computes by its own function (a model fit or a
    statistic of pairs judged more than once), not through `point`: its path holds `{group}` or is fixed."""
    return Statistic(name, label, kind, ("runs", "{model}", *path))


# Hypothesis 1 as the field measures it (Zhang et al. 2025's typicality bias alpha, Chen et al. 2024's ranking
# accuracy, Stiennon et al. 2020's labeller agreement): kinds "typicality", "ranking" and "human_ceiling".
_TYPICALITY = ("typicality", "{task}", "{measure}", "{group}")


def _comparison(name: str, label: str, *path: str) -> Statistic:
    return Statistic(name, label, "comparison", ("comparisons", "{model}", *path))


def _generation(name: str, label: str, *path: str) -> Statistic:
    """A statistic of generated samples or of texts scored apart from any human judgement (kind "generation")."""
    return Statistic(name, label, "generation", ("runs", "{model}", *path))


_ENTRIES = (
    _axis("spearman", "Spearman ρ", spearman, weighted_spearman, breakdowns=True),
    _axis("partial_spearman", "partial Spearman ρ given bytes", partial_spearman, weighted_partial_spearman,
          "partial_spearman_length", covariate="n_bytes", breakdowns=True),
    _axis("pearson", "Pearson r", pearson, weighted_pearson),
    _axis("partial_pearson", "partial Pearson r given bytes", partial_pearson, weighted_partial_pearson,
          "partial_pearson_length", covariate="n_bytes"),
    _axis("kendall", "Kendall τ-b", kendall, weighted_kendall),
    Statistic("agreement", "agreement with the human choice", "cmp",
              ("runs", "{model}", "cmp", "{task}", "{measure}", "agreement"), agreement, None, None, True, True,
              ("runs", "{model}", "cmp", "{task}", "{measure}", "{by}", "{value}")),
    _computed("typicality_alpha", "typicality bias alpha (log-odds per rms unit of the difference)", "typicality",
              *_TYPICALITY, "alpha"),
    _computed("typicality_odds_ratio", "odds ratio of winning per rms unit of the difference", "typicality",
              *_TYPICALITY, "odds_ratio"),
    _computed("typicality_delta_p", "win probability at +1 minus at -1 rms unit", "typicality",
              *_TYPICALITY, "delta_p"),
    _computed("typicality_ordinal", "ordered-logit coefficient of the standardised measure on the overall rating",
              "typicality", "typicality", "{task}", "{measure}", "ordinal"),
    _computed("agreement_wilson", "agreement with the human choice, Wilson interval (pairs independent)", "ranking",
              "cmp", "{task}", "{measure}", "agreement_wilson"),
    _computed("ranking_accuracy", "ranking accuracy (Chen et al.'s R on sum, R~ on per_token)", "ranking",
              "cmp", "{task}", "{measure}", "ranking_accuracy"),
    # Null baselines (`postprocess.stats.baselines`): a rule that knows only length or copying, the rule in the group
    # ("rule=longer", "rule=shorter", "rule=more_copied"), no measure; beside every model's agreement.
    _computed("baseline_agreement", "agreement of a null rule (longer / shorter / more copied wins) with the human "
              "choice", "baseline", "baselines", "{task}", "{group}", "agreement"),
    _computed("baseline_alpha", "typicality bias alpha of a null rule's score difference (length, copying)", "baseline",
              "baselines", "{task}", "{group}", "alpha"),
    _computed("baseline_spearman", "Spearman ρ of a null rule's score (length, copying) with the rating", "baseline",
              "baselines", "{task}", "{group}", "{axis}", "spearman"),
    _computed("human_agreement", "labeller-labeller agreement", "human_ceiling",
              "human_ceiling", "{task}", "human_agreement"),
    _computed("majority_agreement", "agreement with the majority vote of pairs judged more than once",
              "human_ceiling", "human_ceiling", "{task}", "{measure}", "majority_agreement"),
    _computed("idealised_ranking_accuracy", "idealised ranking accuracy R* (Chen et al.)", "human_ceiling",
              "human_ceiling", "{task}", "{measure}", "idealised_ranking_accuracy"),
    _computed("worker_heterogeneity", "likelihood-ratio test of worker-specific slopes of alpha", "human_ceiling",
              "human_ceiling", "{task}", "{measure}", "worker_heterogeneity"),
    # Comparisons against the reference (`postprocess.compare`): differences of the single-run
    # statistics above are `<name>_difference`, placed by `difference_path`.
    _comparison("implicit_reward_spearman", "Spearman ρ of the implicit reward with the rating",
                "axis", "{task}", "implicit_reward", "{axis}", "{key}"),
    _comparison("implicit_reward_agreement", "agreement of the implicit reward with the human choice",
                "cmp", "{task}", "implicit_reward", "{key}"),
    _comparison("implicit_reward_margin", "mean implicit-reward margin, chosen minus rejected (β-scaled)",
                "cmp", "{task}", "implicit_reward", "{key}"),
    _comparison("net_flip", "net flip (model-only minus reference-only agreements)",
                "cmp", "{task}", "flip_table", "{measure}", "net_flip"),
    _comparison("preferred_shift", "shift per byte of the preferred summaries",
                "cmp", "{task}", "preferred_vs_rejected_shift", "preferred"),
    _comparison("rejected_shift", "shift per byte of the rejected summaries",
                "cmp", "{task}", "preferred_vs_rejected_shift", "rejected"),
    _comparison("preferred_vs_rejected_shift", "shift per byte, preferred minus rejected",
                "cmp", "{task}", "preferred_vs_rejected_shift", "difference"),
    # Hypothesis 2: the sharpening exponent gamma (`postprocess.stats.sharpening`) and the gamma = 1 + alpha/beta
    # that hypothesis 1's alpha predicts where the model's KL coefficient beta is known.
    _comparison("sharpening_gamma", "sharpening γ (within-post slope of log π_model on log π_ref; held fixed: "
                "summed, the token count and the reference's summed next-token entropy; per token, its mean "
                "next-token entropy)", "sharpening", "{task}", "{measure}", "gamma"),
    _comparison("predicted_gamma", "predicted γ = 1 + α/β (α: the reference's typicality bias per nat, token count "
                "and summed next-token entropy held fixed)", "sharpening", "{task}", "{measure}", "predicted_gamma"),
    # The summed slope without the token count, kept only to show the length confound: never read for a direction.
    _comparison("summed_slope_unadjusted", "within-post slope of the summed log-probs, length not held fixed "
                "(confounded by length, not sharpening)", "sharpening", "{task}", "{measure}", "slope_unadjusted"),
    _comparison("shift_vs_rating", "Spearman ρ of the shift with the rating",
                "concentration", "{task}", "shift_vs_rating", "{axis}"),
    _comparison("mean_entropy_reference", "mean token entropy of the reference (nats)",
                "entropy", "{task}", "reference"),
    _comparison("mean_entropy_model", "mean token entropy of the model (nats)", "entropy", "{task}", "model"),
    _comparison("mean_entropy_difference", "mean token entropy, model minus reference (nats)",
                "entropy", "{task}", "difference"),
    # Generated samples (issue 11: diversity, likelihood under the reference, next-token entropy), computed by
    # `postprocess.report.generation_statistics`; `<name>_difference` (model minus reference, paired by post)
    # sits at the same path under `comparisons` (`difference_path`).
    *(_generation(name, label, "generation", "{task}", "{group}", name) for name, label in (
        ("distinct_1", "distinct-1 (unique / all unigrams)"), ("distinct_2", "distinct-2 (unique / all bigrams)"),
        ("distinct_3", "distinct-3 (unique / all trigrams)"), ("ead", "expectation-adjusted distinct n-grams (EAD)"),
        ("self_bleu", "self-BLEU (0-100)"), ("compression_ratio", "gzip compression ratio"),
        ("semantic_distance", "mean pairwise cosine distance of sentence embeddings"),
        ("vendi_score", "Vendi score of the sentence-embedding cosine kernel (effective number of distinct texts)"))),
    _generation("mean_length", "mean length of the samples (words)", "generation", "{task}", "mean_length"),
    _generation("empty_share", "share of empty samples (no word; left out of the diversity statistics)",
                "generation", "{task}", "empty_share"),
    _generation("sample_ref_logprob", "the reference's mean per-token log-prob of the samples (nats)",
                "generation", "{task}", "sample_ref_logprob"),
    _generation("mean_entropy", "mean next-token entropy along the texts (nats)", "token_entropy", "{task}",
                "mean_entropy"),
    _generation("post_entropy", "mean next-token entropy over the posts' tokens (nats)", "posts", "{task}",
                "post_entropy"),
    _generation("post_perplexity", "perplexity over the posts' tokens", "posts", "{task}", "post_perplexity"),
)
REGISTRY: dict[str, Statistic] = {s.name: s for s in _ENTRIES}
# The named fits of the typicality rows (their `group`; summary.json: typicality.TASK.MEASURE.GROUP), besides the
# breakdowns `subsplit=<value>` and `policy=<name>` and the tie group `tie_<quality>` of a rated task. Each is a
# different specification of the same logit, so a reader must know which one a number comes from.
TYPICALITY_GROUPS = {
    "all": "pair tasks: alpha alone, no intercept, per rms unit of the difference (order-free)",
    "length_adjusted": "+ the log length ratio",
    "policy_adjusted": "+ policy contrasts",
    "token_count_adjusted": "+ the token-count difference",
    "entropy_token_count_adjusted": "+ the token-count and summed next-token entropy differences",
    "copy_adjusted": "+ the differences of the copy columns",
    "quality_adjusted": "axis tasks: + the quality-rating differences",
    "quality_length_adjusted": "axis tasks: + the quality-rating differences and the log length ratio",
    "vs_scale": "Verbalized Sampling's reading (analyse/reg-share.py): with an intercept, alpha per standard "
                "deviation of the difference, the first-listed summary's win as the outcome; alpha and odds ratio",
}
DIFFERENCE = "_difference"
# The implicit reward's keys in summary.json name the statistic and the measure: r = beta * (logprob_model -
# logprob_reference) (beta = 1 without a known beta), summed ("sum"), per byte or per token.
IMPLICIT_REWARD_KEYS = {("implicit_reward_spearman", "sum"): "spearman",
                        ("implicit_reward_spearman", "per_byte"): "spearman_per_byte",
                        ("implicit_reward_spearman", "per_token"): "spearman_per_token",
                        ("implicit_reward_agreement", "sum"): "agreement",
                        ("implicit_reward_agreement", "per_byte"): "agreement_per_byte",
                        ("implicit_reward_agreement", "per_token"): "agreement_per_token",
                        ("implicit_reward_margin", "sum"): "margin",
                        ("implicit_reward_margin", "per_byte"): "margin_per_byte",
                        ("implicit_reward_margin", "per_token"): "margin_per_token"}


def statistics(*, kind: str, breakdowns: bool = False, paired: bool = False) -> list[Statistic]:
    """The registered statistics of one kind, optionally only those repeated in breakdowns or compared
    between runs, in registry order."""
    return [s for s in _ENTRIES if s.kind == kind and (s.breakdowns or not breakdowns) and (s.paired or not paired)]


def difference_name(name: str) -> str:
    """The statistic name of a single-run statistic's model-minus-reference difference."""
    return name + DIFFERENCE


def difference_path(single: Statistic) -> tuple[str, ...]:
    """Where summary.json keeps a difference: beside the comparison's other statistics of the task."""
    if single.kind == "axis":
        return ("comparisons", "{model}", "axis", "{task}", "differences", "{measure}", "{axis}", single.key)
    if single.kind == "generation":
        return ("comparisons", "{model}", *single.path[2:])
    return ("comparisons", "{model}", "cmp", "{task}", "differences", "{measure}", single.key)


def lookup(name: str) -> tuple[Statistic, tuple[str, ...]]:
    """The entry of a `statistic` column value and its summary.json path (differences included).

    >>> lookup("kendall_difference")[1][-1]
    'kendall'
    """
    if name in REGISTRY:
        return REGISTRY[name], REGISTRY[name].path
    if name.endswith(DIFFERENCE) and name[: -len(DIFFERENCE)] in REGISTRY:
        single = REGISTRY[name[: -len(DIFFERENCE)]]
        return single, difference_path(single)
    raise KeyError(f"unknown statistic {name!r}: not in postprocess.stats.registry.REGISTRY")
