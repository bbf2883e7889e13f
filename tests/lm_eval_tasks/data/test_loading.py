"""The docs order every builder shares (sorted by key, then shuffled with the seed) and one load per distinct
custom_dataset call within `sharing_loads()`."""

from __future__ import annotations

import random

from lm_eval_tasks.data.loading import shared_load, sharing_loads, shuffled


def test_shuffled_is_the_seeded_shuffle_of_the_key_order_whatever_the_input_order():
    docs = [{"key": k} for k in ("c", "a", "d", "b", "e")]
    expected = sorted(docs, key=lambda d: d["key"])
    random.Random(7).shuffle(expected)
    assert shuffled(docs, 7) == expected == shuffled(list(reversed(docs)), 7)
    assert [d["key"] for d in docs] == ["c", "a", "d", "b", "e"]  # the input is left as it was


def test_identical_calls_share_one_load_only_within_the_block():
    loads = []

    def load():
        loads.append(1)
        return {"n": len(loads)}

    assert shared_load(("cmp", 1), load) == {"n": 1} and shared_load(("cmp", 1), load) == {"n": 2}
    with sharing_loads():
        first = shared_load(("cmp", 1), load)
        assert shared_load(("cmp", 1), load) is first
        assert shared_load(("axis", 1), load) == {"n": 4}
    assert shared_load(("cmp", 1), load) == {"n": 5} and len(loads) == 5
