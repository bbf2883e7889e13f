"""The registry of every statistic the report computes: one entry per value of the `statistic` column, the whole
description of the statistic.

Why one place: the report computes, tabulates, renders and places into summary.json whatever the registry lists,
so adding a statistic is one estimator (a pure function, arrays in, `Stat` out) plus one entry here (or one
`register` call). An entry says

- what the statistic is: `label` (the statistics reference and report.md's headings), `short` (its row name in
  report.md's tables, `label` when empty), `unit`, `direction` (what a higher value means, e.g.
  `MORE_DIVERSE`);
- how it is computed: `kind`, the row producer (`PRODUCERS`: one run's rated summaries, its pairs, its fits, the
  null rules, the human ceiling, a model against the reference, generated samples), and for the generic kinds
  "axis" and "cmp" its `point` and `replicates` functions (weighted by resample counts) and `covariate`;
- where it shows: `sections` (report.md's places, `SECTIONS`, each in registry order), `csv` (its file under
  tables/, `CSV_FILES`; `breakdown_csv` for its breakdown rows), `figure` (the figure that draws it, if any) and
  its summary.json key paths `path` and `group_path` (kept stable because users' scripts read them);
- which `group` values its rows have and what they mean (`groups`; "<column>=<value>" breakdowns besides).

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
>>> row_label(REGISTRY["self_bleu"], "per_input")
'self-BLEU (lower: more diverse), per input'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .agreement import agreement
from .correlation import kendall, partial_pearson, partial_spearman, pearson, spearman, weighted_partial_pearson
from .diversity import HIGHER_IS_MORE_DIVERSE
from .table import ALL
from .weighted import weighted_kendall, weighted_partial_spearman, weighted_pearson, weighted_spearman

MORE_DIVERSE, LESS_DIVERSE = "higher is more diverse", "lower is more diverse"
# Each kind's row producer: the part of the report that turns runs into its rows of the statistics table.
PRODUCERS = {
    "axis": "one run's rated summaries: `point` / `replicates` per measure and rating "
            "(postprocess.compute.run_rows)",
    "cmp": "one run's pairs: `point` per measure, overall and per breakdown (postprocess.compute.run_rows)",
    "typicality": "one run's pairs or rated summaries: the typicality logit fits (postprocess.compute.run_rows)",
    "ranking": "one run's pairs: agreement as Verbalized Sampling and Chen et al. report it "
               "(postprocess.compute.run_rows)",
    "baseline": "one run's pairs or rated summaries: the null rules (postprocess.compute.run_rows)",
    "human_ceiling": "one run's pairs judged more than once (postprocess.compute.run_rows)",
    "comparison": "a model against the reference on the same rows (postprocess.compute.against_reference)",
    "generation": "generated samples, posts and token entropies, per model and model minus reference "
                  "(postprocess.compute.generation_rows)",
}
# report.md's places of a statistic, in the report's order: per run and task under hypothesis 1, then hypothesis 2.
SECTIONS = {
    "axis": "hypothesis 1, a rated task: one table per statistic, measures by ratings",
    "axis_baselines": "hypothesis 1, a rated task: the null rules beside the correlations",
    "pair_agreement": "hypothesis 1, a pair task: agreement per measure and its breakdowns",
    "agreement_baselines": "hypothesis 1, a pair task: the null rules under the agreement",
    "typicality": "hypothesis 1: the typicality bias alpha per group and measure",
    "vs_agreement": "hypothesis 1, a pair task: agreement as Verbalized Sampling and Chen et al. report it",
    "human_ceiling": "hypothesis 1, a pair task: the human ceiling",
    "human_entropy": "hypothesis 1: the entropy along the human-written summaries",
    "sharpening": "hypothesis 2: the sharpening gamma table",
    "implicit_reward": "hypothesis 2: the implicit reward table",
    "flip_table": "hypothesis 2: Chen et al.'s flip table",
    "summary_shifts": "hypothesis 2: changes along the human-written summaries",
    "generation": "hypothesis 2, generated samples: per model and model minus reference",
    "posts": "hypothesis 2, generated samples: entropy and perplexity over the posts",
}
# tables/*.csv beside statistics.csv, in the order they are written: single-run rows by their entry's `csv`;
# every row of a model against the reference in comparisons.csv.
CSV_FILES = {
    "axis_correlations": "one run's statistics of rated summaries, group `all`",
    "axis_breakdowns": "the same statistics per group (`policy=…`, `subsplit=…`)",
    "agreement": "single-run statistics of pairs: agreement overall and per group, the VS-comparable agreement rows",
    "typicality": "hypothesis 1: the typicality bias alpha, its odds ratio and Δp, the ordinal coefficient",
    "human_ceiling": "labeller-labeller agreement, agreement with the majority, idealised R*, worker heterogeneity",
    "comparisons": "every statistic of a model against the reference (`reference` set)",
    "baselines": "the null rules' agreement, alpha and Spearman, per run",
    "generation": "one run's statistics of generated samples, posts and next-token entropy",
}
COMPARISONS_CSV = "comparisons"


@dataclass(frozen=True)
class Statistic:
    """One statistic: what it is, how it is computed, where it shows (see the module docstring).

    kind: the row producer (`PRODUCERS`); "axis" (a measure against a rating, one row per rated summary) and
    "cmp" (a measure against the human choice of pairs) are computed through `point(x, y, [covariate,] clusters,
    **bootstrap)` (a `Stat`) and `replicates(x, y, [covariate,] weights)` (one value per resample, rows of
    `weights`). `covariate` names the frame column passed as the third array (e.g. the summary's bytes).
    `groups`: (group, meaning) pairs of its named groups, besides "<column>=<value>" breakdowns.
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
    short: str = ""
    unit: str = ""
    direction: str = ""
    sections: tuple[str, ...] = ()
    csv: str = ""
    breakdown_csv: str = ""
    figure: str = ""
    groups: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """Its key in summary.json (the last element of its path)."""
        return self.path[-1]


def _axis(name: str, label: str, point: Callable, replicates: Callable, key: str | None = None, *,
          covariate: str | None = None, breakdowns: bool = False, **shown) -> Statistic:
    key = key or name
    return Statistic(name, label, "axis", ("runs", "{model}", "axis", "{task}", "{measure}", "{axis}", key), point,
                     replicates, covariate, breakdowns, True,
                     ("runs", "{model}", "axis_breakdowns", "{task}", "{by}", "{value}", "{measure}", "{axis}", key),
                     sections=("axis",), csv="axis_correlations", breakdown_csv="axis_breakdowns", **shown)


def _computed(name: str, label: str, kind: str, *path: str, **shown) -> Statistic:
    """A statistic that `postprocess.compute.run_rows` computes by its own function (a model fit or a
    statistic of pairs judged more than once), not through `point`: its path holds `{group}` or is fixed."""
    return Statistic(name, label, kind, ("runs", "{model}", *path), **shown)


# Hypothesis 1 as the field measures it (Zhang et al. 2025's typicality bias alpha, Chen et al. 2024's ranking
# accuracy, Stiennon et al. 2020's labeller agreement): kinds "typicality", "ranking" and "human_ceiling".
_TYPICALITY = ("typicality", "{task}", "{measure}", "{group}")
# The named fits of the typicality rows (their `group`; summary.json: typicality.TASK.MEASURE.GROUP), besides the
# breakdowns `subsplit=<value>` and `policy=<name>` and the tie group `tie_<quality>` of a rated task. Each is a
# different specification of the same logit, so a reader must know which one a number comes from.
TYPICALITY_GROUPS = {
    "all": "all pairs: α alone, no intercept, per rms unit of Δ (order-free)",
    "length_adjusted": "+ the log length ratio",
    "policy_adjusted": "+ policy contrasts",
    "token_count_adjusted": "+ the token-count difference; axis tasks: over the tie pairs; the α of predicted γ "
                            "where the reference logged no entropies",
    "entropy_token_count_adjusted": "+ the token-count and summed next-token entropy differences; axis tasks: over "
                                    "the tie pairs; the α of predicted γ",
    "copy_adjusted": "+ the copying differences (the copy columns)",
    "quality_adjusted": "axis tasks: + the quality-rating differences",
    "quality_length_adjusted": "axis tasks: + the quality-rating differences and the log length ratio",
    "vs_scale": "Verbalized Sampling's reading (analyse/reg-share.py): with an intercept, α per standard "
                "deviation of Δ, the first-listed summary's win as the outcome; α and odds ratio",
}
_FITS = {"sections": ("typicality",), "csv": "typicality", "groups": tuple(TYPICALITY_GROUPS.items())}
_CEILING = {"sections": ("human_ceiling",), "csv": "human_ceiling"}
_RULES = (("rule=longer", "the longer summary (bytes) wins"), ("rule=shorter", "the shorter summary wins"),
          ("rule=more_copied", "the more copied summary wins"))
_BASELINE = {"csv": "baselines", "groups": _RULES}


def _comparison(name: str, label: str, *path: str, **shown) -> Statistic:
    return Statistic(name, label, "comparison", ("comparisons", "{model}", *path), csv=COMPARISONS_CSV, **shown)


def _generation(name: str, label: str, *path: str, **shown) -> Statistic:
    """A statistic of generated samples or of texts scored apart from any human judgement (kind "generation")."""
    return Statistic(name, label, "generation", ("runs", "{model}", *path), csv="generation", **shown)


# Diversity of a set of texts: per input (the K samples of a post, averaged over posts) and across inputs (the
# first sample of every post).
_SETS = (("per_input", "per input"), ("across_input", "across inputs"))


def _diversity(name: str, label: str, short: str, figure: str = "") -> Statistic:
    direction = {True: MORE_DIVERSE, False: LESS_DIVERSE, None: MORE_DIVERSE}[HIGHER_IS_MORE_DIVERSE.get(name)]
    return _generation(name, label, "generation", "{task}", "{group}", name, short=short, direction=direction,
                       sections=("generation",), groups=_SETS, figure=figure)


_ENTRIES = (
    _axis("spearman", "Spearman ρ", spearman, weighted_spearman, breakdowns=True, short="Spearman",
          figure="correlation bars of each run; the correlation by model"),
    _axis("partial_spearman", "partial Spearman ρ given bytes", partial_spearman, weighted_partial_spearman,
          "partial_spearman_length", covariate="n_bytes", breakdowns=True),
    _axis("pearson", "Pearson r", pearson, weighted_pearson),
    _axis("partial_pearson", "partial Pearson r given bytes", partial_pearson, weighted_partial_pearson,
          "partial_pearson_length", covariate="n_bytes"),
    _axis("kendall", "Kendall τ-b", kendall, weighted_kendall),
    Statistic("agreement", "agreement with the human choice", "cmp",
              ("runs", "{model}", "cmp", "{task}", "{measure}", "agreement"), agreement, None, None, True, True,
              ("runs", "{model}", "cmp", "{task}", "{measure}", "{by}", "{value}"), unit="share of pairs",
              sections=("pair_agreement",), csv="agreement", figure="agreement by annotator confidence",
              groups=((ALL, "every pair"), ("confidence=<value>", "pairs of one annotator confidence"),
                      ("subsplit=<value>", "pairs of one split"), ("policy=<pair>", "pairs of one policy pair"),
                      ("policy_class=<class>", "pairs of one policy-pair class (Stiennon et al. 2020, G.7)"))),
    _computed("typicality_alpha", "typicality bias alpha (log-odds per rms unit of the difference)", "typicality",
              *_TYPICALITY, "alpha", **_FITS),
    _computed("typicality_odds_ratio", "odds ratio of winning per rms unit of the difference", "typicality",
              *_TYPICALITY, "odds_ratio", **_FITS),
    _computed("typicality_delta_p", "win probability at +1 minus at -1 rms unit", "typicality",
              *_TYPICALITY, "delta_p", **_FITS),
    _computed("typicality_ordinal", "ordered-logit coefficient of the standardised measure on the overall rating",
              "typicality", "typicality", "{task}", "{measure}", "ordinal", sections=("typicality",),
              csv="typicality"),
    _computed("agreement_wilson", "agreement with the human choice, Wilson interval (pairs independent)", "ranking",
              "cmp", "{task}", "{measure}", "agreement_wilson", sections=("vs_agreement",), csv="agreement"),
    _computed("ranking_accuracy", "ranking accuracy (Chen et al.'s R on sum, R~ on per_token)", "ranking",
              "cmp", "{task}", "{measure}", "ranking_accuracy", sections=("vs_agreement",), csv="agreement"),
    # Null baselines (`postprocess.stats.baselines`): a rule that knows only length or copying, the rule in the group
    # ("rule=longer", "rule=shorter", "rule=more_copied"), no measure; beside every model's agreement.
    _computed("baseline_agreement", "agreement of a null rule (longer / shorter / more copied wins) with the human "
              "choice", "baseline", "baselines", "{task}", "{group}", "agreement", sections=("agreement_baselines",),
              **_BASELINE),
    _computed("baseline_alpha", "typicality bias alpha of a null rule's score difference (length, copying)", "baseline",
              "baselines", "{task}", "{group}", "alpha", **_BASELINE),
    _computed("baseline_spearman", "Spearman ρ of a null rule's score (length, copying) with the rating", "baseline",
              "baselines", "{task}", "{group}", "{axis}", "spearman", sections=("axis_baselines",), **_BASELINE),
    _computed("human_agreement", "labeller-labeller agreement", "human_ceiling",
              "human_ceiling", "{task}", "human_agreement", **_CEILING),
    _computed("majority_agreement", "agreement with the majority vote of pairs judged more than once",
              "human_ceiling", "human_ceiling", "{task}", "{measure}", "majority_agreement", **_CEILING),
    _computed("idealised_ranking_accuracy", "idealised ranking accuracy R* (Chen et al.)", "human_ceiling",
              "human_ceiling", "{task}", "{measure}", "idealised_ranking_accuracy", **_CEILING),
    _computed("worker_heterogeneity", "likelihood-ratio test of worker-specific slopes of alpha", "human_ceiling",
              "human_ceiling", "{task}", "{measure}", "worker_heterogeneity", **_CEILING),
    # Comparisons against the reference (`postprocess.compare`): differences of the single-run
    # statistics above are `<name>_difference`, placed by `difference_path`.
    _comparison("implicit_reward_spearman", "Spearman ρ of the implicit reward with the rating",
                "axis", "{task}", "implicit_reward", "{axis}", "{key}"),
    _comparison("implicit_reward_agreement", "agreement of the implicit reward with the human choice",
                "cmp", "{task}", "implicit_reward", "{key}", sections=("implicit_reward",),
                figure="implicit-reward agreement by model"),
    _comparison("implicit_reward_margin", "mean implicit-reward margin, chosen minus rejected (β-scaled)",
                "cmp", "{task}", "implicit_reward", "{key}", unit="nats times β", sections=("implicit_reward",)),
    _comparison("net_flip", "net flip (model-only minus reference-only agreements)",
                "cmp", "{task}", "flip_table", "{measure}", "net_flip", sections=("flip_table",)),
    _comparison("preferred_shift", "shift per byte of the preferred summaries",
                "cmp", "{task}", "preferred_vs_rejected_shift", "preferred"),
    _comparison("rejected_shift", "shift per byte of the rejected summaries",
                "cmp", "{task}", "preferred_vs_rejected_shift", "rejected"),
    _comparison("preferred_vs_rejected_shift", "shift per byte, preferred minus rejected",
                "cmp", "{task}", "preferred_vs_rejected_shift", "difference", sections=("summary_shifts",),
                short="per-byte shift (model − reference), preferred minus rejected"),
    # Hypothesis 2: the sharpening exponent gamma (`postprocess.stats.sharpening`) and the gamma = 1 + alpha/beta
    # that hypothesis 1's alpha predicts where the model's KL coefficient beta is known.
    _comparison("sharpening_gamma", "sharpening γ (within-post slope of log π_model on log π_ref; held fixed: "
                "summed, the token count and the reference's summed next-token entropy; per token, its mean "
                "next-token entropy)", "sharpening", "{task}", "{measure}", "gamma", sections=("sharpening",),
                direction="above 1: the model sharpens the reference; below 1: it flattens it",
                figure="sharpening scatter per model"),
    _comparison("predicted_gamma", "predicted γ = 1 + α/β (α: the reference's typicality bias per nat, token count "
                "and summed next-token entropy held fixed)", "sharpening", "{task}", "{measure}", "predicted_gamma",
                sections=("sharpening",)),
    # The summed slope without the token count, kept only to show the length confound: never read for a direction.
    _comparison("summed_slope_unadjusted", "within-post slope of the summed log-probs, length not held fixed "
                "(confounded by length, not sharpening)", "sharpening", "{task}", "{measure}", "slope_unadjusted"),
    _comparison("shift_vs_rating", "Spearman ρ of the shift with the rating",
                "concentration", "{task}", "shift_vs_rating", "{axis}"),
    _comparison("mean_entropy_reference", "mean token entropy of the reference (nats)",
                "entropy", "{task}", "reference", unit="nats"),
    _comparison("mean_entropy_model", "mean token entropy of the model (nats)", "entropy", "{task}", "model",
                unit="nats"),
    _comparison("mean_entropy_difference", "mean token entropy, model minus reference (nats)",
                "entropy", "{task}", "difference", unit="nats", sections=("summary_shifts",),
                short="mean next-token entropy along the summaries, model − reference (nats)"),
    # Generated samples (diversity, likelihood under the reference, next-token entropy), computed by
    # `postprocess.compute.generation_rows`; `<name>_difference` (model minus reference, paired by post)
    # sits at the same path under `comparisons` (`difference_path`).
    _diversity("distinct_1", "distinct-1 (unique / all unigrams)", "distinct-1"),
    _diversity("distinct_2", "distinct-2 (unique / all bigrams)", "distinct-2"),
    _diversity("distinct_3", "distinct-3 (unique / all trigrams)", "distinct-3"),
    _diversity("ead", "expectation-adjusted distinct n-grams (EAD)", "EAD", figure="mode-collapse map"),
    _diversity("self_bleu", "self-BLEU (0-100)", "self-BLEU"),
    _diversity("compression_ratio", "gzip compression ratio", "compression ratio"),
    _diversity("semantic_distance", "mean pairwise cosine distance of sentence embeddings",
               "semantic distance (mean pairwise cosine)"),
    _diversity("vendi_score", "Vendi score of the sentence-embedding cosine kernel (effective number of distinct "
               "texts)", "Vendi score"),
    _generation("mean_length", "mean length of the samples (words)", "generation", "{task}", "mean_length",
                short="mean length (words)", unit="words", sections=("generation",)),
    _generation("empty_share", "share of empty samples (no word; left out of the diversity statistics)",
                "generation", "{task}", "empty_share", short="empty samples (share; left out of the rows above)",
                unit="share of samples", sections=("generation",)),
    _generation("sample_ref_logprob", "the reference's mean per-token log-prob of the samples (nats)",
                "generation", "{task}", "sample_ref_logprob", unit="nats", sections=("generation",),
                short="the reference's log-prob per token of the samples (nats)", figure="mode-collapse map"),
    _generation("mean_entropy", "mean next-token entropy along the texts (nats)", "token_entropy", "{task}",
                "mean_entropy", unit="nats", sections=("generation", "human_entropy"),
                short="next-token entropy along the model's own samples (nats)"),
    _generation("post_entropy", "mean next-token entropy over the posts' tokens (nats)", "posts", "{task}",
                "post_entropy", unit="nats", sections=("posts",), short="next-token entropy over the posts (nats)"),
    _generation("post_perplexity", "perplexity over the posts' tokens", "posts", "{task}", "post_perplexity",
                sections=("posts",), short="perplexity over the posts"),
)
REGISTRY: dict[str, Statistic] = {s.name: s for s in _ENTRIES}
_BUILT_IN = frozenset(REGISTRY)
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
    return [s for s in REGISTRY.values()
            if s.kind == kind and (s.breakdowns or not breakdowns) and (s.paired or not paired)]


def in_section(section: str) -> list[Statistic]:
    """The statistics report.md shows in `section` (`SECTIONS`), in registry order."""
    return [s for s in REGISTRY.values() if section in s.sections]


def names_in(section: str) -> list[str]:
    """The names of `in_section(section)`."""
    return [s.name for s in in_section(section)]


def row_label(stat: Statistic, group: str = ALL) -> str:
    """A statistic's row name in report.md's tables: its short label, "(lower: more diverse)" where a lower value
    means more diversity, and the meaning of a named group."""
    text = stat.short or stat.label
    if stat.direction == LESS_DIVERSE:
        text += " (lower: more diverse)"
    return text if group == ALL else f"{text}, {dict(stat.groups).get(group, group)}"


def csv_file(stat: Statistic, group: str = ALL) -> str:
    """The file under tables/ (without .csv) that lists a single-run row of `stat` in `group`."""
    return stat.breakdown_csv if stat.breakdown_csv and group != ALL else stat.csv


def register(stat: Statistic) -> Statistic:
    """Add a statistic to the registry (after the built-in ones): the report then computes, tabulates, renders and
    documents it like them (its worker processes register it too: `added`). A name already registered is an
    error."""
    if stat.name in REGISTRY:
        raise ValueError(f"statistic {stat.name!r} is already registered")
    unknown = [s for s in stat.sections if s not in SECTIONS] + ([stat.csv] if stat.csv not in (*CSV_FILES, "")
                                                                 else [])
    if unknown:
        raise ValueError(f"statistic {stat.name!r}: unknown section or CSV file {unknown} (known: "
                         f"{list(SECTIONS)}, {list(CSV_FILES)})")
    REGISTRY[stat.name] = stat
    return stat


def added() -> tuple[Statistic, ...]:
    """The statistics registered at run time (`register`), which the report hands to its worker processes."""
    return tuple(s for name, s in REGISTRY.items() if name not in _BUILT_IN)


def ensure_registered(stats: tuple[Statistic, ...]) -> None:
    """Register the statistics of `added` in a worker process that does not have them yet."""
    for stat in stats:
        if stat.name not in REGISTRY:
            register(stat)


@contextmanager
def registered(stat: Statistic) -> Iterator[Statistic]:
    """`register(stat)` for the duration of a `with` block (tests), then removed again."""
    register(stat)
    try:
        yield stat
    finally:
        del REGISTRY[stat.name]



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
