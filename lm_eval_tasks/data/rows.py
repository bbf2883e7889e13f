"""Validate raw summarize_from_feedback rows and normalise them to the hub's schema.

Every data source (hub parquet export, OpenAI's JSON-lines folder, the embedded sample) goes
through `normalise_row`, so identical rows give identical dicts, keys and docs whatever their origin.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, NamedTuple

from summ_pref_common.errors import DataError

RATING_AXES = ("overall", "accuracy", "coverage", "coherence")
INFO_FIELDS = ("id", "post", "title", "subreddit", "site", "article")
# The hub's split of a row follows OpenAI's own `split` field (its loading script did the same).
HUB_SPLIT = {
    "comparisons": {"train": "train", "valid1": "validation", "valid2": "validation"},
    "axis": {"test": "test", "valid1": "validation", "valid2": "validation"},
}


def _require(obj: Any, name: str, kind: type | tuple, where: dict) -> Any:
    value = obj.get(name) if isinstance(obj, dict) else None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        shown = "missing" if value is None else f"{type(value).__name__} {value!r:.60}"
        raise DataError(f"expected {getattr(kind, '__name__', kind)}, got {shown}", field=where["field"] + name,
                        path=where["path"], line=where["line"])
    return value


def _rating(value: Any, field: str, where: dict) -> float | None:
    """Likert 1-7; null is a missing value (not an error); floats allowed (averaged ratings)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not 1 <= value <= 7:
        raise DataError(f"rating must be 1-7 or null, got {value!r}", path=where["path"], line=where["line"],
                        field=field)
    return float(value)


def _info(raw: dict, where: dict) -> dict:
    info = _require(raw, "info", dict, {**where, "field": ""})
    out = {k: info.get(k) for k in INFO_FIELDS}
    if not isinstance(out["post"], str) and not isinstance(out["article"], str):
        raise DataError("a row needs info.post (Reddit) or info.article (news), found neither",
                        path=where["path"], line=where["line"], field="info.post")
    return out


def _summary(raw: dict, field: str, where: dict) -> dict:
    if not isinstance(raw, dict):
        raise DataError("expected an object with 'text' and 'policy'", path=where["path"], line=where["line"],
                        field=field)
    _require(raw, "text", str, {**where, "field": field + "."})
    return {"text": raw["text"], "policy": raw.get("policy"), "note": raw.get("note")}


def normalise_row(raw: Any, config: str, *, path: object, line: int) -> dict:
    """Return the row in the hub's schema, or raise DataError naming path, line and field."""
    where = {"path": path, "line": line, "field": ""}
    if not isinstance(raw, dict):
        raise DataError(f"expected a JSON object, got {type(raw).__name__}", path=path, line=line)
    split = raw.get("split")
    if split not in HUB_SPLIT[config]:
        raise DataError(f"unknown split {split!r} (expected one of {sorted(HUB_SPLIT[config])})",
                        path=path, line=line, field="split")
    row = {"info": _info(raw, where), "split": split, "worker": raw.get("worker"), "batch": raw.get("batch")}
    if config == "comparisons":
        summaries = raw.get("summaries")
        if not isinstance(summaries, list) or len(summaries) != 2:
            raise DataError("expected a list of exactly two summaries", path=path, line=line, field="summaries")
        row["summaries"] = [_summary(s, f"summaries[{i}]", where) for i, s in enumerate(summaries)]
        choice = raw.get("choice")
        if isinstance(choice, bool) or choice not in (0, 1):
            raise DataError(f"choice must be 0 or 1, got {choice!r}", path=path, line=line, field="choice")
        row["choice"] = int(choice)
        extra = raw.get("extra") if isinstance(raw.get("extra"), dict) else {}
        confidence = extra.get("confidence")
        if confidence is not None and (isinstance(confidence, bool) or not isinstance(confidence, (int, float))):
            raise DataError(f"confidence must be a number or null, got {confidence!r}", path=path, line=line,
                            field="extra.confidence")
        row["extra"] = {"confidence": None if confidence is None else int(confidence)}
    else:
        summary = _summary(raw.get("summary"), "summary", where)
        axes = raw["summary"].get("axes") if isinstance(raw["summary"].get("axes"), dict) else {}
        summary["axes"] = {a: _rating(axes.get(a), f"summary.axes.{a}", where) for a in RATING_AXES}
        row["summary"] = summary
    return row


def post_id(info: dict) -> str:
    """info.id where the row has one (some edit batches have none): else a hash of title and text."""
    if info.get("id"):
        return str(info["id"])
    text = json.dumps([info.get("title"), info.get("post"), info.get("article")], ensure_ascii=False)
    return "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def row_key(row: dict) -> str:
    """A stable id of one human judgement: the hash of its normalised content."""
    canonical = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


class Located(NamedTuple):
    """A normalised row and where it was read (`path:line`, or `path:row` for parquet), for messages."""

    row: dict
    where: str


def judgement_key(row: dict) -> str:
    """What makes two rows one human judgement: the same post, worker, summaries (text and policy, in order)
    and choice (comparisons) or ratings (axis). Batch, split, notes and confidence are not part of it."""
    if "summaries" in row:
        what = [[[s["text"], s["policy"]] for s in row["summaries"]], row["choice"]]
    else:
        summary = row["summary"]
        what = [[summary["text"], summary["policy"]], summary["axes"]]
    return json.dumps([post_id(row["info"]), row["worker"], what], sort_keys=True, ensure_ascii=False)


def drop_repeats(rows: list[Located]) -> tuple[list[tuple[str, Located]], list[tuple[str, str]]]:
    """One row per judgement: (row_key, row) of the kept rows in load order, and (where, where of the first
    copy) of every later copy in load order. Of the copies, the one with the smallest key is kept, so the
    choice does not depend on the order of files or rows (hub and local copies give the same docs)."""
    keys = [row_key(r.row) for r in rows]
    judgements = [judgement_key(r.row) for r in rows]
    kept: dict[str, int] = {}
    first: dict[str, int] = {}
    repeats = []
    for i, judgement in enumerate(judgements):
        if judgement in first:
            repeats.append((rows[i].where, rows[first[judgement]].where))
        else:
            first[judgement] = i
        if judgement not in kept or keys[i] < keys[kept[judgement]]:
            kept[judgement] = i
    return [(keys[i], rows[i]) for i in sorted(kept.values())], repeats


def row_source(row: dict) -> str:
    """The source of a normalised row: a Reddit post (tldr) or a news article (cnndm)."""
    return "tldr" if isinstance(row["info"]["post"], str) else "cnndm"
