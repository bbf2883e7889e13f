"""`summ-pref report` on pref_pairs (real CarperAI rows) and pref_axis (a HelpSteer-shaped fixture) scored by two
tiny models in process: agreement, the typicality alpha with the chosen attribute as the quality covariate (as
Verbalized Sampling used HelpSteer's correctness), the implicit reward and the comparison statistics, each
checked against a computation of its own; and the reading of pref_axis records."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from lm_eval_tasks.metrics import win
from postprocess.io.samples import read_samples
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from postprocess.stats.table import select
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF, run
from tests.helpers.paths import SHARED_DATA, require_shared
from tests.helpers.pref_runs import HELPSTEER_ATTRIBUTES, helpsteer_rows, write_jsonl, write_pref_run

CARPER = SHARED_DATA / "carperai_summarize_comparisons"
AXIS_METADATA = {"fields": {a: a for a in HELPSTEER_ATTRIBUTES}, "outcome": "helpfulness", "quality": "correctness"}


@pytest.fixture(scope="module")
def pref_runs(tiny_bos_model, tiny_nobos_model, tmp_path_factory) -> tuple[Path, dict, dict]:
    """Each tiny model scores pref_pairs (CarperAI valid1) and pref_axis (HelpSteer fixture) into one run folder;
    the report compares the nobos model against the bos one (the reference). About a minute on 2 cores: the
    tests that read it are marked slow."""
    root = tmp_path_factory.mktemp("pref_report")
    helpsteer = write_jsonl(root / "helpsteer.jsonl", helpsteer_rows(n_prompts=12, per_prompt=6, seed=5))
    carper = require_shared(CARPER) / "valid1.jsonl"
    samples: dict[str, dict] = {}
    for model in (tiny_bos_model, tiny_nobos_model):
        out = root / "runs" / model.name
        pairs = write_pref_run(out, model, ["pref_pairs"], data_files=str(carper))
        axis = write_pref_run(out, model, ["pref_axis"], data_files=str(helpsteer), **AXIS_METADATA)
        samples[model.name] = {**pairs["samples"], **axis["samples"]}
    names = [tiny_bos_model.name, tiny_nobos_model.name]
    summary = build_report([root / "runs" / n for n in names], root / "report",
                           settings=Settings(n_resamples=100), reference=str(tiny_bos_model),
                           progress=False, jobs=1)
    table = pd.read_csv(root / "report" / "tables" / "statistics.csv", keep_default_na=False)
    return root, summary, {"samples": samples, "names": names, "table": table}


def _value(table: pd.DataFrame, **where) -> float:
    (estimate,) = select(table, **where)["estimate"]
    return float(estimate)


@pytest.mark.slow
def test_agreement_equals_the_share_of_pairs_won(pref_runs):
    _, summary, got = pref_runs
    name = got["names"][0]
    records = [s["record"] for s in got["samples"][name]["pref_pairs"]]
    wins = [win(r["summaries"][0]["logprob"], r["summaries"][1]["logprob"], r["choice"]) for r in records]
    model = summary["runs"][0]["model_name"]
    assert _value(got["table"], model=model, reference="", task="pref_pairs", statistic="agreement", measure="sum",
                  group="all") == pytest.approx(np.mean(wins), abs=1e-12)
    assert len(records) == 50 and {r["choice"] for r in records} == {0, 1}


@pytest.mark.slow
def test_alpha_on_pairs_tied_on_the_quality_attribute_equals_statsmodels(pref_runs):
    """Verbalized Sampling's HelpSteer analysis: pairs of responses to one prompt with equal correctness and
    different helpfulness; the logit of 1[helpfulness_i > helpfulness_j] on z = delta / rms(delta), no intercept."""
    _, summary, got = pref_runs
    name = got["names"][0]
    rows = pd.DataFrame([{"post": s["record"]["post_id"], "lp": s["record"]["summaries"][0]["logprob"],
                          **s["record"]["ratings"]} for s in got["samples"][name]["pref_axis"]])
    pairs = rows.merge(rows, on="post", suffixes=("_i", "_j"))
    pairs = pairs[(pairs["lp_i"] < pairs["lp_j"]) & (pairs["correctness_i"] == pairs["correctness_j"])
                  & (pairs["helpfulness_i"] != pairs["helpfulness_j"])]
    delta = (pairs["lp_i"] - pairs["lp_j"]).to_numpy()
    z = delta / math.sqrt(np.mean(delta ** 2))
    won = (pairs["helpfulness_i"] > pairs["helpfulness_j"]).astype(float).to_numpy()
    expected = sm.GLM(won, z[:, None], family=sm.families.Binomial()).fit().params[0]
    model = summary["runs"][0]["model_name"]
    assert len(pairs) >= 30
    assert _value(got["table"], model=model, reference="", task="pref_axis", statistic="typicality_alpha",
                  measure="sum", group="tie_correctness") == pytest.approx(expected, rel=1e-6)


@pytest.mark.slow
def test_every_statistic_family_is_present_for_both_tasks(pref_runs):
    _, _, got = pref_runs
    table = got["table"]
    own, compared = table[table["reference"] == ""], table[table["reference"] != ""]
    pairs, axis = own[own["task"] == "pref_pairs"], own[own["task"] == "pref_axis"]
    assert {"agreement", "agreement_wilson", "ranking_accuracy", "typicality_alpha", "human_agreement"} <= set(
        pairs["statistic"])
    assert set(select(axis, statistic="spearman", measure="sum", group="all")["axis"]) == set(HELPSTEER_ATTRIBUTES)
    assert {"tie_correctness", "quality_adjusted", "quality_length_adjusted"} <= set(
        select(axis, statistic="typicality_alpha")["group"])
    assert {"typicality_ordinal"} <= set(axis["statistic"])
    assert {"implicit_reward_agreement", "agreement_difference", "net_flip", "preferred_vs_rejected_shift"} <= set(
        compared[compared["task"] == "pref_pairs"]["statistic"])
    axis_compared = compared[compared["task"] == "pref_axis"]
    assert set(select(axis_compared, statistic="implicit_reward_spearman", measure="sum")["axis"]) == set(
        HELPSTEER_ATTRIBUTES)


@pytest.mark.slow
def test_implicit_reward_agreement_equals_its_definition(pref_runs):
    _, summary, got = pref_runs
    reference, model = (got["samples"][n]["pref_pairs"] for n in got["names"])
    ref_lp = {s["record"]["key"]: [x["logprob"] for x in s["record"]["summaries"]] for s in reference}
    wins = []
    for s in model:
        record = s["record"]
        reward = [x["logprob"] - r for x, r in zip(record["summaries"], ref_lp[record["key"]])]
        wins.append(win(reward[0], reward[1], record["choice"]))
    name = summary["runs"][1]["model_name"]
    assert _value(got["table"], model=name, task="pref_pairs", statistic="implicit_reward_agreement", measure="sum",
                  group="all") == pytest.approx(np.mean(wins), abs=1e-12)


@pytest.mark.slow
def test_report_words_the_attributes(pref_runs):
    root, summary, _ = pref_runs
    text = (root / "report" / "report.md").read_text()
    for wording in ("| measure | helpfulness | correctness | coherence | complexity | verbosity |",
                    "tie_correctness (pairs with equal mean correctness)", "quality_adjusted (+ Δcorrectness)",
                    "Ordered logit of the helpfulness rating on correctness", "1[helpfulness_i > helpfulness_j]",
                    "Spearman ρ with the helpfulness rating"):
        assert wording in text
    assert "Agreement by annotator confidence" not in text  # the data has no confidences
    info = summary["runs"][0]["tasks"]["pref_axis"]
    assert info["rating_roles"] == {"axes": list(HELPSTEER_ATTRIBUTES), "outcome": "helpfulness",
                                    "quality": ["correctness"]}
    assert "rating_roles" not in summary["runs"][0]["tasks"]["pref_pairs"]
    assert (root / "report" / "figures").is_dir()


# reading pref_axis records -------------------------------------------------------------------------------------

def _record(**change) -> dict:
    record = {"schema": 1, "kind": "axis", "key": "k", "post_id": "prompt:1", "source": "data_files",
              "split": "data_files", "subsplit": None, "batch": None, "worker": None, "prompt": "pref_raw",
              "prompt_sha": "a", "chat_template": False, "seed": 1, "ratings": {"helpfulness": 3.0, "correctness": 2.0},
              "outcome": "helpfulness", "quality": ["correctness"],
              "summaries": [{"continuation": "\nok", "logprob": -1.5, "n_bytes": 3, "n_chars": 3}]}
    return {**record, **change}


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"outcome": "overall"}, "record",
     "outcome and quality must name ratings (helpfulness, correctness), got 'overall'"),
    ({"ratings": {"helpfulness": "3", "correctness": 2.0}}, "record.ratings.helpfulness",
     "Input should be a valid number, got '3'"),
    ({"ratings": {"logprob": 3.0}, "outcome": "logprob", "quality": []}, "record.ratings.logprob",
     "an attribute named 'logprob' would overwrite that column: rename it in the task's fields"),
    ({"quality": "correctness"}, "record.quality", "Input should be a valid list, got 'correctness'"),
])
def test_a_bad_pref_axis_record_names_file_line_and_field(tmp_path, change, field, message):
    path = tmp_path / "samples_pref_axis_x.jsonl"
    lines = [{"doc": {"key": "k0"}, "record": _record(key="k0")}, {"doc": {"key": "k"}, "record": _record(**change)}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(DataError) as err:
        read_samples(path, progress=False)
    assert str(err.value) == f"{path}:2: field '{field}': {message}"


def test_pref_axis_records_read_under_their_attribute_names(tmp_path):
    path = tmp_path / "samples_pref_axis_x.jsonl"
    lines = [{"doc": {"key": "k0"}, "record": _record(key="k0")},
             {"doc": {"key": "k1"}, "record": _record(key="k1", ratings={"helpfulness": None, "correctness": 4.0})}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    frame, info = read_samples(path, progress=False)
    assert frame["helpfulness"].tolist()[0] == 3.0 and math.isnan(frame["helpfulness"].tolist()[1])
    assert info["rating_roles"] == {"axes": ["helpfulness", "correctness"], "outcome": "helpfulness",
                                    "quality": ["correctness"]}
    mixed = tmp_path / "samples_pref_axis_y.jsonl"
    lines[1]["record"]["quality"] = []
    mixed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(DataError, match="different rating attributes or roles mixed in one file"):
        read_samples(mixed, progress=False)


# the commands, as the README shows them --------------------------------------------------------------------------

@pytest.mark.slow
def test_summ_pref_eval_and_report_on_carper_and_helpsteer(tiny_nobos_model, tmp_path):
    """`summ-pref eval` (both tasks, their own data each) and `summ-pref report` as console commands."""
    helpsteer = write_jsonl(tmp_path / "helpsteer.jsonl", helpsteer_rows(n_prompts=6, per_prompt=3))
    out = tmp_path / "runs"
    common = ["--model", "hf", "--model_args", f"pretrained={tiny_nobos_model},dtype=float32", "--device", "cpu",
              "--batch_size", "8", "--log_samples", "--output_path", str(out)]
    for task, metadata in (("pref_pairs", {"data_files": str(require_shared(CARPER) / "test.jsonl")}),
                           ("pref_axis", {"data_files": str(helpsteer), **AXIS_METADATA})):
        proc = run([SUMM_PREF, "eval", "--tasks", task, "--metadata", json.dumps(metadata), "--limit", "20", *common])
        assert proc.returncode == 0, proc.stderr[-3000:]
    proc = run([SUMM_PREF, "report", str(out), "--out", str(tmp_path / "report"), "--n-resamples", "100"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = (tmp_path / "report" / "report.md").read_text()
    assert "### pref_pairs" in text and "### pref_axis" in text and "tie_correctness" in text
    bad = run([SUMM_PREF, "eval", "--tasks", "pref_pairs", "--metadata", json.dumps({"data_dir": "x"}), *common])
    assert bad.returncode == 1 and "field 'data_dir': none of the tasks pref_pairs reads it" in bad.stderr
