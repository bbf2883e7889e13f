"""JSON and JSON-lines files read with errors a user can act on: file, line (and byte offset) of the fault.

Both the data sources (OpenAI's JSON-lines folder) and the analysis (lm-eval's samples files, results and
settings files) read through here, so a bad byte or a broken line is reported the same way everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from summ_pref_common.errors import DataError


def decode_line(data: bytes, path: Path, line_no: int, offset: int) -> str:
    """UTF-8 text of one line; a bad byte is named by its offset in the file (to find it with a hex viewer)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = data[err.start:err.end].hex(" ")
        raise DataError(f"not valid UTF-8: byte(s) {bad} at byte offset {offset + err.start} of the file "
                        f"(column {err.start + 1} of the line, counted in bytes)", path=path, line=line_no) from None


def parse_json(text: str, path: Path, line_no: int | None = None) -> object:
    """`json.loads(text)`; invalid JSON is a DataError naming the file, the line and the column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        line = err.lineno if line_no is None else line_no
        raise DataError(f"not valid JSON ({err.msg} at column {err.colno})", path=path, line=line) from None


def iter_json_lines(path: Path) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) of every non-blank line of a JSON-lines file, read as a stream.

    Lines are read as bytes and decoded one at a time, so a byte that is not UTF-8 is reported with its
    line and its offset in the file, and a line that is not JSON with its line and column (`DataError`). A UTF-8
    byte order mark at the start of the file (as some Windows editors write) is read past.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "rows.jsonl"
    ...     _ = path.write_bytes(b'{"a": 1}\\n\\n[2]\\n{"b": \\xe9}\\n')
    ...     rows = []
    ...     try:
    ...         for line_no, value in iter_json_lines(path):
    ...             rows.append((line_no, value))
    ...     except DataError as err:
    ...         print(str(err).replace(str(path), "rows.jsonl"))
    rows.jsonl:4: not valid UTF-8: byte(s) e9 at byte offset 20 of the file (column 7 of the line, counted in bytes)
    >>> rows
    [(1, {'a': 1}), (3, [2])]
    """
    offset = 0
    with open(path, "rb") as fh:
        for line_no, data in enumerate(fh, start=1):
            line = decode_line(data, path, line_no, offset)
            if line_no == 1:
                line = line.removeprefix("\ufeff")
            offset += len(data)
            if line.strip():
                yield line_no, parse_json(line, path, line_no)


def read_json(path: Path) -> object:
    """The value of a whole JSON file (results, settings); a bad byte or bad JSON names the file and line."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        start = data.rfind(b"\n", 0, err.start) + 1
        end = data.find(b"\n", err.start)
        decode_line(data[start:] if end < 0 else data[start:end + 1], path, data.count(b"\n", 0, start) + 1, start)
        raise  # not reached: the line holds the bad byte, so decode_line raised
    return parse_json(text, path)
