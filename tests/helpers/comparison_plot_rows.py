"""Rows the comparison figures draw (a correlation per model and axis, an implicit-reward agreement per model, one
undefined), shared by the plot tests and the report's figure tests."""

import numpy as np
import pandas as pd

CORRELATIONS = pd.DataFrame({"model": ["ref", "ref", "dpo", "dpo"], "axis": ["overall", "accuracy"] * 2,
                             "estimate": [0.1, 0.05, 0.2, 0.1], "ci_low": [0.05, 0.0, 0.15, 0.05],
                             "ci_high": [0.15, 0.1, 0.25, 0.15]})
IMPLICIT_REWARD = pd.DataFrame({"model": ["dpo", "sft"], "estimate": [0.56, np.nan], "ci_low": [0.52, np.nan],
                                "ci_high": [0.6, np.nan], "n": [900, 0]})
