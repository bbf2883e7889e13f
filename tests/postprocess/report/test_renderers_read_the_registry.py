"""The renderers take statistic names from the registry: markdown.py, tables.py and cells.py hold no string that is
a registered statistic's name (or its `_difference`), so a statistic added to the registry needs no edit there."""

from __future__ import annotations

import ast

import pytest

from postprocess.stats.registry import REGISTRY, difference_name
from tests.helpers.paths import REPO

RENDERERS = ("markdown.py", "tables.py", "cells.py")


@pytest.mark.parametrize("module", RENDERERS)
def test_no_statistic_name_in_the_renderer(module):
    names = set(REGISTRY) | {difference_name(name) for name in REGISTRY}
    tree = ast.parse((REPO / "postprocess" / "report" / module).read_text())
    found = sorted({node.value for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names})
    assert found == []
