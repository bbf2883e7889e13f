"""CPU benchmark: hf-prefix vs lm-eval's hf vs a naive one-row-at-a-time loop, in one process.

Model: SmolLM2-135M-Instruct (float32, the package's default model). Data: OpenAI's comparisons
file batch18.json from ../shared (674 pairs over 110 posts), scored with the OAI prompt.

Workloads
  random     one random pair from each of N distinct posts (every context is new)
  recurring  the first N pairs of batch18.json in file order (posts recur ~6 times)
  e2e        lm_eval.simple_evaluate on summ_pref_cmp, limit=40, batch_size=8, hf vs hf-prefix

The CPU is shared, so the methods run interleaved, in a rotating order, `--repeats` times; medians
are reported. "tokens/s" counts the request tokens len(context) + len(continuation) of every request,
the same numerator for every method, so ratios of tokens/s are ratios of wall time.

    python benchmarks/bench_hf_prefix_cpu.py                 # defaults below (~30 min on 2 cores)
    python benchmarks/bench_hf_prefix_cpu.py --recurring-pairs 674 --naive-repeats 1   # the whole file (~1 h)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# as the summ-pref commands set it (summ_pref_common/openmp.py), before torch loads its OpenMP runtime
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn.functional as F
from lm_eval.api.instance import Instance
from lm_eval.api.registry import get_model
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import lm_eval_tasks.models  # noqa: E402,F401  (registers hf-prefix)
from lm_eval_tasks.data.prompts import continuation, render  # noqa: E402
from lm_eval_tasks.default_model import ensure_default_model  # noqa: E402
from lm_eval_tasks.models.prefix_plan import build_plan  # noqa: E402

SFF_DIR = REPO.parent / "shared" / "data" / "summarize_from_feedback"
BATCH18 = SFF_DIR / "comparisons" / "batch18.json"


def load_rows(path: Path = BATCH18) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def pair_requests(row: dict) -> list[tuple[str, str]]:
    info = row["info"]
    context = render("oai", {"title": info.get("title"), "subreddit": info.get("subreddit"), "text": info["post"]})
    return [(context, continuation(s["text"])) for s in row["summaries"]]


def random_pairs(rows: list[dict], n: int, seed: int) -> list[tuple[str, str]]:
    by_post: dict[str, list[dict]] = {}
    for row in rows:
        by_post.setdefault(row["info"]["id"], []).append(row)
    rng = random.Random(seed)
    posts = rng.sample(sorted(by_post), min(n, len(by_post)))
    return [req for post in posts for req in pair_requests(rng.choice(by_post[post]))]


def recurring_pairs(rows: list[dict], n: int) -> list[tuple[str, str]]:
    return [req for row in rows[:n] for req in pair_requests(row)]


def instances(pairs: list[tuple[str, str]]) -> list[Instance]:
    return [Instance(request_type="loglikelihood", doc={}, arguments=p, idx=i, metadata=("bench", i, 1))
            for i, p in enumerate(pairs)]


@torch.no_grad()
def naive_scores(lm, pairs: list[tuple[str, str]]) -> list[float]:
    """The experiment's original approach: one full forward pass per (post, summary), no batching.
    Tokenization is lm-eval's joint encoding (so the numbers are comparable)."""
    out = []
    for context, cont in tqdm(pairs, desc="naive loop", leave=False):
        ctx_ids, cont_ids = lm._encode_pair(context, cont)
        ids = torch.tensor([(ctx_ids + cont_ids)[:-1]])
        logprobs = F.log_softmax(lm.model(ids).logits[0], dim=-1)
        tail = logprobs[-len(cont_ids):]
        out.append(float(tail.gather(-1, torch.tensor(cont_ids).unsqueeze(-1)).sum()))
    return out


@torch.no_grad()
def kv_cache_scores(lm, pairs: list[tuple[str, str]]) -> list[float]:
    """The alternative design that was measured and not chosen: per context, one pass over
    context[:-1] with use_cache=True, then all its continuations as one batch against the cache
    copied per continuation (DynamicCache.batch_repeat_interleave)."""
    encoded = [lm._encode_pair(c, x) for c, x in pairs]
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, (ctx_ids, _) in enumerate(encoded):
        groups.setdefault(tuple(ctx_ids), []).append(i)
    out = [0.0] * len(pairs)
    for ctx, members in tqdm(groups.items(), desc="kv-cache", leave=False):
        conts = [encoded[i][1] for i in members]
        cache = lm.model(torch.tensor([ctx[:-1]]), use_cache=True, logits_to_keep=1).past_key_values
        cache.batch_repeat_interleave(len(conts))
        width = max(len(c) for c in conts)
        ids = torch.zeros((len(conts), width), dtype=torch.long)
        for j, c in enumerate(conts):
            ids[j, : len(c)] = torch.tensor([ctx[-1], *c[:-1]])
        logprobs = F.log_softmax(lm.model(ids, past_key_values=cache, use_cache=False).logits, dim=-1)
        for j, (i, c) in enumerate(zip(members, conts)):
            out[i] = float(logprobs[j, : len(c)].gather(-1, torch.tensor(c).unsqueeze(-1)).sum())
    return out


def model_gflop(lm, pairs) -> dict[str, float]:
    """The matmul work each method must do on these requests (prefix_plan.Work), in GFLOP: the ratio
    hf / hf-prefix is what the speed-up would be if both ran at the same FLOP rate."""
    plan = build_plan([lm._encode_pair(c, x) for c, x in pairs], lm.max_length, lm.max_row_tokens)
    model, config = lm.model, lm.model.config
    head = model.get_output_embeddings().weight
    embedding = model.get_input_embeddings().weight
    layer_params = sum(p.numel() for p in model.parameters()) - embedding.numel() - (
        0 if head is embedding else head.numel())
    dims = {"layer_params": layer_params, "head_params": head.numel(), "hidden": config.hidden_size,
            "n_layers": config.num_hidden_layers}
    work = {"hf": plan.work_unshared(), "hf-prefix": plan.work_packed(), "kv-cache": plan.work_packed(),
            "naive": plan.work_unshared(per_request=True)}
    return {m: w.flops(**dims) / 1e9 for m, w in work.items()}


def request_tokens(lm, pairs) -> int:
    return sum(len(a) + len(b) for a, b in (lm._encode_pair(c, x) for c, x in pairs))


def timed(fn):
    """(wall seconds, CPU seconds of this process, result). CPU time is far less inflated than wall
    time when other jobs share the cores, so both are reported."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_workload(name: str, pairs, backends: dict, repeats: int, methods: list[str], naive_repeats: int) -> dict:
    hf = backends["hf"]
    tokens = request_tokens(hf, pairs)
    gflop = model_gflop(backends["hf-prefix"], pairs)
    n_contexts = len({c for c, _ in pairs})
    calls = {
        "hf": lambda: [r[0] for r in backends["hf"].loglikelihood(instances(pairs), disable_tqdm=True)],
        "hf-prefix": lambda: [r[0] for r in backends["hf-prefix"].loglikelihood(instances(pairs), disable_tqdm=True)],
        "naive": lambda: naive_scores(hf, pairs),
        "kv-cache": lambda: kv_cache_scores(hf, pairs),
    }
    times: dict[str, list[float]] = {m: [] for m in methods}
    cpu_times: dict[str, list[float]] = {m: [] for m in methods}
    scores: dict[str, list[float]] = {}
    for rep in range(repeats):
        order = methods[rep % len(methods):] + methods[: rep % len(methods)]
        for method in order:
            if method == "naive" and len(times["naive"]) >= naive_repeats:
                continue
            seconds, cpu_seconds, result = timed(calls[method])
            times[method].append(seconds)
            cpu_times[method].append(cpu_seconds)
            scores[method] = result
            print(f"  [{name}] repeat {rep + 1}/{repeats} {method:9s} {seconds:8.2f} s wall {cpu_seconds:8.2f} s cpu",
                  flush=True)
    med = {m: statistics.median(v) for m, v in times.items()}
    med_cpu = {m: statistics.median(v) for m, v in cpu_times.items()}
    report = {
        "workload": name, "requests": len(pairs), "contexts": n_contexts, "request_tokens": tokens,
        "repeats": repeats, "median_s": med, "median_cpu_s": med_cpu, "all_s": times, "all_cpu_s": cpu_times,
        "tokens_per_s": {m: tokens / s for m, s in med.items()},
        "tokens_per_cpu_s": {m: tokens / s for m, s in med_cpu.items()},
        "model_gflop": {m: gflop[m] for m in methods},
        "gflop_per_s": {m: gflop[m] / s for m, s in med.items()},
        "max_abs_diff_vs_hf": {m: max(abs(a - b) for a, b in zip(scores[m], scores["hf"])) for m in methods},
    }
    for m in methods:
        if m != "hf-prefix":
            paired = [b / a for a, b in zip(times["hf-prefix"], times[m])]
            report[f"speedup_vs_{m}"] = {
                "wall_of_medians": med[m] / med["hf-prefix"],
                "wall_median_paired": statistics.median(paired),
                "cpu_of_medians": med_cpu[m] / med_cpu["hf-prefix"],
                "model_gflop_ratio": gflop[m] / gflop["hf-prefix"],
            }
    return report


def run_e2e(model_dir: Path, repeats: int, limit: int = 40, batch_size: int = 8) -> dict:
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    metadata = {"data_dir": str(SFF_DIR)}
    times: dict[str, list[float]] = {"hf": [], "hf-prefix": []}
    cpu_times: dict[str, list[float]] = {"hf": [], "hf-prefix": []}
    logprobs: dict[str, list[float]] = {}
    for rep in range(repeats):
        for name in (["hf", "hf-prefix"] if rep % 2 == 0 else ["hf-prefix", "hf"]):
            start, cpu_start = time.perf_counter(), time.process_time()  # model load included: end to end
            lm = get_model(name)(pretrained=str(model_dir), dtype="float32", device="cpu", batch_size=batch_size)
            res = simple_evaluate(
                model=lm, tasks=["summ_pref_cmp"], limit=limit, log_samples=True, bootstrap_iters=0,
                task_manager=TaskManager(include_path=str(REPO / "lm_eval_tasks"), include_defaults=False,
                                         metadata=metadata),
                metadata=metadata,
            )
            times[name].append(time.perf_counter() - start)
            cpu_times[name].append(time.process_time() - cpu_start)
            samples = sorted(res["samples"]["summ_pref_cmp"], key=lambda s: s["doc_id"])
            logprobs[name] = [s_["logprob"] for s in samples for s_ in s["record"]["summaries"]]
            print(f"  [e2e] repeat {rep + 1}/{repeats} {name:9s} {times[name][-1]:8.2f} s wall "
                  f"{cpu_times[name][-1]:8.2f} s cpu", flush=True)
    med = {m: statistics.median(v) for m, v in times.items()}
    med_cpu = {m: statistics.median(v) for m, v in cpu_times.items()}
    return {
        "workload": f"simple_evaluate summ_pref_cmp limit={limit} batch_size={batch_size}",
        "repeats": repeats, "median_s": med, "median_cpu_s": med_cpu, "all_s": times, "all_cpu_s": cpu_times,
        "speedup_hf_prefix_vs_hf": {"wall": med["hf"] / med["hf-prefix"], "cpu": med_cpu["hf"] / med_cpu["hf-prefix"]},
        "max_abs_diff_vs_hf": max(abs(a - b) for a, b in zip(logprobs["hf"], logprobs["hf-prefix"])),
        "n_logprobs": len(logprobs["hf"]),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--random-pairs", type=int, default=20, help="distinct posts, one pair each (default 20)")
    parser.add_argument("--recurring-pairs", type=int, default=36,
                        help="first N pairs of batch18.json (default 36 = 7 posts; 674 = the whole file)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-repeats", type=int,
                        help="repeats of the slow naive loop (default: --repeats; 1 for the whole file)")
    parser.add_argument("--e2e-repeats", type=int, default=2, help="0 skips the simple_evaluate comparison")
    parser.add_argument("--batch-size", default="8")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--with-kv", action="store_true", help="also time the KV-cache alternative")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    model_dir = ensure_default_model()
    batch_size = args.batch_size if args.batch_size == "auto" else int(args.batch_size)
    backends = {name: get_model(name)(pretrained=str(model_dir), dtype="float32", device="cpu", batch_size=batch_size)
                for name in ("hf", "hf-prefix")}
    methods = ["hf", "hf-prefix", "naive"] + (["kv-cache"] if args.with_kv else [])
    naive_repeats = args.repeats if args.naive_repeats is None else args.naive_repeats
    if not 1 <= naive_repeats <= args.repeats:
        parser.error("--naive-repeats must be between 1 and --repeats")
    rows = load_rows()
    reports = []
    if args.random_pairs:
        reports.append(run_workload("random", random_pairs(rows, args.random_pairs, args.seed), backends,
                                    args.repeats, methods, naive_repeats))
    if args.recurring_pairs:
        reports.append(run_workload("recurring", recurring_pairs(rows, args.recurring_pairs), backends,
                                    args.repeats, methods, naive_repeats))
    if args.e2e_repeats:
        reports.append(run_e2e(model_dir, args.e2e_repeats))

    print(f"\ntorch {torch.__version__}, {args.threads} threads, batch_size={args.batch_size}, model {model_dir.name}")
    for rep in reports:
        print(f"\n== {rep['workload']}")
        for key in ("requests", "contexts", "request_tokens", "repeats"):
            if key in rep:
                print(f"   {key}: {rep[key]}")
        for m, s in rep["median_s"].items():
            tps = rep.get("tokens_per_s", {}).get(m)
            line = f"   {m:10s} median {s:8.2f} s wall {rep['median_cpu_s'][m]:8.2f} s cpu"
            if tps:
                line += f"   {tps:7.0f} tokens/s wall {rep['tokens_per_cpu_s'][m]:7.0f} tokens/cpu-s"
                line += f"   {rep['model_gflop'][m]:8.0f} GFLOP {rep['gflop_per_s'][m]:6.1f} GFLOP/s"
            print(line)
        for key, val in rep.items():
            if key.startswith("speedup"):
                print(f"   {key}: {json.dumps(val)}")
        print(f"   max |logprob - hf|: {rep['max_abs_diff_vs_hf']}")
    if args.out:
        args.out.write_text(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
