"""GPU benchmark: hf-prefix vs lm-eval's hf on random-initialised bf16 models shaped like Pythia-1B and
Llama-2-7B (speed does not depend on the weights; nothing can be downloaded on the GPU machine).

Requests are synthetic token ids with this project's shape: posts of 350-550 tokens, summaries of
15-40 tokens, given straight to `_loglikelihood_tokens` (no tokenizer needed beyond a stub):
  random     N posts with one pair (2 summaries) each
  recurring  M posts with 6 pairs (12 summaries) each, like batch18.json

Figures per shape and workload: request tokens/s (sum of len(context) + len(continuation)), speed-up
over hf, and model FLOPs utilisation MFU = 2 x parameters x tokens computed / time / peak, with
parameters excluding the input embedding table and peak = 989 TFLOP/s (H100 dense bf16). "tokens
computed" is what each backend runs through the model (hf: every context again per request;
hf-prefix: each context once per row). Parity: a subset is scored in bf16 and fp32 by both.

    python benchmarks/bench_hf_prefix_gpu.py                       # both shapes, defaults
    python benchmarks/bench_hf_prefix_gpu.py --shapes pythia-1b --random-posts 128 --recurring-posts 24
See benchmarks/README.md for carrying lm-eval to the GPU machine as wheels.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

H100_BF16_DENSE = 989e12

SHAPES = {
    "pythia-1b": dict(
        model_type="gpt_neox", vocab_size=50304, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
        num_attention_heads=8, rotary_pct=0.25, max_position_embeddings=2048, use_parallel_residual=True,
        tie_word_embeddings=False,
    ),
    "llama2-7b": dict(
        model_type="llama", vocab_size=32000, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
        num_attention_heads=32, num_key_value_heads=32, max_position_embeddings=4096, tie_word_embeddings=False,
    ),
    # a smoke-test shape: `--shapes tiny-llama --device cpu` checks the script without a GPU
    "tiny-llama": dict(
        model_type="llama", vocab_size=1000, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024, tie_word_embeddings=False,
    ),
}
DEFAULT_SHAPES = ["pythia-1b", "llama2-7b"]


def stub_tokenizer():
    """A word-level tokenizer with BOS/EOS/PAD: HFLM needs one; the requests are token ids already."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "a": 3}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="</s>",
                                   unk_token="<unk>")


def build_model(shape: str, dtype: torch.dtype, device: str):
    from transformers import AutoConfig, AutoModelForCausalLM

    spec = dict(SHAPES[shape])
    config = AutoConfig.for_model(spec.pop("model_type"), **spec, bos_token_id=1, eos_token_id=2, pad_token_id=2)
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation="sdpa")
    return model.eval()


def synthetic_requests(n_posts: int, summaries_per_post: int, vocab: int, seed: int):
    rng = random.Random(seed)
    requests = []
    for p in range(n_posts):
        ctx = [1] + [rng.randrange(4, vocab) for _ in range(rng.randint(350, 550) - 1)]
        for s in range(summaries_per_post):
            cont = [rng.randrange(4, vocab) for _ in range(rng.randint(15, 40))]
            requests.append(((f"post{p}", f"summary{p}.{s}"), ctx, cont))
    rng.shuffle(requests)  # the harness delivers requests in doc order, not grouped
    return requests


def make_lm(name: str, model, tokenizer, batch_size, max_length: int):
    from lm_eval.models.huggingface import HFLM

    from lm_eval_tasks.models.hf_prefix import HFPrefixLM

    cls = HFPrefixLM if name == "hf-prefix" else HFLM
    return cls(pretrained=model, tokenizer=tokenizer, batch_size=batch_size, max_length=max_length)


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def timed(lm, requests) -> tuple[float, list]:
    sync()
    start = time.perf_counter()
    out = lm._loglikelihood_tokens(requests, disable_tqdm=True)
    sync()
    return time.perf_counter() - start, out


def workload_report(shape: str, workload: str, n_posts: int, per_post: int, lms: dict, model_config, args,
                    n_params: int) -> dict:
    """One workload timed on both backends, alternating their order each repeat so neither always runs on a
    warmer device, with its throughput, speed-up and MFU."""
    from lm_eval_tasks.models.prefix_plan import build_plan

    requests = synthetic_requests(n_posts, per_post, model_config.vocab_size, seed=args.seed)
    request_tokens = sum(len(c) + len(x) for _, c, x in requests)
    plan = build_plan([(c, x) for _, c, x in requests], model_config.max_position_embeddings,
                      lms["hf-prefix"].max_row_tokens)
    computed = {"hf": plan.work_unshared().layer_tokens, "hf-prefix": plan.work_packed().layer_tokens}
    times: dict[str, list[float]] = {"hf": [], "hf-prefix": []}
    for rep in range(args.repeats):
        for name in (["hf", "hf-prefix"] if rep % 2 == 0 else ["hf-prefix", "hf"]):
            seconds, _ = timed(lms[name], requests)
            times[name].append(seconds)
            print(f"  [{shape} {workload}] repeat {rep + 1} {name:9s} {seconds:7.2f} s", flush=True)
    med = {m: statistics.median(v) for m, v in times.items()}
    return {
        "shape": shape, "workload": workload, "requests": len(requests), "posts": n_posts,
        "request_tokens": request_tokens, "tokens_computed": computed, "params_non_embedding": n_params,
        "median_s": med, "all_s": times,
        "request_tokens_per_s": {m: request_tokens / s for m, s in med.items()},
        "speedup_vs_hf": med["hf"] / med["hf-prefix"],
        "mfu": {m: 2 * n_params * computed[m] / med[m] / H100_BF16_DENSE for m in med},
        "mfu_hf_equivalent": {m: 2 * n_params * computed["hf"] / med[m] / H100_BF16_DENSE for m in med},
        "device": device_name(args.device),
    }


def parity_report(shape: str, bf16: dict[str, list[float]], model, tokenizer, max_length: int, subset: list
                  ) -> dict:
    """The bf16 scores of both backends against their fp32 scores of the same requests (`model` already in fp32),
    so a speed-up is never bought with wrong log-probabilities."""
    fp32 = {m: [r[0] for r in make_lm(m, model, tokenizer, 8, max_length)._loglikelihood_tokens(
        subset, disable_tqdm=True)] for m in ("hf", "hf-prefix")}
    diff = lambda a, b: max(abs(x - y) for x, y in zip(a, b))  # noqa: E731
    return {
        "shape": shape, "workload": "parity", "requests": len(subset),
        "max_abs_bf16_vs_fp32": {m: diff(bf16[m], fp32["hf"]) for m in bf16},
        "max_abs_prefix_vs_hf_fp32": diff(fp32["hf-prefix"], fp32["hf"]),
        "max_abs_prefix_vs_hf_bf16": diff(bf16["hf-prefix"], bf16["hf"]),
    }


def bench_shape(shape: str, args) -> list[dict]:
    """Every workload and the parity check of one model shape, on one bf16 model shared by both backends."""
    tokenizer = stub_tokenizer()
    model = build_model(shape, torch.bfloat16, args.device)
    n_params = sum(p.numel() for p in model.parameters()) - model.get_input_embeddings().weight.numel()
    max_length = model.config.max_position_embeddings
    vocab = model.config.vocab_size
    lms = {
        "hf": make_lm("hf", model, tokenizer, args.hf_batch_size, max_length),
        "hf-prefix": make_lm("hf-prefix", model, tokenizer, args.prefix_batch_size, max_length),
    }
    # warm-up: kernels, allocator, hf-prefix's auto budget probe
    warm = synthetic_requests(4, 2, vocab, seed=99)
    for lm in lms.values():
        timed(lm, warm)

    workloads = {"random": (args.random_posts, 2), "recurring": (args.recurring_posts, 12)}
    reports = [workload_report(shape, workload, n_posts, per_post, lms, model.config, args, n_params)
               for workload, (n_posts, per_post) in workloads.items() if n_posts]
    if args.parity_requests:
        subset = synthetic_requests(args.parity_requests // 2, 2, vocab, seed=7)
        bf16 = {m: [r[0] for r in lm._loglikelihood_tokens(subset, disable_tqdm=True)] for m, lm in lms.items()}
        del lms
        reports.append(parity_report(shape, bf16, model.float(), tokenizer, max_length, subset))
    del model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return reports

def device_name(device: str) -> str:
    return torch.cuda.get_device_name() if device == "cuda" else device


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", nargs="+", default=DEFAULT_SHAPES, choices=list(SHAPES))
    parser.add_argument("--device", default="cuda", help="cuda; cpu only for a smoke test with --shapes tiny-llama")
    parser.add_argument("--random-posts", type=int, default=256)
    parser.add_argument("--recurring-posts", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hf-batch-size", default="32", help="hf's batch size (int; 'auto' re-probes every call)")
    parser.add_argument("--prefix-batch-size", default="auto", help="hf-prefix's batch size (rows, or 'auto')")
    parser.add_argument("--parity-requests", type=int, default=64, help="0 skips the bf16/fp32 parity check")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    for key in ("hf_batch_size", "prefix_batch_size"):
        value = getattr(args, key)
        setattr(args, key, value if value == "auto" else int(value))
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("bench_hf_prefix_gpu.py needs a CUDA GPU (see benchmarks/README.md)")
    torch.backends.cuda.matmul.allow_tf32 = True

    reports = []
    for shape in args.shapes:
        reports.extend(bench_shape(shape, args))
    print(f"\ntorch {torch.__version__}, {device_name(args.device)}")
    for rep in reports:
        print(f"\n== {rep['shape']} {rep['workload']}")
        for key, val in rep.items():
            if key not in ("shape", "workload", "all_s"):
                print(f"   {key}: {json.dumps(val) if isinstance(val, dict) else val}")
    if args.out:
        args.out.write_text(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
