"""Pass-by-pass CPU benchmark of hf-prefix's two passes on one long row, against a causal pass of the whole row.

hf-prefix scores a row (a post or article and its summaries) in two passes (`lm_eval_tasks/models/hf_prefix.py`):
the prefix through SDPA's causal kernel with no mask, its keys and values kept in a DynamicCache, then the
summary segments under a small [segment x (prefix + segment)] float mask. This script times each pass alone on
random token ids of a CNN/DM-sized row (default: a 2,497-token prefix and 98 segment tokens, the longest cnndm3
row of `bench_long_rows.py`), beside `causal`, one plain forward over all the row's tokens (the floor), with
SmolLM2-135M-Instruct in float32. It shows where a gap to the floor comes from, and what OpenMP's waiting policy
does to the segment pass's many small parallel regions on shared cores:

    python benchmarks/bench_passes.py --threads 2                         # the commands' PASSIVE policy
    OMP_WAIT_POLICY=ACTIVE python benchmarks/bench_passes.py --threads 2  # spinning threads

The methods run interleaved, `--repeats` times; medians of wall and process CPU seconds, and each pass's wall
median over the causal pass's, are printed. The segment pass runs on a copy of the prefix's cache each time.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: importing bench_hf_prefix_cpu sets the offline environment and OMP_WAIT_POLICY before torch loads
import bench_hf_prefix_cpu  # noqa: F401

# isort: split
import torch
from transformers import AutoModelForCausalLM, DynamicCache

from lm_eval_tasks.default_model import ensure_default_model


def segment_mask(prefix: int, segment: int) -> torch.Tensor:
    """hf-prefix's additive mask for one row with one segment: the whole prefix, then causal within the segment."""
    allow = torch.ones(1, 1, segment, prefix + segment, dtype=torch.bool)
    allow[..., prefix:] = torch.ones(segment, segment, dtype=torch.bool).tril()
    return torch.zeros(allow.shape).masked_fill_(~allow, torch.finfo(torch.float32).min)


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--prefix", type=int, default=2497, help="prefix tokens (default 2,497)")
    parser.add_argument("--segment", type=int, default=98, help="segment tokens (default 98)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    model = AutoModelForCausalLM.from_pretrained(ensure_default_model(), dtype=torch.float32,
                                                 attn_implementation="sdpa").eval()
    p, s = args.prefix, args.segment
    ids = torch.randint(100, 40_000, (1, p + s), generator=torch.Generator().manual_seed(args.seed))
    mask, positions = segment_mask(p, s), torch.arange(p, p + s)[None]
    cache = DynamicCache()
    with torch.no_grad():
        model.model(input_ids=ids[:, :p], past_key_values=cache, use_cache=True)

    @torch.no_grad()
    def causal():
        model.model(input_ids=ids)

    @torch.no_grad()
    def prefix():
        model.model(input_ids=ids[:, :p], past_key_values=DynamicCache(), use_cache=True)

    @torch.no_grad()
    def segment(kept: DynamicCache):
        model.model(input_ids=ids[:, p:], past_key_values=kept, use_cache=True, position_ids=positions,
                    attention_mask=mask)

    runs: dict[str, list[tuple[float, float]]] = {"causal": [], "prefix": [], "segment": []}
    for _ in range(args.repeats):
        runs["causal"].append(timed(causal))
        runs["prefix"].append(timed(prefix))
        runs["segment"].append(timed(partial(segment, copy.deepcopy(cache))))
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    report = {"threads": args.threads, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "prefix": p,
              "segment": s, "repeats": args.repeats, "torch": torch.__version__, "median_wall_s": wall,
              "median_cpu_s": {k: statistics.median(c for _, c in v) for k, v in runs.items()},
              "over_causal": {k: wall[k] / wall["causal"] for k in ("prefix", "segment")} | {
                  "prefix+segment": (wall["prefix"] + wall["segment"]) / wall["causal"]}}
    print(f"torch {torch.__version__}, {args.threads} threads (OMP_WAIT_POLICY={report['omp_wait_policy']}), "
          f"prefix {p} + segment {s} tokens, {args.repeats} repeats")
    for k, v in runs.items():
        print(f"  {k:8s} median {wall[k]:7.3f} s wall {report['median_cpu_s'][k]:7.3f} s cpu   "
              f"(all: {', '.join(f'{w:.2f}' for w, _ in v)})")
    print("  over causal (wall):", json.dumps({k: round(v, 4) for k, v in report["over_causal"].items()}))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
