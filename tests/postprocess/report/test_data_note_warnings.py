"""The report states, per task, in the console, report.md's data notes and summary.json's `data_notes`: contexts cut
to the model's window (`context_truncated` in the records), a `continuation_end` that is not a special token of the
run's tokenizer (scored as literal text), and the pref data's notes logged on its docs (identical responses, empty
prompts, metadata keys not read)."""

from __future__ import annotations

import json
from pathlib import Path

from postprocess.io.samples import describe_data_notes, read_samples
from tests.helpers.report_runs import report, with_end
from tests.helpers.run_files import rewrite, samples_file, synthetic


def _section(out: Path, task: str) -> str:
    """The task's data notes line of report.md ("Data and methods"), empty when it has none."""
    lines = (out / "report.md").read_text().splitlines()
    return next((line for line in lines if line.startswith(f"Data notes ({task}):")), "")


def test_truncated_contexts_are_counted_per_task(tmp_path):
    runs = synthetic(tmp_path / "runs")

    def truncate(lines):
        for i in (0, 5, 9):
            lines[i]["record"]["summaries"][-1]["context_truncated"] = True
        lines[5]["record"]["summaries"][0]["context_truncated"] = True  # one row, however many of its summaries
        return lines

    rewrite(samples_file(runs, "summ_pref_cmp"), truncate)
    logs: list[str] = []
    summary = report([runs], tmp_path / "out", logs)
    tasks = summary["runs"][0]["tasks"]
    assert tasks["summ_pref_cmp"]["data_notes"]["contexts_truncated"] == 3
    assert tasks["summ_pref_axis"]["data_notes"]["contexts_truncated"] == 0
    sentence = ("rows whose context was cut from the left to fit the model's window (context_truncated; the scored "
                "continuations are whole): 3")
    assert f"[summ-pref] m / summ_pref_cmp: {sentence}" in logs
    assert sentence in _section(tmp_path / "out", "summ_pref_cmp")
    assert "context was cut" not in _section(tmp_path / "out", "summ_pref_axis")
    on_disk = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert on_disk["runs"][0]["tasks"]["summ_pref_cmp"]["data_notes"]["contexts_truncated"] == 3


def _model_args(folder: Path, model_args: str) -> None:
    for path in folder.glob("results_*.json"):
        results = json.loads(path.read_text())
        results["config"]["model_args"] = model_args
        path.write_text(json.dumps(results))


def test_continuation_end_that_is_not_a_special_token_is_stated(tmp_path, tiny_nobos_model):
    runs = synthetic(tmp_path / "runs")
    with_end(runs / "m", "</s>")
    _model_args(runs / "m", f"pretrained={tiny_nobos_model}")
    logs: list[str] = []
    summary = report([runs], tmp_path / "out", logs)
    note = summary["runs"][0]["tasks"]["summ_pref_cmp"]["data_notes"]["continuation_end_not_special"]
    assert note.startswith(f"continuation_end '</s>' is not a special token of {tiny_nobos_model}'s tokenizer, so it "
                           "is scored as the literal text it spells")
    assert note in _section(tmp_path / "out", "summ_pref_cmp") and f"[summ-pref] m / summ_pref_cmp: {note}" in logs


def test_continuation_end_that_is_a_special_token_says_nothing(tmp_path, tiny_nobos_model):
    runs = synthetic(tmp_path / "runs")
    with_end(runs / "m", "<|endoftext|>")
    _model_args(runs / "m", f"pretrained={tiny_nobos_model}")
    summary = report([runs], tmp_path / "out")
    assert summary["runs"][0]["tasks"]["summ_pref_cmp"]["data_notes"]["continuation_end_not_special"] == ""
    assert "special token" not in (tmp_path / "out" / "report.md").read_text()


def test_pref_notes_logged_on_the_docs_are_read(tmp_path):
    runs = synthetic(tmp_path / "runs")
    path = samples_file(runs, "summ_pref_cmp")

    def notes(lines):
        for i, sample in enumerate(lines):
            sample["doc"].update(identical_responses=int(i in (1, 2)), empty_prompt=int(i == 3),
                                 ignored_metadata="split, dataset_revision")
        return lines

    rewrite(path, notes)
    _, info = read_samples(path, progress=False)
    assert {k: info["data_notes"][k] for k in ("identical_responses", "empty_prompts", "ignored_metadata")} == {
        "identical_responses": 2, "empty_prompts": 1, "ignored_metadata": "split, dataset_revision"}
    described = describe_data_notes(info["data_notes"])
    assert ("pairs whose chosen and rejected responses are the same text (a tie: neither can be preferred): 2"
            in described)
    assert "rows with an empty prompt (each response scored after the separator alone): 1" in described
    assert ("metadata keys given with data_files and not read (the rows are every row of the files): split, "
            "dataset_revision") in described
