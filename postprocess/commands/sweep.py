"""`summ-pref sweep configs/FAMILY.yaml`: score every model of a family preset on the same rows,
one after another, then write the comparison report against the preset's reference.

Each model's runs go into a folder OUT/runs/<model>/run-<N>/ that starts with `sweep_settings.json`: the
tasks and their versions, --limit, the data source and a hash of its content, the doc-shuffle seed, the
backend and the model args, and where the model generates, the generation settings. A run is made of steps,
one lm-eval invocation each, all into the same lm-eval model folder (the report reads one folder per model):
scoring the preset's tasks; and where the preset has `generate:`, generating K samples per post
(summ_pref_gen*), scoring the posts (summ_pref_posts*) and scoring the model's own samples under itself
(summ_pref_samples, for the entropy along its samples). The reference's run then scores every other
model's samples (summ_pref_samples with samples_from = that model's generation), after writing
`sweep_samples_<model>_<run>.json`: which generation run it scores and the sha256 of that run's settings.

A step is done when the newest samples file of each of its tasks (the file the report reads) is complete, and
for samples-scoring, when it scored the newest generation file; an interrupted step is run again into the same
folder, finished steps are reused. A model's run is reused
only when its recorded settings equal the current ones; when its finished run was made with other settings,
the sweep refuses and names the differences, unless --rescore asks to score again into a new run folder.
Nothing is ever deleted or overwritten.

A preset may carry a `limit` and a `metadata` mapping (the command's --limit and --metadata keys override
them; what is used is what the settings record), a `generate` mapping (`GENERATE_DEFAULTS`; a model's own
`generate:` overrides its keys, `generate: false` leaves that model out), and a model may carry its `beta`
(DPO's KL coefficient), which the report uses to scale that model's implicit reward; beta changes no score,
so it is not a setting. A model with `tempered: T` is the tempered copy of its `pretrained` (logits divided by
T, written once into the cache): a known sharpened (T < 1) or flattened policy, hypothesis 2's known truth.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from lm_eval_tasks import TASKS_DIR
from lm_eval_tasks.data.metadata import DEFAULT_SEED, METADATA_KEYS
from lm_eval_tasks.data.sources import (
    HUB_REPO,
    HUB_REVISION,
    ORIGINAL_FOLDER,
    SAMPLE_DIR,
    SAMPLE_NAME,
    resolve_data_dir,
)
from lm_eval_tasks.default_model import pretrained_shape, resolve_pretrained
from lm_eval_tasks.model_checks import check_chat_template
from lm_eval_tasks.pref.docs import DEFAULT_REVISION
from lm_eval_tasks.pref.rows import matched_files
from lm_eval_tasks.run_files import SamplesFile, find_samples, first_record
from postprocess.commands.preset_schema import check_schema
from postprocess.commands.tempered_copy import ensure_tempered_copy
from postprocess.io.provenance import portable_name
from postprocess.io.runs import Run, runs_in, sha256_file
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from summ_pref_common.json_files import read_json

logger = logging.getLogger(__name__)

SETTINGS_FILE = "sweep_settings.json"
RUN_FOLDER = re.compile(r"^run-(\d+)$")
# The files the data readers read (lm_eval_tasks.data.sources): OpenAI's layout and the parquet export.
DATA_PATTERNS = [f"{folder}/*.{ext}" for folder in ORIGINAL_FOLDER.values() for ext in ("json", "jsonl")] \
    + ["*/*/*.parquet"]
HARNESS = [sys.executable, "-m", "lm_eval_tasks.harness"]

# Generation: each generation task and the posts task of the same prompt and data.
GEN_TASKS = {"summ_pref_gen": "summ_pref_posts", "summ_pref_gen_oai": "summ_pref_posts_oai",
             "summ_pref_gen_cnndm": "summ_pref_posts_cnndm"}
SAMPLES_TASK = "summ_pref_samples"
# The keys of `generate:` and their defaults: the task's own sampling (summ_pref_gen's YAML), every post of the
# split, no chat template, lm-eval's default torch seed (--seed's third value: the sampling draws from it).
GENERATE_DEFAULTS = {"task": "summ_pref_gen", "k": 8, "temperature": 1.0, "top_p": 1.0, "posts": None,
                     "chat_template": False, "seed": 1234}
# The metadata the generation and posts tasks read (which posts); the samples-scoring task reads continuation_end.
POST_DATA_KEYS = ("data_dir", "split", "subsplit", "seed")
SAMPLES_RECORD = "sweep_samples_{model}_{run}.json"


def load_preset(path: Path) -> dict:
    try:
        preset = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise DataError(f"cannot read preset ({err})", path=path) from None
    check_preset(preset, path)
    return preset


def check_preset(preset: dict, path: Path | None) -> None:
    """The schema (`preset_schema.Preset`: known keys, types, plain model names, model args that cannot inject
    others), unique model names, a reference among them, the `generate:` keys, every model's `pretrained` (a
    local model folder with config.json, a hub id ORG/NAME or @default) and, where it generates inside the chat
    template, its tokenizer's chat template: all before the first model is scored.
    `path` names the preset in errors (None for a preset built in code, as the demo's)."""
    check_schema(preset, path)
    names = [m["name"] for m in preset["models"]]
    if len(set(names)) != len(names):
        raise DataError(f"model names must be unique, got {names}", path=path, field="models")
    if preset["reference"] not in names:
        raise DataError(f"reference {preset['reference']!r} is not one of the models {names}", path=path,
                        field="reference")
    check_preset_options(preset, path)
    for i, model in enumerate(preset["models"]):
        generation = generation_of(preset, model)
        try:
            pretrained_shape(model["model_args"]["pretrained"], model["model_args"])
        except DataError as err:
            message = str(err).removeprefix("field 'pretrained': ")
            raise DataError(message, path=path, field=f"models[{i}].model_args.pretrained") from None
        if generation and generation["chat_template"]:
            field = f"models[{i}].generate.chat_template"
            try:
                check_chat_template(model["model_args"], field, "set chat_template to false in its generate:")
            except DataError as err:
                raise DataError(str(err).removeprefix(f"field '{field}': "), path=path, field=field) from None


def check_preset_options(preset: dict, path: Path | None) -> None:
    """What the schema cannot see alone: the `generate:` keys (preset and model level) and no `beta` on the
    reference (its implicit reward is zero by definition)."""
    if "generate" in preset:
        check_generate(preset["generate"], path, "generate")
    for i, model in enumerate(preset["models"]):
        if "generate" in model and model["generate"] is not False:
            check_generate(model["generate"], path, f"models[{i}].generate")
        if "tempered" in model and not _positive(model["tempered"], (int, float)):
            raise DataError(f"expected a positive temperature T (the copy's logits are its pretrained's divided by T), "
                            f"got {model['tempered']!r}", path=path, field=f"models[{i}].tempered")
        if "beta" in model and model["name"] == preset["reference"]:
            raise DataError("the reference has no implicit reward, so no beta", path=path, field=f"models[{i}].beta")


def _positive(value: object, number: type | tuple[type, ...]) -> bool:
    return isinstance(value, number) and not isinstance(value, bool) and value > 0


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


GENERATE_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "task": (lambda v: v in GEN_TASKS, f"one of {', '.join(GEN_TASKS)}"),
    "k": (lambda v: _positive(v, int), "a positive whole number of samples per post"),
    "temperature": (lambda v: _number(v) and v >= 0, "a number >= 0 (0: greedy, K identical samples)"),
    "top_p": (lambda v: _number(v) and 0 < v <= 1, "a number in (0, 1]"),
    "posts": (lambda v: v is None or _positive(v, int), "a positive whole number of posts, or null for every post"),
    "chat_template": (lambda v: isinstance(v, bool), "true or false"),
    "seed": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a whole number >= 0"),
}


def generate_keys() -> dict[str, tuple[object, str]]:
    """Each `generate:` key with its default and what it expects (docs/presets.md)."""
    return {key: (default, GENERATE_CHECKS[key][1]) for key, default in GENERATE_DEFAULTS.items()}


def check_generate(value: object, path: Path | None, field: str) -> None:
    """A `generate:` mapping: known keys (`GENERATE_DEFAULTS`), each value of its kind."""
    if not isinstance(value, dict):
        raise DataError(f"expected a mapping such as {{k: 8, temperature: 1.0}}, got {value!r}", path=path,
                        field=field)
    unknown = sorted(set(value) - set(GENERATE_DEFAULTS))
    if unknown:
        raise DataError(f"unknown key(s) {unknown}; known keys: {sorted(GENERATE_DEFAULTS)}", path=path, field=field)
    for key, item in value.items():
        valid, expected = GENERATE_CHECKS[key]
        if not valid(item):
            raise DataError(f"expected {expected}, got {item!r}", path=path, field=f"{field}.{key}")


def generation_of(preset: dict, model: dict) -> dict | None:
    """The model's generation settings (defaults, then the preset's `generate:`, then the model's), or None when
    the model does not generate."""
    own = model.get("generate")
    if own is False or ("generate" not in preset and own is None):
        return None
    return {**GENERATE_DEFAULTS, **preset.get("generate", {}), **(own or {})}


def task_versions(tasks: list[str], preset_path: Path | None) -> dict[str, object]:
    """Each task's version from its YAML (groups expand to their tasks), read by lm-eval's own index
    without building the tasks, so no data is loaded here."""
    from lm_eval.tasks import TaskManager

    index = TaskManager(include_path=str(TASKS_DIR), include_defaults=False).task_index
    versions: dict[str, object] = {}
    pending = list(tasks)
    while pending:
        name = pending.pop(0)
        entry = index.get(name)
        if entry is None:
            raise DataError(f"{name!r} is not a summ-pref task or group (known: {sorted(index)})", path=preset_path,
                            field="tasks")
        config = entry.cfg or {}
        if "group" in config:
            pending[:0] = list(config["task"])
        else:
            versions[name] = (config.get("metadata") or {}).get("version")
    return versions


def data_fingerprint(metadata: dict) -> tuple[str, str | None]:
    """Where the rows come from, and a sha256 over the data files (sorted by relative path, each
    path hashed with its content), so the same folder with other contents counts as other data.
    The hub cannot be hashed without downloading it: its repository and revision stand for it. The pref
    tasks' `data_files` are hashed the same way (each file by its name), their `dataset` is a hub id. A local
    folder or file is recorded by its name, never by a path of this machine: the hash says which data it is."""
    if metadata.get("data_files") is not None:
        files = matched_files(metadata["data_files"])
        digest = hashlib.sha256()
        for path in files:
            if not path.is_file():
                raise DataError("no such file", path=path)
            digest.update(f"{path.name}\0{sha256_file(path)}\n".encode())
        return "files:" + ",".join(p.name for p in files), digest.hexdigest()
    if metadata.get("dataset") is not None:
        return f"hub:{metadata['dataset']}@{metadata.get('dataset_revision') or DEFAULT_REVISION}", None
    root = resolve_data_dir(metadata.get("data_dir"))
    if root is None:
        return f"hub:{HUB_REPO}@{HUB_REVISION}", None
    files = sorted({p for pattern in DATA_PATTERNS for p in root.glob(pattern) if p.is_file()})
    if not files:
        raise DataError("no data files: expected comparisons/*.json, axis_evals/*.json (OpenAI's layout) or "
                        "<config>/<split>/*.parquet (the hub's parquet export)", path=root)
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.relative_to(root).as_posix()}\0{sha256_file(path)}\n".encode())
    return (SAMPLE_NAME if root == SAMPLE_DIR else root.resolve().name), digest.hexdigest()


def generate_settings(generation: dict, versions: dict[str, object]) -> dict:
    """The recorded generation settings: every `generate:` value and the versions of the tasks it runs
    (generation, posts, samples-scoring)."""
    tasks = (generation["task"], GEN_TASKS[generation["task"]], SAMPLES_TASK)
    return {**generation, "tasks": {t: versions[t] for t in tasks}}


def sweep_settings(tasks: dict[str, object], model: dict, limit: int | None, metadata: dict,
                   generate: dict | None = None) -> dict:
    """Everything that decides what a model's run scored; two runs with equal settings are interchangeable.
    `generate` (the recorded generation settings) is a key only where the model generates."""
    data, data_sha256 = data_fingerprint(metadata)
    settings = {"tasks": tasks, "limit": limit, "data": data, "data_sha256": data_sha256,
                "seed": metadata.get("seed", DEFAULT_SEED),
                # the data's place is no setting: `data` names it, `data_sha256` says what it holds
                "metadata": {k: v for k, v in sorted(metadata.items()) if k not in ("data_dir", "data_files", "seed")},
                "model": model.get("model", "hf"), "model_args": portable_args(model["model_args"]),
                **({"tempered": model["tempered"]} if "tempered" in model else {})}
    return settings if generate is None else {**settings, "generate": generate}


def portable_args(args: dict) -> dict:
    """The model args as the settings record them: a local `pretrained` by its name and content hash
    (`postprocess.io.provenance.portable_name`), so the same model elsewhere has the same settings."""
    pretrained = args.get("pretrained")
    return {**args, "pretrained": portable_name(pretrained)} if isinstance(pretrained, str) else dict(args)


def model_args_string(args: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in args.items())


def find_run(folder: Path) -> Run | None:
    """The run lm-eval wrote under an --output_path folder (it adds one model sub-folder)."""
    found = runs_in(folder) if folder.is_dir() else []
    return found[0] if found else None


# --- what a run folder holds ---

@dataclass(frozen=True)
class Entry:
    """The newest samples file of one task in a run folder (of a samples-scoring task: per generating model),
    the file the report reads; whether it is complete; for a samples-scoring file, the generation samples file it
    scored (its run folder and file name, as summ_pref_samples records them)."""

    samples: Path
    results: Path
    complete: bool
    samples_from: Path | None = None


def scored_generation(found: SamplesFile) -> Path | None:
    """The generation samples file a samples-scoring file scored, from its first record's `samples_from`."""
    if found.kind != "samples":
        return None
    try:
        origin = (first_record(found.samples) or {}).get("samples_from")
    except DataError:
        return None
    return Path(origin["run"]) / origin["samples_file"] \
        if isinstance(origin, dict) and {"run", "samples_file"} <= set(origin) else None


def run_entries(folder: Path) -> dict[str, Entry]:
    """Every task's newest samples file in a run folder's lm-eval model folder(s) (`find_samples`), keyed as the
    report keys them (`postprocess.io.runs.read_run`): the task name, or "<task>:<generating model>" for
    samples-scoring."""
    if not folder.is_dir():
        return {}
    newest: dict[str, SamplesFile] = {}
    for sub in (folder, *sorted(p for p in folder.iterdir() if p.is_dir())):
        for (task, model), found in find_samples(sub).files.items():
            key = f"{task}:{model}" if model else task
            if key not in newest or found.time > newest[key].time:
                newest[key] = found
    return {key: Entry(found.samples, found.results, found.incomplete is None, scored_generation(found))
            for key, found in newest.items()}


def generating_model(entry: Entry) -> str:
    """The model_name lm-eval recorded for a generation (what samples-scoring records as samples_from.model)."""
    results = read_json(entry.results)
    return str(results.get("model_name") or (results.get("config") or {}).get("model"))


def same_path(a: str | Path | None, b: str | Path) -> bool:
    return a is not None and Path(a).resolve() == Path(b).resolve()


# --- planning ---

@dataclass(frozen=True)
class PastRun:
    """One earlier run of a model: its folder, its recorded settings (None for a folder from an older summ-pref
    that recorded none) and whether every step of those settings is done."""

    folder: Path
    settings: dict | None
    finished: bool


def own_keys(settings: dict | None, tasks: list[str]) -> list[str]:
    """The entries a finished run holds besides its own samples-scoring (whose key needs the model's name)."""
    generate = (settings or {}).get("generate")
    return [*tasks, *([generate["task"], GEN_TASKS[generate["task"]]] if generate else [])]


def is_finished(entries: dict[str, Entry], settings: dict | None, tasks: list[str]) -> bool:
    if not all(key in entries and entries[key].complete for key in own_keys(settings, tasks)):
        return False
    generate = (settings or {}).get("generate")
    if not generate:
        return True
    gen = entries[generate["task"]]
    own = entries.get(f"{SAMPLES_TASK}:{generating_model(gen)}")
    return own is not None and own.complete and same_path(own.samples_from, gen.samples)


def past_runs(model_dir: Path, tasks: list[str]) -> list[PastRun]:
    """The model's runs, oldest first: folders without a run number (older sweeps) before run-1, run-2, ..."""
    if not model_dir.is_dir():
        return []
    folders = sorted((p for p in model_dir.iterdir() if p.is_dir()),
                     key=lambda p: (1, int(m.group(1))) if (m := RUN_FOLDER.match(p.name)) else (0, p.name))
    found = []
    for folder in folders:
        settings_path = folder / SETTINGS_FILE
        settings = read_json(settings_path) if settings_path.exists() else None
        entries = run_entries(folder)
        if settings is None and not entries:
            continue
        found.append(PastRun(folder, settings, is_finished(entries, settings, tasks)))
    return found


def next_run_folder(model_dir: Path) -> Path:
    numbers = [int(m.group(1)) for p in model_dir.glob("run-*") if (m := RUN_FOLDER.match(p.name))]
    return model_dir / f"run-{max(numbers, default=0) + 1}"


def _shown(key: str, value: object) -> str:
    if value is None:
        return "none"
    if key == "data_sha256":
        return str(value)[:12]
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def differences(old: dict | None, new: dict, prefix: str = "") -> str:
    """`key old -> new` for every setting that differs, in the order of `new`; the generation settings one by
    one (`generate.k 8 -> 4`)."""
    if old is None:
        return "settings not recorded (a run of an older summ-pref)"
    out = []
    for key in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "generate" and isinstance(before, dict) and isinstance(after, dict):
            out.append(differences(before, after, "generate."))
        else:
            out.append(f"{prefix}{key} {_shown(key, before)} -> {_shown(key, after)}")
    return ", ".join(out)


@dataclass(frozen=True)
class Plan:
    """What to do with a model: the run folder to reuse or resume (None: a new one), or why it is refused."""

    folder: Path | None
    refusal: str | None = None


def plan_model(past: list[PastRun], settings: dict, rescore: bool) -> Plan:
    """Reuse the newest finished run with the current settings; else resume the newest run with the current
    settings; else a new run, refused when a finished run was made with other settings and neither --rescore nor
    an interrupted run with the current settings allows scoring."""
    same = [p for p in past if p.settings == settings]
    finished_same = [p for p in same if p.finished]
    if finished_same:
        return Plan(finished_same[-1].folder)
    finished = [p for p in past if p.finished]
    if finished and not rescore and past[-1].settings != settings:
        return Plan(None, differences(finished[-1].settings, settings))
    return Plan(same[-1].folder if same else None)


def _check_metadata(metadata: dict) -> None:
    unknown = sorted(set(metadata) - set(METADATA_KEYS))
    if unknown:
        raise DataError(f"unknown key(s) {unknown}; known keys: {sorted(METADATA_KEYS)}", field="--metadata")


# --- running ---

def scored_model(model: dict) -> dict:
    """The model as lm-eval scores it: a model with `tempered: T` is the tempered copy of its `pretrained` (logits
    divided by T), written once into the cache by `summ-pref tempered-copy`'s helper, as the demo's copy is."""
    if "tempered" not in model:
        return model
    source = resolve_pretrained(str(model["model_args"]["pretrained"]))
    name = Path(source).name if Path(source).is_dir() else f"{source.split('/')[-1]}-hub"
    copy = ensure_tempered_copy(source, name, model["tempered"])
    return {**model, "model_args": {**model["model_args"], "pretrained": str(copy)}}


def eval_command(model: dict, tasks: list[str], out: Path, extra: list[str]) -> list[str]:
    return [*HARNESS, "--model", model.get("model", "hf"), "--model_args", model_args_string(model["model_args"]),
            "--tasks", ",".join(tasks), "--log_samples", "--output_path", str(out), *extra]


@dataclass(frozen=True)
class Context:
    """What every step of a sweep shares: the runner, the lm-eval options of every step, the scoring's --limit
    and metadata."""

    runner: Callable[[list[str]], subprocess.CompletedProcess]
    common: list[str]
    limit: int | None
    metadata: dict


def run_step(ctx: Context, model: dict, tasks: list[str], folder: Path, extra: list[str], what: str,
             step: str) -> None:
    """One lm-eval invocation into the run folder, logged as `step: what`; a failure is a DataError that says
    how to resume."""
    logger.info("%s: %s into %s ...", step, what, folder)
    proc = ctx.runner(eval_command(scored_model(model), tasks, folder, [*ctx.common, *extra]))
    if proc.returncode != 0:
        raise DataError(f"{what} failed (exit {proc.returncode}); finished steps are kept, rerun the same command "
                        "to resume", path=folder)


def _json_option(name: str, value: dict) -> list[str]:
    return [name, json.dumps(value)] if value else []


def generation_args(generate: dict, metadata: dict) -> list[str]:
    """lm-eval options of the generation step: the posts, K, the sampling settings and torch's seed."""
    sampling = (f"do_sample=True,temperature={generate['temperature']},top_p={generate['top_p']}"
                if generate["temperature"] > 0 else "do_sample=False")
    data = {k: metadata[k] for k in POST_DATA_KEYS if k in metadata}
    return [*posts_limit(generate), *_json_option("--metadata", {**data, "k": generate["k"]}), "--gen_kwargs", sampling,
            "--seed", f"0,1234,{generate['seed']},1234", *chat_option(generate)]


def posts_limit(generate: dict) -> list[str]:
    return ["--limit", str(generate["posts"])] if generate["posts"] else []


def chat_option(generate: dict) -> list[str]:
    return ["--apply_chat_template"] if generate["chat_template"] else []


def samples_args(gen_folder: Path, generate: dict, metadata: dict) -> list[str]:
    """lm-eval options of a samples-scoring step: the generation's model folder, after the same prompt (with the
    chat template when the samples were generated inside it), `continuation_end` as for human summaries."""
    options = {"samples_from": str(gen_folder), "samples_task": generate["task"],
               **({"continuation_end": metadata["continuation_end"]} if "continuation_end" in metadata else {})}
    return [*_json_option("--metadata", options), *chat_option(generate)]


def require(entries: dict[str, Entry], key: str, what: str, folder: Path) -> Entry:
    """The entry a step that exited 0 must have left."""
    entry = entries.get(key)
    if entry is None or not entry.complete:
        raise DataError(f"{what} exited 0 but left no complete samples file of {key}", path=folder)
    return entry


def run_own_steps(ctx: Context, model: dict, folder: Path, settings: dict, tasks: list[str], step: str) -> bool:
    """The model's steps that are not done yet: scoring the preset's tasks, and where it generates, the
    generation, the posts and its own samples under itself. Returns whether any step ran."""
    name, entries, ran = model["name"], run_entries(folder), False

    def done(key: str) -> bool:
        return key in entries and entries[key].complete

    missing = [t for t in tasks if not done(t)]
    if missing:
        what = f"scoring {name} ({', '.join(missing)})"
        limit = ["--limit", str(ctx.limit)] if ctx.limit is not None else []
        run_step(ctx, model, missing, folder, [*limit, *_json_option("--metadata", ctx.metadata)], what, step)
        entries, ran = run_entries(folder), True
        for task in missing:
            require(entries, task, what, folder)
    generate = settings.get("generate")
    if not generate:
        return ran
    gen_task, posts_task = generate["task"], GEN_TASKS[generate["task"]]
    if not done(gen_task):
        what = (f"generating {generate['k']} samples per post with {name} ({gen_task}, temperature "
                f"{generate['temperature']}, seed {generate['seed']})")
        run_step(ctx, model, [gen_task], folder, generation_args(generate, ctx.metadata), what, step)
        entries, ran = run_entries(folder), True
        require(entries, gen_task, what, folder)
    gen = entries[gen_task]
    if not done(posts_task):
        what = f"scoring the posts with {name} ({posts_task})"
        data = {k: ctx.metadata[k] for k in POST_DATA_KEYS if k in ctx.metadata}
        run_step(ctx, model, [posts_task], folder, [*posts_limit(generate), *_json_option("--metadata", data)], what,
                 step)
        entries, ran = run_entries(folder), True
        require(entries, posts_task, what, folder)
    key = f"{SAMPLES_TASK}:{generating_model(gen)}"
    if not (done(key) and same_path(entries[key].samples_from, gen.samples)):
        what = f"scoring {name}'s own samples ({SAMPLES_TASK})"
        run_step(ctx, model, [SAMPLES_TASK], folder, samples_args(gen.samples.parent, generate, ctx.metadata), what,
                 step)
        ran = True
        require(run_entries(folder), key, what, folder)
    return ran


def samples_record(gen_run: Path, gen_folder: Path, generate: dict, version: object, metadata: dict,
                   ref_folder: Path) -> dict:
    """What a scored-samples step of the reference scores: the generation run (its path from the reference's run
    folder: no path of this machine), the sha256 of its settings file, and how its samples are scored."""
    return {"task": SAMPLES_TASK, "version": version, "generation_run": os.path.relpath(gen_run, ref_folder),
            "samples_from": os.path.relpath(gen_folder, ref_folder),
            "generation_settings_sha256": sha256_file(gen_run / SETTINGS_FILE),
            "chat_template": generate["chat_template"], "continuation_end": metadata.get("continuation_end")}


def samples_scored(ref_folder: Path, gen_run: Path, generate: dict) -> bool:
    """Whether the newest samples-scoring of `gen_run`'s generation in the reference's run folder is complete and
    scored that very generation file."""
    gen = run_entries(gen_run).get(generate["task"])
    if gen is None:
        return False
    done = run_entries(ref_folder).get(f"{SAMPLES_TASK}:{generating_model(gen)}")
    return done is not None and done.complete and same_path(done.samples_from, gen.samples)


def score_samples_under_reference(ctx: Context, reference: dict, ref_folder: Path, model: dict, gen_run: Path,
                                  generate: dict, version: object) -> None:
    """The reference scores `model`'s samples (its run `gen_run`) into the reference's run folder, unless the
    newest such file there already scored that very generation."""
    gen = run_entries(gen_run)[generate["task"]]
    key = f"{SAMPLES_TASK}:{generating_model(gen)}"
    record_path = ref_folder / SAMPLES_RECORD.format(model=model["name"], run=gen_run.name)
    record = samples_record(gen_run, gen.samples.parent, generate, version, ctx.metadata, ref_folder)
    if record_path.exists() and read_json(record_path) != record:
        raise DataError(f"records another scoring of {gen_run}'s samples than this sweep's; it is never "
                        "overwritten: move it away, or score into a new run folder with --rescore", path=record_path)
    if samples_scored(ref_folder, gen_run, generate):
        logger.info("sweep: %s's samples already scored by %s in %s, skipping", model["name"], reference["name"],
                    ref_folder)
        return
    if not record_path.exists():
        record_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    what = f"scoring the samples of {model['name']} with {reference['name']} ({SAMPLES_TASK})"
    run_step(ctx, reference, [SAMPLES_TASK], ref_folder, samples_args(gen.samples.parent, generate, ctx.metadata),
             what, "sweep")
    require(run_entries(ref_folder), key, what, ref_folder)


@dataclass(frozen=True)
class Prepared:
    """A checked, planned sweep: the models, the reference, the tasks, each model's wanted settings and planned
    run folder (None: a new one, made by `run_folder`), the samples-scoring task's version and the steps' context."""

    models: list[dict]
    reference: dict
    tasks: list[str]
    wanted: dict[str, dict]
    plans: dict[str, Path | None]
    samples_version: object
    ctx: Context


def prepare_sweep(preset: dict, runs: Path, *, where: Path | None = None, limit: int | None = None,
                  metadata: dict | None = None, batch_size: str = "auto", device: str | None = None,
                  rescore: bool = False,
                  runner: Callable[[list[str]], subprocess.CompletedProcess] = subprocess.run) -> Prepared:
    """Everything checked and planned before the first step runs: the metadata, the tasks' versions, each model's
    settings and run to reuse or resume, and the refusal of finished runs made with other settings."""
    limit = preset.get("limit") if limit is None else limit
    metadata = {**preset.get("metadata", {}), **(metadata or {})}
    _check_metadata(metadata)
    models = preset["models"]
    generation = {m["name"]: generation_of(preset, m) for m in models}
    if any(generation.values()) and ({"dataset", "data_files"} & set(metadata)):
        raise DataError("generation runs on the summarize-from-feedback posts; a preset of the pref tasks "
                        "(dataset, data_files) cannot generate", path=where, field="generate")
    versions = task_versions(list(preset["tasks"]), where)
    tasks = list(versions)
    gen_versions = task_versions(sorted({t for g in generation.values() if g
                                         for t in (g["task"], GEN_TASKS[g["task"]], SAMPLES_TASK)}), where)
    wanted = {m["name"]: sweep_settings(versions, m, limit, metadata,
                                        generate_settings(generation[m["name"]], gen_versions)
                                        if generation[m["name"]] else None) for m in models}
    reference = next(m for m in models if m["name"] == preset["reference"])
    if not generation[reference["name"]] and any(generation.values()):
        # the reference scores the others' samples: that task's version decides its run too
        wanted[reference["name"]]["scores_samples"] = {SAMPLES_TASK: gen_versions[SAMPLES_TASK]}
    plans = {m["name"]: plan_model(past_runs(runs / m["name"], tasks), wanted[m["name"]], rescore) for m in models}
    refused: dict[str, list[str]] = {}
    for name, plan in plans.items():
        if plan.refusal is not None:
            refused.setdefault(plan.refusal, []).append(name)
    if refused:
        raise DataError("finished runs were made with other settings (old -> new): "
                        + "; ".join(f"{', '.join(names)}: {reason}" for reason, names in refused.items())
                        + ". Pass --rescore to score again into new run folders (the old runs are kept)", path=runs)
    common = ["--batch_size", str(batch_size), *(["--device", device] if device else [])]
    return Prepared(models, reference, tasks, wanted, {name: plan.folder for name, plan in plans.items()},
                    gen_versions.get(SAMPLES_TASK), Context(runner, common, limit, metadata))


def run_folder(prepared: Prepared, runs: Path, name: str) -> Path:
    """The model's planned run folder, or a new one holding its settings."""
    folder = prepared.plans[name]
    if folder is None:
        folder = next_run_folder(runs / name)
        folder.mkdir(parents=True)
        (folder / SETTINGS_FILE).write_text(json.dumps(prepared.wanted[name], indent=2) + "\n", encoding="utf-8")
    return folder


def score_models(preset: dict, runs: Path, *, where: Path | None = None, limit: int | None = None,
                 metadata: dict | None = None, batch_size: str = "auto", device: str | None = None,
                 rescore: bool = False,
                 runner: Callable[[list[str]], subprocess.CompletedProcess] = subprocess.run) -> dict[str, Path]:
    """Every step of every model of a checked preset that is not done with the current settings, into
    RUNS/<model>/run-<N>/, one after another in this process; returns each model's run folder. The preset's
    `limit` and `metadata` apply where the call gives no `limit` or leaves a metadata key out. `where` names the
    preset in errors."""
    prepared = prepare_sweep(preset, runs, where=where, limit=limit, metadata=metadata, batch_size=batch_size,
                             device=device, rescore=rescore, runner=runner)
    models, reference, wanted, ctx = prepared.models, prepared.reference, prepared.wanted, prepared.ctx
    chosen: dict[str, Path] = {}
    for i, model in enumerate(models, start=1):
        name, step = model["name"], f"sweep {i}/{len(models)}: {model['name']}"
        folder = run_folder(prepared, runs, name)
        if not run_own_steps(ctx, model, folder, wanted[name], prepared.tasks, step):
            logger.info("%s already scored with these settings in %s, skipping", step, folder)
        chosen[name] = folder
    for model in models:
        generate = wanted[model["name"]].get("generate")
        if model is not reference and generate:
            score_samples_under_reference(ctx, reference, chosen[reference["name"]], model, chosen[model["name"]],
                                          generate, prepared.samples_version)
    return chosen


def run_sweep(preset_path: Path, out: Path, *, limit: int | None = None, metadata: dict | None = None,
              batch_size: str = "auto", device: str | None = None, settings: Settings | None = None,
              rescore: bool = False,
              runner: Callable[[list[str]], subprocess.CompletedProcess] = subprocess.run,
              embedding_model: str | None = None) -> dict:
    """Run every step of the preset's models not done with the current settings (`score_models`), then report
    all runs against the reference into OUT/report."""
    preset = load_preset(preset_path)
    chosen = score_models(preset, out / "runs", where=preset_path, limit=limit, metadata=metadata,
                          batch_size=batch_size, device=device, rescore=rescore, runner=runner)
    return report_models(preset, chosen, out / "report", settings or Settings(), embedding_model=embedding_model)


def report_models(preset: dict, chosen: dict[str, Path], out: Path, settings: Settings, **kw) -> dict:
    """The comparison report of the models' run folders against the preset's reference (betas from the preset)."""
    models = preset["models"]
    reference = find_run(chosen[preset["reference"]])
    betas = {find_run(chosen[m["name"]]).model_name: m["beta"] for m in models if "beta" in m}
    return build_report([chosen[m["name"]] for m in models], out, settings=settings, reference=reference.model_name,
                        force=True, betas=betas, made_by="summ-pref sweep", **kw)
