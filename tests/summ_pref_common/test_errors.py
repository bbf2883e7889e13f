"""A `DataError` names the file, the line and the field at fault, in that order, before the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from summ_pref_common.errors import DataError


@pytest.mark.parametrize(("where", "expected"), [
    ({}, "expected 1 to 7"),
    ({"field": "overall"}, "field 'overall': expected 1 to 7"),
    ({"path": Path("a/b.json")}, "a/b.json: expected 1 to 7"),
    ({"path": Path("a/b.json"), "line": 3, "field": "overall"}, "a/b.json:3: field 'overall': expected 1 to 7"),
    ({"line": 3}, "expected 1 to 7"),  # a line without its file would name nothing
])
def test_the_message_starts_with_file_line_and_field(where, expected):
    err = DataError("expected 1 to 7", **where)
    assert str(err) == expected
    assert (err.path, err.line, err.field) == (where.get("path"), where.get("line"), where.get("field"))


def test_it_is_a_value_error():
    with pytest.raises(ValueError, match=r"^field 'seed'"):
        raise DataError("expected an integer", field="seed")
