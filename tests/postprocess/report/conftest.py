"""Fixtures the report tests share: the golden runs' report, built once for every test that only reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postprocess.report.golden.make_golden_summary import build


@pytest.fixture(scope="session")
def golden_report(tmp_path_factory) -> tuple[dict, Path]:
    """The report of the golden runs (both against the reference "base", `make_golden_summary.build`): its
    summary without the volatile fields, and its folder, whose root also holds the runs (root/runs/<name>).
    Read only: a test that changes it works on a copy."""
    root = tmp_path_factory.mktemp("golden")
    return build(root), root / "report"
