"""Fixtures the report tests share: the golden runs' report, built once for every test that only reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.built_once import built_once
from tests.postprocess.report.golden.make_golden_summary import build


@pytest.fixture(scope="session")
def golden_report(tmp_path_factory) -> tuple[dict, Path]:
    """The report of the golden runs (both against the reference "base", `make_golden_summary.build`): its
    summary without the volatile fields, and its folder, whose root also holds the runs (root/runs/<name>).
    Built once per test run for every xdist worker; read only: a test that changes it works on a copy."""

    def write(root: Path) -> None:
        (root / "stable_summary.json").write_text(json.dumps(build(root)))

    root = built_once(tmp_path_factory, "golden", write)
    return json.loads((root / "stable_summary.json").read_text()), root / "report"
