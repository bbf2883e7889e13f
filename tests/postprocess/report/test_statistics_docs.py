"""docs/statistics.md names every registered statistic, so the table's `statistic` column is documented."""

from __future__ import annotations

from postprocess.stats.registry import REGISTRY, difference_name, statistics
from tests.helpers.paths import REPO


def test_every_registered_statistic_is_documented():
    text = (REPO / "docs" / "statistics.md").read_text(encoding="utf-8")
    paired = [s.name for kind in ("axis", "cmp") for s in statistics(kind=kind, paired=True)]
    names = [*REGISTRY, *map(difference_name, paired)]
    assert [name for name in names if f"`{name}`" not in text] == []
