"""report.md's hypothesis 2 shows Chen et al.'s flip table (so far only in summary.json), and each run's pair task
gets the distribution of sigma(delta) over its pairs (Xiao et al. 2024) as a figure with its caption, n and measure."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from scipy.special import expit

from postprocess.io.samples import read_samples
from postprocess.plots.run_figures import pair_probability_histogram
from postprocess.report.statistic_sections import flip_table_lines
from postprocess.stats.measures import measure_values
from postprocess.stats.result import Stat
from postprocess.stats.table import stat_row, statistics_table
from tests.postprocess.report.golden.make_golden_summary import RUNS

NAMES = tuple(RUNS)  # the golden runs: the reference "base" and "tuned", seeds 1 and 2, shift 0 and 0.3
CMP = "summ_pref_cmp"


@pytest.fixture(scope="module")
def built(golden_report) -> dict:
    """The golden runs' report (tests/postprocess/report/conftest.py): two synthetic runs,
    the second against the first."""
    _, out = golden_report
    folders = [out.parent / "runs" / name for name in NAMES]
    return {"folders": folders, "out": out, "report": (out / "report.md").read_text(),
            "summary": json.loads((out / "summary.json").read_text())}


def test_flip_table_is_in_hypothesis_2_with_the_counts_of_summary_json(built):
    text = built["report"]
    section = text[text.index("## Hypothesis 2"):text.index("## Data and methods")]
    assert "Flip table (Chen et al. 2024)" in section
    (comparison,) = built["summary"]["comparisons"]
    flips = comparison["cmp"][CMP]["flip_table"]
    assert set(flips) == {"sum", "per_byte", "per_token"}
    for measure, entry in flips.items():
        c, f = entry["counts"], entry["fractions"]
        row = next(line for line in section.splitlines() if line.startswith(f"| {NAMES[1]} | {CMP} | {measure} |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[3:7] == [f"{c[k]} ({f[k]:.1%})" for k in ("ref_agrees_model_agrees", "ref_agrees_model_disagrees",
                                                              "ref_disagrees_model_agrees",
                                                              "ref_disagrees_model_disagrees")]
        assert sum(c.values()) == entry["n"] and cells[7] == str(entry["n_ties"]["either"])
        net = entry["net_flip"]
        assert cells[8].startswith(f"{net['estimate']:.3f} [{net['ci_low']:.3f}, {net['ci_high']:.3f}]")
        assert f"p {net['p_value']:.3g}" in cells[8]
        assert net["estimate"] == pytest.approx((c["ref_disagrees_model_agrees"] - c["ref_agrees_model_disagrees"])
                                                / entry["n"])


def test_flip_table_lines_are_empty_without_flip_tables():
    assert flip_table_lines({"runs": [{"model_name": "m"}], "comparisons": []}, statistics_table([]), "95%") == []


def test_flip_table_lines_print_a_hand_made_table():
    summary = {"runs": [{"model_name": "r"}, {"model_name": "m", "display_name": "M"}],
               "comparisons": [{"model_name": "m", "cmp": {"t": {"flip_table": {"sum": {
                   "counts": {"ref_agrees_model_agrees": 6, "ref_agrees_model_disagrees": 1,
                              "ref_disagrees_model_agrees": 3, "ref_disagrees_model_disagrees": 0},
                   "fractions": {"ref_agrees_model_agrees": 0.6, "ref_agrees_model_disagrees": 0.1,
                                 "ref_disagrees_model_agrees": 0.3, "ref_disagrees_model_disagrees": 0.0},
                   "n": 10, "n_ties": {"either": 2}}}}}}]}
    net = Stat(0.2, -0.1, 0.5, 0.625, 10, "m", details={"confidence": 0.95, "n_clusters": 40})
    table = statistics_table([stat_row(net, model="m", reference="r", task="t", statistic="net_flip", measure="sum")])
    text = "\n".join(flip_table_lines(summary, table, "95%"))
    assert "| M | t | sum | 6 (60.0%) | 1 (10.0%) | 3 (30.0%) | 0 (0.0%) | 2 | 0.200 [-0.100, 0.500], p 0.625 |" in text


def test_each_run_has_a_pair_probability_figure_on_the_main_measure(built):
    text = built["report"]
    for name, folder in zip(NAMES, built["folders"]):
        path = f"figures/{name}__{CMP}__pair_probability.png"
        assert (built["out"] / path).is_file()
        frame = read_samples(next(folder.glob(f"samples_{CMP}_*.jsonl")), progress=False)[0]
        delta = measure_values(frame, "per_token", "_a") - measure_values(frame, "per_token", "_b")
        n = int(np.isfinite(delta).sum())
        assert f"![Pair probability σ(Δ) on the log-prob per token over the pairs]({path})" in text
        caption = next(line for line in text.splitlines() if line.startswith("*Pair probability σ(Δ)")
                       and name in line)
        assert f"n = {n:,}" in caption and "Xiao et al. 2024" in caption


def test_the_histogram_counts_every_pair_and_states_n_and_the_piled_shares():
    rng = np.random.default_rng(0)
    probability = expit(rng.normal(scale=4.0, size=300))
    probability[:5] = np.nan
    ax = pair_probability_histogram(probability, bins=10)
    heights = [patch.get_height() for patch in ax.patches]
    kept = probability[np.isfinite(probability)]
    assert heights == list(np.histogram(kept, bins=np.linspace(0, 1, 11))[0])
    (label,) = [t.get_text() for t in ax.texts]
    low, high = np.mean(kept < 0.1), np.mean(kept > 0.9)
    assert label == f"n = 295 pairs\n{low:.0%} below 0.1, {high:.0%} above 0.9"
    assert low > 0.2 and high > 0.2  # the scale of 4 piles the probabilities at both ends
    given = pair_probability_histogram(kept, ax=ax.figure.add_subplot(212))
    assert given.figure is ax.figure
    assert re.search(r"n = 295 pairs", given.texts[0].get_text())
