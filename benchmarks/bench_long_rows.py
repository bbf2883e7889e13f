"""CPU benchmark: hf-prefix on long rows (CNN/DM articles) against a causal pass of the same rows and
against the packed design it replaced (each row one sequence under a dense mask), in one process.

Model: SmolLM2-135M-Instruct (float32, the package's default model). Data from ../shared/data:

  cnndm3        the `--articles` longest articles of axis_evals/cnndm3.json with their 3 rated
                summaries each, after the news prompt (rows of ~2,300-2,600 tokens)
  batch0_cnndm  the `--articles` longest articles of comparisons/batch0_cnndm.json, both summaries of
                every comparison row of them (4 distinct summaries per article; duplicates scored once)
  tldr_random   one random pair from each of `--random-posts` distinct posts of comparisons/batch18.json
                (OAI prompt, as bench_hf_prefix_cpu.py's `random`): short rows, which must not get slower

Methods, all on the same requests tokenized once (lm-eval's joint encoding; tokenizing is not timed):

  hf-prefix   the backend: prefixes through the causal kernel with a KV cache, then the segments
  packed      the design before (a copy kept here, not in the package): each row one sequence under a
              dense [row x row] float mask, rows batched by total length
  causal      the floor: a plain causal forward over each of hf-prefix's rows (its prefix and segments laid
              end to end: the same length), one row per pass (no padding), no mask, the LM head on as
              many positions as hf-prefix scores

The CPU is shared, so the methods run interleaved, in a rotating order, `--repeats` times; medians
(wall and CPU seconds of this process) and ratios of medians are printed, with the median of the
per-repeat ratios. Also printed: the largest |logprob| and |entropy| difference of hf-prefix from the
packed design, and with `--with-hf` from lm-eval's `hf` (run once, untimed).

    python benchmarks/bench_long_rows.py                          # ~10 min on 2 quiet cores
    python benchmarks/bench_long_rows.py --with-hf --out long.json
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: importing bench_hf_prefix_cpu sets the offline environment before torch and lm-eval load, and puts the
# repository on sys.path
from bench_hf_prefix_cpu import BATCH18, SFF_DIR, load_rows, random_pairs

# isort: split
import torch
import torch.nn.functional as F
from lm_eval.api.registry import get_model

import lm_eval_tasks.models  # noqa: F401  (registers hf-prefix)
from lm_eval_tasks.data.prompts import continuation, render
from lm_eval_tasks.default_model import ensure_default_model
from lm_eval_tasks.models.hf_prefix import HFPrefixLM
from lm_eval_tasks.models.prefix_plan import Plan, Row, build_plan, cut_batches

CNNDM3 = SFF_DIR / "axis_evals" / "cnndm3.json"
BATCH0_CNNDM = SFF_DIR / "comparisons" / "batch0_cnndm.json"

Requests = list[tuple[tuple[str, str], list[int], list[int]]]


# ---------------------------------------------------------------- workloads
def news_context(info: dict) -> str:
    return render("cnndm", {"title": info.get("title"), "text": info["article"]})


def longest_articles(rows: list[dict], n: int) -> list[dict]:
    """The rows of the `n` articles with the most characters (ties by id)."""
    sizes = {r["info"]["id"]: len(r["info"]["article"]) for r in rows}
    chosen = set(sorted(sizes, key=lambda i: (-sizes[i], i))[:n])
    return [r for r in rows if r["info"]["id"] in chosen]


def cnndm3_pairs(n_articles: int) -> list[tuple[str, str]]:
    rows = longest_articles(load_rows(CNNDM3), n_articles)
    return [(news_context(r["info"]), continuation(r["summary"]["text"])) for r in rows]


def batch0_pairs(n_articles: int) -> list[tuple[str, str]]:
    rows = longest_articles(load_rows(BATCH0_CNNDM), n_articles)
    return [(news_context(r["info"]), continuation(s["text"])) for r in rows for s in r["summaries"]]


def encode(lm, pairs: list[tuple[str, str]]) -> Requests:
    return [((ctx, cont), *lm._encode_pair(ctx, cont)) for ctx, cont in pairs]


# ---------------------------------------------------------------- the packed design it replaced
def old_make_batches(rows: Sequence[Row], max_rows: int | None = None, token_budget: int | None = None,
                     max_padding: float | None = None) -> list[list[Row]]:
    """The batching of the packed design: rows sorted by total length, padded to the longest row (one pass)."""
    ordered = sorted(rows, key=lambda r: (-r.n_tokens, r.context))
    return cut_batches(ordered, lambda r: (r.n_tokens,), max_rows, token_budget, max_padding)


class PackedLM(HFPrefixLM):
    """hf-prefix as it was: one sequence per row under a dense additive [row x row] block mask."""

    def _batches(self, plan: Plan, override_bs: int | None) -> list[list[Row]]:
        if self.batch_size == "auto":
            return old_make_batches(plan.rows, token_budget=self.token_budget or self.CPU_TOKEN_BUDGET,
                                    max_rows=self.max_batch_size, max_padding=self.max_padding)
        return old_make_batches(plan.rows, max_rows=int(self.batch_size), max_padding=self.max_padding)

    def _pack(self, rows: Sequence[Row], plan: Plan):
        length = max(r.n_tokens for r in rows)
        pad = self._pad_id()
        ids, pos, seg = [], [], []
        segments: list[tuple[int, int, int]] = []
        for r, row in enumerate(rows):
            p = row.prefix_len
            row_ids, row_pos, row_seg = list(row.context[:-1]), list(range(p)), [0] * p
            for k, u_idx in enumerate(row.members, start=1):
                cont = plan.uniques[u_idx].continuation
                segments.append((r, len(row_ids), u_idx))
                row_ids += [row.context[-1], *cont[:-1]]
                row_pos += range(p, p + len(cont))
                row_seg += [k] * len(cont)
            n_pad = length - len(row_ids)
            ids.append(row_ids + [pad] * n_pad)
            pos.append(row_pos + [0] * n_pad)
            seg.append(row_seg + [len(row.members) + 1] * n_pad)
        ids_t, pos_t, seg_t = (torch.tensor(x, dtype=torch.long) for x in (ids, pos, seg))
        causal = torch.ones((length, length), dtype=torch.bool).tril_()
        same = (seg_t.unsqueeze(2) == seg_t.unsqueeze(1)) | (seg_t.unsqueeze(1) == 0)
        allow = (same & causal).unsqueeze(1)
        mask = torch.zeros(allow.shape).masked_fill_(~allow, torch.finfo(torch.float32).min)
        return ids_t, pos_t, mask, segments

    @torch.no_grad()
    def _score_batch(self, rows: Sequence[Row], plan: Plan):
        ids, pos, mask, segments = self._pack(rows, plan)
        lengths = [len(plan.uniques[u].continuation) for _, _, u in segments]
        rows_idx = torch.tensor([r for (r, _, _), k in zip(segments, lengths) for _ in range(k)])
        cols_idx = torch.tensor([s + i for (_, s, _), k in zip(segments, lengths) for i in range(k)])
        with head_on(self.model, rows_idx, cols_idx):
            selected = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=False).logits[0]
        yield from score_segments(selected, [u for _, _, u in segments], plan, self.SOFTMAX_CHUNK)


@contextmanager
def head_on(model, rows_idx: torch.Tensor, cols_idx: torch.Tensor):
    """The LM head on positions (rows_idx, cols_idx) only, as hf-prefix gathers them."""

    def gather(_module, args):
        return (args[0][rows_idx, cols_idx].unsqueeze(0), *args[1:])

    handle = model.get_output_embeddings().register_forward_pre_hook(gather)
    try:
        yield
    finally:
        handle.remove()


def score_segments(selected: torch.Tensor, members: list[int], plan: Plan, chunk: int):
    """(unique index, (logprob, token entropies)) per segment: the same reductions as hf-prefix."""
    targets = torch.tensor([t for u in members for t in plan.uniques[u].continuation])
    token_lp, entropy = [], []
    for block, block_targets in zip(selected.split(chunk), targets.split(chunk)):
        logprobs = F.log_softmax(block, dim=-1)
        token_lp.append(logprobs.gather(-1, block_targets.unsqueeze(-1)).squeeze(-1))
        entropy.append(-(logprobs.exp() * logprobs).nan_to_num(nan=0.0).sum(-1))
    token_lp_list, entropy_list = torch.cat(token_lp).tolist(), torch.cat(entropy).tolist()
    offset = 0
    for u in members:
        k = len(plan.uniques[u].continuation)
        yield u, (sum(token_lp_list[offset:offset + k]), False, k, token_lp_list[offset:offset + k],
                  entropy_list[offset:offset + k], False)
        offset += k


# ---------------------------------------------------------------- the floor
def plan_of(lm: HFPrefixLM, requests: Requests) -> Plan:
    return build_plan([(ctx, cont) for _, ctx, cont in requests], max_length=lm.max_length,
                      max_row_tokens=lm.max_row_tokens, keep_first=lm._kept_first_token())


@torch.no_grad()
def causal_floor(lm: HFPrefixLM, requests: Requests) -> int:
    """One causal forward per hf-prefix row over its tokens, no padding, no mask; returns the rows."""
    plan = plan_of(lm, requests)
    for row in plan.rows:
        tokens = [*row.context[:-1], *(t for u in row.members for t in plan.uniques[u].continuation)]
        n_head = sum(len(plan.uniques[u].continuation) for u in row.members)
        with head_on(lm.model, torch.zeros(n_head, dtype=torch.long), torch.arange(len(tokens) - n_head, len(tokens))):
            lm.model(input_ids=torch.tensor([tokens]), use_cache=False)
    return len(plan.rows)


# ---------------------------------------------------------------- timing
def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_workload(name: str, pairs: list[tuple[str, str]], lm: HFPrefixLM, packed: PackedLM, repeats: int,
                 hf=None) -> dict:
    requests = encode(lm, pairs)
    plan = plan_of(lm, requests)
    calls = {
        "hf-prefix": lambda: lm._loglikelihood_tokens(requests, disable_tqdm=True),
        "packed": lambda: packed._loglikelihood_tokens(requests, disable_tqdm=True),
        "causal": lambda: causal_floor(lm, requests),
    }
    methods = list(calls)
    wall: dict[str, list[float]] = {m: [] for m in methods}
    cpu: dict[str, list[float]] = {m: [] for m in methods}
    results = {}
    for rep in range(repeats):
        for method in methods[rep % 3:] + methods[: rep % 3]:
            w, c, results[method] = timed(calls[method])
            wall[method].append(w)
            cpu[method].append(c)
            print(f"  [{name}] repeat {rep + 1}/{repeats} {method:9s} {w:8.2f} s wall {c:8.2f} s cpu", flush=True)
    new, old = results["hf-prefix"], results["packed"]
    med = {m: statistics.median(v) for m, v in wall.items()}
    med_cpu = {m: statistics.median(v) for m, v in cpu.items()}
    n_rows = len(plan.rows)
    row_tokens = [r.n_tokens for r in plan.rows]
    report = {
        "workload": name, "requests": len(pairs), "distinct_requests": len(plan.uniques), "rows": n_rows,
        "row_tokens": {"min": min(row_tokens), "median": statistics.median(row_tokens), "max": max(row_tokens),
                       "total": sum(row_tokens)},
        "segments_per_row": statistics.mean(len(r.members) for r in plan.rows),
        "repeats": repeats, "median_s": med, "median_cpu_s": med_cpu, "all_s": wall, "all_cpu_s": cpu,
        "per_row_s": {m: s / n_rows for m, s in med.items()},
        "hf_prefix_over_causal": {
            "wall": med["hf-prefix"] / med["causal"], "cpu": med_cpu["hf-prefix"] / med_cpu["causal"],
            "wall_paired": statistics.median(a / b for a, b in zip(wall["hf-prefix"], wall["causal"])),
        },
        "packed_over_hf_prefix": {
            "wall": med["packed"] / med["hf-prefix"], "cpu": med_cpu["packed"] / med_cpu["hf-prefix"],
            "wall_paired": statistics.median(a / b for a, b in zip(wall["packed"], wall["hf-prefix"])),
        },
        "packed_over_causal": {"wall": med["packed"] / med["causal"], "cpu": med_cpu["packed"] / med_cpu["causal"]},
        "max_abs_diff_vs_packed": {
            "logprob": max(abs(a[0] - b[0]) for a, b in zip(new, old)),
            "entropy": max(abs(x - y) for a, b in zip(new, old) for x, y in zip(a[4], b[4])),
        },
    }
    if hf is not None:
        expected = hf._loglikelihood_tokens(requests, disable_tqdm=True)
        report["max_abs_diff_vs_hf"] = {
            "logprob": max(abs(a[0] - b[0]) for a, b in zip(new, expected)),
            "is_greedy_equal": all(a[1] == b[1] for a, b in zip(new, expected)),
        }
    return report


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=3, help="longest articles per CNN/DM file (default 3)")
    parser.add_argument("--random-posts", type=int, default=20, help="TL;DR posts, one random pair each (default 20)")
    parser.add_argument("--workloads", default="cnndm3,batch0_cnndm,tldr_random")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", default="auto", help="auto: hf-prefix's token budget (4,096 on CPU)")
    parser.add_argument("--threads", type=int, default=1,
                        help="1 by default: on shared cores, waiting OpenMP threads inflate small passes")
    parser.add_argument("--max-padding", type=float, help="hf-prefix's max_padding (default: its own); the packed "
                        "design keeps the 0.1 it had")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--with-hf", action="store_true", help="also check parity against lm-eval's hf (untimed)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    model_dir = ensure_default_model()
    batch_size = args.batch_size if args.batch_size == "auto" else int(args.batch_size)
    lm = get_model("hf-prefix")(pretrained=str(model_dir), dtype="float32", device="cpu", batch_size=batch_size)
    packed = copy.copy(lm)  # the same model object, the old scorer
    packed.__class__ = PackedLM
    packed.max_padding = 0.1
    if args.max_padding is not None:
        lm.max_padding = args.max_padding
    hf = None
    if args.with_hf:
        hf = get_model("hf")(pretrained=str(model_dir), dtype="float32", device="cpu", batch_size=4)
    workloads = {
        "cnndm3": lambda: cnndm3_pairs(args.articles),
        "batch0_cnndm": lambda: batch0_pairs(args.articles),
        "tldr_random": lambda: random_pairs(load_rows(BATCH18), args.random_posts, args.seed),
    }
    reports = [run_workload(name, workloads[name](), lm, packed, args.repeats, hf)
               for name in args.workloads.split(",")]

    print(f"\ntorch {torch.__version__}, {args.threads} threads (OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}), "
          f"batch_size={args.batch_size}, "
          f"hf-prefix max_padding={lm.max_padding}, model {model_dir.name}")
    for rep in reports:
        print(f"\n== {rep['workload']}: {rep['requests']} requests ({rep['distinct_requests']} distinct), "
              f"{rep['rows']} rows of {rep['row_tokens']['min']}-{rep['row_tokens']['max']} tokens "
              f"({rep['segments_per_row']:.1f} segments per row), {rep['repeats']} repeats")
        for m, s in rep["median_s"].items():
            print(f"   {m:10s} median {s:8.2f} s wall {rep['median_cpu_s'][m]:8.2f} s cpu   "
                  f"{rep['per_row_s'][m]:6.2f} s per row   (all: {', '.join(f'{x:.2f}' for x in rep['all_s'][m])})")
        for key in ("hf_prefix_over_causal", "packed_over_hf_prefix", "packed_over_causal", "max_abs_diff_vs_packed",
                    "max_abs_diff_vs_hf"):
            if key in rep:
                rounded = {k: round(v, 6) if isinstance(v, float) else v for k, v in rep[key].items()}
                print(f"   {key}: {json.dumps(rounded)}")
    if args.out:
        settings = {"threads": args.threads, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
                    "torch": torch.__version__}
        args.out.write_text(json.dumps([{**rep, "settings": settings} for rep in reports], indent=2))


if __name__ == "__main__":
    main()
