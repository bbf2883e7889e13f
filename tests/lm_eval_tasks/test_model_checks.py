"""`summ-pref eval` checks every argument before the model loads, each fault one line: --gen_kwargs keys and
ranges, at least one task, config.json in a local model folder, a chat template for --apply_chat_template (said,
not guessed, for a hub id not available offline); `continuation_end` that is not a special token is a warning."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from lm_eval_tasks.model_checks import check_chat_template, check_gen_kwargs, continuation_end_note
from summ_pref_common.errors import DataError
from tests.helpers.eval_errors import eval_error, sample_args

NO_SUCH_HUB_MODEL = "summ-pref-tests/no-such-model-anywhere"


@pytest.mark.parametrize(("gen_kwargs", "expected"), [
    ("temprature=0.5", "field '--gen_kwargs': unknown key 'temprature' (did you mean temperature?)"),
    ("max_new_token=5", "unknown key 'max_new_token' (did you mean max_new_tokens?)"),
    ("temperature=-1", "field '--gen_kwargs': temperature: expected a number >= 0 (0: greedy), got -1.0"),
    ("top_p=0", "top_p: expected a number in (0, 1], got 0"),
    ("top_p=1.5", "top_p: expected a number in (0, 1], got 1.5"),
    ("top_k=-3", "top_k: expected a whole number >= 0, got -3"),
    ("max_gen_toks=0", "max_gen_toks: expected a positive whole number of tokens, got 0"),
    ("max_gen_toks=abc", "max_gen_toks: expected a positive whole number of tokens, got 'abc'"),
    ("do_sample=maybe", "do_sample: expected True or False, got 'maybe'"),
])
def test_bad_gen_kwargs_stop_before_anything_loads(tmp_path, gen_kwargs, expected):
    message = eval_error([*sample_args(model=str(tmp_path)), "--gen_kwargs", gen_kwargs], tmp_path / "out")
    assert expected in message


def test_good_gen_kwargs_pass():
    check_gen_kwargs({"do_sample": True, "temperature": 1.0, "top_p": 1, "top_k": 50, "until": ["\n\n"],
                      "max_gen_toks": 64, "repetition_penalty": 1.1}, "hf")
    check_gen_kwargs({"stop": ["\n"], "temperature": 0}, "vllm")  # another backend's keys are its own


def test_bad_value_refused_for_any_backend():
    with pytest.raises(DataError, match="temperature: expected a number >= 0"):
        check_gen_kwargs({"temperature": -0.5}, "vllm")


def test_no_task_is_one_line(tmp_path):
    args = ["--model", "hf", "--model_args", f"pretrained={tmp_path}"]
    message = eval_error(args, tmp_path / "out")
    assert message == ("summ-pref eval: error: no task: give --tasks NAME[,NAME...], e.g. --tasks summ_pref "
                       "(`summ-pref eval --help` lists the summ_pref tasks)")


def test_model_folder_without_config_json(tmp_path):
    folder = tmp_path / "weights_only"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"")
    message = eval_error(sample_args(model=str(folder)), tmp_path / "out")
    assert f"field 'pretrained': {folder} is a folder without config.json" in message


def test_chat_template_of_a_model_without_one(tiny_nobos_model, tmp_path):
    message = eval_error([*sample_args(model=str(tiny_nobos_model)), "--apply_chat_template"], tmp_path / "out")
    assert (f"field '--apply_chat_template': the tokenizer of {tiny_nobos_model} has no chat template (no "
            "chat_template in tokenizer_config.json, no chat_template.jinja or chat_template.json); leave the option "
            "out to score plain text, or give a chat model") in message


def _tokenizer_folder(root: Path, config: dict, jinja: str | None = None) -> Path:
    root.mkdir()
    (root / "config.json").write_text("{}")
    (root / "tokenizer_config.json").write_text(json.dumps(config))
    if jinja is not None:
        (root / "chat_template.jinja").write_text(jinja)
    return root


def test_chat_template_found_in_either_place(tmp_path):
    check_chat_template({"pretrained": str(_tokenizer_folder(tmp_path / "a", {"chat_template": "{{ x }}"}))})
    check_chat_template({"pretrained": str(_tokenizer_folder(tmp_path / "b", {}, jinja="{{ x }}"))})
    with pytest.raises(DataError, match="has no chat template"):
        check_chat_template({"pretrained": str(_tokenizer_folder(tmp_path / "c", {}))})
    # the tokenizer named by `tokenizer=` decides, not the weights' folder
    with pytest.raises(DataError, match="has no chat template"):
        check_chat_template({"pretrained": str(tmp_path / "a"), "tokenizer": str(tmp_path / "c")})


def test_chat_template_of_a_hub_id_not_available_offline_is_said(caplog):
    with caplog.at_level(logging.WARNING):
        check_chat_template({"pretrained": NO_SUCH_HUB_MODEL})
    assert f"cannot check offline whether {NO_SUCH_HUB_MODEL} has a chat template" in caplog.text


def test_continuation_end_special_or_literal(tiny_nobos_model):
    assert continuation_end_note("<|endoftext|>", {"pretrained": str(tiny_nobos_model)}) is None
    assert continuation_end_note("<s>", f"pretrained={tiny_nobos_model},dtype=float32") is None
    note = continuation_end_note("</s>", {"pretrained": str(tiny_nobos_model)})
    assert note.startswith(f"continuation_end '</s>' is not a special token of {tiny_nobos_model}'s tokenizer, so "
                           "it is scored as the literal text it spells (special tokens: <s>, <|endoftext|>")
    assert "not checked" in continuation_end_note("</s>", {"pretrained": NO_SUCH_HUB_MODEL})


def test_continuation_end_warning_before_the_model_loads(tiny_nobos_model, tmp_path, caplog, monkeypatch):
    """The warning is given by the argument checks; the run is then stopped at its first model load."""
    import lm_eval.api.registry as registry

    def no_load(*_args, **_kwargs):
        raise DataError("model load reached")

    monkeypatch.setattr(registry, "get_model", no_load)
    with caplog.at_level(logging.WARNING):
        message = eval_error(sample_args(model=str(tiny_nobos_model), continuation_end="</s>"), tmp_path / "out")
    assert "model load reached" in message
    assert "continuation_end '</s>' is not a special token" in caplog.text
