"""Put two runs' tables of one task side by side, row by row, and refuse runs that cannot be compared.

A comparison of two checkpoints is only meaningful on the same human judgements scored with the same
prompt: otherwise a difference in a statistic could come from different rows or a different context
rather than from the model. So the runs' task versions and prompts must match (`check_compatible`),
and the rows are joined on the judgement's `key` with every piece of human data (ratings or choice,
post, summary ids and lengths) checked to be identical on both sides (`align`). Rows logged by one
run only are left out and counted by reason, never silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from summ_pref_common.errors import DataError

# What a model contributes to a row; everything else is human data or derived from the text and must
# agree between runs. `n_tokens` depends on the tokenizer, so each run keeps its own.
SCORE_COLUMNS = ("logprob", "n_tokens", "mean_entropy", "context_truncated")
ONLY_REFERENCE = "only in reference run"
ONLY_MODEL = "only in model run"
NOT_IN_EVERY_RUN = "not in every run"


@dataclass(frozen=True)
class Aligned:
    """Rows scored by both runs, joined on `key`.

    Attributes
    ----------
    frame : pd.DataFrame
        Shared columns once (key, post_id, ratings or choice, sid, n_bytes, ...) and each score column
        twice, suffixed `_ref` and `_model` (for pairs: ``logprob_a_ref``, ``logprob_a_model``, ...).
        Rows keep the reference run's order.
    kind : str
        "axis" (one rated summary per row) or "cmp" (a pair and a choice).
    left_out : dict
        Rows not compared, by reason ("only in reference run", "only in model run").
    """

    frame: pd.DataFrame
    kind: str
    left_out: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.frame)


def score_columns(kind: str) -> list[str]:
    """The model-dependent columns of a task table of this kind."""
    if kind == "axis":
        return list(SCORE_COLUMNS)
    if kind == "cmp":
        return [f"{c}_{side}" for side in ("a", "b") for c in SCORE_COLUMNS]
    raise ValueError(f"kind must be 'axis' or 'cmp', got {kind!r}")


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Elementwise equality where two missing values count as equal."""
    av, bv = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    eq = np.array([x == y for x, y in zip(av, bv)], dtype=bool)
    return eq | (pd.isna(a).to_numpy() & pd.isna(b).to_numpy())


def align(reference: pd.DataFrame, model: pd.DataFrame, kind: str) -> Aligned:
    """Inner join of two runs' tables of one task on `key`, checking their human data agree.

    Parameters
    ----------
    reference, model : pd.DataFrame
        One task's table from `postprocess.io.samples.read_samples` for each run.
    kind : {"axis", "cmp"}
        The task's kind.

    Returns
    -------
    Aligned
        The joined rows and how many rows of each run were left out, by reason.

    Raises
    ------
    DataError
        A key logged twice in one run, no row in common, or any shared column (ratings, choice,
        post, summary id, length, ...) differing on a common key: the runs were made on different data.

    Examples
    --------
    >>> ref = pd.DataFrame({"key": ["k1", "k2"], "post_id": ["p", "p"], "overall": [3.0, 5.0],
    ...                     "sid": ["s1", "s2"], "n_bytes": [10, 12], "logprob": [-5.0, -6.0]})
    >>> mod = ref.assign(logprob=[-4.0, -7.0]).iloc[[1]]
    >>> a = align(ref, mod, "axis")
    >>> a.frame[["key", "logprob_ref", "logprob_model"]].to_dict("records"), a.left_out
    ([{'key': 'k2', 'logprob_ref': -6.0, 'logprob_model': -7.0}], {'only in reference run': 1, 'only in model run': 0})
    """
    scores = score_columns(kind)
    for name, frame in (("reference", reference), ("model", model)):
        dup = int(frame["key"].duplicated().sum())
        if dup:
            raise DataError(f"{dup} key(s) appear twice in the {name} run's table; one row per judgement expected")
    shared = [c for c in reference.columns if c not in scores and c != "key"]
    missing = [c for c in shared if c not in model.columns]
    if missing:
        raise DataError(f"the model run's table lacks columns {missing}; were both runs read by the same version?")
    ref_keys, model_keys = set(reference["key"]), set(model["key"])
    left_out = {ONLY_REFERENCE: len(ref_keys - model_keys), ONLY_MODEL: len(model_keys - ref_keys)}
    if not ref_keys & model_keys:
        raise DataError(f"the runs share no row ({len(ref_keys)} in the reference, {len(model_keys)} in the model "
                        "run): were they made on different data or splits?")
    ref_scores = {c: f"{c}_ref" for c in scores if c in reference.columns}
    model_scores = {c: f"{c}_model" for c in scores if c in model.columns}
    left = reference.rename(columns=ref_scores)
    checks = {c: f"{c}__check" for c in shared}
    right = model[["key", *shared, *model_scores]].rename(columns={**model_scores, **checks})
    merged = left.merge(right, on="key", how="inner", sort=False, validate="one_to_one")
    differing = {c: int((~_same(merged[c], merged[f"{c}__check"])).sum()) for c in shared}
    differing = {c: k for c, k in differing.items() if k}
    if differing:
        n_rows = int(np.any([~_same(merged[c], merged[f"{c}__check"]) for c in differing], axis=0).sum())
        raise DataError(f"{n_rows} of {len(merged)} common rows carry different human data in the two runs "
                        f"(rows differing per column: {differing}); the runs were made on different data")
    merged = merged.drop(columns=[f"{c}__check" for c in shared]).reset_index(drop=True)
    return Aligned(merged, kind, left_out)


def common_rows(frames: Mapping[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """Restrict several runs' tables of one task to the keys present in every run.

    With three or more runs only rows present in every run are kept, so that each pairwise
    comparison with the reference is made on the same rows. Returns the restricted tables and, per
    run, ``{"not in every run": count}`` of its rows left out.

    Examples
    --------
    >>> f = {"A": pd.DataFrame({"key": [1, 2, 3]}), "B": pd.DataFrame({"key": [2, 3]}),
    ...      "C": pd.DataFrame({"key": [3, 2, 4]})}
    >>> kept, out = common_rows(f)
    >>> {k: v["key"].tolist() for k, v in kept.items()}
    {'A': [2, 3], 'B': [2, 3], 'C': [3, 2]}
    >>> out
    {'A': {'not in every run': 1}, 'B': {'not in every run': 0}, 'C': {'not in every run': 1}}
    """
    keys = None
    for frame in frames.values():
        keys = set(frame["key"]) if keys is None else keys & set(frame["key"])
    keys = keys or set()
    kept, left_out = {}, {}
    for name, frame in frames.items():
        mask = frame["key"].isin(keys)
        kept[name] = frame[mask].reset_index(drop=True)
        left_out[name] = {NOT_IN_EVERY_RUN: int((~mask).sum())}
    return kept, left_out


def check_compatible(runs: Mapping[str, Mapping[str, Mapping]]) -> list[str]:
    """Refuse runs whose shared tasks differ in version or prompt; return the tasks all runs have.

    Parameters
    ----------
    runs : mapping
        ``{run name: {task: {"task_version": ..., "prompt_sha": ..., "chat_template": ...}}}``; every
        field given for a task (any others too, e.g. "prompt") must be equal across the runs.

    Returns
    -------
    list of str
        Tasks present in every run, sorted. Tasks missing from some run are not an error (the caller
        reports them as left out); a task scored differently is.

    Raises
    ------
    DataError
        Naming each task, field and the value in each run.

    Examples
    --------
    >>> meta = {"task_version": 1.0, "prompt_sha": "9c1d", "chat_template": False}
    >>> check_compatible({"A": {"t": meta, "u": meta}, "B": {"t": dict(meta)}})
    ['t']
    """
    names = list(runs)
    tasks = sorted(set.intersection(*(set(t) for t in runs.values()))) if runs else []
    problems = []
    for task in tasks:
        fields = sorted(set().union(*(runs[n][task].keys() for n in names)))
        for f in fields:
            values = {n: runs[n][task].get(f) for n in names}
            first = values[names[0]]
            if any(v != first for v in values.values()):
                problems.append(f"{task}.{f}: " + ", ".join(f"{n}={v!r}" for n, v in values.items()))
    if problems:
        raise DataError("the runs scored the same task differently and cannot be compared row by row ("
                        + "; ".join(problems) + "); re-run them with the same task version and prompt")
    return tasks
