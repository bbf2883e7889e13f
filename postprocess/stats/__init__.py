"""The estimators: arrays in, `Stat` out; every statistic of the report, in one import.

Each is a pure function of numpy arrays returning a `Stat` (or, for model fits, a small frozen
dataclass with `to_dict()`); see the defining modules for the methods:

- `postprocess.stats.correlation`: `spearman`, `pearson`, `kendall`, `partial_spearman`, `partial_pearson`
- `postprocess.stats.agreement`: `agreement`, `pair_outcomes`, `confidence_bucket`, `by_group`
- `postprocess.stats.typicality`: `typicality_alpha`, `typicality_ordinal`, `axis_pairs` (hypothesis 1)
- `postprocess.stats.ranking`: `ranking_accuracy`, `idealised_ranking_accuracy`, `wilson_agreement`
- `postprocess.stats.human_ceiling`: `human_agreement`, `majority_agreement`, `worker_heterogeneity`
- `postprocess.stats.baselines`: `rule_scores`, `available_rules` (the null rules)
- `postprocess.stats.multiplicity`: `holm`, `with_holm`
- `postprocess.stats.preference_model`: `bradley_terry_fit`, `calibration_curve`
- `postprocess.stats.sharpening`: `sharpening_gamma` (hypothesis 2), `predicted_gamma` (1 + alpha/beta)
- `postprocess.stats.bootstrap`: `ClusterResamples`, `draw_unless_given`, `resampled`,
  `ratio_of_sums_replicates`, `percentile_interval`, `cluster_bootstrap` (the reference path) and `Settings`,
  how intervals are made
- `postprocess.stats.weighted`: the same correlations on many resamples at once (frequency weights)
- `postprocess.stats.measures`: the log-probability measures (`MEASURES`, `measure_values`, `available_measures`)
- `postprocess.stats.result`: `Stat`, the result type, and `format_stat`, a statistic in words
- `postprocess.stats.copying`: `copying`, `copying_table` (how much a summary copies its post: coverage, density,
  n-gram overlap)
- `postprocess.stats.diversity`: distinct-n, EAD, self-BLEU, compression ratio of generated texts
  (`distinct_n`, `ead`, `self_bleu`, `compression_ratio`, `mean_length`, `empty_share`, `set_statistics`);
  `postprocess.stats.semantic`: `semantic_distance`, `vendi_score`;
  `postprocess.stats.jackknife`: `jackknife_stat`, the jackknife interval (delete-one post, or delete-d on
  half-samples) of such set-level statistics
- `postprocess.stats.registry`: `REGISTRY`, `Statistic`, `register`: the description of every statistic

The modules of this package import only numpy, scipy, statsmodels, pandas, sacrebleu and each other
(tests/test_architecture.py checks it).

Examples
--------
>>> from postprocess.stats import spearman
>>> round(spearman([1, 2, 3, 4, 5], [1, 2, 3, 5, 4], n_resamples=0).estimate, 6)
0.9
"""

from postprocess.stats.agreement import CONFIDENCE_BUCKETS, agreement, by_group, confidence_bucket, pair_outcomes
from postprocess.stats.baselines import available_rules, rule_scores
from postprocess.stats.bootstrap import (
    ClusterResamples,
    Interval,
    Settings,
    cluster_bootstrap,
    draw_unless_given,
    percentile_interval,
    ratio_of_sums_replicates,
    resampled,
)
from postprocess.stats.copying import copying, copying_table
from postprocess.stats.correlation import kendall, partial_pearson, partial_spearman, pearson, spearman
from postprocess.stats.diversity import (
    compression_ratio,
    distinct_n,
    ead,
    empty_share,
    mean_length,
    self_bleu,
    set_statistics,
)
from postprocess.stats.human_ceiling import human_agreement, majority_agreement, worker_heterogeneity
from postprocess.stats.jackknife import jackknife_stat
from postprocess.stats.measures import MEASURES, available_measures, measure_values
from postprocess.stats.multiplicity import holm, with_holm
from postprocess.stats.preference_model import Calibration, LogitFit, bradley_terry_fit, calibration_curve
from postprocess.stats.ranking import idealised_ranking_accuracy, ranking_accuracy, wilson_agreement
from postprocess.stats.registry import REGISTRY, Statistic, register
from postprocess.stats.result import Stat, format_stat
from postprocess.stats.semantic import semantic_distance, vendi_score
from postprocess.stats.sharpening import predicted_gamma, sharpening_gamma
from postprocess.stats.typicality import axis_pairs, typicality_alpha, typicality_ordinal

__all__ = [
    "CONFIDENCE_BUCKETS", "MEASURES", "REGISTRY", "Calibration", "ClusterResamples", "Interval", "LogitFit",
    "Settings", "Stat", "Statistic",
    "agreement", "available_measures", "available_rules", "axis_pairs", "bradley_terry_fit", "by_group",
    "calibration_curve", "cluster_bootstrap", "compression_ratio", "confidence_bucket", "copying",
    "copying_table", "distinct_n", "draw_unless_given", "ead", "empty_share", "format_stat", "holm",
    "human_agreement", "idealised_ranking_accuracy", "jackknife_stat", "kendall", "majority_agreement",
    "mean_length", "measure_values", "pair_outcomes", "partial_pearson", "partial_spearman", "pearson",
    "percentile_interval", "predicted_gamma", "ranking_accuracy", "ratio_of_sums_replicates", "register",
    "resampled", "rule_scores", "self_bleu", "semantic_distance", "set_statistics", "sharpening_gamma", "spearman",
    "typicality_alpha", "typicality_ordinal", "vendi_score", "wilson_agreement", "with_holm",
    "worker_heterogeneity",
]
