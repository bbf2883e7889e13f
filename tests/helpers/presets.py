"""Presets of two models written for the sweep tests: fake hub models (the steps faked) or the two tiny local ones."""

from __future__ import annotations

from pathlib import Path

import yaml

from postprocess.stats.bootstrap import Settings

FAST = Settings(n_resamples=100)
# The sweep options of a tiny-model sweep on the embedded sample.
SWEEP = {"limit": 6, "metadata": {"data_dir": "@sample"}, "batch_size": "4", "device": "cpu", "settings": FAST}
# A preset's generation settings: 4 samples of 6 posts.
GENERATE = {"k": 4, "temperature": 1.0, "posts": 6}


def tiny_preset(path: Path, base: Path, tuned: Path, model: str, **extra) -> dict:
    """Writes a preset of the two tiny models (`base` the reference) scoring summ_pref_cmp; returns its spec."""
    spec = {"family": "tiny", "description": "two tiny local models", "reference": "base",
            "tasks": ["summ_pref_cmp"], **extra,
            "models": [{"name": name, "role": role, "model": model,
                        "model_args": {"pretrained": str(folder), "dtype": "float32"}}
                       for name, role, folder in (("base", "base", base), ("tuned", "dpo", tuned))]}
    path.write_text(yaml.safe_dump(spec))
    return spec


def write_preset(path: Path, generate: dict | None = None, tuned: dict | None = None) -> Path:
    """base (the reference) and tuned; `generate` at preset level, `tuned` extra keys of tuned's entry."""
    models = [{"name": "base", "role": "base", "model": "hf", "model_args": {"pretrained": "org/base"}},
              {"name": "tuned", "role": "dpo", "model": "hf", "model_args": {"pretrained": "org/tuned"},
               **(tuned or {})}]
    path.write_text(yaml.safe_dump({"family": "tiny", "description": "two fake models", "reference": "base",
                                    "tasks": ["summ_pref_axis", "summ_pref_cmp"], "models": models,
                                    **({"generate": generate} if generate is not None else {})}))
    return path
