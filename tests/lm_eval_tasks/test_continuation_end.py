"""`--metadata continuation_end`: the summary scored as a finished response, " summary<|endoftext|>", as Huang et al.
trained DPO on. Through the real harness on tiny local models, including a GPT-NeoX (Pythia-shaped) one whose
tokenizer has "<|endoftext|>" as its EOS at id 0 like Pythia's: the logged log-prob equals an independent
computation over the summary's tokens followed by the EOS id, and the record keeps the summary's own size."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GPTNeoXConfig, GPTNeoXForCausalLM

import lm_eval_tasks.models  # noqa: F401  (registers hf-prefix)
from summ_pref_common.errors import DataError
from tests.helpers.harness_runs import run_tasks
from tests.helpers.harness_utils import task_manager

EOS = "<|endoftext|>"
TASK = "summ_pref_cmp_oai"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


@pytest.fixture(scope="module")
def tiny_neox_model(tiny_nobos_model, tmp_path_factory) -> Path:
    """A 2-layer GPT-NeoX with random weights and the no-BOS byte-level BPE tokenizer (EOS "<|endoftext|>", id 0)."""
    out = tmp_path_factory.mktemp("tiny_neox")
    for name in TOKENIZER_FILES:
        if (tiny_nobos_model / name).exists():
            shutil.copy(tiny_nobos_model / name, out / name)
    tok = AutoTokenizer.from_pretrained(out)
    torch.manual_seed(2)
    config = GPTNeoXConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=4, max_position_embeddings=8192, bos_token_id=tok.eos_token_id,
                           eos_token_id=tok.eos_token_id, tie_word_embeddings=False)
    model = GPTNeoXForCausalLM(config)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0)
    model.save_pretrained(out)
    return out


def independent_logprob(tok, model, context: str, summary: str) -> tuple[float, int]:
    """Summed log-prob of the summary's tokens and then the EOS *id* (not its string) after the context, and
    how many tokens that is. The context ends in "TL;DR:" and the summary starts with a space, which the
    byte-level pre-tokenizer splits on, so encoding the parts apart gives the joint encoding's tokens."""
    ids_context = tok(context).input_ids
    ids_summary = [*tok(" " + summary.lstrip(" "), add_special_tokens=False).input_ids, tok.eos_token_id]
    whole = ids_context + ids_summary
    with torch.no_grad():
        logprobs = torch.log_softmax(model(torch.tensor([whole])).logits[0], dim=-1)
    n = len(ids_context)
    return sum(float(logprobs[i - 1, whole[i]]) for i in range(n, len(whole))), len(ids_summary)


@pytest.mark.parametrize(("model_fixture", "backend"), [("tiny_neox_model", "hf"), ("tiny_neox_model", "hf-prefix"),
                                                        ("tiny_bos_model", "hf-prefix")])
def test_logprob_includes_the_eos_token(request, model_fixture, backend):
    model_dir = request.getfixturevalue(model_fixture)
    res = run_tasks(model_dir, [TASK], limit=3, model=backend, data_dir="@sample", continuation_end=EOS)
    tok = AutoTokenizer.from_pretrained(model_dir)
    assert tok.convert_tokens_to_ids(EOS) == tok.eos_token_id
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    checked = 0
    for sample in res["samples"][TASK]:
        record, doc = sample["record"], sample["doc"]
        assert record["continuation_end"] == EOS
        for (context, cont), summary, text in zip(sample["arguments"], record["summaries"],
                                                  (doc["summary_0"], doc["summary_1"]), strict=True):
            body = " " + text.lstrip(" ")
            assert cont == summary["continuation"] == body + EOS
            assert summary["n_bytes"] == len(body.encode()) and summary["n_chars"] == len(body)
            expected, n_tokens = independent_logprob(tok, model, context, text)
            assert summary["logprob"] == pytest.approx(expected, abs=1e-4)
            if backend == "hf-prefix":
                assert summary["n_tokens"] == n_tokens
                assert summary["token_logprobs"][-1] < 0  # the EOS token's own log-prob, counted
            checked += 1
    assert checked == 6


def test_without_the_option_the_eos_is_not_scored(tiny_neox_model):
    res = run_tasks(tiny_neox_model, [TASK], limit=2, model="hf-prefix", data_dir="@sample")
    for sample in res["samples"][TASK]:
        assert sample["record"]["continuation_end"] == ""
        for summary in sample["record"]["summaries"]:
            assert not summary["continuation"].endswith(EOS)
            assert summary["n_bytes"] == len(summary["continuation"].encode())


def test_a_continuation_end_that_is_not_a_string_is_refused_before_scoring():
    manager = task_manager(data_dir="@sample", continuation_end=5)
    with pytest.raises(DataError, match=r"field 'continuation_end'.*expected a string"):
        manager.load([TASK])
