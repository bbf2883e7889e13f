"""JSON and JSON-lines files read with the file, line, column or byte offset of every fault."""

from __future__ import annotations

import pytest

from summ_pref_common.errors import DataError
from summ_pref_common.json_files import decode_line, iter_json_lines, parse_json, read_json


def test_json_lines_skip_blank_lines_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n  \n[2, 3]\n"x"')
    assert list(iter_json_lines(path)) == [(1, {"a": 1}), (4, [2, 3]), (5, "x")]


def test_a_bad_byte_is_named_by_line_and_offset_in_the_file(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": "caf\xe9"}\n')
    with pytest.raises(DataError) as err:
        list(iter_json_lines(path))
    # line 2 starts at byte 9; the bad byte is its 11th ({"b": "caf = 10 bytes before it), offset 9 + 10 = 19
    assert str(err.value) == (f"{path}:2: not valid UTF-8: byte(s) e9 at byte offset 19 of the file "
                              "(column 11 of the line, counted in bytes)")
    assert decode_line("café".encode(), path, 1, 0) == "café"


def test_a_line_that_is_not_json_is_named_by_line_and_column(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n{"a": tru}\n', encoding="utf-8")
    with pytest.raises(DataError, match=rf"^{path}:2: not valid JSON \(Expecting value at column 7\)$"):
        list(iter_json_lines(path))
    with pytest.raises(DataError, match=r"^f.json:1: not valid JSON"):
        parse_json("{", "f.json")


def test_a_whole_file_names_the_line_of_its_fault(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{\n  "a": 1,\n  "b": [1, 2]\n}\n', encoding="utf-8")
    assert read_json(path) == {"a": 1, "b": [1, 2]}
    path.write_text('{\n  "a": 1,\n  "b": [1, 2,]\n}\n', encoding="utf-8")
    with pytest.raises(DataError, match=rf"^{path}:3: not valid JSON"):
        read_json(path)
    path.write_bytes(b'{\n  "a": "\xff"\n}\n')
    with pytest.raises(DataError, match=rf"^{path}:2: not valid UTF-8: byte\(s\) ff at byte offset 10 of the file"):
        read_json(path)
