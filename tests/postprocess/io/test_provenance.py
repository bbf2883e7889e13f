"""Short model names and the note on quantised weights, from what a run records."""

from __future__ import annotations

import re

import pytest

from postprocess.io.provenance import display_names, weights_note
from summ_pref_common.errors import DataError


def test_display_names_grow_by_parent_folders_until_unique():
    names = display_names(["/a/x/cache/m", "/a/y/cache/m", "EleutherAI/pythia-1b", "/b/pythia-1b"])
    assert list(names.values()) == ["x/cache/m", "y/cache/m", "EleutherAI/pythia-1b", "pythia-1b"]
    assert list(display_names(["/r/m", "/r/m/"]).values()) == ["m", "m (2)"]


def test_gguf_model_arg_is_quantised_and_a_bad_source_file_is_named(tmp_path):
    assert "Q4_1" in weights_note({"pretrained": "org/m-GGUF", "gguf_file": "m.Q4_1.gguf"})
    (tmp_path / "summ_pref_source.json").write_text('{"gguf": ')
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "summ_pref_source.json")) + r":1: not valid JSON"):
        weights_note(f"pretrained={tmp_path}")
