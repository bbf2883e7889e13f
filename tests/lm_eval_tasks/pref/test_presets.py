"""The presets configs/pref-*.yaml: each loads as a sweep preset, its metadata is accepted for its tasks, and
read on local rows of its dataset's shape (the hub id swapped for data_files) it gives the docs it should; the
sweep's record of the data (`data_fingerprint`) names the hub id, or hashes the local files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from lm_eval_tasks.data.metadata import check_user_metadata
from lm_eval_tasks.pref.docs import custom_dataset
from postprocess.commands.sweep import data_fingerprint, load_preset
from tests.helpers.paths import REPO, SFF_DIR, SHARED_DATA, require_shared
from tests.helpers.pref_runs import helpsteer_rows, write_jsonl

PRESETS = sorted((REPO / "configs").glob("pref-*.yaml"))
KIND = {"pref_pairs": "cmp", "pref_axis": "axis"}


def _preset(name: str) -> dict:
    return yaml.safe_load((REPO / "configs" / f"pref-{name}.yaml").read_text(encoding="utf-8"))


def _local_docs(name: str, data: Path) -> list[dict]:
    """The preset's task docs, its metadata with the hub dataset swapped for a local file."""
    preset = _preset(name)
    metadata = {k: v for k, v in preset["metadata"].items() if k not in ("dataset", "dataset_revision", "split")}
    (task,) = preset["tasks"]
    return custom_dataset(kind=KIND[task], data_files=str(data), **metadata)["docs"].to_list()


def test_every_dataset_of_the_issue_has_a_preset():
    assert {p.stem for p in PRESETS} == {"pref-hh-rlhf", "pref-ultrafeedback", "pref-carperai-tldr",
                                         "pref-summarize-from-feedback", "pref-helpsteer", "pref-helpsteer2"}


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_loads_and_its_metadata_is_accepted(path):
    preset = load_preset(path)
    metadata = preset["metadata"]
    assert set(preset["tasks"]) <= set(KIND) and metadata["dataset"] and metadata["split"]
    check_user_metadata(metadata, preset["tasks"])
    assert data_fingerprint(metadata) == (f"hub:{metadata['dataset']}@{metadata['dataset_revision']}", None)


def test_carperai_preset_on_the_shared_rows():
    folder = require_shared(SHARED_DATA / "carperai_summarize_comparisons")
    docs = _local_docs("carperai-tldr", folder / "test.jsonl")
    assert len(docs) == 50 and all(d["separator"] == "\n" for d in docs)
    assert all(d[f"response_{d['choice']}"].startswith("TL;DR:") for d in docs)


def test_summarize_from_feedback_preset_on_real_comparisons_in_its_layout(tmp_path):
    """OpenAI's batch18 rows renamed as HuggingFaceH4/summarize-from-feedback has them (meta, responses, label)."""
    rows = [json.loads(line) for line in (require_shared(SFF_DIR) / "comparisons" / "batch18.json").read_text()
            .splitlines()]
    h4 = [{"meta": r["info"], "responses": r["summaries"], "label": r["choice"], "worker": r["worker"]} for r in rows]
    docs = _local_docs("summarize-from-feedback", write_jsonl(tmp_path / "h4.jsonl", h4))
    texts = {(r["info"]["post"], r["summaries"][r["choice"]]["text"], r["summaries"][r["choice"]]["policy"])
             for r in rows}
    for doc in docs:
        assert doc["prompt"].startswith("SUBREDDIT: r/") and doc["prompt"].endswith("\n\nTL;DR:")
        post = doc["prompt"].split("\n\nPOST: ", 1)[1].removesuffix("\n\nTL;DR:")
        assert (post, doc[f"response_{doc['choice']}"], doc[f"policy_{doc['choice']}"]) in texts
    assert len(docs) + docs[0]["duplicates_dropped"] == len(rows)


def test_hh_rlhf_preset_splits_dialogues_at_the_last_shared_assistant_turn(tmp_path):
    shared = "\n\nHuman: What should I say to my girlfriend?\n\nAssistant: About what?\n\nHuman: Money.\n\nAssistant:"
    rows = [{"chosen": shared + " Talk about a budget together.", "rejected": shared + " Nothing."},
            {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello!", "rejected": "\n\nHuman: Hi\n\nAssistant: Go away."}]
    docs = _local_docs("hh-rlhf", write_jsonl(tmp_path / "hh.jsonl", rows))
    by_prompt = {d["prompt"]: d for d in docs}
    assert set(by_prompt) == {shared, "\n\nHuman: Hi\n\nAssistant:"}
    doc = by_prompt[shared]
    assert doc[f"response_{doc['choice']}"] == " Talk about a budget together." and doc["separator"] == ""


def test_ultrafeedback_preset_reads_conversations_as_chat_docs(tmp_path):
    prompt = "Summarise: the minister resigned after the budget leaked."
    rows = [{"prompt": prompt, "prompt_id": "1", "score_chosen": 9.0, "score_rejected": 3.0,
             "chosen": [{"role": "user", "content": prompt}, {"role": "assistant", "content": "The minister quit."}],
             "rejected": [{"role": "user", "content": prompt}, {"role": "assistant", "content": "A cat sat."}],
             "messages": []}]
    (doc,) = _local_docs("ultrafeedback", write_jsonl(tmp_path / "uf.jsonl", rows))
    assert doc["prompt_format"] == "chat" and doc["messages"] == [{"role": "user", "content": prompt}]
    assert doc[f"response_{doc['choice']}"] == "The minister quit."


@pytest.mark.parametrize("name", ["helpsteer", "helpsteer2"])
def test_helpsteer_presets_predict_helpfulness_holding_correctness(tmp_path, name):
    docs = _local_docs(name, write_jsonl(tmp_path / "h.jsonl", helpsteer_rows(n_prompts=3, per_prompt=2)))
    assert len(docs) == 6
    assert {(d["outcome"], tuple(d["quality"])) for d in docs} == {("helpfulness", ("correctness",))}
    assert set(docs[0]["ratings"]) == {"helpfulness", "correctness", "coherence", "complexity", "verbosity"}


def test_fingerprint_of_local_files_follows_their_content(tmp_path):
    source = require_shared(SHARED_DATA / "carperai_summarize_comparisons")
    for name in ("test.jsonl", "valid1.jsonl"):
        shutil.copy(source / name, tmp_path / name)
    where, first = data_fingerprint({"data_files": str(tmp_path / "*.jsonl")})
    assert where == "files:test.jsonl,valid1.jsonl"  # by name: no path of this machine in sweep_settings.json
    with open(tmp_path / "valid1.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"prompt": "P", "chosen": "a", "rejected": "b"}\n')
    assert data_fingerprint({"data_files": str(tmp_path / "*.jsonl")})[1] != first
