"""The docs of `pref_pairs` and `pref_axis`: any preference dataset's rows, read through `fields`, keyed,
de-duplicated and shuffled with the seed as the summ_pref docs are (`lm_eval_tasks.summ_pref.docs`).

A pair doc holds the two responses in an order drawn from the seed and the row's key (not the dataset's
order, which often lists the chosen response first), and `choice`, the index of the preferred one, so the
position of a response carries no signal. A rating doc holds one response and its attributes' ratings.
Both carry `post_id`, a hash of the prompt: the cluster of the report's bootstrap.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import datasets

from lm_eval_tasks.data.loading import shared_load, shuffled
from lm_eval_tasks.data.metadata import DEFAULT_SEED, check_text_values, checked_seed
from lm_eval_tasks.pref.fields import (
    FieldMap,
    Response,
    Where,
    checked_text,
    choice_of,
    field_map,
    is_template,
    lookup,
    messages_of,
    rating_of,
    render_template,
    response_of,
)
from lm_eval_tasks.pref.rows import SourceRow, read_files, read_hub
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)

PROMPT_FORMATS = ("raw", "chat")
DEFAULT_SEPARATOR = "\n"
DEFAULT_REVISION = "main"
TAG = "pref"

_COMMON = {
    "key": datasets.Value("string"),
    "post_id": datasets.Value("string"),
    "source": datasets.Value("string"),
    "split": datasets.Value("string"),
    "seed": datasets.Value("int64"),
    "data_origin": datasets.Value("string"),
    "duplicates_dropped": datasets.Value("int64"),
    "prompt_format": datasets.Value("string"),
    "separator": datasets.Value("string"),
    "prompt_sha": datasets.Value("string"),
    "prompt": datasets.Value("string"),
    "messages": [{"role": datasets.Value("string"), "content": datasets.Value("string")}],
    "text": datasets.Value("string"),
    # The data notes the report states (postprocess.io.samples.DATA_NOTES): 1 where the prompt is empty, and the
    # metadata keys the data source did not read.
    "empty_prompt": datasets.Value("int64"),
    "ignored_metadata": datasets.Value("string"),
}
PAIR_FEATURES = datasets.Features({
    **_COMMON,
    "identical_responses": datasets.Value("int64"),
    "response_0": datasets.Value("string"),
    "response_1": datasets.Value("string"),
    "policy_0": datasets.Value("string"),
    "policy_1": datasets.Value("string"),
    "choice": datasets.Value("int64"),
})


def axis_features(attributes: Sequence[str]) -> datasets.Features:
    return datasets.Features({
        **_COMMON,
        "response": datasets.Value("string"),
        "policy": datasets.Value("string"),
        "ratings": {name: datasets.Value("float64") for name in attributes},
        "outcome": datasets.Value("string"),
        "quality": [datasets.Value("string")],
    })


@dataclass(frozen=True)
class PrefSpec:
    """One task's reading of its data, from the run's metadata (see `lm_eval_tasks.data.metadata.METADATA_KEYS`)."""

    kind: str
    fields: FieldMap
    dataset: str | None = None
    dataset_revision: str = DEFAULT_REVISION
    split: str | None = None
    data_files: tuple[str, ...] | None = None
    prompt_format: str = "raw"
    separator: str = DEFAULT_SEPARATOR
    response_marker: str | None = None
    outcome: str | None = None
    quality: tuple[str, ...] | None = None
    seed: int = DEFAULT_SEED
    ignored: tuple[str, ...] = ()  # metadata keys given but not read (split, dataset_revision with data_files)

    def prompt_sha(self) -> str:
        """A hash of everything that decides the prompt text, so the report refuses to mix two of them."""
        what = [self.prompt_format, self.separator, self.fields.prompt, self.response_marker]
        return hashlib.sha256(json.dumps(what).encode("utf-8")).hexdigest()[:16]


def _roles(kind: str, attributes: Sequence[str], outcome: object, quality: object) -> tuple[str | None, tuple | None]:
    """(outcome, quality) of a rating task: the attribute the typicality alpha predicts (default: the first) and
    those it holds fixed (default: all others); None for pairs, which take neither."""
    if kind == "cmp":
        for name, value in (("outcome", outcome), ("quality", quality)):
            if value is not None:
                raise DataError("only pref_axis takes it (pref_pairs has no ratings)", field=name)
        return None, None
    if outcome is None:
        outcome = attributes[0]
    if outcome not in attributes:
        raise DataError(f"expected one of the attributes in fields ({', '.join(attributes)}), got {outcome!r:.60}",
                        field="outcome")
    if quality is None:
        quality = [a for a in attributes if a != outcome]
    names = [quality] if isinstance(quality, str) else quality
    if not isinstance(names, list) or not all(isinstance(q, str) for q in names):
        raise DataError(f"expected an attribute name or a list of them, got {quality!r:.60}", field="quality")
    for name in names:
        if name not in attributes or name == outcome:
            raise DataError(f"expected attributes of fields other than the outcome {outcome!r} "
                            f"({', '.join(a for a in attributes if a != outcome)}), got {name!r:.60}", field="quality")
    return outcome, tuple(dict.fromkeys(names))


def pref_spec(kind: str, *, dataset: object = None, dataset_revision: object = None, split: object = None,
              data_files: object = None, fields: object = None, prompt_format: object = None, separator: object = None,
              response_marker: object = None, outcome: object = None, quality: object = None,
              seed: object = DEFAULT_SEED) -> PrefSpec:
    """The metadata checked, each wrong value a `DataError` naming its key."""
    check_text_values(dataset=dataset, dataset_revision=dataset_revision, split=split, prompt_format=prompt_format,
                      separator=separator, response_marker=response_marker)
    if (dataset is None) == (data_files is None):
        raise DataError("give exactly one of dataset (a hub id, with split and optionally dataset_revision) or "
                        "data_files (a local JSON-lines or parquet path or glob)",
                        field="data_files" if dataset else "dataset")
    if dataset is not None and split is None:
        raise DataError(f"required with dataset {dataset!r}: the split to score (e.g. test)", field="split")
    if prompt_format not in (None, *PROMPT_FORMATS):
        raise DataError(f"expected one of {', '.join(PROMPT_FORMATS)}, got {prompt_format!r}", field="prompt_format")
    if response_marker is not None and not response_marker:
        raise DataError("empty: leave it out, or give the text that ends the prompt", field="response_marker")
    fmap = field_map(kind, fields)
    if fmap.prompt is None and response_marker is None and prompt_format != "chat":
        raise DataError("fields.prompt is null: give response_marker, the text after which each response starts "
                        "(e.g. \"\\n\\nAssistant:\"), or prompt_format chat for conversation columns", field="fields")
    files = None
    if data_files is not None:
        files = (data_files,) if isinstance(data_files, str) else data_files
        if not isinstance(files, (list, tuple)) or not files or not all(isinstance(f, str) for f in files):
            raise DataError(f"expected a path or glob, or a list of them, got {data_files!r:.60}", field="data_files")
    outcome_name, quality_names = _roles(kind, fmap.attribute_names, outcome, quality)
    ignored = tuple(name for name, value in (("split", split), ("dataset_revision", dataset_revision))
                    if data_files is not None and value is not None)
    return PrefSpec(kind=kind, fields=fmap, dataset=dataset,
                    dataset_revision=dataset_revision or DEFAULT_REVISION, split=split,
                    data_files=tuple(files) if files else None, prompt_format=prompt_format or "raw",
                    separator=DEFAULT_SEPARATOR if separator is None else separator, response_marker=response_marker,
                    outcome=outcome_name, quality=quality_names, seed=checked_seed(seed), ignored=ignored)


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def prompt_id(prompt: str | list[dict]) -> str:
    """The post_id of every response to one prompt (text, or the messages before the response)."""
    return "prompt:" + hashlib.sha256(canonical(prompt).encode("utf-8")).hexdigest()[:16]


def _as_messages(value: str | list[dict]) -> list[dict]:
    return [{"role": "user", "content": value}] if isinstance(value, str) else value


def _split_at_marker(texts: list[str], marker: str, columns: list[str], where: Where) -> tuple[str, list[str]]:
    """(prompt, responses) of full transcripts: the prompt is their longest common prefix cut just after its
    last `marker`, so a response never starts inside the shared dialogue."""
    shared = next((i for i, chars in enumerate(zip(*texts)) if len(set(chars)) > 1), min(map(len, texts)))
    common = texts[0][:shared]
    end = common.rfind(marker)
    if end < 0:
        raise where.error(f"the response_marker {marker!r} is not in the text the responses share", field=columns[0])
    cut = end + len(marker)
    return texts[0][:cut], [t[cut:] for t in texts]


def _prompt_and_responses(row: Mapping, spec: PrefSpec, columns: list[str], where: Where,
                          responses: list[Response]) -> tuple[str | list[dict], list[str]]:
    """The prompt (text for raw, messages for chat) and the response texts, each checked."""
    texts = [r.text for r in responses]
    befores = [r.before for r in responses]
    chat = spec.prompt_format == "chat"
    spec_prompt = spec.fields.prompt
    if spec_prompt is None and all(b is not None for b in befores):
        if len(set(befores)) > 1:
            raise where.error(f"the conversations before the responses differ (from {columns[0]!r}); map "
                              "fields.prompt to the prompt column", field=columns[1])
        prompt: str | list[dict] = [{"role": r, "content": c} for r, c in befores[0]]
        if not chat:
            raise where.error("the responses are conversations: set prompt_format to chat", field=columns[0])
    elif spec_prompt is None:
        if chat or spec.response_marker is None:
            raise where.error("the responses are not conversations: map fields.prompt to the prompt column, or "
                              "give response_marker", field=columns[0])
        prompt, texts = _split_at_marker(texts, spec.response_marker, columns, where)
    else:
        value = render_template(spec_prompt, row, where) if is_template(spec_prompt) else lookup(row, spec_prompt,
                                                                                                 where)
        if isinstance(value, str):
            prompt = _as_messages(value) if chat else value
        elif chat:
            prompt = messages_of(value, spec_prompt, where)
        else:
            raise where.error(f"expected text for prompt_format raw, got {type(value).__name__} (set prompt_format "
                              "to chat for a list of messages)", field=spec_prompt)
        for column, before in zip(columns, befores):
            if before is not None and [{"role": r, "content": c} for r, c in before] != _as_messages(prompt):
                raise where.error(f"the messages before the response differ from the prompt ({spec_prompt!r})",
                                  field=column)
    return prompt, [checked_text(t, c, where) for t, c in zip(texts, columns)]


def _base(prompt: str | list[dict], key: str, spec: PrefSpec, origin: str) -> dict:
    messages = prompt if isinstance(prompt, list) else []
    said = prompt if isinstance(prompt, str) else "".join(m["content"] for m in messages)
    return {"key": key, "post_id": prompt_id(prompt), "source": spec.dataset or "data_files",
            "split": spec.split or "data_files", "seed": spec.seed, "data_origin": origin,
            "prompt_format": spec.prompt_format, "separator": spec.separator, "prompt_sha": spec.prompt_sha(),
            "prompt": prompt if isinstance(prompt, str) else "", "messages": messages,
            "text": prompt if isinstance(prompt, str) else "\n\n".join(m["content"] for m in messages),
            "empty_prompt": int(not said.strip()), "ignored_metadata": ", ".join(spec.ignored)}


def pair_doc(source: SourceRow, spec: PrefSpec, origin: str) -> dict:
    """One pair doc; the order of its two responses is drawn from the seed and the key."""
    row, where = source
    fields = spec.fields
    if fields.responses is not None:
        listed = lookup(row, fields.responses, where)
        if not isinstance(listed, list) or len(listed) != 2:
            raise where.error(f"expected a list of exactly two responses, got {type(listed).__name__}",
                              field=fields.responses)
        first = choice_of(lookup(row, fields.choice, where), fields.choice, where)
        columns = [f"{fields.responses}[{first}]", f"{fields.responses}[{1 - first}]"]
        responses = [response_of(listed[first], columns[0], where), response_of(listed[1 - first], columns[1], where)]
    else:
        columns = [fields.chosen, fields.rejected]
        responses = [response_of(lookup(row, c, where), c, where) for c in columns]
    prompt, (chosen, rejected) = _prompt_and_responses(row, spec, columns, where, responses)
    policies = [r.policy for r in responses]
    key = hashlib.sha256(canonical([prompt, chosen, rejected, policies]).encode("utf-8")).hexdigest()[:20]
    chosen_first = random.Random(f"{spec.seed}:{key}").random() < 0.5
    order = [0, 1] if chosen_first else [1, 0]
    texts, names = [chosen, rejected], policies
    return {**_base(prompt, key, spec, origin), "response_0": texts[order[0]], "response_1": texts[order[1]],
            "policy_0": names[order[0]], "policy_1": names[order[1]], "choice": order.index(0),
            "identical_responses": int(chosen == rejected)}


def axis_doc(source: SourceRow, spec: PrefSpec, origin: str) -> dict:
    """One rated-response doc: the response and each attribute's rating."""
    row, where = source
    fields = spec.fields
    response = response_of(lookup(row, fields.response, where), fields.response, where)
    prompt, (text,) = _prompt_and_responses(row, spec, [fields.response], where, [response])
    ratings = {name: rating_of(lookup(row, column, where), column, where) for name, column in fields.attributes}
    key = hashlib.sha256(canonical([prompt, text, response.policy, ratings]).encode("utf-8")).hexdigest()[:20]
    return {**_base(prompt, key, spec, origin), "response": text, "policy": response.policy, "ratings": ratings,
            "outcome": spec.outcome, "quality": list(spec.quality or ())}


def build_docs(spec: PrefSpec) -> list[dict]:
    """Every row as a doc; a row present twice (same prompt, responses, policies and choice or ratings) counts
    once, logged with the first repeat's place and counted on every doc (`duplicates_dropped`)."""
    if spec.dataset is not None:
        rows, origin = read_hub(spec.dataset, spec.dataset_revision, spec.split)
    else:
        rows, origin = read_files(spec.data_files)
    make = pair_doc if spec.kind == "cmp" else axis_doc
    docs: dict[str, dict] = {}
    first_seen: dict[str, Where] = {}
    repeats: list[tuple[Where, Where]] = []
    for source in rows:
        doc = make(source, spec, origin)
        if doc["key"] in docs:
            repeats.append((source.where, first_seen[doc["key"]]))
            continue
        docs[doc["key"]] = doc
        first_seen[doc["key"]] = source.where
    if repeats:
        (again, first), = repeats[:1]
        logger.warning("pref: %s: dropped %d repeated row(s) (same prompt, responses and judgement; counted once); "
                       "first repeat at %s:%d (same as %s:%d)", origin, len(repeats), again.path, again.line,
                       first.path, first.line)
    warn_data_notes(docs, first_seen, spec, origin)
    return shuffled([{**d, "duplicates_dropped": len(repeats)} for d in docs.values()], spec.seed)


# The rows counted by a data note of their docs: (doc field, what a warning says of them).
ROW_NOTES = {"identical_responses": "pair(s) whose chosen and rejected responses are the same text (a tie: neither "
                                    "can be preferred)",
             "empty_prompt": "row(s) with an empty prompt (each response scored after the separator alone)"}


def warn_data_notes(docs: Mapping[str, dict], first_seen: Mapping[str, Where], spec: PrefSpec, origin: str) -> None:
    """The console warnings of what the data holds but is scored anyway (the report states them again, from the
    docs' fields): metadata keys not read, identical responses, empty prompts; each with its first row."""
    if spec.ignored:
        logger.warning("pref: %s ignored with data_files (the rows are every row of the files; %s applies to a hub "
                       "dataset only)", " and ".join(spec.ignored), ", ".join(spec.ignored))
    for field, what in ROW_NOTES.items():
        keys = [key for key, doc in docs.items() if doc.get(field)]
        if keys:
            where = first_seen[keys[0]]
            logger.warning("pref: %s: %d %s; the first at %s:%d", origin, len(keys), what, where.path, where.line)


def _hashable(value: object) -> object:
    return canonical(value) if isinstance(value, (dict, list)) else value


def custom_dataset(*, kind: str, dataset: object = None, dataset_revision: object = None, split: object = None,
                   data_files: object = None, fields: object = None, prompt_format: object = None,
                   separator: object = None, response_marker: object = None, outcome: object = None,
                   quality: object = None, seed: object = DEFAULT_SEED, **_other_metadata) -> datasets.DatasetDict:
    """lm-eval's `custom_dataset` hook for the pref tasks: called with the task's dataset_kwargs and the run's
    metadata (which also carries model args and the YAML's version, hence `**_other_metadata`)."""
    given = {"dataset": dataset, "dataset_revision": dataset_revision, "split": split, "data_files": data_files,
             "fields": fields, "prompt_format": prompt_format, "separator": separator,
             "response_marker": response_marker, "outcome": outcome, "quality": quality, "seed": seed}
    spec = pref_spec(kind, **given)
    args = (TAG, kind, *(_hashable(v) for v in given.values()))
    features = PAIR_FEATURES if kind == "cmp" else axis_features(spec.fields.attribute_names)
    return shared_load(args, lambda: datasets.DatasetDict(
        {"docs": datasets.Dataset.from_list(build_docs(spec), features=features)}))
