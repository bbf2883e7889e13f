"""The pref tasks' docs (`lm_eval_tasks.pref.docs`): real CarperAI rows and HelpSteer-shaped fixtures read
through `fields`, the pair order drawn from the seed, --limit a random sample, repeats counted, the dataset
shapes of the presets, and every bad input a DataError naming file:line:field."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import binomtest

from lm_eval_tasks.data.loading import sharing_loads
from lm_eval_tasks.data.metadata import check_user_metadata
from lm_eval_tasks.pref.docs import build_docs, custom_dataset, pref_spec
from summ_pref_common.errors import DataError
from tests.helpers.paths import SHARED_DATA, require_shared
from tests.helpers.pref_runs import HELPSTEER_ATTRIBUTES, helpsteer_rows, write_jsonl

CARPER = SHARED_DATA / "carperai_summarize_comparisons"
HELPSTEER_FIELDS = {a: a for a in HELPSTEER_ATTRIBUTES}


@pytest.fixture(scope="module")
def carper() -> Path:
    return require_shared(CARPER)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def docs_of(kind: str = "cmp", **metadata) -> list[dict]:
    return custom_dataset(kind=kind, **metadata)["docs"].to_list()


# 1. real rows --------------------------------------------------------------------------------------------------

def test_carper_pairs_hold_the_file_rows_with_the_chosen_one_at_choice(carper):
    rows = _rows(carper / "valid1.jsonl")
    docs = docs_of(data_files=str(carper / "valid1.jsonl"))
    assert len(docs) == len(rows) == 50
    by_prompt = {}
    for r in rows:
        by_prompt.setdefault(r["prompt"], []).append((r["chosen"], r["rejected"]))
    for doc in docs:
        chosen, rejected = doc[f"response_{doc['choice']}"], doc[f"response_{1 - doc['choice']}"]
        assert (chosen, rejected) in by_prompt[doc["prompt"]]
        digest = hashlib.sha256(json.dumps(doc["prompt"], ensure_ascii=False).encode()).hexdigest()[:16]
        assert doc["post_id"] == f"prompt:{digest}"
        assert doc["split"] == "data_files" and doc["data_origin"] == f"files:{carper / 'valid1.jsonl'}"
    assert len({d["key"] for d in docs}) == 50
    # 10 prompts, several pairs each: every pair of one prompt shares its post_id (the bootstrap's cluster)
    assert len({d["post_id"] for d in docs}) == len(by_prompt) == 10


def test_a_glob_reads_every_split_file(carper):
    docs = docs_of(data_files=str(carper / "*.jsonl"))
    unique = {(r["prompt"], r["chosen"], r["rejected"]) for f in sorted(carper.glob("*.jsonl")) for r in _rows(f)}
    assert len(docs) == len(unique)  # train.jsonl repeats rows: counted once
    assert {d["duplicates_dropped"] for d in docs} == {200 - len(unique)}


def test_chosen_position_is_drawn_from_the_seed_not_the_file_order(carper, tmp_path):
    path = carper / "test.jsonl"
    docs = docs_of(data_files=str(path))
    firsts = sum(d["choice"] == 0 for d in docs)
    assert binomtest(firsts, len(docs)).pvalue > 0.01  # the file lists chosen first in every row
    reversed_file = write_jsonl(tmp_path / "reversed.jsonl", _rows(path)[::-1])
    again = {d["key"]: (d["choice"], d["response_0"]) for d in docs_of(data_files=str(reversed_file))}
    assert again == {d["key"]: (d["choice"], d["response_0"]) for d in docs}
    other_seed = {d["key"]: d["choice"] for d in docs_of(data_files=str(path), seed=7)}
    assert other_seed != {d["key"]: d["choice"] for d in docs}


def test_docs_are_shuffled_with_the_seed_so_a_limit_is_a_random_sample(carper):
    keys = [d["key"] for d in docs_of(data_files=str(carper / "test.jsonl"))]
    assert keys == [d["key"] for d in docs_of(data_files=str(carper / "test.jsonl"))]
    assert keys != sorted(keys)
    assert keys != [d["key"] for d in docs_of(data_files=str(carper / "test.jsonl"), seed="99")]


def test_identical_calls_share_one_load_within_sharing_loads(carper):
    with sharing_loads():
        first = custom_dataset(kind="cmp", data_files=str(carper / "test.jsonl"), fields={"prompt": "prompt"})
        assert custom_dataset(kind="cmp", data_files=str(carper / "test.jsonl"), fields={"prompt": "prompt"}) is first
        assert custom_dataset(kind="cmp", data_files=str(carper / "test.jsonl"), seed=2) is not first


# 2. HelpSteer-shaped ratings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_helpsteer_rows_become_rated_docs_with_their_roles(tmp_path, suffix):
    rows = helpsteer_rows(n_prompts=5, per_prompt=3)
    path = tmp_path / f"helpsteer{suffix}"
    if suffix == ".jsonl":
        write_jsonl(path, rows)
    else:
        pd.DataFrame(rows).to_parquet(path)
    docs = docs_of("axis", data_files=str(path), fields=HELPSTEER_FIELDS, quality="correctness")
    assert len(docs) == 15 and len({d["post_id"] for d in docs}) == 5
    by_text = {(r["prompt"], r["response"]): r for r in rows}
    for doc in docs:
        row = by_text[(doc["prompt"], doc["response"])]
        assert doc["ratings"] == {a: float(row[a]) for a in HELPSTEER_ATTRIBUTES}
        assert doc["outcome"] == "helpfulness" and doc["quality"] == ["correctness"]
    default = docs_of("axis", data_files=str(path), fields={"verbosity": "verbosity", "coherence": "coherence"})
    assert default[0]["outcome"] == "verbosity" and default[0]["quality"] == ["coherence"]


def test_a_missing_rating_is_null_not_an_error(tmp_path):
    rows = helpsteer_rows(n_prompts=1, per_prompt=2)
    rows[0]["correctness"] = None
    rows[1]["correctness"] = float("nan")
    path = tmp_path / "h.parquet"
    pd.DataFrame(rows).to_parquet(path)
    docs = docs_of("axis", data_files=str(path), fields=HELPSTEER_FIELDS)
    assert [d["ratings"]["correctness"] for d in docs] == [None, None]


# 3. the presets' dataset shapes --------------------------------------------------------------------------------

def test_listed_responses_with_a_label_and_a_prompt_template(tmp_path):
    """HuggingFaceH4/summarize-from-feedback: meta{post, title, subreddit}, responses[{text, policy}], label."""
    row = {"meta": {"post": "We argued.", "title": "Advice", "subreddit": "relationships"},
           "responses": [{"text": " we fought", "policy": "sup2"}, {"text": " money again", "policy": "ref"}],
           "label": 1}
    path = write_jsonl(tmp_path / "h4.jsonl", [row])
    template = "SUBREDDIT: r/{meta.subreddit}\n\nTITLE: {meta.title}\n\nPOST: {meta.post}\n\nTL;DR:"
    (doc,) = docs_of(data_files=str(path), fields={"prompt": template, "responses": "responses", "choice": "label"},
                     separator="")
    assert doc["prompt"] == "SUBREDDIT: r/relationships\n\nTITLE: Advice\n\nPOST: We argued.\n\nTL;DR:"
    assert doc[f"response_{doc['choice']}"] == " money again" and doc[f"policy_{doc['choice']}"] == "ref"
    assert doc[f"response_{1 - doc['choice']}"] == " we fought" and doc[f"policy_{1 - doc['choice']}"] == "sup2"


def test_transcripts_split_at_the_last_shared_marker(tmp_path):
    """Anthropic/hh-rlhf: chosen and rejected are whole dialogues; the prompt is what they share."""
    shared = "\n\nHuman: Hi there\n\nAssistant: Hello.\n\nHuman: Any advice?\n\nAssistant:"
    row = {"chosen": shared + " Assistant advice is kind.", "rejected": shared + " Assistant no."}
    path = write_jsonl(tmp_path / "hh.jsonl", [row])
    (doc,) = docs_of(data_files=str(path), fields={"prompt": None}, response_marker="\n\nAssistant:", separator="")
    assert doc["prompt"] == shared
    assert {doc["response_0"], doc["response_1"]} == {" Assistant advice is kind.", " Assistant no."}


def test_conversation_columns_give_chat_docs(tmp_path):
    """HuggingFaceH4/ultrafeedback_binarized: prompt text, chosen/rejected lists of messages."""
    row = {"prompt": "Name a cat.", "chosen": [{"role": "user", "content": "Name a cat."},
                                                {"role": "assistant", "content": "Tom."}],
           "rejected": [{"role": "user", "content": "Name a cat."}, {"role": "assistant", "content": "Dog."}],
           "score_chosen": 8.0}
    path = write_jsonl(tmp_path / "uf.jsonl", [row])
    (doc,) = docs_of(data_files=str(path), prompt_format="chat")
    assert doc["messages"] == [{"role": "user", "content": "Name a cat."}] and doc["prompt"] == ""
    assert {doc["response_0"], doc["response_1"]} == {"Tom.", "Dog."}
    (from_responses,) = docs_of(data_files=str(path), prompt_format="chat", fields={"prompt": None})
    assert from_responses["key"] == doc["key"]
    (raw,) = docs_of(data_files=str(path))
    assert raw["prompt"] == "Name a cat." and raw["messages"] == []


# 4. bad inputs: file:line:field --------------------------------------------------------------------------------

# Valid under every case's metadata, so the bad row (line 3) is the first error.
GOOD = {"prompt": "P", "chosen": "H: a\nA: yes", "rejected": "H: a\nA: no", "meta": {"post": "P", "title": "T"},
        "responses": ["a", "b"], "choice": 0}
BAD_PAIRS = {
    "missing prompt": ({"chosen": "a", "rejected": "b"}, {}, "prompt", "missing"),
    "missing nested": ({**GOOD, "meta": {"title": "T"}}, {"fields": {"prompt": "meta.post"}}, "meta.post", "missing"),
    "wrong type": ({**GOOD, "chosen": 3}, {}, "chosen",
                   "expected text, an object with text, or a list of messages, got int 3"),
    "empty response": ({**GOOD, "rejected": "  \n"}, {}, "rejected", "empty response"),
    "empty after the marker": ({"chosen": "H: a\nA: b", "rejected": "H: a\nA:"},
                               {"fields": {"prompt": None}, "response_marker": "\nA:"}, "rejected", "empty response"),
    "prompt not text": ({**GOOD, "prompt": [{"role": "user", "content": "P"}]}, {}, "prompt",
                        "expected text for prompt_format raw, got list (set prompt_format to chat for a list of "
                        "messages)"),
    "bad role": ({**GOOD, "prompt": [{"role": "robot", "content": "P"}]}, {"prompt_format": "chat"}, "prompt[0].role",
                 "role must be one of system, user, assistant, got 'robot'"),
    "last message not the response": ({**GOOD, "chosen": [{"role": "user", "content": "P"}]},
                                      {"prompt_format": "chat"}, "chosen[0].role",
                                      "the last message must be the assistant's response, got role 'user'"),
    "conversation differs from the prompt": (
        {**GOOD, "chosen": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]},
        {"prompt_format": "chat"}, "chosen", "the messages before the response differ from the prompt ('prompt')"),
    "choice out of range": ({"prompt": "P", "responses": ["a", "b"], "choice": 2},
                            {"fields": {"responses": "responses"}}, "choice",
                            "expected 0 or 1 (the index of the preferred response), got int 2"),
    "template field missing": ({**GOOD, "meta": {"post": "P"}}, {"fields": {"prompt": "T: {meta.title}"}},
                               "meta.title", "missing"),
}


@pytest.mark.parametrize("case", BAD_PAIRS)
def test_bad_pair_row_names_file_line_and_field(tmp_path, case):
    row, metadata, field, message = BAD_PAIRS[case]
    path = write_jsonl(tmp_path / "pairs.jsonl", [GOOD, GOOD | {"prompt": "Q"}, row])
    with pytest.raises(DataError) as err:
        docs_of(data_files=str(path), **metadata)
    assert str(err.value) == f"{path}:3: field '{field}': {message}"


BAD_RATINGS = {
    "rating as text": ({"helpfulness": "3"}, "helpfulness", "expected a number or null, got str '3'"),
    "rating infinite": ({"helpfulness": float("inf")}, "helpfulness", "expected a finite number, got inf"),
    "missing rating": ({"helpfulness": ...}, "helpfulness", "missing"),
    "missing response": ({"response": ...}, "response", "missing"),
    "empty response": ({"response": ""}, "response", "empty response"),
}


@pytest.mark.parametrize("case", BAD_RATINGS)
def test_bad_rated_row_names_file_row_and_field_in_parquet_too(tmp_path, case):
    change, field, message = BAD_RATINGS[case]
    rows = helpsteer_rows(n_prompts=2, per_prompt=2)
    bad = {k: v for k, v in {**rows[3], **change}.items() if v is not ...}
    path = write_jsonl(tmp_path / "h.jsonl", [*rows[:3], bad])
    with pytest.raises(DataError) as err:
        docs_of("axis", data_files=str(path), fields=HELPSTEER_FIELDS)
    assert str(err.value) == f"{path}:4: field '{field}': {message}"
    if isinstance(change.get("helpfulness"), str):
        parquet = tmp_path / "h.parquet"
        pd.DataFrame([{**r, "helpfulness": str(r["helpfulness"])} for r in rows]).to_parquet(parquet)
        with pytest.raises(DataError, match=rf"^{re.escape(str(parquet))}:1: field 'helpfulness': expected a number"):
            docs_of("axis", data_files=str(parquet), fields=HELPSTEER_FIELDS)


def test_bad_files_are_named(tmp_path):
    with pytest.raises(DataError, match=r"field 'data_files': no file matches '.*nothing-\*\.jsonl'"):
        docs_of(data_files=str(tmp_path / "nothing-*.jsonl"))
    (tmp_path / "rows.csv").write_text("prompt,chosen\n")
    with pytest.raises(DataError, match=r"rows\.csv: unknown file type '\.csv'"):
        docs_of(data_files=str(tmp_path / "rows.csv"))
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(DataError, match=r"empty\.jsonl: empty file: no rows"):
        docs_of(data_files=str(tmp_path / "empty.jsonl"))
    (tmp_path / "list.jsonl").write_text('["a"]\n')
    with pytest.raises(DataError, match=r"list\.jsonl:1: expected an object \(one row\), got list"):
        docs_of(data_files=str(tmp_path / "list.jsonl"))


# 5. metadata ---------------------------------------------------------------------------------------------------

BAD_METADATA = {
    "no data": ({}, "dataset", "give exactly one of dataset"),
    "both": ({"dataset": "a/b", "split": "test", "data_files": "x.jsonl"}, "data_files", "give exactly one of"),
    "no split": ({"dataset": "a/b"}, "split", "required with dataset 'a/b'"),
    "bad format": ({"data_files": "x", "prompt_format": "jinja"}, "prompt_format", "expected one of raw, chat"),
    "unknown role": ({"data_files": "x", "fields": {"answer": "a"}}, "fields.answer",
                     "pref_pairs takes the roles prompt, chosen, rejected, got 'answer'"),
    "fields not a mapping": ({"data_files": "x", "fields": ["prompt"]}, "fields", "expected a mapping"),
    "null prompt without marker": ({"data_files": "x", "fields": {"prompt": None}}, "fields",
                                   "fields.prompt is null: give response_marker"),
    "outcome on pairs": ({"data_files": "x", "outcome": "helpfulness"}, "outcome", "only pref_axis takes it"),
    "separator not text": ({"data_files": "x", "separator": 1}, "separator", "expected a string"),
}


@pytest.mark.parametrize("case", BAD_METADATA)
def test_bad_pair_metadata_is_refused_before_reading(case):
    metadata, field, message = BAD_METADATA[case]
    with pytest.raises(DataError, match=rf"^field '{re.escape(field)}': {re.escape(message)}"):
        pref_spec("cmp", **metadata)


BAD_AXIS_METADATA = {
    "no attribute": ({}, "fields", "pref_axis needs at least one rated attribute"),
    "reserved name": ({"fields": {"logprob": "helpfulness"}}, "fields.logprob", "an attribute name must be"),
    "outcome not an attribute": ({"fields": HELPSTEER_FIELDS, "outcome": "overall"}, "outcome",
                                 "expected one of the attributes in fields"),
    "quality is the outcome": ({"fields": HELPSTEER_FIELDS, "quality": "helpfulness"}, "quality",
                               "expected attributes of fields other than the outcome 'helpfulness'"),
    "quality not a name": ({"fields": HELPSTEER_FIELDS, "quality": 3}, "quality", "expected an attribute name"),
}


@pytest.mark.parametrize("case", BAD_AXIS_METADATA)
def test_bad_rating_metadata_is_refused(case):
    metadata, field, message = BAD_AXIS_METADATA[case]
    with pytest.raises(DataError, match=rf"^field '{re.escape(field)}': {re.escape(message)}"):
        pref_spec("axis", data_files="x.jsonl", **metadata)


def test_a_dataset_id_is_read_by_datasets_and_rows_named_by_split(tmp_path):
    """`dataset` goes through datasets.load_dataset, which also takes a local folder: the hub path offline."""
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = [{"prompt": f"P{i}", "chosen": "a b", "rejected": "c"} for i in range(4)]
    write_jsonl(folder / "train.jsonl", rows)
    docs = docs_of(dataset=str(folder), split="train")
    files = docs_of(data_files=str(folder / "train.jsonl"))
    assert [d["key"] for d in docs] == [d["key"] for d in files]
    assert {(d["data_origin"], d["source"], d["split"]) for d in docs} == {(f"hub:{folder}@main", str(folder), "train")}
    rows[2]["chosen"] = ""
    write_jsonl(folder / "train.jsonl", rows)
    with pytest.raises(DataError) as err:
        docs_of(dataset=str(folder), split="train", seed=5)
    assert str(err.value) == f"{folder}@main[train]:3: field 'chosen': empty response"
    with pytest.raises(DataError, match=r"^field 'dataset': cannot load .*\[test\] .*Unknown split"):
        docs_of(dataset=str(folder), split="test")


def test_a_model_revision_from_model_args_is_not_the_datasets(tmp_path):
    """lm-eval merges --model_args into the metadata: `revision=` there is the model's, so the dataset's is
    `dataset_revision`."""
    folder = tmp_path / "ds"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", [{"prompt": "P", "chosen": "a", "rejected": "b"}])
    (doc,) = docs_of(dataset=str(folder), split="train", pretrained="m", revision="sft__44413__1708611267")
    assert doc["data_origin"] == f"hub:{folder}@main"


def test_the_hub_unreachable_names_the_remedy():
    spec = pref_spec("cmp", dataset="nobody/no-such-dataset-h7", split="test")
    with pytest.raises(DataError, match=r"cannot load nobody/no-such-dataset-h7@main\[test\] from the Hugging Face "
                                        r"hub .*data_files"):
        build_docs(spec)


@pytest.mark.parametrize(("metadata", "tasks", "field"), [
    ({"data_files": "x"}, ["summ_pref_cmp"], "data_files"),
    ({"fields": {}}, ["summ_pref"], "fields"),
    ({"data_dir": "x"}, ["pref_pairs"], "data_dir"),
    ({"subsplit": "valid2"}, ["pref_pairs", "pref_axis"], "subsplit"),
])
def test_a_key_no_requested_task_reads_is_refused(metadata, tasks, field):
    with pytest.raises(DataError, match=rf"^field '{field}': none of the tasks"):
        check_user_metadata(metadata, tasks)


def test_keys_of_both_families_pass_when_both_are_requested():
    check_user_metadata({"data_dir": "x", "data_files": "y", "seed": 3}, ["summ_pref_cmp", "pref_pairs"])
    check_user_metadata({"seed": 3, "split": "test"}, ["pref_axis"])
