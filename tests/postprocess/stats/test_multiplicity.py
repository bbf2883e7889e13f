"""Holm's step-down adjustment, hand-worked: the k-th smallest of m p-values times (m - k + 1), kept monotone and
at most 1; missing p-values are left out of the family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from postprocess.stats.multiplicity import holm, with_holm


def test_holm_hand_worked_with_a_missing_p():
    # sorted 0.01, 0.03, 0.04 of m = 3: 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04 -> max(0.06, 0.04) = 0.06
    adjusted = holm([0.01, 0.04, 0.03, None, 0.5 * np.nan])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert np.isnan(adjusted[3:]).all()
    assert holm([0.4, 0.6]).tolist() == [0.8, 0.8] and holm([0.9, 0.8]).tolist() == [1.0, 1.0]
    assert np.isnan(holm([None])).all()


def test_with_holm_adjusts_only_the_agreement_differences_of_group_all():
    table = pd.DataFrame({"statistic": ["agreement_difference", "agreement_difference", "agreement",
                                        "agreement_difference"],
                          "group": ["all", "all", "all", "confidence=high"],
                          "p_value": [0.01, 0.02, 0.001, 0.001]})
    out = with_holm(table)
    assert out["p_holm"].tolist() == [pytest.approx(0.02), pytest.approx(0.02), None, None]
    assert "p_holm" not in table  # the input is left as it was
