"""The estimators: arrays in, `Stat` out; every statistic of the report, in one import.

Each is a pure function of numpy arrays returning a `Stat` (or, for model fits, a small frozen
dataclass with `to_dict()`); see the defining modules for the methods:

- `postprocess.stats.correlation`: `spearman`, `pearson`, `kendall`, `partial_spearman`
- `postprocess.stats.agreement`: `agreement`, `pair_outcomes`, `confidence_bucket`, `by_group`
- `postprocess.stats.preference_model`: `bradley_terry_fit`, `calibration_curve`
- `postprocess.stats.sharpening`: `sharpening_gamma` (hypothesis 2), `predicted_gamma` (1 + alpha/beta)
- `postprocess.stats.bootstrap`: `ClusterResamples`, `draw_unless_given`, `resampled`,
  `ratio_of_sums_replicates`, `percentile_interval`, `cluster_bootstrap` (the reference path) and `Settings`,
  how intervals are made
- `postprocess.stats.weighted`: the same correlations on many resamples at once (frequency weights)
- `postprocess.stats.measures`: the log-probability measures (`MEASURES`, `measure_values`)
- `postprocess.stats.result`: `Stat`, the result type, and `format_stat`, a statistic in words
- `postprocess.stats.diversity`: distinct-n, EAD, self-BLEU, compression ratio of generated texts;
  `postprocess.stats.jackknife`: the delete-d jackknife interval of such set-level statistics over posts

The modules of this package import only numpy, scipy, statsmodels, pandas, sacrebleu and each other
(tests/test_architecture.py checks it).

Examples
--------
>>> from postprocess.stats import spearman
>>> round(spearman([1, 2, 3, 4, 5], [1, 2, 3, 5, 4], n_resamples=0).estimate, 6)
0.9
"""

from postprocess.stats.agreement import CONFIDENCE_BUCKETS, agreement, by_group, confidence_bucket, pair_outcomes
from postprocess.stats.bootstrap import (
    ClusterResamples,
    Interval,
    cluster_bootstrap,
    draw_unless_given,
    percentile_interval,
    ratio_of_sums_replicates,
    resampled,
)
from postprocess.stats.correlation import kendall, partial_spearman, pearson, spearman
from postprocess.stats.preference_model import Calibration, LogitFit, bradley_terry_fit, calibration_curve
from postprocess.stats.result import Stat, format_stat
from postprocess.stats.sharpening import predicted_gamma, sharpening_gamma

__all__ = [
    "CONFIDENCE_BUCKETS", "Calibration", "ClusterResamples", "Interval", "LogitFit", "Stat",
    "agreement", "bradley_terry_fit", "by_group", "calibration_curve", "cluster_bootstrap",
    "confidence_bucket", "draw_unless_given", "format_stat", "kendall", "pair_outcomes", "partial_spearman",
    "pearson", "percentile_interval", "predicted_gamma", "ratio_of_sums_replicates", "resampled",
    "sharpening_gamma", "spearman",
]
