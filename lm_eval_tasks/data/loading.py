"""What every task's docs builder shares: the seeded doc order, and one load per distinct custom_dataset call."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import datasets

# Within `sharing_loads()`, the DatasetDict of each distinct custom_dataset call, so the data is read once.
_shared_loads: ContextVar[dict[tuple, datasets.DatasetDict] | None] = ContextVar("summ_pref_shared_loads", default=None)


def shuffled(docs: list[dict], seed: int) -> list[dict]:
    """Sort by key (source order differs between hub and local files), then shuffle with the seed,
    so `--limit N` is the same random sample of N rows from any source."""
    ordered = sorted(docs, key=lambda d: d["key"])
    random.Random(seed).shuffle(ordered)
    return ordered


@contextmanager
def sharing_loads() -> Iterator[None]:
    """Within the block, identical custom_dataset calls share one load: `summ-pref eval` loads (and so
    validates) the data before lm-eval loads the model, and lm-eval's own call then reuses it."""
    token = _shared_loads.set({})
    try:
        yield
    finally:
        _shared_loads.reset(token)


def shared_load(args: tuple, load: Callable[[], datasets.DatasetDict]) -> datasets.DatasetDict:
    """`load()`, or within `sharing_loads()` the DatasetDict an earlier call with the same `args` returned
    (every custom_dataset hook goes through here, so check_run's load is the one lm-eval scores)."""
    shared = _shared_loads.get()
    if shared is not None and args in shared:
        return shared[args]
    dataset = load()
    if shared is not None:
        shared[args] = dataset
    return dataset
