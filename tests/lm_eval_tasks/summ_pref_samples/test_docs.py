"""One line of a generation run's samples file becomes a samples doc: the post, the prompt style (refused when its
template changed since), the samples in order and where they came from; every bad field one error naming the
file, the line and the field. (The whole run read and scored: test_task.py.)"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lm_eval_tasks.data.posts import POST_FIELDS
from lm_eval_tasks.data.prompts import template_sha
from lm_eval_tasks.records import SCHEMA_VERSION
from lm_eval_tasks.summ_pref_samples.docs import sample_doc
from summ_pref_common.errors import DataError

WHERE = (Path("samples_summ_pref_gen_x.jsonl"), 4)
LINE = {"doc_id": 2, "doc": {**dict.fromkeys(POST_FIELDS), "title": "Rent", "text": "A post."},
        "record": {"schema": SCHEMA_VERSION, "kind": "gen", "prompt": "oai", "prompt_sha": template_sha("oai"),
                   "samples": [{"index": 0, "text": " one", "logprob": -3.0}, {"index": 1, "text": " two"}],
                   "generation": {"temperature": 1.0}, "chat_template": False, "key": "k", "post_id": "t3_x",
                   "source": "tldr", "split": "validation", "subsplit": None, "seed": 7}}


def test_a_line_becomes_the_doc_of_its_post_and_samples():
    doc_id, doc = sample_doc(LINE, WHERE, {"model": "m"})
    assert doc_id == 2 and (doc["key"], doc["title"], doc["text"], doc["prompt"], doc["seed"]) == (
        "k", "Rent", "A post.", "oai", 7)
    assert doc["samples"] == [{"index": 0, "text": " one"}, {"index": 1, "text": " two"}]
    assert json.loads(doc["samples_from"]) == {"model": "m", "generation": {"temperature": 1.0}, "chat_template": False}


def _with(path: list, value) -> dict:
    line = copy.deepcopy(LINE)
    target = line
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return line


@pytest.mark.parametrize(("path", "value", "field", "message"), [
    (["record", "kind"], "cmp", "record.kind", "expected a generation record"),
    (["record", "prompt_sha"], "0" * 16, "record.prompt_sha", "the 'oai' prompt template has changed"),
    (["record", "prompt"], "news", "record.prompt", "unknown prompt style 'news'"),
    (["record", "samples"], [], "record.samples", "no samples"),
    (["record", "samples", 1, "text"], None, "record.samples[1].text", "expected str, got NoneType None"),
    (["record", "seed"], True, "record.seed", "expected int, got bool True"),
    (["doc", "text"], None, "doc.text", "expected str, got NoneType None"),
    (["doc", "title"], 5, "doc.title", "expected str or null, got int 5"),
])
def test_a_bad_field_is_named_with_its_file_and_line(path, value, field, message):
    with pytest.raises(DataError) as err:
        sample_doc(_with(path, value), WHERE, {})
    assert str(err.value).startswith(f"samples_summ_pref_gen_x.jsonl:4: field '{field}': {message}")
