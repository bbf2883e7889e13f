"""No scored data lost, no stale or silent answer: bad input stops `summ-pref eval` in one line, before
the model loads and before anything is written; repeated judgements and empty summaries are warned about once
(counted by the docs builder: tests/lm_eval_tasks/summ_pref/test_docs.py)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from lm_eval_tasks.data.loading import sharing_loads
from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.harness import run_lm_eval
from lm_eval_tasks.summ_pref.docs import build_docs, custom_dataset
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF
from tests.helpers.eval_errors import eval_error, sample_args
from tests.helpers.source_rows import GOOD_AXIS, GOOD_CMP, with_field, write_lines

# 1. a byte that is not UTF-8

def test_non_utf8_byte_names_file_line_and_offset(tmp_path):
    good = json.dumps(GOOD_CMP).encode() + b"\n"
    bad = json.dumps(with_field(GOOD_CMP, ["info", "title"], "caf\u00e9")).encode().replace(b"caf\\u00e9",
                                                                                       b"caf\xe9")
    path = tmp_path / "comparisons" / "b.json"
    path.parent.mkdir()
    path.write_bytes(good + bad + b"\n")
    with pytest.raises(DataError) as err:
        build_docs("cmp", "tldr", "validation", str(tmp_path))
    offset = len(good) + bad.index(b"\xe9")
    assert str(err.value).startswith(f"{path}:2: not valid UTF-8: byte(s) e9 at byte offset {offset} of the file")


# 2. --metadata values of the wrong type


def test_wrong_metadata_type_through_summ_pref_eval(tmp_path):
    message = eval_error(sample_args(model=str(tmp_path), seed="abc"), tmp_path / "out")
    assert message == "summ-pref eval: error: field 'seed': expected an integer (the shuffle seed), got str 'abc'"


# 3. harness errors: one line naming the cause and the remedy, nothing written

@pytest.mark.parametrize("args, expected", [
    (["--metadata", '{"data_dir": "x",}'],
     "--metadata is not valid JSON (Expecting property name enclosed in double quotes at column 18)"),
    (["--metadata", "{'data_dir': 'x'}"], "--metadata is not valid JSON"),
    (["--limit", "0"], "--limit must be positive"),
    (["--limit", "-3"], "--limit must be positive"),
])
def test_bad_arguments_stop_before_anything_runs(tmp_path, args, expected):
    base = ["--model", "hf", "--model_args", f"pretrained={tmp_path}", "--tasks", "summ_pref_cmp"]
    message = eval_error([*base, *args], tmp_path / "out")
    assert expected in message


@pytest.mark.parametrize("pretrained, where", [("./no/such/model", "cwd"), ("../no_such_model", "cwd"),
                                               ("~/no/such/summ-pref-model", "cwd"), ("{tmp}/missing", "abs"),
                                               ("existing_parent/missing", "cwd")])
def test_local_model_path_that_does_not_exist(tmp_path, monkeypatch, pretrained, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing_parent").mkdir()
    pretrained = pretrained.format(tmp=tmp_path)
    message = eval_error(sample_args(model=pretrained), tmp_path / "out")
    assert f"field 'pretrained': no such model folder: {pretrained} (read as a local path" in message


def test_unknown_at_name(tmp_path):
    message = eval_error(sample_args(model="@defualt"), tmp_path / "out")
    assert "field 'pretrained': unknown model '@defualt': the only @ name is @default" in message


def test_unknown_task_suggests_the_right_one(tmp_path):
    args = sample_args(model=str(tmp_path), tasks="summ_pref_cmpp")
    message = eval_error(args, tmp_path / "out")
    assert "unknown task 'summ_pref_cmpp' (did you mean summ_pref_cmp?)" in message and "lm_eval ls tasks" in message


def test_traceback_only_with_summ_pref_debug(tmp_path):
    args = ["eval", *sample_args(model="@nope"), "--output_path", str(tmp_path / "out")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "SUMM_PREF_DEBUG": "0"}
    plain = subprocess.run([SUMM_PREF, *args], check=False, capture_output=True, text=True, env=env, timeout=600)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert plain.stderr.strip().splitlines()[-1].startswith("summ-pref eval: error: field 'pretrained': unknown model")
    debug = subprocess.run([SUMM_PREF, *args], check=False, capture_output=True, text=True,
                           env={**env, "SUMM_PREF_DEBUG": "1"}, timeout=600)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "DataError" in debug.stderr
    assert not (tmp_path / "out").exists()


# 4. the data is checked before the model loads

def test_bad_data_is_reported_before_the_model_is_loaded(tmp_path):
    """The model folder exists but holds no model: loading it would fail; the data error must come first.
    The group expands: its axis task's bad row is found although its cmp rows are fine."""
    data = tmp_path / "data"
    write_lines(data / "comparisons", "b.json", [json.dumps(GOOD_CMP)])
    axis = write_lines(data / "axis_evals", "a.json",
                       [json.dumps(with_field(GOOD_AXIS, ["summary", "axes", "overall"], 9))])
    not_a_model = tmp_path / "empty_model_folder"
    not_a_model.mkdir()
    args = ["--model", "hf", "--model_args", f"pretrained={not_a_model}", "--tasks", "summ_pref",
            "--metadata", json.dumps({"data_dir": str(data)})]
    message = eval_error(args, tmp_path / "out")
    expected = f"{axis}:1: field 'summary.axes.overall': rating must be 1-7 or null, got 9"
    assert message == f"summ-pref eval: error: {expected}"


def test_data_checked_first_is_the_data_scored(monkeypatch):
    """Within one run the rows are read once: the check's load is the one lm-eval scores."""
    import lm_eval_tasks.summ_pref.docs

    calls = []
    real = lm_eval_tasks.summ_pref.docs.load_rows
    monkeypatch.setattr(lm_eval_tasks.summ_pref.docs, "load_rows", lambda *a: calls.append(a) or real(*a))
    kw = {"kind": "cmp", "source": "tldr", "default_split": "validation", "data_dir": SAMPLE_NAME}
    with sharing_loads():
        first, again = custom_dataset(**kw, pretrained="m"), custom_dataset(**kw, pretrained="m", version=1.1)
        other_seed = custom_dataset(**kw, seed=5)
    assert first is again and other_seed is not first and len(calls) == 2
    assert custom_dataset(**kw) is not first and len(calls) == 3  # outside a run nothing is kept


# 5. unknown --metadata keys and an empty data_dir

def test_unknown_metadata_key_lists_the_known_ones(tmp_path):
    args = ["--model", "hf", "--model_args", f"pretrained={tmp_path}", "--tasks", "summ_pref_cmp",
            "--metadata", json.dumps({"dat_dir": SAMPLE_NAME})]
    message = eval_error(args, tmp_path / "out")
    assert message == ("summ-pref eval: error: field 'dat_dir': unknown --metadata key dat_dir (did you mean "
                       "data_dir?); the summ_pref tasks know data_dir, split, subsplit, seed, continuation_end, k, "
                       "samples_from, samples_task, allow_incomplete (see `summ-pref eval --help`)")


def test_empty_data_dir_is_an_error(monkeypatch):
    monkeypatch.delenv("SUMM_PREF_DATA_DIR", raising=False)
    with pytest.raises(DataError, match=r"^field 'data_dir': empty \(from --metadata\)"):
        build_docs("cmp", "tldr", "validation", "")
    monkeypatch.setenv("SUMM_PREF_DATA_DIR", " ")
    with pytest.raises(DataError, match=r"^field 'data_dir': empty \(from SUMM_PREF_DATA_DIR\).*unset"):
        build_docs("cmp", "tldr", "validation")


# 6. @sample is the embedded sample; a path always means the path

def test_a_folder_named_sample_is_that_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_lines(tmp_path / "sample" / "comparisons", "mine.json", [json.dumps(GOOD_CMP)])
    mine = build_docs("cmp", "tldr", "validation", "sample")
    assert [d["post_id"] for d in mine] == ["t3_x"] and mine[0]["data_origin"] == f"original:{tmp_path / 'sample'}"
    embedded = build_docs("cmp", "tldr", "validation", SAMPLE_NAME)
    assert len(embedded) == 96 and embedded[0]["data_origin"] == "sample"


# 7. repeated judgements and empty summaries through the whole command

def test_summ_pref_eval_scores_repeats_once_and_warns_once(tiny_nobos_model, tmp_path):
    """The whole command: the check's load is reused by lm-eval, so each warning appears once; the logged
    docs carry both counts."""
    rows = [GOOD_CMP, with_field(GOOD_CMP, ["batch"], "again"), with_field(GOOD_CMP, ["summaries", 1, "text"], " ")]
    path = write_lines(tmp_path / "data" / "comparisons", "b.json", [json.dumps(r) for r in rows])
    out = tmp_path / "out"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run([SUMM_PREF, "eval", "--model", "hf", "--model_args", f"pretrained={tiny_nobos_model}",
                           "--tasks", "summ_pref_cmp", "--metadata", json.dumps({"data_dir": str(tmp_path / "data")}),
                           "--device", "cpu", "--log_samples", "--output_path", str(out)],
                          check=False, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count(f"first repeat at {path}:2 (same as {path}:1)") == 1
    assert proc.stderr.count(f"1 empty or whitespace-only summaries, scored as a single space; first at {path}:3") == 1
    (samples,) = out.glob("*/samples_summ_pref_cmp_*.jsonl")
    docs = sorted((json.loads(line)["doc"] for line in samples.read_text().splitlines()),
                  key=lambda d: d["empty_summaries"])
    assert [(d["duplicates_dropped"], d["empty_summaries"]) for d in docs] == [(1, 0), (1, 1)]


@pytest.mark.parametrize("inside", [False, True])
def test_output_path_naming_a_file_is_refused_before_anything_loads(tmp_path, inside):
    """lm-eval would score every doc and then fail to write (a warning, exit 0); the model path is checked after
    this, so the message shows nothing else was looked at."""
    existing = tmp_path / "results.txt"
    existing.write_text("mine")
    out = existing / "runs" if inside else existing
    with pytest.raises(SystemExit) as exc:
        run_lm_eval([*sample_args(), "--log_samples", "--output_path", str(out)])
    assert str(exc.value.code) == (f"summ-pref eval: error: --output_path {out}: {existing} is a file, not a folder; "
                                   "lm-eval would score every doc and then write nothing: give a folder")
    assert existing.read_text() == "mine"
