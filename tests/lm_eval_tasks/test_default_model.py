"""The model a user names: @default is the embedded model, a path-like value a local folder that must exist (with
config.json), anything else a hub id ORG/NAME; each refusal is one line naming `pretrained`."""

from __future__ import annotations

import pytest

from lm_eval_tasks.default_model import (
    check_model_folder,
    check_pretrained,
    looks_like_path,
    pretrained_shape,
    resolve_pretrained,
)
from summ_pref_common.errors import DataError


def test_what_looks_like_a_path(tmp_path):
    (tmp_path / "models").mkdir()
    for value in ("./m", "../m", "~/m", ".", "/abs/m", str(tmp_path / "models" / "m")):
        assert looks_like_path(value), value
    for value in ("EleutherAI/pythia-160m", "gpt2", "no_such_dir/model"):
        assert not looks_like_path(value), value


def test_unknown_at_names_and_missing_folders_are_refused(tmp_path):
    check_pretrained("@default")
    check_pretrained("EleutherAI/pythia-160m")
    with pytest.raises(DataError, match=r"^field 'pretrained': unknown model '@smol'"):
        check_pretrained("@smol")
    with pytest.raises(DataError, match=r"^field 'pretrained': no such model folder: \./nowhere"):
        check_pretrained("./nowhere")


def test_a_folder_needs_config_json_unless_it_is_gguf(tmp_path):
    check_model_folder(str(tmp_path), {"gguf_file": "m.gguf"})
    with pytest.raises(DataError, match=r"is a folder without config\.json"):
        check_model_folder(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    check_model_folder(str(tmp_path))


def test_a_presets_pretrained_is_a_folder_the_placeholder_or_a_hub_id(tmp_path):
    pretrained_shape("@default")
    pretrained_shape("org/name")
    for bad in ("gpt2", "org/../name", "a/b/c"):
        with pytest.raises(DataError, match="neither a local model folder nor a hub id"):
            pretrained_shape(bad)


def test_resolve_expands_the_home_folder_and_passes_hub_ids_on(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "m").mkdir()
    assert resolve_pretrained("~/m") == str(tmp_path / "m")
    assert resolve_pretrained("org/name") == "org/name" and resolve_pretrained("./") == "./"
