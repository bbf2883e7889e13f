"""A tempered copy (`summ-pref tempered-copy`) is named for what it is in a report's provenance."""

from __future__ import annotations

import json

import pytest

from postprocess.io.provenance import TEMPERED_FILE, describe_runs, tempered_note
from summ_pref_common.errors import DataError


@pytest.mark.parametrize(("temperature", "kind"), [(0.7, "sharpened"), (2, "flattened"), (1.0, "unchanged")])
def test_a_tempered_copy_is_named_with_its_temperature_and_source(tmp_path, temperature, kind):
    (tmp_path / TEMPERED_FILE).write_text(json.dumps({"temperature": temperature, "source": "@default",
                                                      "source_resolved": "/cache/SmolLM2-135M-Instruct-0.1.2"}))
    assert tempered_note(f"pretrained={tmp_path},dtype=float32") == (
        f"a synthetic {kind} copy of SmolLM2-135M-Instruct-0.1.2 (its logits divided by T = {temperature:g}, "
        "written by `summ-pref tempered-copy`), not an RLHF model")


def test_other_models_have_no_note_and_a_bad_record_is_named(tmp_path):
    assert tempered_note({"pretrained": str(tmp_path)}) is None and tempered_note("pretrained=org/model") is None
    assert describe_runs([{"model_name": "org/m", "model_args": "pretrained=org/m"}])[0]["tempered"] is None
    (tmp_path / TEMPERED_FILE).write_text(json.dumps({"temperature": "0.7"}))
    with pytest.raises(DataError, match=rf"{TEMPERED_FILE}:1: field 'temperature': missing or not a number"):
        tempered_note({"pretrained": str(tmp_path)})
