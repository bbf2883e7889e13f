"""Holm's step-down adjustment of a report's model-against-model p-values.

Why: a sweep of many models and tasks makes many paired comparisons; at 5% each, some announce chance
differences. The findings read the Holm-adjusted p (statsmodels' `multipletests`, which controls the
family-wise error rate under any dependence), kept beside the raw p in the table's `p_holm` column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

# The family: every paired model-against-model agreement difference of the report (all tasks and measures,
# group all), the comparisons whose p the findings announce.
HOLM_FAMILY = ("agreement_difference",)


def holm(p_values) -> np.ndarray:
    """Holm-adjusted p-values, NaN where the raw p is missing (left out of the family).

    >>> holm([0.01, 0.04, 0.03, None]).round(3).tolist()[:3]
    [0.03, 0.06, 0.06]
    """
    p = np.asarray([np.nan if v is None else v for v in p_values], dtype=float)
    out = np.full(p.shape, np.nan)
    present = np.isfinite(p)
    if present.any():
        out[present] = multipletests(p[present], method="holm")[1]
    return out


def with_holm(table: pd.DataFrame) -> pd.DataFrame:
    """The table with `p_holm` filled on the rows of `HOLM_FAMILY` (group all) and None elsewhere."""
    out = table.copy()
    family = (out["statistic"].isin(HOLM_FAMILY) & (out["group"] == "all")).to_numpy()
    adjusted = np.full(len(out), None, dtype=object)
    values = holm(out.loc[family, "p_value"].tolist())
    adjusted[family] = [None if np.isnan(v) else float(v) for v in values]
    out["p_holm"] = adjusted
    return out
