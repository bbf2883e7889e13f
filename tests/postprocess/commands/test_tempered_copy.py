"""`summ-pref tempered-copy`: the copy's logits are the source's divided by T (tied and untied heads, a head with a
bias), the embeddings stay unchanged, T and the source are recorded, and bad T (or one whose head overflows), an
occupied, symlinked or nested OUT and a model folder without config.json are refused in one line."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM, PhiConfig, PhiForCausalLM

from postprocess.commands.cli import main
from postprocess.commands.tempered_copy import TEMPERED_FILE, read_tempered, temper, write_tempered_copy
from summ_pref_common.errors import DataError

TEXT = "TL;DR: I quit football and now her family thinks I am lazy"


@pytest.fixture(scope="module")
def tied_model(tiny_nobos_model, tmp_path_factory) -> Path:
    """A tiny Llama whose output head is its input embedding matrix (tie_word_embeddings, as in SmolLM2)."""
    folder = tmp_path_factory.mktemp("tied")
    tokenizer = AutoTokenizer.from_pretrained(tiny_nobos_model)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                         pad_token_id=tokenizer.pad_token_id)
    model = LlamaForCausalLM(config)
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def logits(folder: Path) -> torch.Tensor:
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    ids = AutoTokenizer.from_pretrained(folder)(TEXT, return_tensors="pt").input_ids
    with torch.no_grad():
        return model(ids).logits[0]


@pytest.mark.parametrize("temperature", [0.5, 3.0])
@pytest.mark.parametrize("which", ["untied", "tied"])
def test_logits_are_the_source_logits_divided_by_t(which, temperature, tiny_nobos_model, tied_model, tmp_path):
    source = tiny_nobos_model if which == "untied" else tied_model
    out = write_tempered_copy(str(source), temperature, tmp_path / "copy")
    base, copy = logits(source), logits(out)
    big = base.abs() > 1e-2  # the ratio of two tiny logits is all rounding
    assert big.sum() > 1000
    assert torch.allclose(copy[big] / base[big], torch.full_like(copy[big], 1 / temperature), rtol=1e-4)
    assert torch.allclose(copy, base / temperature, rtol=1e-5, atol=1e-6)
    config = json.loads((out / "config.json").read_text())
    assert config["tie_word_embeddings"] is False
    src_model = AutoModelForCausalLM.from_pretrained(source)
    copy_model = AutoModelForCausalLM.from_pretrained(out)
    assert torch.equal(copy_model.model.embed_tokens.weight, src_model.model.embed_tokens.weight)
    assert copy_model.lm_head.weight.data_ptr() != copy_model.model.embed_tokens.weight.data_ptr()
    assert read_tempered(out) == {**read_tempered(out), "source": str(source), "temperature": temperature,
                                  "untied": which == "tied", "scaled": ["lm_head.weight"]}
    assert read_tempered(source) is None


def test_temperature_one_is_the_source(tied_model, tmp_path):
    out = write_tempered_copy(str(tied_model), 1.0, tmp_path / "same")
    assert torch.equal(logits(out), logits(tied_model))


def test_a_head_with_a_bias_is_scaled_with_it():
    torch.manual_seed(1)
    model = PhiForCausalLM(PhiConfig(vocab_size=50, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                     num_attention_heads=2)).eval()
    with torch.no_grad():
        model.lm_head.bias.normal_()  # the init leaves it 0, which would hide a bias left unscaled
    ids = torch.tensor([[1, 5, 7, 9]])
    with torch.no_grad():
        before = model(ids).logits
    assert temper(model, 0.25) == {"untied": False, "scaled": ["lm_head.weight", "lm_head.bias"]}
    with torch.no_grad():
        assert torch.allclose(model(ids).logits, before * 4, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("temperature", [0.0, -0.5, float("nan"), float("inf")])
def test_refuses_a_temperature_that_is_not_positive(temperature, tiny_nobos_model, tmp_path):
    with pytest.raises(DataError, match="positive"):
        write_tempered_copy(str(tiny_nobos_model), temperature, tmp_path / "copy")
    assert not (tmp_path / "copy").exists()


def test_refuses_an_occupied_out_and_writes_nothing(tiny_nobos_model, tmp_path):
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    with pytest.raises(DataError, match="not empty"):
        write_tempered_copy(str(tiny_nobos_model), 0.5, occupied)
    assert [p.name for p in occupied.iterdir()] == ["keep.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(DataError, match="not a folder"):
        write_tempered_copy(str(tiny_nobos_model), 0.5, a_file)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_tempered_copy(str(tiny_nobos_model), 0.5, empty) == empty and (empty / TEMPERED_FILE).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "file", "occupied"]  # no staging folder left


def test_command_line(tiny_nobos_model, tmp_path, capsys):
    main(["tempered-copy", str(tiny_nobos_model), "2", str(tmp_path / "cli")])
    assert read_tempered(tmp_path / "cli")["temperature"] == 2.0
    with pytest.raises(SystemExit) as exit_info:
        main(["tempered-copy", str(tiny_nobos_model), "0", str(tmp_path / "zero")])
    assert exit_info.value.code == 2 and "must be a finite number above 0" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="not empty"):
        main(["tempered-copy", str(tiny_nobos_model), "2", str(tmp_path / "cli")])
    with pytest.raises(SystemExit) as exit_info:
        main(["tempered-copy", "--help"])
    text = capsys.readouterr().out
    assert exit_info.value.code == 0 and "tie_word_embeddings" in text and "@default" in text


def test_a_temperature_whose_inverse_overflows_float32_is_refused_before_loading(tmp_path):
    with pytest.raises(DataError, match=r"T = 1e-39 is so small that 1/T overflows float32"):
        write_tempered_copy("./no/such/model", 1e-39, tmp_path / "copy")
    assert not (tmp_path / "copy").exists()


def test_a_head_made_non_finite_by_t_is_refused():
    """1/T is finite, but a float16 head times 1/T overflows: nothing infinite is written."""
    model = LlamaForCausalLM(LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2)).half()
    with pytest.raises(DataError, match=r"T = 1e-07 makes the output head's weight non-finite in torch.float16"):
        temper(model, 1e-7)


def test_out_inside_model_is_refused(tiny_nobos_model, tmp_path):
    source = Path(shutil.copytree(tiny_nobos_model, tmp_path / "model"))
    before = sorted(p.name for p in source.iterdir())
    with pytest.raises(DataError, match=r"OUT lies inside MODEL"):
        write_tempered_copy(str(source), 0.5, source / "tempered")
    assert sorted(p.name for p in source.iterdir()) == before


def test_a_symlinked_out_and_an_empty_model_folder_are_one_line(tiny_nobos_model, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(SystemExit, match=r"^summ-pref tempered-copy: error: .*link: is a symbolic link \(to .*real\); "
                                         "give the folder itself$"):
        main(["tempered-copy", str(tiny_nobos_model), "0.5", str(tmp_path / "link")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match=r"^summ-pref tempered-copy: error: .*empty: field 'MODEL': no config.json: "
                                         "not a transformers model folder"):
        main(["tempered-copy", str(tmp_path / "empty"), "0.5", str(tmp_path / "copy")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "link", "real"]


def test_the_copy_has_the_users_permissions(tiny_nobos_model, tmp_path):
    old = os.umask(0o022)
    try:
        out = write_tempered_copy(str(tiny_nobos_model), 0.5, tmp_path / "copy")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
