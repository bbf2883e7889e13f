"""The --metadata keys: an unknown key names the closest known one, a key no requested task reads is refused, and
the seed and text values are checked, not guessed."""

from __future__ import annotations

import pytest

from lm_eval_tasks.data.metadata import (
    METADATA_KEYS,
    PREF_KEYS,
    check_text_values,
    check_user_metadata,
    checked_seed,
    read_keys,
)
from summ_pref_common.errors import DataError


def test_read_keys_follow_the_requested_families():
    assert read_keys() == list(METADATA_KEYS)
    summ = read_keys(["summ_pref_cmp"])
    pref = read_keys(["pref_pairs"])
    assert "data_dir" in summ and not set(PREF_KEYS) & set(summ)
    assert "dataset" in pref and "data_dir" not in pref and "seed" in pref
    assert set(read_keys(["summ_pref_cmp", "pref_pairs"])) == set(METADATA_KEYS)


def test_unknown_and_unread_keys_are_one_error_naming_the_field():
    check_user_metadata({"data_dir": "x", "seed": 3}, ["summ_pref_cmp"])
    with pytest.raises(DataError, match=r"^field 'dat_dir': unknown --metadata key dat_dir \(did you mean data_dir"):
        check_user_metadata({"dat_dir": "x"}, ["summ_pref_cmp"])
    with pytest.raises(DataError, match=r"^field 'dataset': none of the tasks summ_pref_cmp reads it"):
        check_user_metadata({"dataset": "org/data"}, ["summ_pref_cmp"])


@pytest.mark.parametrize(("seed", "expected"), [(7, 7), ("7", 7), (" -3", -3), ("+12", 12)])
def test_a_seed_is_an_int_or_a_string_of_one(seed, expected):
    assert checked_seed(seed) == expected


@pytest.mark.parametrize("seed", [True, 1.5, "1.5", "seven", None])
def test_any_other_seed_is_refused(seed):
    with pytest.raises(DataError, match=r"^field 'seed': expected an integer"):
        checked_seed(seed)


def test_text_values_are_strings_when_given():
    check_text_values(data_dir="x", split=None)
    with pytest.raises(DataError, match=r"^field 'split': expected a string, got list"):
        check_text_values(data_dir="x", split=["validation"])
