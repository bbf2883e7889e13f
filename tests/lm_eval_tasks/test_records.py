"""One scored continuation of a record: its size without the continuation_end, the backend's log-probability and
greedy flag, and the extras a backend returns, by name."""

from __future__ import annotations

import numpy as np

from lm_eval_tasks.records import scored_continuation


def test_the_size_is_the_summarys_and_the_end_is_scored_but_not_counted():
    entry = scored_continuation(" café</s>", (np.float64(-3.5), np.bool_(False)), end="</s>")
    assert entry == {"continuation": " café</s>", "n_bytes": 6, "n_chars": 5, "logprob": -3.5, "is_greedy": False}
    assert type(entry["logprob"]) is float and type(entry["is_greedy"]) is bool  # native JSON


def test_the_backends_extras_are_named_in_order_and_more_are_kept():
    entry = scored_continuation(" a b", (-1.0, True, 2, [-0.5, -0.5]))
    assert (entry["n_tokens"], entry["token_logprobs"]) == (2, [-0.5, -0.5]) and "token_entropies" not in entry
    full = scored_continuation(" a", (-1.0, True, 1, [-1.0], [0.3], False, "more"))
    assert (full["token_entropies"], full["context_truncated"], full["extra"]) == ([0.3], False, ["more"])
