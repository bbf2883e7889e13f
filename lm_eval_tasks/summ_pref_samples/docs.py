"""The samples-scoring task (summ_pref_samples): a generation run's samples scored under the run's model.

`--metadata '{"samples_from": RUN_DIR}'` names the lm-eval output folder (or its model folder) of a run of
the summ_pref_gen* tasks. Each post's K samples are scored after the same prompt the generation used (rebuilt
from the logged post and prompt style), as K loglikelihood requests on one context, so hf-prefix computes
the post once for all K. A generation run lm-eval did not finish writing (`lm_eval_tasks.run_files`) is refused;
`--metadata '{"allow_incomplete": true}'` scores what it holds, with a warning in the console and in every record's
`samples_from.incomplete`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import datasets

from lm_eval_tasks.data.loading import shared_load
from lm_eval_tasks.data.metadata import check_text_values
from lm_eval_tasks.data.posts import POST_FEATURES, POST_FIELDS
from lm_eval_tasks.data.prompts import TEMPLATES, template_sha
from lm_eval_tasks.records import SCHEMA_VERSION
from lm_eval_tasks.run_files import SamplesFile, find_samples
from summ_pref_common.errors import DataError
from summ_pref_common.json_files import iter_json_lines, read_json

logger = logging.getLogger(__name__)
ALLOW_HINT = "--metadata '{\"allow_incomplete\": true}' scores it anyway, with a warning"
FEATURES = datasets.Features({
    **POST_FEATURES,
    "prompt": datasets.Value("string"),
    "samples": [{"index": datasets.Value("int64"), "text": datasets.Value("string")}],
    # the generation's provenance (run, model, settings) as a JSON object in a string: its keys vary with
    # the --gen_kwargs given, which a fixed dataset schema cannot hold
    "samples_from": datasets.Value("string"),
})


def generation_files(folder: Path, allow_incomplete: bool = False) -> dict[str, SamplesFile]:
    """The newest samples file of each generation task (records of kind gen) in `folder`, found as the analysis
    finds them (`find_samples`), when complete; else a DataError, or with `allow_incomplete` the files with why
    they are incomplete."""
    found = find_samples(folder, kinds=("gen",))
    for files in found.files.values():
        if not files.results.is_file():
            raise DataError(f"samples file has no {files.results.name} beside it (was the run interrupted?)",
                            path=files.samples)
    problems = found.problems
    if problems and not allow_incomplete:
        raise DataError(f"{problems[0]}; {ALLOW_HINT}", field="samples_from")
    for why in problems:
        logger.warning("warning: incomplete generation run scored (allow_incomplete): %s", why)
    return {task: files for (task, _model), files in found.files.items()}


def find_generation(samples_from: str, samples_task: str | None, allow_incomplete: bool = False
                    ) -> list[SamplesFile]:
    """The generation tasks to score: RUN_DIR itself or its one model folder holding generation samples."""
    root = Path(samples_from).expanduser().absolute()
    if not root.is_dir():
        raise DataError("not a folder (expected an lm-eval --output_path of a summ_pref_gen run, or its model "
                        "folder)", path=root, field="samples_from")
    folders = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
    found = {folder: files for folder in folders if (files := generation_files(folder, allow_incomplete))}
    if not found:
        raise DataError("no generation samples here: expected samples_summ_pref_gen*_<time>.jsonl in this folder or "
                        "in a model folder inside it (run a summ_pref_gen task with --log_samples)", path=root,
                        field="samples_from")
    if len(found) > 1:
        raise DataError(f"several model folders hold generation samples ({', '.join(p.name for p in found)}): give "
                        f"one of them as samples_from", path=root, field="samples_from")
    folder, files = next(iter(found.items()))
    if samples_task is None:
        return list(files.values())
    if samples_task not in files:
        raise DataError(f"no samples of task {samples_task!r} here; found {', '.join(files)}", path=folder,
                        field="samples_task")
    return [files[samples_task]]


def _get(obj: dict, name: str, kind: type | tuple, where: tuple[Path, int], prefix: str = "") -> Any:
    """obj[name] when it is of `kind` (bool is no int), else a DataError naming file:line:field."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    value = obj.get(name)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        shown = "missing" if name not in obj else f"{type(value).__name__} {value!r:.60}"
        expected = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
        raise DataError(f"expected {expected}, got {shown}", path=where[0], line=where[1], field=prefix + name)
    return value


def provenance(files: SamplesFile) -> dict:
    """Who generated: the model and settings from the run's results file."""
    results = read_json(files.results)
    if not isinstance(results, dict):
        raise DataError("expected a JSON object (lm-eval's results file)", path=files.results)
    config = results.get("config") if isinstance(results.get("config"), dict) else {}
    return {
        "run": str(files.samples.parent),
        "task": files.task,
        "samples_file": files.samples.name,
        "model": results.get("model_name") or config.get("model"),
        "model_args": config.get("model_args"),
        "backend": config.get("model"),
        "task_version": (results.get("versions") or {}).get(files.task),
        "lm_eval_version": results.get("lm_eval_version"),
        **({"incomplete": files.incomplete} if files.incomplete else {}),
    }


def sample_doc(line: object, where: tuple[Path, int], source: dict) -> tuple[int, dict]:
    """(doc_id, doc) of one samples line of a generation task, every field it needs checked."""
    if not isinstance(line, dict):
        raise DataError(f"expected a JSON object (a line of lm-eval's samples file), got {type(line).__name__}",
                        path=where[0], line=where[1])
    doc_id = _get(line, "doc_id", int, where)
    doc = _get(line, "doc", dict, where)
    record = _get(line, "record", dict, where)
    if record.get("schema") != SCHEMA_VERSION or record.get("kind") != "gen":
        raise DataError(f"expected a generation record (schema {SCHEMA_VERSION}, kind 'gen'), got schema "
                        f"{record.get('schema')!r}, kind {record.get('kind')!r}", path=where[0], line=where[1],
                        field="record.kind")
    prompt = _get(record, "prompt", str, where, "record.")
    if prompt not in TEMPLATES:
        raise DataError(f"unknown prompt style {prompt!r} (known: {', '.join(TEMPLATES)})", path=where[0],
                        line=where[1], field="record.prompt")
    sha = _get(record, "prompt_sha", str, where, "record.")
    if sha != template_sha(prompt):
        raise DataError(f"the {prompt!r} prompt template has changed since this generation (sha {sha}, now "
                        f"{template_sha(prompt)}): the samples cannot be scored after the same prompt; generate "
                        f"again", path=where[0], line=where[1], field="record.prompt_sha")
    samples = _get(record, "samples", list, where, "record.")
    if not samples:
        raise DataError("no samples", path=where[0], line=where[1], field="record.samples")
    for i, sample in enumerate(samples):
        if not isinstance(sample, dict):
            raise DataError("expected an object with index and text", path=where[0], line=where[1],
                            field=f"record.samples[{i}]")
        _get(sample, "index", int, where, f"record.samples[{i}].")
        _get(sample, "text", str, where, f"record.samples[{i}].")
    generation = _get(record, "generation", dict, where, "record.")
    chat_template = _get(record, "chat_template", bool, where, "record.")
    fields = {name: _get(record, name, str, where, "record.") for name in ("key", "post_id", "source", "split")}
    fields["subsplit"] = _get(record, "subsplit", (str, type(None)), where, "record.")
    fields["seed"] = _get(record, "seed", int, where, "record.")
    post = {name: _get(doc, name, (str, type(None)), where, "doc.") for name in POST_FIELDS}
    post["text"] = _get(doc, "text", str, where, "doc.")
    origin = {**source, "generation": generation, "chat_template": chat_template}
    return doc_id, {**fields, **post, "prompt": prompt,
                    "samples": [{"index": s["index"], "text": s["text"]} for s in samples],
                    "samples_from": json.dumps(origin, ensure_ascii=False)}


def read_generation(files: SamplesFile) -> list[tuple[int, dict]]:
    """(doc_id, doc) of every line of one generation task's samples file, in doc_id order."""
    source = provenance(files)
    docs: dict[int, dict] = {}
    for line_no, line in iter_json_lines(files.samples):
        doc_id, doc = sample_doc(line, (files.samples, line_no), source)
        if doc_id in docs:
            raise DataError(f"doc_id {doc_id} appears twice", path=files.samples, line=line_no, field="doc_id")
        docs[doc_id] = doc
    if not docs:
        raise DataError("empty file: no samples", path=files.samples)
    return sorted(docs.items())


def build_sample_docs(samples_from: str, samples_task: str | None = None, allow_incomplete: bool = False
                      ) -> list[dict]:
    """One doc per post of each generation task, posts in the generation's (shuffled) order, tasks
    interleaved, so `--limit N` takes the first N posts the generation run had."""
    numbered = [(doc_id, files.task, doc) for files in find_generation(samples_from, samples_task, allow_incomplete)
                for doc_id, doc in read_generation(files)]
    return [doc for _doc_id, _task, doc in sorted(numbered, key=lambda item: item[:2])]


def custom_dataset(*, samples_from: str | None = None, samples_task: str | None = None,
                   allow_incomplete: bool = False, **_other_metadata) -> datasets.DatasetDict:
    """lm-eval's `custom_dataset` hook of summ_pref_samples."""
    if samples_from is None:
        raise DataError("summ_pref_samples scores the samples of a generation run: give its output folder with "
                        "--metadata '{\"samples_from\": \"RUN_DIR\"}'", field="samples_from")
    check_text_values(samples_from=samples_from, samples_task=samples_task)
    if not isinstance(allow_incomplete, bool):
        raise DataError(f"expected true or false, got {allow_incomplete!r}", field="allow_incomplete")
    args = ("samples", str(Path(samples_from).expanduser().absolute()), samples_task, allow_incomplete)
    return shared_load(args, lambda: datasets.DatasetDict({"docs": datasets.Dataset.from_list(
        build_sample_docs(samples_from, samples_task, allow_incomplete), features=FEATURES)}))
