"""The preset schema (postprocess/commands/preset_schema.py): every shipped preset validates; an unknown key, a
value of the wrong type, a model name with path parts, a model arg that would inject another and a `pretrained`
that is neither a model folder nor a hub id are each one error naming the preset file and the key path, raised
before the first model is scored; docs/presets.md is the schema's own rendering; a pinned dataset_revision is
what sweep_settings.json records."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from postprocess.commands import sweep
from postprocess.commands.preset_schema import schema_markdown
from summ_pref_common.errors import DataError
from tests.helpers.fake_eval import must_not_run
from tests.helpers.paths import REPO

PRESETS = sorted((REPO / "configs").glob("*.yaml"))
BASE = {"family": "tiny", "description": "five fake models", "reference": "m1", "tasks": ["summ_pref_cmp"],
        "models": [{"name": f"m{i}", "role": "base", "model": "hf", "model_args": {"pretrained": f"org/m{i}"}}
                   for i in range(1, 6)]}


def write(path: Path, change=None) -> Path:
    preset = copy.deepcopy(BASE)
    if change is not None:
        change(preset)
    path.write_text(yaml.safe_dump(preset), encoding="utf-8")
    return path


def refused(tmp_path: Path, change) -> str:
    """The one-line error of loading the changed preset; it names the preset file."""
    path = write(tmp_path / "p.yaml", change)
    with pytest.raises(DataError) as err:
        sweep.load_preset(path)
    message = str(err.value)
    assert message.startswith(f"{path}: field '") and "\n" not in message, message
    return message.removeprefix(f"{path}: ")


def model(i: int, **keys):
    return lambda p: p["models"][i].update(keys)


def model_arg(i: int, **args):
    return lambda p: p["models"][i]["model_args"].update(args)


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_every_shipped_preset_validates(path):
    preset = sweep.load_preset(path)
    assert preset["family"] == path.stem


def test_a_valid_preset_loads_unchanged(tmp_path):
    assert sweep.load_preset(write(tmp_path / "p.yaml")) == BASE


@pytest.mark.parametrize(("change", "expected"), [
    (lambda p: p.update(limt=5), "field 'limt': unknown key 'limt' (did you mean 'limit'?); known keys: family,"),
    (lambda p: p.update(metdata={}), "field 'metdata': unknown key 'metdata' (did you mean 'metadata'?)"),
    (model(2, bta=0.05), "field 'models[2].bta': unknown key 'bta' (did you mean 'beta'?); known keys: name, role,"),
    (model(0, model_arg={"pretrained": "org/x"}), "field 'models[0].model_arg': unknown key 'model_arg' (did you "
                                                  "mean 'model_args'?)"),
    (lambda p: p.update(zzz=1), "field 'zzz': unknown key 'zzz'; known keys"),
])
def test_unknown_keys_are_errors_with_the_closest_known_key(tmp_path, change, expected):
    assert refused(tmp_path, change).startswith(expected)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda p: p.update(limit="2500"), "field 'limit': expected a positive whole number of docs per task, got '2500'"),
    (lambda p: p.update(limit=2.5), "field 'limit': expected a positive whole number"),
    (lambda p: p.update(tasks="summ_pref_cmp"), "field 'tasks': expected a non-empty list of task names"),
    (lambda p: p.update(tasks=[]), "field 'tasks': expected a non-empty list of task names, got []"),
    (lambda p: p.update(family=3), "field 'family': Input should be a valid string, got 3"),
    (model(1, role="boss"), "field 'models[1].role': Input should be 'base', 'sft', 'ppo', 'dpo', 'rlhf', 'chat' or "
                            "'synthetic'"),
    (model(1, beta="0.05"), "field 'models[1].beta': expected a positive number from 1e-06 to 1e+06"),
    (model(1, beta=float("inf")), "field 'models[1].beta': expected a positive number from 1e-06 to 1e+06 (the KL "
                                  "coefficient, DPO's beta), got inf"),
    (model(1, beta=1e300), "field 'models[1].beta': expected a positive number"),
    (model(1, generate="yes"), "field 'models[1].generate': expected a mapping such as {k: 8, temperature: 1.0}"),
    (model_arg(3, dtype=["bfloat16"]), "field 'models[3].model_args.dtype': expected text, a number or true/false"),
    (lambda p: p["models"][4].pop("model_args"), "field 'models[4].model_args': missing"),
    (lambda p: p["models"][4]["model_args"].pop("pretrained"), "field 'models[4].model_args': `pretrained`"),
])
def test_types_are_checked(tmp_path, change, expected):
    assert refused(tmp_path, change).startswith(expected)


@pytest.mark.parametrize("name", ["../escape", "a/b", "a\\b", "..", ".hidden", "/abs", "a..b", ""])
def test_model_name_is_a_plain_name(tmp_path, name):
    assert refused(tmp_path, model(1, name=name)).startswith("field 'models[1].name': a plain name")


@pytest.mark.parametrize(("key", "value"), [("revision", "main,trust_remote_code=True"), ("dtype", "a=b"),
                                            ("pretrained", "org/m,trust_remote_code=True")])
def test_model_arg_values_cannot_inject_other_arguments(tmp_path, key, value):
    message = refused(tmp_path, model_arg(2, **{key: value}))
    assert message.startswith(f"field 'models[2].model_args': {key}={value!r}: a value may not hold ',' or '='")


def test_model_arg_key_must_be_an_argument_name(tmp_path):
    assert "is not an lm-eval model argument name" in refused(tmp_path, model_arg(2, **{"trust remote": True}))


def test_pretrained_shapes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "good"
    good.mkdir()
    (good / "config.json").write_text("{}")
    (tmp_path / "empty").mkdir()
    for accepted in ("@default", "org/name", "EleutherAI/pythia-1b-deduped", str(good), "./good", "good"):
        sweep.load_preset(write(tmp_path / "p.yaml", model_arg(4, pretrained=accepted)))
    where = "field 'models[4].model_args.pretrained': "
    assert refused(tmp_path, model_arg(4, pretrained="./missing")).startswith(where + "no such model folder")
    assert refused(tmp_path, model_arg(4, pretrained=str(tmp_path / "empty"))).startswith(
        f"{where}{tmp_path / 'empty'} is a folder without config.json")
    for bad in ("not a hub id", "gpt2", "org/name/extra", "org/..", "@defualt"):
        message = refused(tmp_path, model_arg(4, pretrained=bad))
        assert message.startswith(where), message
    gguf = model_arg(4, pretrained=str(tmp_path / "empty"), gguf_file="m.gguf")
    sweep.load_preset(write(tmp_path / "p.yaml", gguf))  # a GGUF folder carries its config in the file


def test_fifth_model_checked_before_the_first_is_scored(tmp_path):
    path = write(tmp_path / "p.yaml", model_arg(4, pretrained="./no/such/model"))
    with pytest.raises(DataError, match=re.escape("field 'models[4].model_args.pretrained': no such model folder")):
        sweep.run_sweep(path, tmp_path / "out", runner=must_not_run)
    assert not (tmp_path / "out").exists()


def test_docs_page_is_the_schema():
    """docs/presets.md is written by `python -m postprocess.commands.preset_schema`; rerun it after a change."""
    assert (REPO / "docs" / "presets.md").read_text(encoding="utf-8") == schema_markdown(sweep.generate_keys())


def test_docs_page_names_every_key():
    page = (REPO / "docs" / "presets.md").read_text(encoding="utf-8")
    keys = {*BASE, "limit", "metadata", "generate", *BASE["models"][0], "beta", *sweep.GENERATE_DEFAULTS}
    assert all(f"| `{key}` |" in page for key in keys)


def test_pinned_dataset_revision_is_recorded(tmp_path):
    metadata = {"dataset": "org/data", "dataset_revision": "0123abc", "split": "test"}
    assert sweep.data_fingerprint(metadata) == ("hub:org/data@0123abc", None)
    settings = sweep.sweep_settings({"pref_pairs": 1}, BASE["models"][0], None, metadata)
    assert settings["data"] == "hub:org/data@0123abc"
    assert sweep.data_fingerprint({"dataset": "org/data", "split": "test"}) == ("hub:org/data@main", None)


def test_generating_inside_the_chat_template_needs_one(tmp_path):
    """A model that generates with chat_template true is checked for a chat template with the preset."""
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "config.json").write_text("{}")
    (plain / "tokenizer_config.json").write_text("{}")
    chat = tmp_path / "chat"
    chat.mkdir()
    (chat / "config.json").write_text("{}")
    (chat / "tokenizer_config.json").write_text('{"chat_template": "{{ messages }}"}')

    def generating(pretrained: Path):
        def change(p):
            p["generate"] = {"k": 2, "chat_template": True}
            p["models"][3]["model_args"]["pretrained"] = str(pretrained)
            for m in p["models"][:3] + p["models"][4:]:
                m["generate"] = False
        return change

    sweep.load_preset(write(tmp_path / "p.yaml", generating(chat)))
    message = refused(tmp_path, generating(plain))
    assert message.startswith(f"field 'models[3].generate.chat_template': the tokenizer of {plain} has no chat "
                              "template")
    assert "set chat_template to false in its generate:" in message


@pytest.mark.parametrize(("change", "field"), [(model(1, beta=None), "models[1].beta"),
                                               (lambda p: p.update(generate=None), "generate"),
                                               (lambda p: p.update(limit=None), "limit")])
def test_an_explicit_null_is_not_an_absent_key(tmp_path, change, field):
    """`beta: null` would reach the report as no number; leave the key out instead."""
    assert refused(tmp_path, change).startswith(f"field '{field}': expected ")
