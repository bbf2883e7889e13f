"""The `vs_scale` group of the typicality rows: Verbalized Sampling's reading of alpha beside the order-free one, on
the same rows and draws, on every measure; named in the registry and docs/statistics.md; a row of report.md's alpha
table next to `all`."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from postprocess.io.samples import read_samples
from postprocess.report.run_statistics import VS_SCALE_GROUP, axis_typicality_rows, cmp_typicality_rows
from postprocess.report.statistic_sections import typicality_lines
from postprocess.stats.bootstrap import Settings
from postprocess.stats.measures import measure_values
from postprocess.stats.registry import TYPICALITY_GROUPS
from postprocess.stats.table import statistics_table
from postprocess.stats.typicality import axis_pairs, typicality_alpha
from tests.helpers.paths import REPO
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


def test_cmp_vs_scale_rows_equal_the_intercept_fit_on_every_measure(frames, cmp_table):
    frame = frames["cmp"]
    posts = frame["post_id"].to_numpy()
    chose_0 = (frame["choice"].to_numpy(dtype=float) == 0).astype(float)
    for m in MEASURES:
        at = cmp_table[(cmp_table["measure"] == m) & (cmp_table["group"] == VS_SCALE_GROUP)]
        assert set(at["statistic"]) == {"typicality_alpha", "typicality_odds_ratio"}
        delta = measure_values(frame, m, "_a") - measure_values(frame, m, "_b")
        all_row = cmp_table[(cmp_table["measure"] == m) & (cmp_table["group"] == "all")
                            & (cmp_table["statistic"] == "typicality_alpha")].iloc[0]
        p_method = "bootstrap" if "; p: cluster bootstrap" in all_row["method"] else "wald"
        fit = typicality_alpha(delta, chose_0, posts, intercept=True, n_resamples=SETTINGS.n_resamples,
                               seed=SETTINGS.seed, confidence=SETTINGS.confidence, p_method=p_method)
        row = at[at["statistic"] == "typicality_alpha"].iloc[0]
        for key in ("estimate", "ci_low", "ci_high", "p_value"):
            assert row[key] == pytest.approx(getattr(fit.alpha, key), rel=1e-9), (m, key)
        assert row["n"] == all_row["n"]  # the same rows as the order-free alpha
        assert row["details"]["seed"] == all_row["details"]["seed"]
        assert row["details"]["n_resamples"] == all_row["details"]["n_resamples"]
        assert at[at["statistic"] == "typicality_odds_ratio"].iloc[0]["estimate"] == pytest.approx(
            np.exp(fit.alpha.estimate))


def test_axis_vs_scale_rows_fit_the_tie_pairs(frames):
    frame = frames["axis"]
    table = statistics_table(axis_typicality_rows(frame, SETTINGS, ["per_byte"], model="m", task="t"))
    pairs = axis_pairs(frame.assign(_measure=measure_values(frame, "per_byte")), "_measure")
    tie = (pairs["d_accuracy"] == 0).to_numpy()
    posts = pairs["post_id"].to_numpy()
    tie_row = table[(table["group"] == "tie_accuracy") & (table["statistic"] == "typicality_alpha")].iloc[0]
    p_method = "bootstrap" if "; p: cluster bootstrap" in tie_row["method"] else "wald"
    fit = typicality_alpha(pairs["delta"].to_numpy()[tie], pairs["outcome"].to_numpy(dtype=float)[tie], posts[tie],
                           intercept=True, n_resamples=SETTINGS.n_resamples, seed=SETTINGS.seed, p_method=p_method)
    row = table[(table["group"] == VS_SCALE_GROUP) & (table["statistic"] == "typicality_alpha")].iloc[0]
    assert row["estimate"] == pytest.approx(fit.alpha.estimate, rel=1e-9)
    assert row["ci_low"] == pytest.approx(fit.alpha.ci_low, rel=1e-9)
    assert row["n"] == tie_row["n"]


def test_every_typicality_group_is_registered_and_documented(frames, cmp_table):
    axis = statistics_table(axis_typicality_rows(frames["axis"], SETTINGS, ["per_byte"], model="m", task="t"))
    groups = set(cmp_table["group"]) | set(axis[axis["statistic"] != "typicality_ordinal"]["group"])
    named = {g for g in groups if not g.startswith("tie_") and "=" not in g}
    assert VS_SCALE_GROUP in named
    assert named - set(TYPICALITY_GROUPS) == set()
    docs = (REPO / "docs" / "statistics.md").read_text(encoding="utf-8")
    assert [g for g in TYPICALITY_GROUPS if f"`{g}`" not in docs] == []
    assert re.search(r"`vs_scale`, α on the published scale", docs)


def test_report_alpha_table_shows_vs_scale_beside_the_order_free_alpha(cmp_table):
    lines = typicality_lines(cmp_table, "cmp", "95%")
    groups = [line.split(" | ")[0] for line in lines if line.startswith("| ") and not line.startswith("| group")]
    assert groups[:2] == ["| all (all pairs)", "| vs_scale (Verbalized Sampling's reading: intercept, per sd of Δ, "
                                                "first-listed summary minus second)"]
    text = "\n".join(lines)
    assert "`vs_scale` beside it on the same rows" in text and "summary 0 (as the data lists it)" in text
    vs = cmp_table[(cmp_table["group"] == VS_SCALE_GROUP) & (cmp_table["statistic"] == "typicality_alpha")
                   & (cmp_table["measure"] == "per_byte")].iloc[0]
    row = next(line for line in lines if line.startswith("| vs_scale"))
    assert f"{vs['estimate']:.3f} [{vs['ci_low']:.3f}, {vs['ci_high']:.3f}]" in row
