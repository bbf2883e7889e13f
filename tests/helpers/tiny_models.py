"""Tiny random-weight causal LMs with locally trained BPE tokenizers, for offline tests.

Two tokenizer styles matter to lm-eval's scoring: one that prepends BOS (Llama style) and one that
does not (GPT-2 / Pythia style). Both are built here from a fixed corpus and a fixed seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

CORPUS = [
    "Here is a Reddit text post about my girlfriend, my grandma and a couch.",
    "TL;DR: I quit football and now her family thinks I am lazy; what should I say?",
    "SUBREDDIT: r/relationships TITLE: Advice needed POST: We argued about money again.",
    "The article reports that the minister resigned after the budget was leaked to the press.",
    "Summary of the news: police arrested a man; the court will decide next week.",
    "I (24F) and my boyfriend (26M) have been together for three years and it is hard.",
] * 20
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "lm_eval_tasks" / "data" / "sample"


def _corpus() -> list[str]:
    """The fixed sentences plus the project's own synthetic sample, so real-looking English takes
    few tokens (a tiny vocabulary would make every post thousands of tokens long)."""
    texts = list(CORPUS)
    for path in sorted(SAMPLE_DIR.glob("*/*.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts += [row["info"].get("post") or row["info"].get("article") or "", row["info"].get("title") or ""]
            texts += [s["text"] for s in row.get("summaries", [row.get("summary", {"text": ""})])]
    return texts


def _train_tokenizer(add_bos: bool, max_positions: int) -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=2000,
        special_tokens=["<|endoftext|>", "<s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_corpus(), trainer)
    bos_id = tok.token_to_id("<s>")
    if add_bos:
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos_id)]
        )
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        model_max_length=max_positions,
    )


def build_tiny_model(out_dir: Path, *, add_bos: bool, seed: int = 0, max_positions: int = 8192) -> Path:
    """Save a 2-layer Llama with random weights and a trained tokenizer into `out_dir`."""
    tokenizer = _train_tokenizer(add_bos, max_positions)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_positions,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0)  # sharper distributions than the default init, so logprobs differ visibly
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
