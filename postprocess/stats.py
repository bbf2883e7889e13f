"""Every statistic of the report, in one import: correlations, agreement, the logit fit, bootstrap.

Each is a pure function of numpy arrays returning a `Stat` (or, for model fits, a small frozen
dataclass with `to_dict()`); see the defining modules for the methods:

- `postprocess.correlation`: `spearman`, `pearson`, `kendall`, `partial_spearman`
- `postprocess.agreement`: `agreement`, `pair_outcomes`, `confidence_bucket`, `by_group`
- `postprocess.preference_model`: `bradley_terry_fit`, `calibration_curve`
- `postprocess.bootstrap`: `ClusterResamples`, `cluster_bootstrap`, `resampled`, `percentile_interval`

Examples
--------
>>> from postprocess.stats import spearman
>>> round(spearman([1, 2, 3, 4, 5], [1, 2, 3, 5, 4], n_resamples=0).estimate, 6)
0.9
"""

from .agreement import CONFIDENCE_BUCKETS, agreement, by_group, confidence_bucket, pair_outcomes
from .bootstrap import (
    ClusterResamples,
    Interval,
    cluster_bootstrap,
    percentile_interval,
    resampled,
)
from .correlation import kendall, partial_spearman, pearson, spearman
from .preference_model import Calibration, LogitFit, bradley_terry_fit, calibration_curve
from .stat_result import Stat

__all__ = [
    "CONFIDENCE_BUCKETS", "Calibration", "ClusterResamples", "Interval", "LogitFit", "Stat",
    "agreement", "bradley_terry_fit", "by_group", "calibration_curve", "cluster_bootstrap",
    "confidence_bucket", "kendall", "pair_outcomes", "partial_spearman", "pearson",
    "percentile_interval", "resampled", "spearman",
]
