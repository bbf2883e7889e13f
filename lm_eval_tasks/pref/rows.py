"""The raw rows of a preference dataset: local JSON-lines or parquet files (a path or a glob), or a split of a
dataset on the Hugging Face hub. Each row comes with where it was read, for messages (`fields.Where`)."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from lm_eval_tasks.pref.fields import Where
from summ_pref_common.errors import DataError
from summ_pref_common.json_files import iter_json_lines

JSON_SUFFIXES = (".jsonl", ".json")
PARQUET_SUFFIXES = (".parquet",)


class SourceRow(NamedTuple):
    row: dict
    where: Where


def matched_files(data_files: str | Sequence[str]) -> list[Path]:
    """The files of `data_files` (one path or glob, or a list of them), absolute, sorted, each once."""
    specs = [data_files] if isinstance(data_files, str) else list(data_files)
    if not specs or not all(isinstance(s, str) and s.strip() for s in specs):
        raise DataError(f"expected a path or glob (or a list of them), got {data_files!r:.80}", field="data_files")
    files: set[Path] = set()
    for spec in specs:
        pattern = str(Path(spec).expanduser())
        found = [Path(p) for p in glob.glob(pattern, recursive=True)] if glob.has_magic(pattern) else [Path(pattern)]
        found = [p.absolute() for p in found if p.is_file() or not glob.has_magic(pattern)]
        if not found:
            raise DataError(f"no file matches {spec!r}", field="data_files")
        files.update(found)
    return sorted(files)


def _json_rows(path: Path) -> list[SourceRow]:
    return [SourceRow(value, Where(str(path), line)) for line, value in iter_json_lines(path)]


def _parquet_rows(path: Path) -> list[SourceRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:  # a corrupt file: ArrowInvalid; an unreadable one: OSError
        raise DataError(f"not a readable parquet file ({err})", path=path) from None
    return [SourceRow(value, Where(str(path), i + 1)) for i, value in enumerate(table.to_pylist())]


def read_file(path: Path) -> list[SourceRow]:
    """Every row of one file: JSON lines (`.jsonl`, `.json`, one object per line) or parquet."""
    if not path.is_file():
        raise DataError("no such file", path=path)
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        rows = _json_rows(path)
    elif suffix in PARQUET_SUFFIXES:
        rows = _parquet_rows(path)
    else:
        raise DataError(f"unknown file type {suffix or '(none)'!r}: expected JSON lines "
                        f"({', '.join(JSON_SUFFIXES)}) or parquet ({', '.join(PARQUET_SUFFIXES)})", path=path)
    if not rows:
        raise DataError("empty file: no rows", path=path)
    for row, where in rows:
        if not isinstance(row, dict):
            raise where.error(f"expected an object (one row), got {type(row).__name__}")
    return rows


def read_files(data_files: str | Sequence[str]) -> tuple[list[SourceRow], str]:
    """The rows of every matched file, in file order, and the data's origin for the records."""
    files = matched_files(data_files)
    specs = [data_files] if isinstance(data_files, str) else list(data_files)
    origin = "files:" + ",".join(str(Path(s).expanduser().absolute()) for s in specs)
    return [row for path in files for row in read_file(path)], origin


def read_hub(dataset: str, revision: str, split: str) -> tuple[list[SourceRow], str]:
    """One split of a hub dataset through `datasets.load_dataset` (its own card decides the files); rows are
    numbered from 1 in the split's order."""
    import datasets

    label = f"{dataset}@{revision}[{split}]"
    try:
        rows = datasets.load_dataset(dataset, revision=revision, split=split).to_list()
    except Exception as err:  # offline mode, network, hub and missing-split errors of several libraries
        raise DataError(
            f"cannot load {label} from the Hugging Face hub ({type(err).__name__}: {err}). Run with network "
            "access, or give local files with --metadata '{\"data_files\": \"PATH_OR_GLOB\"}'", field="dataset"
        ) from None
    if not rows:
        raise DataError(f"{label}: no rows", field="split")
    return [SourceRow(row, Where(label, i + 1)) for i, row in enumerate(rows)], f"hub:{dataset}@{revision}"
