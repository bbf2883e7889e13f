"""Read the logged per-sample records of one task into a compact table, verifying as it goes.

Samples files of a full split run to hundreds of MB (per-token lists included), so lines are
streamed and only scalar columns are kept: memory grows with rows, not with file size.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from lm_eval_tasks.errors import DataError
from lm_eval_tasks.rows import RATING_AXES
from postprocess.token_counts import TokenCounter


def summary_id(post_id: str, continuation: str) -> str:
    """The same summary of the same post, wherever it appears (axis rows, either side of many pairs)."""
    return hashlib.sha1(f"{post_id}\x00{continuation}".encode("utf-8")).hexdigest()[:16]


def _summary_columns(summary: dict, post_id: str) -> dict:
    entropies = summary.get("token_entropies")
    return {
        "sid": summary_id(post_id, summary["continuation"]),
        "policy": summary.get("policy"),
        "logprob": float(summary["logprob"]),
        "n_bytes": int(summary["n_bytes"]),
        "n_chars": int(summary["n_chars"]),
        "n_tokens": float(summary["n_tokens"]) if summary.get("n_tokens") is not None else math.nan,
        "mean_entropy": float(np.mean(entropies)) if entropies else math.nan,
        "context_truncated": bool(summary.get("context_truncated", False)),
    }


def _row(record: dict) -> dict:
    base = {k: record[k] for k in ("key", "post_id", "source", "split", "subsplit", "batch", "worker")}
    if record["kind"] == "axis":
        return {**base, **record["ratings"], **_summary_columns(record["summaries"][0], record["post_id"])}
    a, b = (_summary_columns(s, record["post_id"]) for s in record["summaries"])
    return {**base, "choice": record["choice"], "confidence": record["confidence"],
            **{f"{k}_a": v for k, v in a.items()}, **{f"{k}_b": v for k, v in b.items()}}


def _check_line(sample: dict, path: Path, line_no: int) -> dict:
    record = sample.get("record")
    if not isinstance(record, dict) or record.get("schema") != 1:
        raise DataError("no summ_pref record (schema 1) in this sample: was it written by these tasks?",
                        path=path, line=line_no, field="record")
    if sample.get("doc", {}).get("key") != record["key"]:
        raise DataError("record key differs from the logged doc's key", path=path, line=line_no, field="record.key")
    scored = [continuation for _, continuation in request_pairs(sample)]
    if scored and scored != [s["continuation"] for s in record["summaries"]]:
        raise DataError("record continuations differ from the scored requests", path=path, line=line_no,
                        field="record.summaries")
    return record


def request_pairs(sample: dict) -> list[tuple[str, str]]:
    """(context, continuation) of each request: the Python API logs a list of argument tuples, the
    CLI's tracker a dict {"gen_args_0": {"arg_0": context, "arg_1": continuation}, ...}."""
    arguments = sample.get("arguments") or []
    if isinstance(arguments, dict):
        return [(a["arg_0"], a["arg_1"]) for a in arguments.values()]
    return [(a[0], a[1]) for a in arguments]


def _fill_token_counts(sample: dict, record: dict, count_tokens: TokenCounter) -> None:
    for (context, continuation), summary in zip(request_pairs(sample), record["summaries"]):
        if summary.get("n_tokens") is None:
            summary["n_tokens"] = count_tokens(context, continuation)


def read_samples(path: Path, progress: bool = True,
                 count_tokens: TokenCounter | None = None) -> tuple[pd.DataFrame, dict]:
    """One task's records as a DataFrame (one row per human judgement) and what was checked.

    `count_tokens` fills token counts the backend did not log (see `token_counts`)."""
    rows, keys, prompts, origins = [], {}, set(), set()
    duplicates = 0
    with open(path, encoding="utf-8") as fh:
        lines = tqdm(fh, desc=f"reading {path.name}", unit=" samples", disable=not progress, leave=False)
        for line_no, line in enumerate(lines, start=1):
            try:
                sample = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"not valid JSON ({err.msg})", path=path, line=line_no) from None
            if sample.get("filter", "none") != "none":
                continue  # lm-eval writes one line per filter (#1687); the tasks define none
            record = _check_line(sample, path, line_no)
            if record["key"] in keys:
                duplicates += 1
                continue
            keys[record["key"]] = line_no
            prompts.add((record["prompt"], record["prompt_sha"], record["chat_template"]))
            origins.add((sample["doc"].get("data_origin"), record["seed"], record["kind"], record["source"],
                         record["split"]))
            if count_tokens is not None:
                _fill_token_counts(sample, record, count_tokens)
            rows.append(_row(record))
    if not rows:
        raise DataError("no samples", path=path)
    if duplicates:
        raise DataError(f"{duplicates} duplicated sample(s) (same key logged twice) among {len(rows) + duplicates}; "
                        "lm-eval's data-parallel gather or a concatenated file can cause this", path=path)
    if len(prompts) > 1:
        raise DataError(f"samples made with different prompts mixed in one file: {sorted(prompts)}", path=path)
    (prompt, prompt_sha, chat) = prompts.pop()
    if len(origins) > 1:
        raise DataError(f"samples drawn from different data, seeds or splits mixed in one file: {sorted(origins)}",
                        path=path)
    origin, seed, kind, source, split = origins.pop()
    frame = pd.DataFrame(rows)
    for axis in RATING_AXES:
        if axis in frame:
            frame[axis] = frame[axis].astype(float)
    if "confidence" in frame:
        frame["confidence"] = frame["confidence"].astype(float)
    info = {"prompt": prompt, "prompt_sha": prompt_sha, "chat_template": chat, "n": len(frame), "kind": kind,
            "source": source, "split": split, "data_origin": origin, "seed": seed}
    return frame, info


def verify_against_docs(frame: pd.DataFrame, docs: list[dict], path: Path) -> int:
    """Check every sample against the dataset rows it claims to score; return how many were checked.

    An unmatched key, or a rating / choice that differs, is an error with counts: never dropped.
    """
    by_key = {d["key"]: d for d in docs}
    unmatched = [k for k in frame["key"] if k not in by_key]
    if unmatched:
        raise DataError(f"{len(unmatched)} of {len(frame)} samples match no row of the dataset "
                        f"(first: {unmatched[0]}); was the run made on other data?", path=path)
    fields = [a for a in RATING_AXES if a in frame] + [c for c in ("choice",) if c in frame]
    mismatched = 0
    for row in frame[["key", *fields]].itertuples(index=False):
        doc = by_key[row.key]
        for name in fields:
            logged, truth = getattr(row, name), doc[name]
            if not ((truth is None and math.isnan(logged)) or logged == truth):
                mismatched += 1
                break
    if mismatched:
        raise DataError(f"{mismatched} of {len(frame)} samples carry ratings or choices that differ from the dataset",
                        path=path)
    return len(frame)
