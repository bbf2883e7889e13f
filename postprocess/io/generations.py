"""Read the records of the generation tasks: generated samples (kind gen), samples scored by a model (kind
samples) and posts scored by a model (kind post), each line validated (file:line:field errors).

The tasks (`lm_eval_tasks.summ_pref_gen`, `lm_eval_tasks.summ_pref_samples`, `lm_eval_tasks.summ_pref_posts`) write
one record per post (docs/record-schema.md):

- gen (summ_pref_gen*): the post's fields, the generation settings and its K samples ``{index, text}``;
- samples (summ_pref_samples): the post's fields, ``samples_from`` (the generation run: its model, task and
  settings) and one scored entry per sample (``index``, ``continuation``, ``logprob``, ``n_tokens``,
  ``token_entropies``, ...), scored by the run's own model;
- post (summ_pref_posts*): the post's fields and the post text scored after the prompt's header (the same
  scored fields, flat in the record).

Texts are kept (the diversity statistics need them); per-token lists are reduced to their sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Annotated, Literal

import pandas as pd
from pydantic import AfterValidator, Field, TypeAdapter, ValidationError
from tqdm import tqdm

from lm_eval_tasks.records import GENERATION_KINDS, SCHEMA_VERSION
from postprocess.io.provenance import portable_folder, portable_name
from postprocess.io.samples import _field, _log_probability, _Strict
from summ_pref_common.errors import DataError
from summ_pref_common.json_files import iter_json_lines

LogProb = Annotated[float, AfterValidator(_log_probability)]


class _PostFields(_Strict):
    """What every per-post record starts with (`lm_eval_tasks.data.posts.post_record`)."""

    key: str
    post_id: str
    source: str
    split: str
    subsplit: str | None = None
    prompt: str
    prompt_sha: str
    chat_template: bool = False
    seed: int | None = None


class _Scored(_Strict):
    """One scored continuation (`lm_eval_tasks.records.scored_continuation`); per-token lists are optional
    (only hf-prefix logs them)."""

    continuation: str
    logprob: LogProb
    n_bytes: int = Field(ge=0)
    n_tokens: int | None = Field(default=None, ge=0)
    token_entropies: list[float] | None = None
    context_truncated: bool | None = None


class GenSample(_Strict):
    index: int = Field(ge=0)
    text: str


class GenRecord(_PostFields):
    kind: Literal["gen"]
    generation: dict
    samples: Annotated[list[GenSample], Field(min_length=1)]


class ScoredSample(_Scored):
    index: int = Field(ge=0)


class SamplesFrom(_Strict):
    """The generation run whose samples were scored."""

    run: str
    model: str
    task: str | None = None
    generation: dict | None = None
    incomplete: str | None = None  # why the generation run was incomplete, scored anyway (allow_incomplete)


class SamplesRecord(_PostFields):
    kind: Literal["samples"]
    samples_from: SamplesFrom
    summaries: Annotated[list[ScoredSample], Field(min_length=1)]


class PostRecord(_PostFields, _Scored):
    kind: Literal["post"]


class _Line(_Strict):
    record: Annotated[GenRecord | SamplesRecord | PostRecord, Field(discriminator="kind")]


_LINE = TypeAdapter(_Line)


def _record(sample: object) -> dict | None:
    record = sample.get("record") if isinstance(sample, dict) else None
    return record if isinstance(record, dict) else None


def _validate(sample: object, path: Path, line_no: int) -> GenRecord | SamplesRecord | PostRecord:
    record = _record(sample)
    if record is None or record.get("schema") != SCHEMA_VERSION:
        raise DataError(f"no summ_pref record (schema {SCHEMA_VERSION}) in this sample: was it written by these tasks?",
                        path=path, line=line_no, field="record")
    if record.get("kind") not in GENERATION_KINDS:
        raise DataError(f"must be one of {', '.join(map(repr, GENERATION_KINDS))} in a generation task's file, got "
                        f"{record.get('kind')!r}", path=path, line=line_no, field="record.kind")
    try:
        return _LINE.validate_python({"record": record}).record
    except ValidationError as err:
        error = err.errors(include_url=False)[0]
        value = error["input"]
        message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
        if error["type"] == "missing":
            message = "missing"
        elif not isinstance(value, (dict, list)):
            message += f", got {value!r:.80}"
        raise DataError(message, path=path, line=line_no, field=_field(error["loc"])) from None


def _mean_entropy(entropies: list[float] | None) -> float:
    return float(sum(entropies) / len(entropies)) if entropies else math.nan


def _rows(record: GenRecord | SamplesRecord | PostRecord) -> list[dict]:
    """The table rows of one record: one per sample (gen, samples) or per post."""
    base = {k: getattr(record, k) for k in ("key", "post_id", "source", "split", "subsplit")}
    if isinstance(record, GenRecord):
        return [{**base, "index": s.index, "text": s.text} for s in record.samples]
    if isinstance(record, SamplesRecord):
        return [{**base, "task": record.samples_from.task, "index": s.index, "continuation": s.continuation,
                 "logprob": s.logprob, "n_tokens": math.nan if s.n_tokens is None else float(s.n_tokens),
                 "n_bytes": s.n_bytes, "mean_entropy": _mean_entropy(s.token_entropies),
                 "context_truncated": bool(s.context_truncated)} for s in record.summaries]
    entropies = record.token_entropies
    return [{**base, "logprob": record.logprob, "n_tokens": math.nan if record.n_tokens is None else
             float(record.n_tokens), "n_bytes": record.n_bytes,
             "entropy_sum": math.nan if not entropies else float(sum(entropies)),
             "n_entropies": len(entropies or []), "context_truncated": bool(record.context_truncated)}]


def _same(values: set, what: str, path: Path) -> object:
    if len(values) > 1:
        raise DataError(f"{what} differ between the lines of one file: {sorted(map(str, values))[:3]}", path=path)
    return values.pop()


def read_generation(path: Path, progress: bool = True, total: int | None = None) -> tuple[pd.DataFrame, dict]:
    """One generation task's records as a table and what describes them.

    Rows: gen, one per sample (key, post_id, source, split, subsplit, index, text); samples, one per scored
    sample (+ task, the generation task its samples came from, continuation, logprob, n_tokens, n_bytes,
    mean_entropy, context_truncated); post, one per post (logprob, n_tokens, n_bytes, entropy_sum, n_entropies,
    context_truncated). info: kind, prompt, prompt_sha, chat_template, source, split, n_posts, data_origin (the
    docs' `data_origin`: "sample" for the embedded sample), and for gen the
    generation settings and samples per post, for samples the generating `model` and `run` (and `incomplete`,
    when the generation run was scored incomplete).

    A key logged twice, or lines of different kinds, prompts or generating models in one file are errors.
    """
    rows, keys, kinds, prompts, settings, origins, data = [], {}, set(), set(), set(), set(), set()
    generation: dict = {}
    incomplete: set[str] = set()
    with tqdm(total=total, desc=f"reading {path.name}", unit=" samples", disable=not progress, leave=False) as bar:
        for line_no, sample in iter_json_lines(path):
            if isinstance(sample, dict) and sample.get("filter", "none") != "none":
                continue  # lm-eval writes one line per filter (#1687)
            bar.update()
            record = _validate(sample, path, line_no)
            doc = sample.get("doc") if isinstance(sample.get("doc"), dict) else {}
            doc_key = doc.get("key")
            data.add(str(doc.get("data_origin")))
            if doc_key is not None and doc_key != record.key:
                raise DataError("record key differs from the logged doc's key", path=path, line=line_no,
                                field="record.key")
            scope = (record.samples_from.task, record.key) if isinstance(record, SamplesRecord) else record.key
            if scope in keys:
                raise DataError(f"key {record.key} logged twice (first on line {keys[scope]})", path=path,
                                line=line_no, field="record.key")
            keys[scope] = line_no
            kinds.add(record.kind)
            prompts.add((record.prompt, record.prompt_sha, record.chat_template))
            if isinstance(record, GenRecord):
                settings.add(tuple(sorted((k, repr(v)) for k, v in record.generation.items())))
                generation = generation or dict(record.generation)
            if isinstance(record, SamplesRecord):
                origins.add((record.samples_from.model, record.samples_from.run))
                incomplete |= {record.samples_from.incomplete} - {None}
            rows.append(_rows(record))
    if not rows:
        raise DataError("no samples", path=path)
    kind = _same(kinds, "record kinds", path)
    prompt, prompt_sha, chat = _same(prompts, "prompts", path)
    frame = pd.DataFrame([row for group in rows for row in group])
    info = {"kind": kind, "prompt": prompt, "prompt_sha": prompt_sha, "chat_template": chat,
            "source": ", ".join(sorted(set(frame["source"]))), "split": ", ".join(sorted(set(frame["split"]))),
            "n_posts": int(frame["post_id"].nunique()), "data_origin": " + ".join(sorted(data))}
    if kind == "gen":
        _same(settings, "generation settings", path)
        info["generation"] = generation
        per_post = frame.groupby("post_id").size()
        info["samples_per_post"] = {"min": int(per_post.min()), "max": int(per_post.max())}
    if kind == "samples":
        model, run = _same(origins, "generating models (samples_from)", path)
        # portable: the generating model's key, its run by the folder's name (never a path of this machine)
        info["model"], info["run"] = portable_name(model), portable_folder(PurePath(run).name, model)
        if incomplete:
            info["incomplete"] = sorted(incomplete)
    return frame, info


@dataclass
class LoadedGeneration:
    """One generation task of a run: its name, kind (gen, samples, post), table and description."""

    name: str
    kind: str
    frame: pd.DataFrame
    info: dict
    version: object
