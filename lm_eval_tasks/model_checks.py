"""Checks of `summ-pref eval`'s model-side arguments that lm-eval makes only after loading the model (or not at
all): the --gen_kwargs keys and values, a chat template for --apply_chat_template, and the special tokens of the
tokenizer for `continuation_end`. Each reads the model's files (tokenizer_config.json, chat_template.jinja) from a
local folder or the Hugging Face cache, never the network; what cannot be read offline is said, not guessed."""

from __future__ import annotations

import difflib
import json
import logging
import math
from collections.abc import Callable, Mapping
from pathlib import Path

from lm_eval_tasks.default_model import PLACEHOLDER
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)

# lm-eval's own generation keys (lm_eval.models.utils.normalize_gen_kwargs); the rest go to HF's generate.
LM_EVAL_GEN_KEYS = ("until", "max_gen_toks", "max_new_tokens", "max_tokens", "max_completion_tokens", "do_sample",
                    "temperature")
# Backends whose generation keys are HF generate's (other backends, e.g. vllm, take their own).
HF_BACKENDS = ("hf", "hf-auto", "huggingface", "hf-prefix")
CHAT_TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json")


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _texts(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


# The value each checked key takes, and how the error says it.
GEN_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "temperature": (lambda v: _number(v) and v >= 0, "a number >= 0 (0: greedy)"),
    "top_p": (lambda v: _number(v) and 0 < v <= 1, "a number in (0, 1]"),
    "top_k": (lambda v: _whole(v, 0), "a whole number >= 0"),
    "min_p": (lambda v: _number(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "typical_p": (lambda v: _number(v) and 0 < v <= 1, "a number in (0, 1]"),
    "repetition_penalty": (lambda v: _number(v) and v > 0, "a number > 0"),
    "max_gen_toks": (lambda v: _whole(v, 1), "a positive whole number of tokens"),
    "max_new_tokens": (lambda v: _whole(v, 1), "a positive whole number of tokens"),
    "max_tokens": (lambda v: _whole(v, 1), "a positive whole number of tokens"),
    "max_completion_tokens": (lambda v: _whole(v, 1), "a positive whole number of tokens"),
    "min_new_tokens": (lambda v: _whole(v, 0), "a whole number >= 0"),
    "num_beams": (lambda v: _whole(v, 1), "a positive whole number"),
    "num_return_sequences": (lambda v: _whole(v, 1), "a positive whole number"),
    "no_repeat_ngram_size": (lambda v: _whole(v, 0), "a whole number >= 0"),
    "do_sample": (lambda v: isinstance(v, bool), "True or False"),
    "until": (_texts, "a stop string or a list of them"),
}


def known_gen_keys() -> list[str]:
    """lm-eval's generation keys and every field of transformers' GenerationConfig."""
    from transformers import GenerationConfig

    return sorted({*LM_EVAL_GEN_KEYS, *(k for k in GenerationConfig().to_dict() if not k.startswith("_"))})


def check_gen_kwargs(gen_kwargs: Mapping[str, object], backend: str) -> None:
    """Each --gen_kwargs value of its kind and range; with an HF backend, each key one that lm-eval or HF's
    generate reads (a typo is an error with the closest key, not a keyword generate() raises on after loading)."""
    if not gen_kwargs:
        return
    if backend in HF_BACKENDS:
        known = known_gen_keys()
        for key in gen_kwargs:
            if key not in known:
                close = difflib.get_close_matches(key, known, 1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise DataError(f"unknown key {key!r}{hint}: lm-eval's generation keys are "
                                f"{', '.join(LM_EVAL_GEN_KEYS)}, the others those of transformers' GenerationConfig",
                                field="--gen_kwargs")
    for key, value in gen_kwargs.items():
        if key in GEN_CHECKS and not GEN_CHECKS[key][0](value):
            raise DataError(f"{key}: expected {GEN_CHECKS[key][1]}, got {value!r}", field="--gen_kwargs")


def _tokenizer_source(model_args: Mapping[str, object]) -> tuple[str, str | None] | None:
    """(tokenizer name or folder, revision); None without one, or for @default before `summ-pref eval` resolves
    it to its folder (the embedded model's own files, chat template included)."""
    name = model_args.get("tokenizer") or model_args.get("pretrained")
    revision = model_args.get("revision")
    if not isinstance(name, str) or name == PLACEHOLDER:
        return None
    return name, revision if isinstance(revision, str) else None


def _hub_file(repo: str, filename: str, revision: str | None) -> Path | bool | None:
    """A file of a hub repo in the local cache: its path, False when the cache knows it does not exist, None when
    the cache cannot say."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo, filename, revision=revision)
    except Exception:  # a malformed repo id: the hub client's validation error
        return None
    if isinstance(found, str):
        return Path(found)
    return None if found is None else False


def tokenizer_files(model_args: Mapping[str, object]) -> tuple[str, dict[str, Path | bool | None]] | None:
    """(name, {file: path, False if known absent, None if unknown}) of the tokenizer's config and chat template
    files, from the local folder or the hub cache; None without a tokenizer name."""
    source = _tokenizer_source(model_args)
    if source is None:
        return None
    name, revision = source
    names = ("tokenizer_config.json", *CHAT_TEMPLATE_FILES)
    folder = Path(name).expanduser()
    if folder.is_dir():
        return name, {f: (folder / f) if (folder / f).is_file() else False for f in names}
    return name, {f: _hub_file(name, f, revision) for f in names}


def _read_config(path: Path | bool | None) -> dict | None:
    if not isinstance(path, Path):
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def check_chat_template(model_args: Mapping[str, object], option: str = "--apply_chat_template",
                        remedy: str = "leave the option out to score plain text") -> None:
    """`option` (--apply_chat_template, a preset's generate.chat_template) needs a chat template in the tokenizer:
    refused when the model's files show none; said (a warning) when they are not available offline (a hub id
    not in the cache)."""
    found = tokenizer_files(model_args)
    if found is None:
        return
    name, files = found
    config = _read_config(files["tokenizer_config.json"])
    if (config or {}).get("chat_template") or any(isinstance(files[f], Path) for f in CHAT_TEMPLATE_FILES):
        return
    if config is not None and all(files[f] is False for f in CHAT_TEMPLATE_FILES):
        raise DataError(f"the tokenizer of {name} has no chat template (no chat_template in tokenizer_config.json, "
                        f"no {' or '.join(CHAT_TEMPLATE_FILES)}); {remedy}, or give a chat model", field=option)
    logger.warning("%s: cannot check offline whether %s has a chat template (its tokenizer files are not in a local "
                   "folder or the Hugging Face cache); lm-eval stops after loading the model if it has none", option,
                   name)


def special_tokens(model_args: Mapping[str, object] | str | None) -> tuple[str, set[str]] | None:
    """(tokenizer name, the strings its tokenizer reads as one token: special and added tokens), loaded from a local
    folder or the Hugging Face cache only; None when it cannot be loaded offline."""
    args = args_mapping(model_args)
    source = _tokenizer_source(args)
    if source is None:
        return None
    name, revision = source
    try:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(Path(name).expanduser()) if name.startswith("~") else name,
                                            local_files_only=True, **({"revision": revision} if revision else {}))
    except Exception:  # not a folder, not cached, gated, or not a tokenizer at all: the caller says so
        return None
    added = {token.content for token in getattr(tok, "added_tokens_decoder", {}).values()}
    return name, {*tok.all_special_tokens, *added}


def args_mapping(model_args: Mapping[str, object] | str | None) -> dict:
    """Model args as a mapping: lm-eval logs them as a dict (CLI) or a "k=v,k=v" string (Python API)."""
    if isinstance(model_args, Mapping):
        return dict(model_args)
    from lm_eval.utils import simple_parse_args_string

    try:
        return simple_parse_args_string(model_args) if model_args else {}
    except (ValueError, TypeError):
        return {}


def continuation_end_note(end: str, model_args: Mapping[str, object] | str | None) -> str | None:
    """A warning when `continuation_end` is not a special token of the model's tokenizer (so it is scored as the
    literal text it spells, several tokens), or when that cannot be checked offline; None when it is one."""
    found = special_tokens(model_args)
    if found is None:
        return (f"continuation_end {end!r}: not checked whether it is a special token of the model's tokenizer (the "
                "tokenizer is not in a local folder or the Hugging Face cache)")
    name, tokens = found
    if end in tokens:
        return None
    return (f"continuation_end {end!r} is not a special token of {name}'s tokenizer, so it is scored as the literal "
            f"text it spells (special tokens: {', '.join(sorted(tokens)) or 'none'})")
