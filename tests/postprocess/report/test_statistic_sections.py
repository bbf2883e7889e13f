"""report.md's sections specific to a few statistics (`postprocess.report.statistic_sections`): the alpha table
shows the `vs_scale` group next to `all`, each group in the registry's words (`TYPICALITY_GROUPS`)."""

from __future__ import annotations

import pandas as pd
import pytest

from postprocess.compute.run_rows import VS_SCALE_GROUP, cmp_typicality_rows
from postprocess.io.samples import read_samples
from postprocess.report.statistic_sections import typicality_lines
from postprocess.stats.bootstrap import Settings
from postprocess.stats.registry import TYPICALITY_GROUPS
from postprocess.stats.table import statistics_table
from tests.helpers.synthetic_runs import write_run

SETTINGS = Settings(n_resamples=60, seed=2)
MEASURES = ["sum", "per_byte", "per_token"]


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> dict[str, pd.DataFrame]:
    folder = write_run(tmp_path_factory.mktemp("vs") / "m", n_pairs=150, n_axis=200, n_posts_cmp=30,
                       n_posts_axis=20, model_name="m")
    return {kind: read_samples(next(folder.glob(f"samples_summ_pref_{kind}_*.jsonl")), progress=False)[0]
            for kind in ("cmp", "axis")}


@pytest.fixture(scope="module")
def cmp_table(frames) -> pd.DataFrame:
    return statistics_table(cmp_typicality_rows(frames["cmp"], SETTINGS, MEASURES, model="m", task="t"))


def test_report_alpha_table_shows_vs_scale_beside_the_order_free_alpha(cmp_table):
    lines = typicality_lines(cmp_table, "cmp", "95%")
    groups = [line.split(" | ")[0] for line in lines if line.startswith("| ") and not line.startswith("| group")]
    assert groups[:2] == [f"| all ({TYPICALITY_GROUPS['all']})", f"| vs_scale ({TYPICALITY_GROUPS['vs_scale']})"]
    text = "\n".join(lines)
    assert "`vs_scale` beside it on the same rows" in text and "summary 0 (as the data lists it)" in text
    vs = cmp_table[(cmp_table["group"] == VS_SCALE_GROUP) & (cmp_table["statistic"] == "typicality_alpha")
                   & (cmp_table["measure"] == "per_byte")].iloc[0]
    row = next(line for line in lines if line.startswith("| vs_scale"))
    assert f"{vs['estimate']:.3f} [{vs['ci_low']:.3f}, {vs['ci_high']:.3f}]" in row
