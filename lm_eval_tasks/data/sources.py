"""Where the rows come from: the hub's parquet export, OpenAI's JSON-lines folder, or the embedded sample.

All three yield rows in the hub's schema (see `rows.normalise_row`) for one config
(`axis` / `comparisons`) and one hub split (`validation` / `test` / `train`).
"""

from __future__ import annotations

import os
from pathlib import Path

from lm_eval_tasks.data.rows import HUB_SPLIT, Located, normalise_row
from summ_pref_common.errors import DataError
from summ_pref_common.json_files import iter_json_lines

HUB_REPO = "openai/summarize_from_feedback"
# The main branch is a loading script that datasets >= 4 refuses; the parquet export is data only.
HUB_REVISION = "refs/convert/parquet"
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
# The embedded synthetic sample's spelling in `data_dir`; every other value is a path, so a folder named
# `sample` in the working directory always means that folder (and one named `@sample` is `./@sample`).
SAMPLE_NAME = "@sample"
DATA_DIR_ENV = "SUMM_PREF_DATA_DIR"
# OpenAI's original folder names each config's files differently from the hub.
ORIGINAL_FOLDER = {"comparisons": "comparisons", "axis": "axis_evals"}
# The hub config of each judgement kind of the summ_pref tasks.
KINDS = {"axis": "axis", "cmp": "comparisons"}


def read_json_lines(path: Path, config: str) -> list[Located]:
    """Every line of one OpenAI file, validated; the error names the file, line and field (`iter_json_lines`
    reports a bad byte with its offset, a line that is not JSON with its column)."""
    rows = [Located(normalise_row(raw, config, path=path, line=line_no), f"{path}:{line_no}")
            for line_no, raw in iter_json_lines(path)]
    if not rows:
        raise DataError("empty file: no rows", path=path)
    return rows


def read_original_folder(root: Path, config: str, split: str) -> list[Located]:
    """OpenAI's layout: comparisons/*.json and axis_evals/*.json, each row carrying its own split."""
    folder = root / ORIGINAL_FOLDER[config]
    files = sorted(folder.glob("*.json")) + sorted(folder.glob("*.jsonl"))
    if not files:
        raise DataError(f"no data files: expected {ORIGINAL_FOLDER[config]}/*.json (OpenAI's layout) "
                        f"or {config}/<split>/*.parquet (the hub's parquet export)", path=root)
    rows = [row for f in files for row in read_json_lines(f, config)]
    return [r for r in rows if HUB_SPLIT[config][r.row["split"]] == split]


def read_parquet_export(root: Path, config: str, split: str) -> list[Located]:
    """The hub's parquet export layout: <config>/<split>/*.parquet (shard names vary: glob them)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted((root / config / split).glob("*.parquet"))
    if not files:
        raise DataError(f"no data files: expected {config}/{split}/*.parquet", path=root)
    rows = []
    for f in files:
        try:
            table = pq.read_table(f)
        except (pa.ArrowException, OSError) as err:  # a corrupt file: ArrowInvalid; an unreadable one: OSError
            raise DataError(f"not a readable parquet file ({err})", path=f) from None
        if table.num_rows == 0:
            raise DataError("empty file: no rows", path=f)
        rows += [Located(normalise_row(raw, config, path=f, line=i + 1), f"{f}:{i + 1}")
                 for i, raw in enumerate(table.to_pylist())]
    return rows


def download_parquet_export(config: str, split: str) -> Path:
    """Fetch (or reuse from the HF cache) the parquet shards of one config and split."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(HUB_REPO, repo_type="dataset", revision=HUB_REVISION,
                                      allow_patterns=[f"{config}/{split}/*.parquet"]))
    except Exception as err:  # offline mode, network and hub errors of several libraries: one remedy
        raise DataError(
            f"cannot fetch {HUB_REPO}@{HUB_REVISION} from the Hugging Face hub ({type(err).__name__}: {err}). "
            f"Either give a local copy of the data with --metadata '{{\"data_dir\": \"DIR\"}}' or the environment "
            f"variable {DATA_DIR_ENV}=DIR (OpenAI's folder or the parquet export), or run with network access; "
            f"--metadata '{{\"data_dir\": \"{SAMPLE_NAME}\"}}' runs on the embedded synthetic sample."
        ) from None


def resolve_data_dir(data_dir: str | None) -> Path | None:
    """`@sample` is the embedded sample, any other value a folder; metadata first, then the environment,
    then None (the hub). An empty value is an error: silently scoring the hub instead would be a wrong answer."""
    source = "--metadata" if data_dir is not None else DATA_DIR_ENV
    chosen = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV)
    if chosen is None:
        return None
    if not chosen.strip():
        raise DataError(f"empty (from {source}): give a folder, or {SAMPLE_NAME} for the embedded sample; leave "
                        f"it out{' and unset ' + DATA_DIR_ENV if source == DATA_DIR_ENV else ''} to read the hub",
                        field="data_dir")
    if chosen == SAMPLE_NAME:
        return SAMPLE_DIR
    path = Path(chosen).expanduser().absolute()  # absolute: the report re-reads it from any directory
    if not path.is_dir():
        raise DataError(f"data_dir is not a folder (from {source})", path=path)
    return path


def is_parquet_export(root: Path, config: str) -> bool:
    return (root / config).is_dir() and any((root / config).glob("*/*.parquet"))


def load_rows(config: str, split: str, data_dir: str | None = None) -> tuple[list[Located], str]:
    """All rows of (config, split) and a description of where they came from."""
    if split not in set(HUB_SPLIT[config].values()):
        raise DataError(f"unknown split {split!r} for {config} (expected one of "
                        f"{sorted(set(HUB_SPLIT[config].values()))})", field="split")
    root = resolve_data_dir(data_dir)
    if root is None:
        root = download_parquet_export(config, split)
        return read_parquet_export(root, config, split), f"hub:{HUB_REPO}@{HUB_REVISION}"
    if is_parquet_export(root, config):
        return read_parquet_export(root, config, split), f"parquet:{root}"
    origin = "sample" if root == SAMPLE_DIR else f"original:{root}"
    return read_original_folder(root, config, split), origin
