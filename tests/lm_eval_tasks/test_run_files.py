"""`lm_eval_tasks.run_files.find_samples`: the one finder of a model folder's samples files, read by the report,
the sweep and the samples-scoring task. Which files are the plugin's, and how they are read, comes from the record
kind their records carry, not from task names."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from lm_eval_tasks.run_files import find_samples, is_plugin_task
from postprocess.io.runs import discover_runs
from summ_pref_common.errors import DataError
from tests.helpers.generation_fixtures import write_generation, write_post_scores, write_scored_samples
from tests.helpers.paths import REPO
from tests.helpers.run_files import edit_line, results_of, samples_file, synthetic

NEW_TIME = "2026-02-01T00-00-00.000000"


def renamed(path: Path, task: str) -> Path:
    """The same run's samples under another task name (a task added to the plugin later), results file included."""
    results = json.loads(results_of(path).read_text())
    old = path.name.removeprefix("samples_").rsplit("_", 1)[0]
    for key in ("n-samples", "versions"):
        results[key] = {task: results[key][old]}
    new = path.with_name(f"samples_{task}_{NEW_TIME}.jsonl")
    shutil.copy(path, new)
    new.with_name(f"results_{NEW_TIME}.json").write_text(json.dumps(results))
    return new


def foreign(folder: Path, task: str = "hellaswag") -> Path:
    """Another harness task's samples file in the same folder: its lines log no `record`."""
    path = folder / f"samples_{task}_{NEW_TIME}.jsonl"
    path.write_text(json.dumps({"doc_id": 0, "doc": {}, "acc": 1.0}) + "\n")
    (folder / f"results_{NEW_TIME}.json").write_text(json.dumps({
        "n-samples": {task: {"original": 1, "effective": 1}},
        "configs": {task: {"output_type": "multiple_choice", "metric_list": [{"metric": "acc"}]}}}))
    return path


def test_every_kind_is_found_by_its_records_and_other_tasks_are_left_alone(tmp_path):
    folder = synthetic(tmp_path / "runs") / "m"
    write_generation(folder, "m", {"p1": ["a"]})
    write_scored_samples(folder, "m", "other", {"p1": [("a", -1.0, 1, None)]})
    write_post_scores(folder, "m", {"p1": (-1.0, 1, [1.0])})
    foreign(folder)
    found = find_samples(folder)
    assert {key: f.kind for key, f in found.files.items()} == {
        ("summ_pref_axis", ""): "axis", ("summ_pref_cmp", ""): "cmp", ("summ_pref_gen", ""): "gen",
        ("summ_pref_posts", ""): "post", ("summ_pref_samples", "other"): "samples"}
    assert found.problems == [] and all(f.results.is_file() for f in found.files.values())
    assert set(find_samples(folder, kinds=("gen",)).files) == {("summ_pref_gen", "")}


def test_a_task_named_without_the_old_prefixes_is_reported(tmp_path):
    """The report reads every task whose records carry a kind: a new task is not silently ignored for its name."""
    runs = synthetic(tmp_path / "runs")
    renamed(samples_file(runs, "summ_pref_cmp"), "my_pairs")
    (run,) = discover_runs([runs])
    assert set(run.tasks) == {"summ_pref_axis", "summ_pref_cmp", "my_pairs"}
    assert run.tasks["my_pairs"].n_samples == run.tasks["summ_pref_cmp"].n_samples


def test_a_record_without_a_kind_is_one_clear_error(tmp_path):
    runs = synthetic(tmp_path / "runs")
    path = samples_file(runs, "summ_pref_cmp")
    edit_line(path, 0, lambda line: line["record"].pop("kind"))
    with pytest.raises(DataError) as err:
        discover_runs([runs])
    message = str(err.value)
    assert message.startswith(f"{path}:1: field 'record.kind': a summ_pref record (schema 1) carries its kind")
    assert "got schema 1, kind None" in message and "\n" not in message


def test_the_newest_file_of_each_task_is_taken_per_generating_model(tmp_path):
    folder = tmp_path / "m"
    older = write_scored_samples(folder, "m", "a", {"p1": [("x", -1.0, 1, None)]}, time="2026-01-03T00-00-00.0")
    newer = write_scored_samples(folder, "m", "a", {"p1": [("x", -2.0, 1, None)]}, time="2026-01-05T00-00-00.0")
    other = write_scored_samples(folder, "m", "b", {"p1": [("x", -3.0, 1, None)]}, time="2026-01-04T00-00-00.0")
    found = find_samples(folder).files
    assert found[("summ_pref_samples", "a")].samples == newer != older
    assert found[("summ_pref_samples", "b")].samples == other


def test_an_empty_file_of_the_plugin_is_incomplete_not_skipped(tmp_path):
    """A file cut before its first line carries no kind to read: its results file's logged config (the `record`
    metric) says it is the plugin's, so the newest invocation is reported unfinished, not an older one read."""
    folder = tmp_path / "m"
    write_generation(folder, "m", {"p1": ["a"], "p2": ["b"]}, time="2026-01-02T00-00-00.0")
    newer = write_generation(folder, "m", {"p1": ["a"], "p2": ["b"]}, time="2026-01-06T00-00-00.0")
    results = json.loads(results_of(newer).read_text())
    results["configs"] = {"summ_pref_gen": {"output_type": "generate_until", "metric_list": [{"metric": "record"}]}}
    results_of(newer).write_text(json.dumps(results))
    newer.write_text("")
    (found,) = find_samples(folder).files.values()
    assert found.samples == newer and found.kind is None
    assert found.incomplete == f"{newer}: holds 0 whole lines, {results_of(newer).name} counts 2 (n-samples of " \
                               "summ_pref_gen): the run was interrupted while writing it"


@pytest.mark.parametrize(("config", "kinds", "expected"), [
    ({"output_type": "loglikelihood", "metric_list": [{"metric": "record"}]}, ("axis", "cmp"), True),
    ({"output_type": "loglikelihood", "metric_list": [{"metric": "record"}]}, ("gen",), False),
    ({"output_type": "generate_until", "metric_list": [{"metric": "record"}]}, ("gen",), True),
    ({"output_type": "loglikelihood", "metric_list": [{"metric": "acc"}]}, ("axis", "cmp"), False),
])
def test_a_listed_task_is_the_plugins_when_its_logged_config_has_the_record_metric(config, kinds, expected):
    assert is_plugin_task({"configs": {"t": config}}, "t", kinds) is expected


@pytest.mark.parametrize(("task", "kinds", "expected"), [
    ("summ_pref_cmp", ("cmp",), True), ("pref_axis", ("axis",), True), ("summ_pref_gen_oai", ("gen",), True),
    ("summ_pref_gen", ("cmp",), False), ("summ_pref_cmp", ("gen",), False), ("hellaswag", ("cmp",), False),
])
def test_results_without_the_tasks_config_fall_back_on_the_old_name_prefixes(task, kinds, expected):
    assert is_plugin_task({"configs": {}}, task, kinds) is expected


def test_no_other_module_looks_for_samples_files():
    """The report, the sweep and the samples-scoring task find samples files only through `find_samples`."""
    looking = [str(path.relative_to(REPO)) for package in ("lm_eval_tasks", "postprocess", "summ_pref_common")
               for path in sorted((REPO / package).rglob("*.py"))
               if re.search(r"glob\(\s*f?[\"']samples_|\^samples_", path.read_text(encoding="utf-8"))]
    assert looking == ["lm_eval_tasks/run_files.py"]
