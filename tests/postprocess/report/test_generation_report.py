"""Generated samples in the report (the views of `postprocess.compute.generation_rows`' rows; the rows themselves
against hand computations: tests/postprocess/compute/test_generation_rows.py): summary.json places the rows at their
paths, the report writes its section, the mode-collapse map, the CSV rows and the finding; runs without generation
tasks report as before."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from lm_eval_tasks.data.sources import SAMPLE_NAME
from postprocess.io.runs import discover_runs
from postprocess.plots.comparison_figures import mode_collapse_map
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from postprocess.stats.diversity import distinct_n, per_input_table
from tests.helpers.generation_fixtures import (
    POSTS,
    tuned_samples,
    two_models,
    write_generation,
)
from tests.helpers.harness_runs import run_tasks
from tests.helpers.run_files import rewrite, synthetic

SETTINGS = Settings(n_resamples=200)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("generation")
    two_models(root / "runs")
    summary = build_report([root / "runs"], root / "out", settings=SETTINGS, reference="base", progress=False, jobs=1)
    table = pd.read_csv(root / "out" / "tables" / "statistics.csv", keep_default_na=False)
    return summary, table, root / "out"


def row(table: pd.DataFrame, model: str, statistic: str, *, group: str = "all", task: str = "summ_pref_gen",
        reference: str = "") -> pd.Series:
    (found,) = table[(table["model"] == model) & (table["statistic"] == statistic) & (table["group"] == group)
                     & (table["task"] == task) & (table["reference"] == reference)].to_dict("records")
    return pd.Series(found)


def test_summary_json_places_the_rows_at_their_registry_paths(report):
    summary, _, _ = report
    runs = {r["model_name"]: r for r in summary["runs"]}
    tuned = runs["tuned"]
    assert set(tuned["generation"]["summ_pref_gen"]) >= {"per_input", "across_input", "mean_length",
                                                         "sample_ref_logprob"}
    assert tuned["generation"]["summ_pref_gen"]["per_input"]["distinct_1"]["estimate"] == pytest.approx(
        (1 / 4 + 8 / 26) / 2)
    assert tuned["token_entropy"]["summ_pref_gen"]["mean_entropy"]["estimate"] == pytest.approx(0.55)
    assert set(tuned["posts"]["summ_pref_posts"]) == {"post_entropy", "post_perplexity"}
    assert tuned["generation_tasks"]["summ_pref_gen"]["generation"]["temperature"] == 1.0
    (comparison,) = summary["comparisons"]
    assert comparison["model_name"] == "tuned" and comparison["reference"] == "base"
    assert comparison["generation"]["summ_pref_gen"]["per_input"]["ead"]["estimate"] < 0
    assert comparison["entropy"]["summ_pref_gen"]["difference"]["estimate"] == pytest.approx(0.55 - 2.1)
    assert comparison["posts"]["summ_pref_posts"]["post_entropy"]["estimate"] < 0


def test_report_writes_the_section_the_map_the_csv_and_the_finding(report):
    _, _, out = report
    text = (out / "report.md").read_text()
    assert "## Generated samples" in text and "### summ_pref_gen" in text
    assert "| statistic | base | tuned |" in text and "| statistic | tuned − base |" in text
    assert "EAD, per input" in text and "perplexity over the posts (summ_pref_posts)" in text
    assert ("![Mode-collapse map: per-input diversity (EAD) against the reference's log-prob per token of the samples "
            "(summ_pref_gen)](figures/mode_collapse__summ_pref_gen.png)") in text
    assert (out / "figures" / "mode_collapse__summ_pref_gen.png").stat().st_size > 0
    findings = text.split("## Hypothesis 2: ")[1].split("\n## ")[0]
    assert ("**summ_pref_gen**, tuned vs base: per-input diversity of the samples" in findings
            and "concentration seen in generations" in findings)
    assert "mean token entropy along each model's own samples, tuned minus base" in findings
    csv = pd.read_csv(out / "tables" / "generation.csv", keep_default_na=False)
    assert {"distinct_1", "ead", "sample_ref_logprob", "post_perplexity", "mean_entropy"} == set(csv["statistic"]) - {
        "distinct_2", "distinct_3", "self_bleu", "compression_ratio", "mean_length", "empty_share", "post_entropy"}
    assert (csv["reference"] == "").all() and "interval_warning" in csv.columns
    compared = pd.read_csv(out / "tables" / "comparisons.csv", keep_default_na=False)
    assert {"ead_difference", "sample_ref_logprob_difference", "mean_entropy_difference"} <= set(compared["statistic"])


def test_empty_samples_are_left_out_of_the_diversity_counted_and_named(tmp_path):
    folders = two_models(tmp_path / "runs")
    samples = tuned_samples()
    samples[POSTS[0]] = [""] * 4  # no word in any sample: the post has no diversity statistic
    samples[POSTS[1]] = [samples[POSTS[1]][0], "", samples[POSTS[1]][1], " "]
    write_generation(folders["tuned"], "tuned", samples)  # the fixture's file, rewritten with empty samples
    build_report([tmp_path / "runs"], tmp_path / "out", settings=SETTINGS, reference="base", progress=False, jobs=1)
    table = pd.read_csv(tmp_path / "out" / "tables" / "statistics.csv", keep_default_na=False)
    share = row(table, "tuned", "empty_share")
    assert share["estimate"] == pytest.approx((1 + 0.5) / len(POSTS)) and share["ci_low"] < share["ci_high"]
    assert row(table, "base", "empty_share")["estimate"] == 0
    distinct = row(table, "tuned", "distinct_1", group="per_input")
    kept = [texts for post, texts in samples.items() if post != POSTS[0]]
    assert distinct["n"] == len(POSTS) - 1 and distinct["n_dropped"] == 1
    assert distinct["estimate"] == pytest.approx(np.mean([distinct_n([t for t in texts if t.strip()], 1)
                                                          for texts in kept]))
    difference = row(table, "tuned", "empty_share_difference", reference="base")
    assert difference["estimate"] == pytest.approx(share["estimate"])
    text = (tmp_path / "out" / "report.md").read_text()
    assert "empty samples (share; left out of the rows above)" in text
    assert "Empty samples (left out of the diversity statistics): tuned 12.5%, base 0.0%." in text


def test_no_reference_gives_each_model_its_statistics_and_no_comparison(tmp_path):
    two_models(tmp_path / "runs")
    summary = build_report([tmp_path / "runs"], tmp_path / "out", settings=Settings(n_resamples=20), progress=False,
                           jobs=1)
    table = pd.read_csv(tmp_path / "out" / "tables" / "statistics.csv", keep_default_na=False)
    assert "comparisons" not in summary and (table["reference"] == "").all()
    assert "sample_ref_logprob" not in set(table["statistic"]) and "ead" in set(table["statistic"])
    assert not list((tmp_path / "out" / "figures").glob("mode_collapse__*"))
    assert "## Generated samples" in (tmp_path / "out" / "report.md").read_text()


def test_scoring_and_generation_runs_mixed(tmp_path):
    # base scored the human summaries and generated; tuned only generated: the scoring tasks have no comparison,
    # the generation tasks do
    root = tmp_path / "runs"
    two_models(root)
    synthetic(root, name="base")
    summary = build_report([root], tmp_path / "out", settings=Settings(n_resamples=20), reference="base",
                           progress=False, jobs=1)
    runs = {r["model_name"]: r for r in summary["runs"]}
    assert sorted(runs["base"]["tasks"]) == ["summ_pref_axis", "summ_pref_cmp"] and runs["tuned"]["tasks"] == {}
    assert runs["base"]["token_entropy"]["summ_pref_cmp"]["mean_entropy"]["estimate"] > 0
    (comparison,) = summary["comparisons"]
    assert set(comparison) >= {"generation", "posts", "entropy"} and "axis" not in comparison
    text = (tmp_path / "out" / "report.md").read_text()
    assert "Mean next-token entropy along the distinct human-written summaries:" in text


def test_a_run_without_generation_tasks_reports_as_before(tmp_path):
    root = synthetic(tmp_path / "runs")
    summary = build_report([root], tmp_path / "out", settings=Settings(n_resamples=20), progress=False, jobs=1)
    (run,) = summary["runs"]
    assert "generation_tasks" not in run and "generation" not in run and "posts" not in run
    text = (tmp_path / "out" / "report.md").read_text()
    assert "## Generated samples" not in text and "mode_collapse" not in text
    # the one addition: the per-model mean entropy along the human-written summaries
    assert set(run["token_entropy"]) == {"summ_pref_axis", "summ_pref_cmp"}
    csv = pd.read_csv(tmp_path / "out" / "tables" / "generation.csv", keep_default_na=False)
    assert set(csv["statistic"]) == {"mean_entropy"}
    # it equals the mean over distinct summaries of each one's mean token entropy (hand computation from the file)
    lines = [json.loads(line) for line in next((root / "m").glob("samples_summ_pref_cmp_*.jsonl")).open()]
    entropies = {s["continuation"]: np.mean(s["token_entropies"]) for line in lines
                 for s in line["record"]["summaries"]}
    assert run["token_entropy"]["summ_pref_cmp"]["mean_entropy"]["estimate"] == pytest.approx(
        np.mean(list(entropies.values())))


def test_mode_collapse_map_draws_each_model_with_both_intervals():
    data = pd.DataFrame({"model": ["base", "tuned"], "x": [-2.0, -1.0], "x_low": [-2.2, -1.1], "x_high": [-1.8, -0.9],
                         "y": [0.7, 0.3], "y_low": [0.65, 0.25], "y_high": [0.75, 0.35]})
    ax = mode_collapse_map(data, reference="base")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["base (reference)", "tuned"]
    assert len(ax.containers) == 2  # one errorbar (point, x and y bars) per model
    assert ax.get_xlabel() == "log-prob per token under the reference (nats)" and "EAD" in ax.get_ylabel()
    ax.figure.canvas.draw()  # the label fits the column: inside the figure once laid out
    label = ax.xaxis.label.get_window_extent()
    assert label.x0 >= 0 and label.x1 <= ax.figure.bbox.width


@pytest.mark.slow
def test_the_report_reads_the_generation_tasks_as_the_harness_writes_them(tiny_bos_model, tiny_nobos_model, tmp_path):
    # Two tiny models generate (K = 2 on 3 posts of the embedded sample) and score the posts; the reference (the
    # first) scores both models' samples, the second its own: every record as the real tasks write it.
    out = tmp_path / "out"
    for model in (tiny_bos_model, tiny_nobos_model):
        run_tasks(model, ["summ_pref_gen", "summ_pref_posts"], limit=3, out=out, model="hf-prefix",
                  data_dir=SAMPLE_NAME, k=2)
    folders = {model: next(p for p in out.iterdir() if p.name.endswith(model.name))
               for model in (tiny_bos_model, tiny_nobos_model)}
    for scorer, generator in ((tiny_bos_model, tiny_bos_model), (tiny_bos_model, tiny_nobos_model),
                              (tiny_nobos_model, tiny_nobos_model)):
        run_tasks(scorer, ["summ_pref_samples"], limit=None, out=out, model="hf-prefix",
                  samples_from=str(folders[generator]))
    names = {r.model_name: r for r in discover_runs([out])}
    reference = next(name for name in names if name.startswith(f"{tiny_bos_model.name}#"))
    summary = build_report([out], tmp_path / "report", settings=Settings(n_resamples=20), reference=reference,
                           progress=False, jobs=1)
    table = pd.read_csv(tmp_path / "report" / "tables" / "generation.csv", keep_default_na=False)
    own = table[table["reference"] == ""]
    for name in names:
        got = set(own[own["model"] == name]["statistic"])
        assert {"distinct_1", "ead", "self_bleu", "mean_length", "sample_ref_logprob", "mean_entropy",
                "post_entropy", "post_perplexity"} <= got
    assert (own[own["statistic"] == "post_perplexity"]["estimate"].astype(float) > 1).all()
    (comparison,) = summary["comparisons"]
    assert comparison["generation"]["summ_pref_gen"]["sample_ref_logprob"]["estimate"] is not None
    assert (tmp_path / "report" / "figures" / "mode_collapse__summ_pref_gen.png").exists()


@pytest.mark.slow
def test_sampling_at_t1_gives_more_diversity_than_greedy(tiny_nobos_model):
    """The issue's check on a tiny model: K = 4 samples at temperature 1 differ, greedy's are K copies."""
    def per_input(gen_kwargs: str | None) -> pd.DataFrame:
        res = run_tasks(tiny_nobos_model, ["summ_pref_gen"], limit=3, data_dir=SAMPLE_NAME, k=4, gen_kwargs=gen_kwargs)
        return per_input_table([[s["text"] for s in line["record"]["samples"]]
                                for line in res["samples"]["summ_pref_gen"]])

    sampled, greedy = per_input(None), per_input("do_sample=False")
    assert (greedy["distinct_2"] <= 1 / 4 + 1e-12).all()  # K copies: at most one text's share, 1/K
    assert sampled["distinct_2"].mean() > greedy["distinct_2"].mean()
    assert sampled["ead"].mean() > greedy["ead"].mean()


def test_samples_scored_from_an_incomplete_generation_run_are_stated(tmp_path):
    """summ_pref_samples scored an interrupted generation run only with allow_incomplete, and its records say so
    (samples_from.incomplete): the report states it in summary.json and report.md."""
    two_models(tmp_path / "runs")
    (path,) = (p for p in (tmp_path / "runs" / "base").glob("samples_summ_pref_samples_*.jsonl")
               if json.loads(p.read_text().splitlines()[0])["record"]["samples_from"]["model"] == "tuned")

    def incomplete(lines):
        for line in lines:
            line["record"]["samples_from"]["incomplete"] = "gen.jsonl: holds 3 whole lines, results.json counts 12"
        return lines

    rewrite(path, incomplete)
    summary = build_report([tmp_path / "runs"], tmp_path / "out", settings=Settings(n_resamples=20), progress=False,
                           jobs=1)
    note = ("base: summ_pref_samples:tuned scored the samples of an incomplete generation run: gen.jsonl: holds 3 "
            "whole lines, results.json counts 12")
    assert summary["incomplete_inputs"] == [note]
    assert f"> - {note}" in (tmp_path / "out" / "report.md").read_text()
