"""What pref data holds but is scored anyway is said, in the console and in the docs the report reads: pairs whose
chosen and rejected responses are the same text, empty prompts, and `split`/`dataset_revision` given with
`data_files` (not read); a UTF-8 byte order mark at the start of a JSON-lines file is read past."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from lm_eval_tasks.pref.docs import custom_dataset

ROWS = [{"prompt": f"Question {i}: what now?", "chosen": f" answer {i}", "rejected": f" reply {i}"} for i in range(6)]


def write(path: Path, rows: list[dict], bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "".join(json.dumps(r) + "\n" for r in rows).encode())
    return path


def docs_of(**metadata) -> list[dict]:
    return custom_dataset(kind="cmp", **metadata)["docs"].to_list()


def test_a_byte_order_mark_is_read_past(tmp_path):
    with_bom = docs_of(data_files=str(write(tmp_path / "bom.jsonl", ROWS, bom=True)))
    without = docs_of(data_files=str(write(tmp_path / "plain.jsonl", ROWS)))
    assert len(with_bom) == len(ROWS)
    assert sorted(d["key"] for d in with_bom) == sorted(d["key"] for d in without)


def test_identical_responses_are_counted_and_warned(tmp_path, caplog):
    rows = [*ROWS[:2], {**ROWS[2], "rejected": ROWS[2]["chosen"]}, *ROWS[3:]]
    path = write(tmp_path / "rows.jsonl", rows)
    with caplog.at_level(logging.WARNING):
        docs = docs_of(data_files=str(path))
    assert sum(d["identical_responses"] for d in docs) == 1
    (same,) = [d for d in docs if d["identical_responses"]]
    assert same["response_0"] == same["response_1"] == ROWS[2]["chosen"]
    assert (f"1 pair(s) whose chosen and rejected responses are the same text (a tie: neither can be preferred); "
            f"the first at {path}:3") in caplog.text


def test_empty_prompts_are_counted_and_warned(tmp_path, caplog):
    rows = [{**r, "prompt": "" if i in (1, 4) else r["prompt"]} for i, r in enumerate(ROWS)]
    path = write(tmp_path / "rows.jsonl", rows)
    with caplog.at_level(logging.WARNING):
        docs = docs_of(data_files=str(path))
    assert sum(d["empty_prompt"] for d in docs) == 2
    assert (f"2 row(s) with an empty prompt (each response scored after the separator alone); the first at "
            f"{path}:2") in caplog.text


def test_keys_not_read_with_data_files_are_said(tmp_path, caplog):
    path = write(tmp_path / "rows.jsonl", ROWS)
    with caplog.at_level(logging.WARNING):
        docs = docs_of(data_files=str(path), split="test", dataset_revision="abc123")
    assert {d["ignored_metadata"] for d in docs} == {"split, dataset_revision"}
    assert "pref: split and dataset_revision ignored with data_files" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        quiet = docs_of(data_files=str(path))
    assert {d["ignored_metadata"] for d in quiet} == {""} and {d["identical_responses"] for d in quiet} == {0}
    assert "pref:" not in caplog.text
