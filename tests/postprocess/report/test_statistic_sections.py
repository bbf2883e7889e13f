"""report.md's sections specific to a few statistics (`postprocess.report.statistic_sections`): the alpha table
shows the `vs_scale` group next to `all`, each group in the registry's words (`TYPICALITY_GROUPS`)."""

from __future__ import annotations

import pandas as pd
import pytest

from postprocess.compute.run_rows import VS_SCALE_GROUP
from postprocess.report.statistic_sections import typicality_lines
from postprocess.stats.registry import TYPICALITY_GROUPS
from tests.helpers.vs_scale_rows import vs_cmp_table, vs_frames


@pytest.fixture(scope="module")
def cmp_table(tmp_path_factory) -> pd.DataFrame:
    return vs_cmp_table(vs_frames(tmp_path_factory.mktemp("vs"))["cmp"])


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
