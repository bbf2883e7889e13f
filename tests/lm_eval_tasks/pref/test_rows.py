"""The raw rows of a preference dataset from local files: paths and globs matched once each, JSON lines and
parquet read with where each row came from, and every unreadable input one error naming the file."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lm_eval_tasks.pref.fields import Where
from lm_eval_tasks.pref.rows import matched_files, read_file, read_files
from summ_pref_common.errors import DataError


def test_paths_and_globs_give_each_file_once_sorted(tmp_path):
    for name in ("b.jsonl", "a.jsonl", "c.parquet"):
        (tmp_path / name).write_text("")
    assert matched_files([str(tmp_path / "*.jsonl"), str(tmp_path / "a.jsonl")]) == [tmp_path / "a.jsonl",
                                                                                      tmp_path / "b.jsonl"]
    with pytest.raises(DataError, match=r"^field 'data_files': no file matches '.*\*\.csv'"):
        matched_files(str(tmp_path / "*.csv"))
    with pytest.raises(DataError, match=r"^field 'data_files': expected a path or glob"):
        matched_files([])


def test_json_lines_and_parquet_rows_know_their_line(tmp_path):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(json.dumps({"prompt": "p1"}) + "\n\n" + json.dumps({"prompt": "p2"}) + "\n")
    parquet = tmp_path / "b.parquet"
    pq.write_table(pa.table({"prompt": ["p3"]}), parquet)
    rows, origin = read_files([str(jsonl), str(parquet)])
    assert [(r.row["prompt"], r.where) for r in rows] == [("p1", Where(str(jsonl), 1)), ("p2", Where(str(jsonl), 3)),
                                                          ("p3", Where(str(parquet), 1))]
    assert origin == f"files:{jsonl},{parquet}"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("rows.csv", "a,b\n", "unknown file type '.csv'"),
    ("rows.jsonl", "\n", "empty file: no rows"),
    ("rows.jsonl", "[1, 2]\n", "expected an object (one row), got list"),
    ("rows.parquet", "not parquet", "not a readable parquet file"),
])
def test_an_unreadable_file_is_named(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataError) as err:
        read_file(path)
    assert str(err.value).startswith(f"{path}:") and message in str(err.value)
    with pytest.raises(DataError, match="no such file"):
        read_file(tmp_path / "gone.jsonl")
