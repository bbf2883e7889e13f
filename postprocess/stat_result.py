"""The one result type every statistic returns, so tables and summary.json share a schema."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


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
    ) -> "Stat":
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
