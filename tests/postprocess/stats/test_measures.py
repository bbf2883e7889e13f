"""The log-probability measures: summed, per byte and per token, on one run's rows and on two aligned runs'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from postprocess.stats.measures import MEASURES, available_measures, measure_values


def test_per_byte_and_per_token_divide_the_sum_and_a_zero_count_is_nan():
    frame = pd.DataFrame({"logprob": [-6.0, -3.0, -2.0], "n_bytes": [3, 12, 0], "n_tokens": [2, 1, 4]})
    assert measure_values(frame, "sum").tolist() == [-6.0, -3.0, -2.0]
    per_byte = measure_values(frame, "per_byte")
    assert per_byte[:2].tolist() == [-2.0, -0.25] and np.isnan(per_byte[2])
    assert measure_values(frame, "per_token").tolist() == [-3.0, -3.0, -0.5]
    with pytest.raises(ValueError, match="measure must be one of"):
        measure_values(frame, "per_word")


def test_pairs_of_two_runs_share_bytes_and_keep_their_own_token_counts():
    frame = pd.DataFrame({"logprob_b_model": [-8.0], "logprob_b_ref": [-4.0], "n_bytes_b": [4],
                          "n_tokens_b_model": [2], "n_tokens_b_ref": [4]})
    assert measure_values(frame, "per_byte", "_b", "_model").tolist() == [-2.0]
    assert measure_values(frame, "per_token", "_b", "_model").tolist() == [-4.0]
    assert measure_values(frame, "per_token", "_b", "_ref").tolist() == [-1.0]


def test_per_token_needs_every_token_count():
    counted = pd.DataFrame({"n_tokens_a": [1, 2], "n_tokens_b": [3, 4]})
    assert available_measures(counted, "cmp") == dict.fromkeys(MEASURES)
    missing = pd.DataFrame({"n_tokens": [1.0, np.nan]})
    reasons = available_measures(missing, "axis")
    assert reasons["sum"] is None and reasons["per_byte"] is None
    assert "token counts were not logged" in reasons["per_token"]
