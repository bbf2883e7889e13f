"""The synthetic run the VS-scale tests share: its pair and axis tables, and the pair task's typicality rows
(`tests/postprocess/compute/test_run_rows.py` checks the rows, `tests/postprocess/report/test_statistic_sections.py`
the table report.md makes of them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from postprocess.compute.run_rows import cmp_typicality_rows
from postprocess.io.samples import read_samples
from postprocess.stats.bootstrap import Settings
from postprocess.stats.table import statistics_table
from tests.helpers.synthetic_runs import write_run

VS_SETTINGS = Settings(n_resamples=60, seed=2)
VS_MEASURES = ["sum", "per_byte", "per_token"]


def vs_frames(folder: Path) -> dict[str, pd.DataFrame]:
    """The pair ("cmp") and axis tables of a synthetic run written into `folder` (150 pairs on 30 posts, 200 axis
    rows on 20)."""
    run = write_run(folder / "m", n_pairs=150, n_axis=200, n_posts_cmp=30, n_posts_axis=20, model_name="m")
    return {kind: read_samples(next(run.glob(f"samples_summ_pref_{kind}_*.jsonl")), progress=False)[0]
            for kind in ("cmp", "axis")}


def vs_cmp_table(cmp_frame: pd.DataFrame) -> pd.DataFrame:
    """The pair task's typicality rows (every group, the VS scale among them) as a statistics table."""
    return statistics_table(cmp_typicality_rows(cmp_frame, VS_SETTINGS, VS_MEASURES, model="m", task="t"))
