"""Read the logged per-sample records of one task into a compact table, verifying as it goes.

Samples files of a full split run to hundreds of MB (per-token lists included), so lines are
streamed and only scalar columns are kept: memory grows with rows, not with file size. Every line is
validated against the record schema (docs/record-schema.md) first, so a missing or malformed field
is reported as file:line:field instead of surfacing later as a KeyError or a wrong statistic.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)
from tqdm import tqdm

from lm_eval_tasks.data.rows import RATING_AXES
from lm_eval_tasks.records import SCHEMA_VERSION
from postprocess.io.token_counts import TokenCounter
from summ_pref_common.errors import DataError
from summ_pref_common.json_files import iter_json_lines

# What each entry of a task's info["data_notes"] means, for the console (and any other renderer).
DATA_NOTES = {
    "logprob_nan_dropped": "rows left out because a summary's logprob is NaN (the backend returned no score): {n}",
    "duplicates_dropped": "repeated human judgements in the data, counted once (dropped before scoring): {n}",
    "empty_summaries": "empty or whitespace-only summaries, scored as they are: {n}",
    "contexts_truncated": "rows whose context was cut from the left to fit the model's window (context_truncated; "
                          "the scored continuations are whole): {n}",
    "identical_responses": "pairs whose chosen and rejected responses are the same text (a tie: neither can be "
                           "preferred): {n}",
    "empty_prompts": "rows with an empty prompt (each response scored after the separator alone): {n}",
    "ignored_metadata": "metadata keys given with data_files and not read (the rows are every row of the files): {n}",
    "continuation_end_not_special": "{n}",  # the sentence itself (`lm_eval_tasks.model_checks.continuation_end_note`)
}


def _log_probability(value: float) -> float:
    """A summed log-probability is <= 0; inf or a positive value means a broken backend, not data."""
    if not math.isnan(value) and (math.isinf(value) or value > 0):
        raise ValueError("a log-probability must be a finite number <= 0 (NaN marks a row to drop)")
    return value


class _Strict(BaseModel):
    """JSON types as written, no coercion: a string where a number belongs is an error, not a number."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Summary(_Strict):
    """One scored summary; the per-token lists are not kept, only their mean entropy."""

    continuation: str
    policy: str | None = None
    logprob: Annotated[float, AfterValidator(_log_probability)]
    n_bytes: int = Field(ge=0)
    n_chars: int = Field(ge=0)
    n_tokens: int | None = Field(default=None, ge=0)
    token_entropies: list[float] | None = None
    context_truncated: bool | None = None


Rating = Annotated[float, Field(ge=1, le=7)] | None
Ratings = create_model("Ratings", __base__=_Strict, **{axis: (Rating, ...) for axis in RATING_AXES})


class _Record(_Strict):
    """What every record carries (docs/record-schema.md); `schema` is checked before, for a clearer message."""

    key: str
    post_id: str
    source: str
    split: str
    subsplit: str | None
    batch: str | None
    worker: str | None
    prompt: str
    prompt_sha: str
    chat_template: bool
    continuation_end: str = ""  # logged from its introduction on; older records scored no end
    seed: int


class AxisRecord(_Record):
    kind: Literal["axis"]
    ratings: Ratings
    summaries: Annotated[list[Summary], Field(min_length=1, max_length=1)]


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ValueError("a rating must be a finite number or null")
    return value


class PrefAxisRecord(_Record):
    """A rated response of `pref_axis`: ratings under the dataset's attribute names, on the dataset's own scale;
    `outcome` is the attribute the typicality alpha predicts, `quality` those it holds fixed."""

    kind: Literal["axis"]
    ratings: Annotated[dict[str, Annotated[float | None, AfterValidator(_finite)]], Field(min_length=1)]
    outcome: str
    quality: list[str]
    summaries: Annotated[list[Summary], Field(min_length=1, max_length=1)]

    @model_validator(mode="after")
    def _roles_are_ratings(self) -> PrefAxisRecord:
        for name in (self.outcome, *self.quality):
            if name not in self.ratings:
                raise ValueError(f"outcome and quality must name ratings ({', '.join(self.ratings)}), got {name!r}")
        return self


class CmpRecord(_Record):
    kind: Literal["cmp"]
    choice: int = Field(ge=0, le=1)
    confidence: float | None
    summaries: Annotated[list[Summary], Field(min_length=2, max_length=2)]


class Doc(_Strict):
    """The logged doc's fields the report reads; the data notes are absent in runs older than task version 1.1."""

    key: str
    data_origin: str | None = None
    duplicates_dropped: int = Field(default=0, ge=0)
    empty_summaries: int = Field(default=0, ge=0)
    # The pref tasks' data notes (absent in their older runs and in the summ_pref tasks).
    identical_responses: int = Field(default=0, ge=0)
    empty_prompt: int = Field(default=0, ge=0)
    ignored_metadata: str = ""
    # The post or article the summaries summarise (logged by task version 1.1 and later); the report reads it
    # only to measure each summary's copying (`copy_*` columns) and keeps no text.
    text: str | None = None


class _Arguments(_Strict):
    arg_0: str
    arg_1: str


# The CLI's tracker logs {"gen_args_0": {"arg_0": context, "arg_1": continuation}, ...}, the Python API
# a list of (context, continuation) argument lists.
Arguments = Annotated[Annotated[dict[str, _Arguments], Tag("dict")]
                      | Annotated[list[Annotated[list[str], Field(min_length=2)]], Tag("list")],
                      Discriminator(lambda value: "dict" if isinstance(value, dict) else "list")]


def _record_tag(record: object) -> str | None:
    """The record's type: its `kind`, except that an axis record naming its `outcome` is a pref_axis one."""
    kind = record.get("kind") if isinstance(record, dict) else None
    if kind is None:
        return None
    return "pref_axis" if kind == "axis" and "outcome" in record else str(kind)


class Sample(_Strict):
    """One line of a samples file, as far as the report reads it."""

    doc_id: int | None = None  # the doc's position in the processed split (lm-eval writes it)
    doc: Doc
    arguments: Arguments = []
    record: Annotated[Annotated[AxisRecord, Tag("axis")] | Annotated[PrefAxisRecord, Tag("pref_axis")]
                      | Annotated[CmpRecord, Tag("cmp")], Discriminator(_record_tag)]


_SAMPLE = TypeAdapter(Sample)


def _field(loc: tuple) -> str:
    """pydantic's error location as the line's own path, e.g. record.summaries[1].logprob."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if i == 1 and loc[0] in ("record", "arguments"):
            continue  # the union's tag ("axis", "dict", ...), not a field
        parts.append(f"[{part}]" if isinstance(part, int) else ("." if parts else "") + str(part))
    return "".join(parts)


def _message(error: dict) -> tuple[str, str]:
    """(field, message) of one pydantic error, worded for a person reading a samples file."""
    field, kind, value = _field(error["loc"]), error["type"], error["input"]
    if kind in ("missing", "union_tag_not_found"):
        return field + (".kind" if kind == "union_tag_not_found" else ""), "missing"
    if kind == "union_tag_invalid":
        return f"{field}.kind", f"must be 'axis' or 'cmp', got {error['ctx']['tag']!r}"
    message = str(error["ctx"]["error"]) if kind == "value_error" else error["msg"]
    return field, message if isinstance(value, (dict, list)) else f"{message}, got {value!r:.80}"


def _validate(sample: object, path: Path, line_no: int) -> Sample:
    record = sample.get("record") if isinstance(sample, dict) else None
    if not isinstance(record, dict) or record.get("schema") != SCHEMA_VERSION:
        raise DataError(f"no summ_pref record (schema {SCHEMA_VERSION}) in this sample: was it written by these tasks?",
                        path=path, line=line_no, field="record")
    try:
        return _SAMPLE.validate_python(sample)
    except ValidationError as err:
        field, message = _message(err.errors(include_url=False)[0])
        raise DataError(message, path=path, line=line_no, field=field) from None


def summary_id(post_id: str, continuation: str) -> str:
    """The same summary of the same post, wherever it appears (axis rows, either side of many pairs)."""
    return hashlib.sha1(f"{post_id}\x00{continuation}".encode()).hexdigest()[:16]


def request_pairs(sample: Sample) -> list[tuple[str, str]]:
    """(context, continuation) of each request, in either logged shape of `arguments`."""
    if isinstance(sample.arguments, dict):
        return [(a.arg_0, a.arg_1) for a in sample.arguments.values()]
    return [(a[0], a[1]) for a in sample.arguments]


def _summary_columns(summary: Summary, post_id: str, n_tokens: int | None) -> dict:
    return {
        "sid": summary_id(post_id, summary.continuation),
        "policy": summary.policy,
        "logprob": summary.logprob,
        "n_bytes": summary.n_bytes,
        "n_chars": summary.n_chars,
        "n_tokens": math.nan if n_tokens is None else float(n_tokens),
        "mean_entropy": float(np.mean(summary.token_entropies)) if summary.token_entropies else math.nan,
        "context_truncated": bool(summary.context_truncated),
    }


# Each summary's copying from its source: coverage and density of Grusky et al. 2018 and the share of its 1-,
# 2- and 3-grams found in the source; NaN without a logged source or without a `copy_measure`. The measure
# itself is `postprocess.stats.copying` (io may not import stats: the report passes it in, see
# `postprocess.report.build.copy_measure`).
COPY_COLUMNS = ("copy_coverage", "copy_density", "copy_ngram1", "copy_ngram2", "copy_ngram3")
# (continuations, source text) -> one dict of `COPY_COLUMNS` per continuation.
CopyMeasure = Callable[[list[str], str], list[dict]]


def _copy_columns(summaries: list[Summary], source: str | None, copy_measure: CopyMeasure | None,
                  end: str = "") -> list[dict]:
    """The `COPY_COLUMNS` of each summary (the continuation without its `end`, e.g. an EOS token) against the
    logged source text (NaN where none is logged)."""
    if not source or copy_measure is None:
        return [dict.fromkeys(COPY_COLUMNS, math.nan) for _ in summaries]
    return copy_measure([s.continuation.removesuffix(end) if end else s.continuation for s in summaries], source)


@dataclass(frozen=True)
class RatingRoles:
    """An axis task's rating columns, the one the typicality alpha predicts (`outcome`) and those it holds fixed
    (`quality`): TL;DR's four axes (overall; accuracy, coverage, coherence), or a pref_axis task's attributes."""

    axes: tuple[str, ...] = RATING_AXES
    outcome: str = RATING_AXES[0]
    quality: tuple[str, ...] = RATING_AXES[1:]


TLDR_ROLES = RatingRoles()


def rating_roles(info: Mapping) -> RatingRoles:
    """The roles of a task read by `read_samples` (its info["rating_roles"]; TL;DR's where absent)."""
    roles = info.get("rating_roles")
    if not roles:
        return TLDR_ROLES
    return RatingRoles(tuple(roles["axes"]), roles["outcome"], tuple(roles["quality"]))


def _ratings(record: AxisRecord | PrefAxisRecord, path: Path, line_no: int, taken: Mapping) -> dict:
    """The rating columns of an axis row; a pref attribute may not take the name of another column."""
    if isinstance(record, AxisRecord):
        return record.ratings.model_dump()
    for name in record.ratings:
        if name in taken:
            raise DataError(f"an attribute named {name!r} would overwrite that column: rename it in the task's "
                            "fields", path=path, line=line_no, field=f"record.ratings.{name}")
    return dict(record.ratings)


def _row(record: AxisRecord | PrefAxisRecord | CmpRecord, n_tokens: list[int | None], source: str | None = None,
         copy_measure: CopyMeasure | None = None, path: Path | None = None, line_no: int | None = None) -> dict:
    base = {k: getattr(record, k) for k in ("key", "post_id", "source", "split", "subsplit", "batch", "worker")}
    columns = [{**_summary_columns(s, record.post_id, n), **copy}
               for s, n, copy in zip(record.summaries, n_tokens,
                                     _copy_columns(record.summaries, source, copy_measure, record.continuation_end))]
    if not isinstance(record, CmpRecord):
        return {**base, **_ratings(record, path, line_no, {**base, **columns[0]}), **columns[0]}
    a, b = columns
    return {**base, "choice": record.choice, "confidence": record.confidence,
            **{f"{k}_a": v for k, v in a.items()}, **{f"{k}_b": v for k, v in b.items()}}


def _check_line(sample: object, path: Path, line_no: int) -> Sample:
    checked = _validate(sample, path, line_no)
    if checked.doc.key != checked.record.key:
        raise DataError("record key differs from the logged doc's key", path=path, line=line_no, field="record.key")
    scored = [continuation for _, continuation in request_pairs(checked)]
    if scored and scored != [s.continuation for s in checked.record.summaries]:
        raise DataError("record continuations differ from the scored requests", path=path, line=line_no,
                        field="record.summaries")
    return checked


def _token_counts(sample: Sample, count_tokens: TokenCounter | None) -> list[int | None]:
    """The logged counts, or counts recomputed from the logged requests where the backend logged none."""
    counts = [s.n_tokens for s in sample.record.summaries]
    pairs = request_pairs(sample)
    if count_tokens is None or not pairs:
        return counts
    return [count_tokens(context, continuation) if n is None else n
            for n, (context, continuation) in zip(counts, pairs)]


@dataclass
class _Tally:
    """What reading a samples file gathers line by line: the rows (with their doc ids, for the split's order),
    the facts every row must share (prompt, data origin, rating roles) and the counts behind the data notes."""

    rows: list[tuple[int | None, dict]] = field(default_factory=list)
    keys: dict[str, int] = field(default_factory=dict)
    prompts: set[tuple] = field(default_factory=set)
    origins: set[tuple] = field(default_factory=set)
    roles: set[tuple] = field(default_factory=set)
    duplicates: int = 0
    nan_dropped: int = 0
    empty_summaries: int = 0
    truncated: int = 0
    identical: int = 0
    empty_prompts: int = 0
    duplicates_dropped: int | None = None
    ignored: str = ""

    def data_notes(self) -> dict:
        """info["data_notes"] of the task, the keys of `DATA_NOTES` that reading the file can count."""
        return {"logprob_nan_dropped": self.nan_dropped, "duplicates_dropped": self.duplicates_dropped or 0,
                "empty_summaries": self.empty_summaries, "contexts_truncated": self.truncated,
                "identical_responses": self.identical, "empty_prompts": self.empty_prompts,
                "ignored_metadata": self.ignored}


def _add_line(tally: _Tally, checked: Sample, path: Path, line_no: int, count_tokens: TokenCounter | None,
              copy_measure: CopyMeasure | None) -> None:
    """Count one checked line into `tally` and keep its row unless its key repeats or a logprob is NaN, so that
    one pass over a large file keeps only scalar columns."""
    record = checked.record
    if record.key in tally.keys:
        tally.duplicates += 1
        return
    tally.keys[record.key] = line_no
    tally.prompts.add((record.prompt, record.prompt_sha, record.chat_template, record.continuation_end))
    tally.origins.add((checked.doc.data_origin, record.seed, record.kind, record.source, record.split))
    if tally.duplicates_dropped is None:
        tally.duplicates_dropped, tally.ignored = checked.doc.duplicates_dropped, checked.doc.ignored_metadata
    tally.empty_summaries += checked.doc.empty_summaries
    tally.identical += checked.doc.identical_responses
    tally.empty_prompts += checked.doc.empty_prompt
    tally.truncated += any(s.context_truncated for s in record.summaries)
    if any(math.isnan(s.logprob) for s in record.summaries):
        tally.nan_dropped += 1
        return
    if isinstance(record, PrefAxisRecord):
        tally.roles.add((tuple(record.ratings), record.outcome, tuple(record.quality)))
    tally.rows.append((checked.doc_id, _row(record, _token_counts(checked, count_tokens), checked.doc.text,
                                            copy_measure, path, line_no)))


def _shared_facts(tally: _Tally, path: Path) -> tuple[tuple, tuple, RatingRoles | None]:
    """(prompt, data origin, rating roles) that every row of the file shares; an error where rows are missing,
    repeated or mixed, since one table must describe one run of one task on one data."""
    if not tally.rows:
        raise DataError(f"every one of the {tally.nan_dropped} samples has a NaN logprob" if tally.nan_dropped
                        else "no samples", path=path)
    if tally.duplicates:
        raise DataError(f"{tally.duplicates} duplicated sample(s) (same key logged twice) among "
                        f"{len(tally.keys) + tally.duplicates}; lm-eval's data-parallel gather or a concatenated file "
                        "can cause this", path=path)
    if len(tally.prompts) > 1:
        raise DataError(f"samples made with different prompts mixed in one file: {sorted(tally.prompts)}", path=path)
    if len(tally.origins) > 1:
        raise DataError(f"samples drawn from different data, seeds or splits mixed in one file: "
                        f"{sorted(tally.origins)}", path=path)
    if len(tally.roles) > 1:
        raise DataError(f"samples with different rating attributes or roles mixed in one file: {sorted(tally.roles)}",
                        path=path)
    rating = RatingRoles(*next(iter(tally.roles))) if tally.roles else None
    return next(iter(tally.prompts)), next(iter(tally.origins)), rating


def _table(rows: list[tuple[int | None, dict]], rating: RatingRoles | None) -> pd.DataFrame:
    """The rows as a DataFrame in the split's order, ratings and confidence as floats."""
    # A data-parallel run logs each rank's docs together; the split's order makes its table (and every
    # resampling drawn from it) that of a one-process run.
    if all(doc_id is not None for doc_id, _ in rows):
        rows = sorted(rows, key=lambda item: item[0])
    frame = pd.DataFrame([row for _, row in rows])
    for axis in (rating or TLDR_ROLES).axes:
        if axis in frame:
            frame[axis] = frame[axis].astype(float)
    if "confidence" in frame:
        frame["confidence"] = frame["confidence"].astype(float)
    return frame


def read_samples(path: Path, progress: bool = True, count_tokens: TokenCounter | None = None,
                 total: int | None = None, copy_measure: CopyMeasure | None = None) -> tuple[pd.DataFrame, dict]:
    """One task's records as a DataFrame (one row per human judgement) and what was checked.

    `count_tokens` fills token counts the backend did not log (see `token_counts`); `total` is the
    number of samples expected (the results file's n-samples), for the progress bar; `copy_measure` fills the
    `COPY_COLUMNS` from the logged doc's `text` (the source is read per line and not kept). Rows with a NaN
    logprob are dropped and counted in info["data_notes"], with the data's own notes from the docs.
    """
    tally = _Tally()
    with tqdm(total=total, desc=f"reading {path.name}", unit=" samples", disable=not progress, leave=False) as bar:
        for line_no, sample in iter_json_lines(path):
            if isinstance(sample, dict) and sample.get("filter", "none") != "none":
                continue  # lm-eval writes one line per filter (#1687); the tasks define none
            bar.update()
            _add_line(tally, _check_line(sample, path, line_no), path, line_no, count_tokens, copy_measure)
    (prompt, prompt_sha, chat, end), (origin, seed, kind, source, split), rating = _shared_facts(tally, path)
    frame = _table(tally.rows, rating)
    info = {"prompt": prompt, "prompt_sha": prompt_sha, "chat_template": chat, "continuation_end": end,
            "n": len(frame), "kind": kind,
            "source": source, "split": split, "data_origin": origin, "seed": seed,
            "data_notes": tally.data_notes()}
    if rating is not None:
        info["rating_roles"] = {"axes": list(rating.axes), "outcome": rating.outcome, "quality": list(rating.quality)}
    return frame, info

def describe_data_notes(notes: dict) -> list[str]:
    """One sentence per non-zero (non-empty) data note, in DATA_NOTES order."""
    return [template.format(n=notes[name]) for name, template in DATA_NOTES.items() if notes.get(name)]


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
