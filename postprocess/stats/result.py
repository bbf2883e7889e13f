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
