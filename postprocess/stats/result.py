"""The one result type every statistic returns, so tables and summary.json share a schema."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

# Which p-value a statistic reports as `p_value`: its classical test on rows taken as independent, or
# the cluster-bootstrap p that inverts its interval (`postprocess.stats.bootstrap.percentile_p_value`).
PMethod = Literal["independent", "cluster"]
# A percentile interval resamples posts: with fewer than this many, the resamples take few distinct
# values and the interval's coverage is far from its nominal level.
MIN_CLUSTERS = 10


def finite_or_none(value: float | None) -> float | None:
    """`value` as a float, or None when missing or NaN (JSON has no NaN)."""
    return None if value is None or math.isnan(value) else float(value)


def interval_problems(stat: Mapping | None) -> dict[str, str]:
    """What makes an interval unreliable, by kind: "few_clusters" (fewer than MIN_CLUSTERS posts in
    `details["n_clusters"]`) and "zero_width" (every resample gave the same value, e.g. all ties, so
    the interval shows no sampling noise); empty when it is usable or there is no interval."""
    if not stat or stat.get("estimate") is None or stat.get("ci_low") is None or stat.get("ci_high") is None:
        return {}
    problems = {}
    n_clusters = (stat.get("details") or {}).get("n_clusters")
    if n_clusters is not None and n_clusters < MIN_CLUSTERS:
        problems["few_clusters"] = f"interval from only {n_clusters} posts, fewer than {MIN_CLUSTERS}"
    if stat["ci_low"] == stat["ci_high"]:
        problems["zero_width"] = "zero-width interval: every resample gave the same value"
    return problems


def interval_warning(stat: Mapping | None) -> str | None:
    """Why an interval supports no directional claim (`interval_problems` in words), or None when it
    is usable (or absent).

    Examples
    --------
    >>> interval_warning({"estimate": 0.6, "ci_low": 0.5, "ci_high": 0.7, "details": {"n_clusters": 7}})
    'interval from only 7 posts, fewer than 10'
    >>> interval_warning({"estimate": 0.5, "ci_low": 0.5, "ci_high": 0.5, "details": {"n_clusters": 40}})
    'zero-width interval: every resample gave the same value'
    >>> interval_warning({"estimate": 0.6, "ci_low": 0.5, "ci_high": 0.7, "details": {"n_clusters": 40}}) is None
    True
    """
    return "; ".join(interval_problems(stat).values()) or None


# How a table marks an interval that supports no directional claim, by kind of `interval_problems`.
INTERVAL_MARKS = {"few_clusters": "†", "zero_width": "‡"}


def interval_marks(stat: Mapping | None) -> str:
    """The marks of what makes `stat`'s interval unreliable ('' when nothing does)."""
    return "".join(INTERVAL_MARKS[kind] for kind in interval_problems(stat))


def confidence_label(confidence: float) -> str:
    """An interval's coverage as a percentage, as the report writes it.

    Examples
    --------
    >>> confidence_label(0.95), confidence_label(0.9), confidence_label(0.975)
    ('95%', '90%', '97.5%')
    """
    return f"{round(100 * confidence, 6):g}%"


def format_stat(stat: Stat | Mapping | None, digits: int = 3, confidence: float | None = None, *,
                marks: bool = False) -> str:
    """A statistic in words: the estimate and its interval, `0.214 [0.101, 0.318]`.

    `digits` decimals; `confidence` (e.g. 0.95) adds the coverage, `0.214 [0.101, 0.318] (95% CI)`;
    `marks` adds † / ‡ after an unreliable interval (`interval_marks`). An undefined statistic reads
    `undefined (reason)`, a missing one `n/a`. Takes a `Stat` or its `to_dict()` (as summary.json holds it).

    Examples
    --------
    >>> s = {"estimate": 0.2141, "ci_low": 0.1012, "ci_high": 0.3178, "details": {"n_clusters": 7}}
    >>> format_stat(s), format_stat(s, 2, confidence=0.9), format_stat(s, marks=True)
    ('0.214 [0.101, 0.318]', '0.21 [0.10, 0.32] (90% CI)', '0.214 [0.101, 0.318]†')
    >>> format_stat({"estimate": 0.5, "ci_low": None, "ci_high": None}, confidence=0.95)
    '0.500'
    >>> format_stat(Stat.undefined(3, "m", "only 3 complete pairs")), format_stat(None)
    ('undefined (only 3 complete pairs)', 'n/a')
    """
    if isinstance(stat, Stat):
        stat = stat.to_dict()
    if not stat:
        return "n/a"
    if stat.get("estimate") is None:
        return f"undefined ({stat.get('reason') or 'not computed'})"
    text = f"{stat['estimate']:.{digits}f}"
    if stat.get("ci_low") is not None and stat.get("ci_high") is not None:
        text += f" [{stat['ci_low']:.{digits}f}, {stat['ci_high']:.{digits}f}]"
        if marks:
            text += interval_marks(stat)
        if confidence is not None:
            text += f" ({confidence_label(confidence)} CI)"
    return text


@dataclass(frozen=True)
class Stat:
    """A point estimate with its confidence interval and test.

    `estimate` is None when the statistic is undefined on the data (then `reason` says why);
    `ci_low`/`ci_high` are None when no interval was asked for or it is undefined.
    `details` holds statistic-specific counts that do not fit the common columns (e.g. the number of
    tied pairs of an agreement, or how many bootstrap resamples were dropped as undefined); its values
    are plain ints, floats or strings so the dict stays JSON-ready.
    """

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n: int
    method: str
    n_dropped: int = 0
    reason: str | None = None
    details: dict | None = field(default=None, hash=False)

    @classmethod
    def undefined(
        cls, n: int, method: str, reason: str, n_dropped: int = 0, details: dict | None = None
    ) -> Stat:
        return cls(None, None, None, None, n, method, n_dropped, reason, details)

    @property
    def defined(self) -> bool:
        return self.estimate is not None

    def to_dict(self) -> dict:
        """JSON-ready: NaN never leaves this object (JSON has none)."""
        out = asdict(self)
        for k in ("estimate", "ci_low", "ci_high", "p_value"):
            v = out[k]
            if v is not None and (isinstance(v, float) and math.isnan(v)):
                out[k] = None
            elif v is not None:
                out[k] = float(v)
        return out
