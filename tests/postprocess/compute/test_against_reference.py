"""A model against the reference (`postprocess.compute.against_reference`): `compare_runs`' rows and the
summary.json entry they fill, on the synthetic runs of `tests.helpers.reference_frames`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from postprocess.compare.align import align
from postprocess.compare.concentration import ENTROPY_MISSING
from postprocess.compare.implicit_reward import implicit_reward_agreement
from postprocess.compute.against_reference import compare_runs
from postprocess.report.summary_view import summary_from_table
from postprocess.stats.bootstrap import Settings
from postprocess.stats.table import statistics_table
from tests.helpers.reference_frames import model_frames, reference_frames


@pytest.fixture(scope="module")
def runs():
    ref_axis, ref_cmp = reference_frames()
    mod_axis, mod_cmp = model_frames(ref_axis, ref_cmp)
    return ref_axis, ref_cmp, mod_axis, mod_cmp


def entry_of(compared: tuple[list[dict], dict]) -> dict:
    """The summary.json entry of `compare_runs`: its skeleton with its rows placed in it."""
    rows, skeleton = compared
    return summary_from_table(statistics_table(rows), {"comparisons": [skeleton]})["comparisons"][0]



def test_without_the_reference_s_entropies_gamma_warns_once_per_task(runs, caplog):
    ref_axis, _, mod_axis, _ = runs
    reference = ref_axis.assign(mean_entropy=np.nan)  # scored with plain hf: no per-token entropies
    with caplog.at_level("WARNING"):
        rows, _ = compare_runs({"ax": reference}, {"ax": mod_axis}, {"ax": "axis"}, Settings(n_resamples=0),
                               reference_name="A", model_name="B")
    assert sum("may be confounded by entropy" in r.getMessage() for r in caplog.records) == 1  # once per task
    gamma = [r for r in rows if r["statistic"] == "sharpening_gamma"]
    assert len(gamma) == 2 and all(r["method"].startswith(ENTROPY_MISSING) for r in gamma)


# --- the summary.json entry --------------------------------------------------------------------------

def test_compare_runs_entry_shape_and_key_paths(runs):
    ref_axis, ref_cmp, mod_axis, mod_cmp = runs
    entry = entry_of(compare_runs({"ax": ref_axis, "cm": ref_cmp, "gone": ref_cmp.iloc[:3]},
                                  {"ax": mod_axis, "cm": mod_cmp.iloc[2:]}, {"ax": "axis", "cm": "cmp", "gone": "cmp"},
                                  Settings(n_resamples=30, seed=1), reference_name="A", model_name="B"))
    json.dumps(entry, allow_nan=False)
    assert entry["reference"] == "A" and entry["model_name"] == "B"
    assert entry["left_out"]["cm"] == {"only in reference run": 2, "only in model run": 0}
    assert entry["left_out"]["gone"] == {"task only in reference run": 3}
    assert entry["n_compared"] == {"ax": len(ref_axis), "cm": len(ref_cmp) - 2}
    agree = entry["cmp"]["cm"]["implicit_reward"]["agreement"]
    assert agree["estimate"] == implicit_reward_agreement(align(ref_cmp, mod_cmp.iloc[2:], "cmp").frame,
                                                          n_resamples=0).estimate
    assert entry["axis"]["ax"]["implicit_reward"]["overall"]["spearman"]["ci_low"] is not None
    assert set(entry["axis"]["ax"]["differences"]) == {"sum", "per_byte", "per_token"}
    assert set(entry["axis"]["ax"]["differences"]["per_byte"]["coherence"]) == {
        "spearman", "pearson", "kendall", "partial_spearman_length", "partial_pearson_length"}
    assert set(entry["cmp"]["cm"]["flip_table"]) == {"sum", "per_byte", "per_token"}
    assert entry["concentration"]["ax"]["n_summaries"] == 48
    assert set(entry["concentration"]["ax"]["shift_vs_rating"]) == {"overall", "accuracy", "coverage", "coherence"}
    assert entry["entropy"]["cm"]["difference"]["estimate"] == pytest.approx(-0.25)


def test_compare_runs_without_token_detail():
    ref_axis, _ = reference_frames(entropy=False, tokens=False)
    mod_axis = ref_axis.assign(logprob=ref_axis["logprob"] * 0.9)
    entry = entry_of(compare_runs({"ax": ref_axis}, {"ax": mod_axis}, {"ax": "axis"}, Settings(n_resamples=0),
                                  reference_name="A", model_name="B"))
    assert set(entry["axis"]["ax"]["differences"]) == {"sum", "per_byte"}
    assert "per_token" in entry["measures_absent"]["ax"]
    assert "not logged" in entry["entropy"]["note"]
    json.dumps(entry, allow_nan=False)
