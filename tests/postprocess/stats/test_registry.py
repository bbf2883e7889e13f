"""The registry as the description of every statistic: each entry's places exist, every single-run row has a CSV
file, the diversity direction comes from the estimators' module, and `register` refuses what would collide."""

from __future__ import annotations

import pytest

from postprocess.stats.diversity import HIGHER_IS_MORE_DIVERSE
from postprocess.stats.registry import (
    COMPARISONS_CSV,
    CSV_FILES,
    LESS_DIVERSE,
    MORE_DIVERSE,
    REGISTRY,
    SECTIONS,
    Statistic,
    csv_file,
    register,
    registered,
    row_label,
)


def test_every_entry_names_known_sections_and_a_csv_file():
    for stat in REGISTRY.values():
        assert set(stat.sections) <= set(SECTIONS), stat.name
        assert stat.csv in CSV_FILES and (stat.breakdown_csv in CSV_FILES or stat.breakdown_csv == ""), stat.name
        assert (stat.csv == COMPARISONS_CSV) == (stat.kind == "comparison"), stat.name
    assert all(any(section in s.sections for s in REGISTRY.values()) for section in SECTIONS)


def test_breakdown_rows_go_to_the_breakdown_file():
    assert csv_file(REGISTRY["spearman"]) == "axis_correlations"
    assert csv_file(REGISTRY["spearman"], "policy=ppo") == "axis_breakdowns"
    assert csv_file(REGISTRY["agreement"], "confidence=9") == "agreement"


def test_direction_of_diversity_comes_from_the_estimators():
    for name, higher in HIGHER_IS_MORE_DIVERSE.items():
        assert REGISTRY[name].direction == (MORE_DIVERSE if higher else LESS_DIVERSE)
    assert row_label(REGISTRY["compression_ratio"], "across_input") == \
        "compression ratio (lower: more diverse), across inputs"
    assert row_label(REGISTRY["distinct_2"], "per_input") == "distinct-2, per input"


def test_register_refuses_a_taken_name_and_unknown_places():
    with pytest.raises(ValueError, match="already registered"):
        register(REGISTRY["spearman"])
    odd = Statistic("toy", "toy", "axis", ("runs", "{model}", "toy"), sections=("nowhere",))
    with pytest.raises(ValueError, match="unknown section"):
        register(odd)
    assert "toy" not in REGISTRY
    with registered(Statistic("toy", "toy", "axis", ("runs", "{model}", "toy"), csv="axis_correlations")):
        assert "toy" in REGISTRY
    assert "toy" not in REGISTRY
