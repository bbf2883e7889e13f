"""Reading the generation tasks' records (`postprocess.io.generations`) and finding them in run folders beside the
scoring tasks (`postprocess.io.runs`, `postprocess.io.load`): file:line:field errors, one table row per sample or
post, the newest samples-scoring file per generating model."""

from __future__ import annotations

import json
import math
import re

import pytest

from postprocess.io.generations import read_generation
from postprocess.io.load import load_run
from postprocess.io.runs import discover_runs
from summ_pref_common.errors import DataError
from tests.helpers.generation_fixtures import (
    base_samples,
    two_models,
    write_generation,
    write_post_scores,
    write_scored_samples,
)
from tests.helpers.run_files import edit_line, synthetic


def test_gen_file_reads_one_row_per_sample_with_its_settings(tmp_path):
    path = write_generation(tmp_path, "m", {"p1": ["a b", "c d", "e"], "p2": ["x", "y", "z"]})
    frame, info = read_generation(path, progress=False)
    assert list(frame[["post_id", "index", "text"]].itertuples(index=False, name=None)) == [
        ("p1", 0, "a b"), ("p1", 1, "c d"), ("p1", 2, "e"), ("p2", 0, "x"), ("p2", 1, "y"), ("p2", 2, "z")]
    assert info["kind"] == "gen" and info["n_posts"] == 2 and info["samples_per_post"] == {"min": 3, "max": 3}
    assert info["generation"]["temperature"] == 1.0 and info["generation"]["k"] == 3
    assert info["prompt"] == "reddit" and info["source"] == "tldr"


def test_samples_file_reads_one_row_per_scored_sample(tmp_path):
    path = write_scored_samples(tmp_path, "ref", "m", {"p1": [("a b", -4.0, 2, [1.0, 3.0]), ("c", -1.0, 1, None)]})
    frame, info = read_generation(path, progress=False)
    assert info["kind"] == "samples" and info["model"] == "m" and info["run"] == "m"  # by its folder name
    assert frame["logprob"].tolist() == [-4.0, -1.0] and frame["n_tokens"].tolist() == [2.0, 1.0]
    assert frame["mean_entropy"].tolist() == [2.0, 1.0]  # the mean along each sample; [1.0] per token by default
    assert frame["task"].tolist() == ["summ_pref_gen"] * 2 and frame["index"].tolist() == [0, 1]


def test_post_file_reads_one_row_per_post_with_entropy_sums(tmp_path):
    path = write_post_scores(tmp_path, "m", {"p1": (-30.0, 10, [2.0] * 10), "p2": (-5.0, 4, [0.5] * 4)})
    frame, info = read_generation(path, progress=False)
    assert info["kind"] == "post"
    assert frame["entropy_sum"].tolist() == [20.0, 2.0] and frame["n_entropies"].tolist() == [10, 4]
    assert frame["logprob"].tolist() == [-30.0, -5.0]


BROKEN = {
    "a sample's text": (lambda s: s["record"]["samples"][1].pop("text"), "record.samples[1].text", "missing"),
    "the samples": (lambda s: s["record"].pop("samples"), "record.samples", "missing"),
    "the post id": (lambda s: s["record"].pop("post_id"), "record.post_id", "missing"),
    "a text that is a number": (lambda s: s["record"]["samples"][0].update(text=3), "record.samples[0].text",
                                "Input should be a valid string, got 3"),
    "an unknown kind": (lambda s: s["record"].update(kind="axis"), "record.kind",
                        "must be one of 'gen', 'samples', 'post' in a generation task's file, got 'axis'"),
    "a doc key that differs": (lambda s: s["doc"].update(key="other"), "record.key",
                               "record key differs from the logged doc's key"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_gen_line_names_file_line_and_field(tmp_path, case):
    change, field, message = BROKEN[case]
    path = write_generation(tmp_path, "m", base_samples(["p1", "p2", "p3"]))
    edit_line(path, 1, change)
    with pytest.raises(DataError) as err:
        read_generation(path, progress=False)
    assert str(err.value) == f"{path}:2: field '{field}': {message}"


def test_a_positive_logprob_or_a_repeated_key_is_refused(tmp_path):
    path = write_scored_samples(tmp_path, "ref", "m", {"p1": [("a", -1.0, 1, None)], "p2": [("b", -1.0, 1, None)]})
    edit_line(path, 1, lambda s: s["record"]["summaries"][0].update(logprob=0.5))
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:2: field 'record\.summaries\[0\]\.logprob': "):
        read_generation(path, progress=False)
    path = write_generation(tmp_path, "m", {"p1": ["a"], "p2": ["b"]})
    edit_line(path, 1, lambda s: (s["record"].update(key="key-p1"), s["doc"].update(key="key-p1")))
    with pytest.raises(DataError, match=r":2: field 'record\.key': key key-p1 logged twice \(first on line 1\)"):
        read_generation(path, progress=False)


def test_runs_of_generation_tasks_only_are_found_and_loaded(tmp_path):
    two_models(tmp_path / "runs")
    runs = {r.model_name: r for r in discover_runs([tmp_path / "runs"])}
    assert set(runs) == {"base", "tuned"}
    assert runs["base"].tasks == {} and sorted(runs["base"].generation) == [
        "summ_pref_gen", "summ_pref_posts", "summ_pref_samples:base", "summ_pref_samples:tuned"]
    loaded = load_run(runs["base"], progress=False)
    kinds = {name: g.kind for name, g in loaded.generation.items()}
    assert kinds == {"summ_pref_gen": "gen", "summ_pref_posts": "post", "summ_pref_samples:base": "samples",
                     "summ_pref_samples:tuned": "samples"}
    assert loaded.generation["summ_pref_samples:tuned"].info["model"] == "tuned"
    assert len(loaded.inputs) == 8  # 4 samples files and their results files, hashed


def test_generation_tasks_beside_scoring_tasks_leave_the_scoring_tasks_as_they_were(tmp_path):
    root = synthetic(tmp_path / "runs")
    write_generation(root / "m", "m", base_samples(["p1", "p2"]))
    (run,) = discover_runs([root])
    assert sorted(run.tasks) == ["summ_pref_axis", "summ_pref_cmp"] and list(run.generation) == ["summ_pref_gen"]
    loaded = load_run(run, progress=False)
    assert sorted(loaded.tasks) == ["summ_pref_axis", "summ_pref_cmp"]
    assert len(loaded.generation["summ_pref_gen"].frame) == 8


def test_the_newest_samples_scoring_file_of_each_generating_model_is_kept(tmp_path):
    folder = tmp_path / "ref"
    write_scored_samples(folder, "ref", "a", {"p1": [("old", -9.0, 1, None)]}, time="2026-01-03T00-00-00.000000")
    write_scored_samples(folder, "ref", "a", {"p1": [("new", -1.0, 1, None)]}, time="2026-01-05T00-00-00.000000")
    write_scored_samples(folder, "ref", "b", {"p1": [("b's", -2.0, 1, None)]}, time="2026-01-04T00-00-00.000000")
    (run,) = discover_runs([folder])
    assert sorted(run.generation) == ["summ_pref_samples:a", "summ_pref_samples:b"]
    loaded = load_run(run, progress=False)
    assert loaded.generation["summ_pref_samples:a"].frame["continuation"].tolist() == ["new"]


def test_a_file_mixing_generating_models_is_refused(tmp_path):
    path = write_scored_samples(tmp_path, "ref", "a", {"p1": [("x", -1.0, 1, None)], "p2": [("y", -1.0, 1, None)]})
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    lines[1]["record"]["samples_from"]["model"] = "b"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(DataError, match=r"generating models .* differ between the lines of one file"):
        read_generation(path, progress=False)


def test_nan_logprob_of_a_scored_sample_stays_nan(tmp_path):
    path = write_scored_samples(tmp_path, "ref", "m", {"p1": [("a", -1.0, 1, None), ("b", -1.0, 1, None)]})
    edit_line(path, 0, lambda s: s["record"]["summaries"][1].update(logprob=float("nan")))
    frame, _ = read_generation(path, progress=False)
    assert math.isnan(frame["logprob"].iloc[1])
