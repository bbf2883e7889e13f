"""`hf-prefix`: lm-eval's HF backend, but each context (post) is computed once for all its continuations.

Per request it returns ``(logprob, is_greedy, n_tokens, token_logprobs, token_entropies,
context_truncated)`` in plain Python types (see docs/record-schema.md).

Design: requests are tokenized exactly as by ``hf`` (lm-eval's joint encoding, inherited), then
planned by `prefix_plan` across the whole request list (all tasks of a run): duplicates scored once,
requests grouped by context tokens, each group made into one row: the prefix ``context[:-1]`` and one
segment per continuation, ``[context[-1]] + continuation[:-1]``. Rows are sorted by prefix length and
batched under a row count (`batch_size`) or a token budget (`batch_size=auto`). A batch takes two
forward passes:

1. the prefixes, right-padded, with no attention mask: the causal kernel (flash on CPU and GPU), and
   padding sits after every real token, so it reaches none of them; their keys and values are kept
   in a cache;
2. all segments of each row in one sequence after the cache, position ids continuing each row's
   prefix, under a small mask of [segment tokens] x [prefix keys + segment tokens]: a segment sees
   its row's real prefix and itself causally, never another segment or padding.

Only the continuation positions go through the LM head (a pre-hook gathers their hidden states).

Why two passes: the first design packed a row into one sequence under a dense [row x row] float
mask, which keeps SDPA off its causal path for the whole row: it computes every (query, key) block,
and attention is ~45 % of the work of a 2,500-token row of a 135M model. Measured on CNN/DM rows
(benchmarks/bench_long_rows.py, SmolLM2-135M, CPU, one thread, CPU-second medians of 3 interleaved
runs; the figures and commands are in benchmarks/README.md): the packed rows took 1.30x and 1.40x a
causal forward over rows of the same lengths (axis_evals/cnndm3.json and comparisons/batch0_cnndm.json,
3 articles each), the two passes 1.06x and 0.98x; on random TL;DR pairs, whose rows are short, the two
designs are within a few per cent of each other. On two shared CPU threads the segment pass (about a
hundred query rows) runs at a third of the prefix pass's rate, and the gain over packing vanished in
a first measurement (benchmarks/README.md).

The alternative, a KV cache of context[:-1] copied to a batch of the group's continuations, was
measured on CPU with SmolLM2-135M (benchmarks/bench_hf_prefix_cpu.py --with-kv, medians of 3
interleaved runs): same numbers to 1e-4; as fast as packing on random pairs (36.3 vs 35.3 CPU-s)
and 1.8x slower on recurring posts (27.6 vs 15.1 CPU-s: the cache is copied per continuation and
the continuations padded). The design above keeps one cache row per post and lays the row's
continuations side by side in one sequence, so the cache is never repeated per continuation and a
row pads once, and rows of different posts share each forward call, which matters on a GPU.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from lm_eval.api.registry import register_model
from lm_eval.models.huggingface import HFLM
from tqdm import tqdm
from transformers import DynamicCache

from lm_eval_tasks.models.prefix_plan import Layout, Plan, Row, build_plan, layout_batch, make_batches

eval_logger = logging.getLogger(__name__)

MASKABLE_ATTENTION = ("sdpa", "eager")


@register_model("hf-prefix")
class HFPrefixLM(HFLM):
    """HFLM with prefix-shared loglikelihood scoring and per-token detail.

    Extra model args (all of HFLM's are accepted):
    - ``max_row_tokens`` (default 2048): most continuation tokens in one row (one context and as
      many of its continuations as fit; a group with more is split over rows, each repeating the
      context). The context is not counted: splitting would only compute it again.
    - ``token_budget``: padded tokens per forward pass for ``batch_size=auto``. Default: probed on
      CUDA (largest batch of the longest rows that runs, like HFLM's auto batch size), 4096 on CPU.
    - ``max_padding`` (default 0.1): a row joins a batch only while padding stays under this share
      of the batch's padded tokens (rows are sorted by length, so this rarely splits a GPU batch).
    An integer ``batch_size`` is the number of rows (contexts) per forward pass.
    """

    CPU_TOKEN_BUDGET = 4096
    # continuation tokens per log-softmax/entropy step: [tokens, vocab] blocks small enough for the allocator
    # to reuse (large ones are fresh pages each time: 5x slower on CPU, benchmarks/README.md)
    SOFTMAX_CHUNK = 64

    def __init__(
        self,
        *args,
        max_row_tokens: int = 2048,
        token_budget: int | None = None,
        max_padding: float = 0.1,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        accelerator = getattr(self, "accelerator", None)  # HFLM keeps it when launched with several processes
        if accelerator is not None:
            # HFLM shards docs only when it counts several GPUs (on CPU every process would score every doc):
            # rank and world size come from the launcher, so the same run shards on CPUs and on GPUs
            self._rank, self._world_size = accelerator.process_index, accelerator.num_processes
        self.max_padding = float(max_padding)
        self.max_row_tokens = int(max_row_tokens)
        self.token_budget = int(token_budget) if token_budget is not None else None

    # ------------------------------------------------------------------ scoring
    def _loglikelihood_tokens(
        self,
        requests: list[tuple[tuple[str, str] | None, list[int], list[int]]],
        disable_tqdm: bool = False,
        override_bs: int | None = None,
    ) -> list[tuple]:
        if self.backend != "causal":
            return super()._loglikelihood_tokens(requests, disable_tqdm=disable_tqdm, override_bs=override_bs)
        attn = getattr(self.model.config, "_attn_implementation", "sdpa")
        if attn not in MASKABLE_ATTENTION:
            raise ValueError(
                f"hf-prefix scores continuations under a 4D block attention mask, which attn_implementation="
                f"{attn!r} does not take; load the model with attn_implementation='sdpa' (or 'eager')."
            )
        if not requests:
            return []

        plan = build_plan(
            [(ctx, cont) for _, ctx, cont in requests],
            max_length=self.max_length,
            max_row_tokens=self.max_row_tokens,
            keep_first=self._kept_first_token(),
            names=[req for req, _, _ in requests],
        )
        if plan.n_truncated:
            eval_logger.warning(
                "hf-prefix: %d of %d distinct requests had a context longer than the model window "
                "(%d tokens); up to %d context tokens were dropped from the left of the context "
                "(continuations are never cut; recorded as context_truncated=True).",
                plan.n_truncated, len(plan.uniques), self.max_length, plan.max_dropped,
            )
        batches = self._batches(plan, override_bs)

        users = plan.requests_per_unique()
        scored: list[tuple | None] = [None] * len(plan.uniques)
        pbar = tqdm(
            total=len(requests),
            disable=(disable_tqdm or (self.rank != 0)),
            desc="Running loglikelihood requests (hf-prefix)",
        )
        for batch in batches:
            for u_idx, answer in self._score_batch(batch, plan):
                scored[u_idx] = answer
                pbar.update(users[u_idx])
        pbar.close()

        res = []
        for (request_str, _, _), u_idx in zip(requests, plan.request_to_unique, strict=True):
            answer = scored[u_idx]
            res.append(answer)
            if request_str is not None:
                self.cache_hook.add_partial("loglikelihood", request_str, answer)
        return res

    def _kept_first_token(self) -> int | None:
        """Token kept at the start of a truncated context: BOS when the tokenizer puts one there."""
        bos = self.tokenizer.bos_token_id
        if bos is None:
            return None
        probe = self.tok_encode("a")
        return bos if probe and probe[0] == bos else None

    def _batches(self, plan: Plan, override_bs: int | None) -> list[list[Row]]:
        pad = self.max_padding
        if override_bs is not None:
            return make_batches(plan.rows, max_rows=int(override_bs), max_padding=pad)
        if self.batch_size != "auto":
            return make_batches(plan.rows, max_rows=int(self.batch_size), max_padding=pad)
        budget = self.token_budget or self._detect_token_budget(max(r.n_tokens for r in plan.rows))
        return make_batches(plan.rows, token_budget=budget, max_rows=self.max_batch_size, max_padding=pad)

    def _detect_token_budget(self, longest_row: int) -> int:
        """Padded tokens per pass for batch_size=auto. On CUDA: the most rows of the longest length that
        run (halving from max_batch_size on OOM, as HFLM does). No collective op: under data
        parallelism each rank sizes its own batches and never waits on another."""
        if self.device.type != "cuda":
            return max(self.CPU_TOKEN_BUDGET, longest_row)
        rows = self._probe_rows(longest_row)
        torch.cuda.empty_cache()
        eval_logger.info("hf-prefix: batch_size=auto -> %d rows of %d tokens per pass", rows, longest_row)
        return rows * longest_row

    def _probe_rows(self, longest_row: int) -> int:
        from accelerate.utils import find_executable_batch_size

        @find_executable_batch_size(starting_batch_size=self.max_batch_size)
        def probe(batch_size: int) -> int:
            # continuations of 128 tokens after the prefix: about what a row's continuations take
            n_cont = min(128, longest_row)
            tok = self.prefix_token_id
            row = ((tok,) * (longest_row - n_cont + 1), [(tok,) * n_cont])
            self._logits(layout_batch([row] * batch_size, pad_id=tok), [n_cont] * batch_size)
            return batch_size

        try:
            return probe()
        except RuntimeError as err:
            if "No executable batch size found" not in str(err):
                raise
            return 1

    def _pad_id(self) -> int:
        return self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    def _cache_argument(self) -> str:
        """The forward argument that takes a cache: ``cache`` from transformers 5.24, ``past_key_values`` before."""
        model = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"

    def _segment_mask(self, layout: Layout) -> torch.Tensor:
        """Additive mask [rows, 1, segment tokens, prefix width + segment tokens] of the segment pass.

        A query sees its row's real prefix (not the prefix padding) and the earlier tokens of its own
        segment; padding (label 0) sees the padding before it, so every query sees at least itself.
        """
        labels = torch.tensor(layout.labels, dtype=torch.long, device=self.device)
        width = len(layout.prefix_ids[0])
        n_rows, n_seg = labels.shape
        prefix_lens = torch.tensor(layout.prefix_lens, dtype=torch.long, device=self.device)
        sees_prefix = torch.arange(width, device=self.device) < prefix_lens.unsqueeze(1)  # [rows, key]
        causal = torch.ones((n_seg, n_seg), dtype=torch.bool, device=self.device).tril_()
        own = (labels.unsqueeze(2) == labels.unsqueeze(1)) & causal  # [rows, query, key]
        allow = torch.cat([sees_prefix.unsqueeze(1).expand(n_rows, n_seg, width), own], dim=-1).unsqueeze(1)
        dtype = self.mixed_precision_dtype or self.model.dtype
        if not dtype.is_floating_point:
            dtype = torch.float32
        return torch.zeros(allow.shape, dtype=dtype, device=self.device).masked_fill_(~allow, torch.finfo(dtype).min)

    def _logits(self, layout: Layout, lengths: Sequence[int]) -> torch.Tensor:
        """Logits [continuation tokens, vocab] of one batch, segment by segment in `layout.starts` order
        (`lengths`: each segment's continuation length). The prefix pass fills the cache; the segment
        pass reads it."""
        cache = DynamicCache()
        if layout.prefix_ids[0]:
            prefix = torch.tensor(layout.prefix_ids, dtype=torch.long, device=self.device)
            none = torch.zeros(0, dtype=torch.long)  # no position of a prefix goes through the LM head
            self._forward(prefix, None, None, cache, none, none)  # no mask: the causal kernel
        rows_idx = torch.tensor([r for (r, _), k in zip(layout.starts, lengths, strict=True) for _ in range(k)])
        cols_idx = torch.tensor([s + i for (_, s), k in zip(layout.starts, lengths, strict=True) for i in range(k)])
        ids = torch.tensor(layout.segment_ids, dtype=torch.long, device=self.device)
        pos = torch.tensor(layout.positions, dtype=torch.long, device=self.device)
        return self._forward(ids, pos, self._segment_mask(layout), cache, rows_idx, cols_idx)

    def _forward(self, ids, pos, mask, cache, rows_idx: torch.Tensor, cols_idx: torch.Tensor) -> torch.Tensor:
        """Logits [len(rows_idx), vocab] at positions (rows_idx, cols_idx) only; `cache` takes the keys and
        values of this pass after those already in it.

        A pre-hook on the output embeddings gathers those hidden states before the LM head, so the head
        (and whatever the model applies after it: scaling, soft-capping) runs on the scored positions
        alone; `logits_to_keep` cannot do this, as it keeps the same positions in every row.
        """

        def gather(_module, args):
            hidden = args[0]
            return (hidden[rows_idx.to(hidden.device), cols_idx.to(hidden.device)].unsqueeze(0), *args[1:])

        handle = self.model.get_output_embeddings().register_forward_pre_hook(gather)
        try:
            with (
                torch.no_grad(),
                torch.autocast(
                    device_type=self.device.type,
                    dtype=self.mixed_precision_dtype,
                    enabled=self.mixed_precision_dtype is not None,
                ),
            ):
                out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True,
                                 **{self._cache_argument(): cache})
        finally:
            handle.remove()
        return out.logits[0]

    @torch.no_grad()
    def _score_batch(self, rows: Sequence[Row], plan: Plan):
        members = [u_idx for row in rows for u_idx in row.members]
        layout = layout_batch(
            [(row.context, [plan.uniques[u].continuation for u in row.members]) for row in rows], self._pad_id()
        )
        lengths = [len(plan.uniques[u].continuation) for u in members]
        selected = self._logits(layout, lengths)  # [continuation tokens, vocab]
        device = selected.device
        targets = torch.tensor([t for u in members for t in plan.uniques[u].continuation], device=device)

        token_lp, greedy, entropy = [], [], []
        for chunk, chunk_targets in zip(selected.split(self.SOFTMAX_CHUNK), targets.split(self.SOFTMAX_CHUNK)):
            logprobs = F.log_softmax(chunk, dim=-1, dtype=self.softmax_dtype)  # as hf: [tokens, vocab]
            token_lp.append(logprobs.gather(-1, chunk_targets.unsqueeze(-1)).squeeze(-1))
            greedy.append(logprobs.argmax(dim=-1) == chunk_targets)
            lp32 = logprobs.float()
            entropy.append(-(lp32.exp() * lp32).nan_to_num(nan=0.0).sum(-1))  # 0 * log 0 = 0
        token_lp_t = torch.cat(token_lp)

        # per-continuation sums reduced like hf's `logits.sum()` over one continuation (zeros pad)
        seg_of_token = [j for j, k in enumerate(lengths) for _ in range(k)]
        pos_in_seg = [i for k in lengths for i in range(k)]
        padded = token_lp_t.new_zeros((len(lengths), max(lengths)))
        padded[torch.tensor(seg_of_token, device=device), torch.tensor(pos_in_seg, device=device)] = token_lp_t

        sums = padded.sum(-1).float().cpu().tolist()
        token_lp_list = token_lp_t.float().cpu().tolist()
        entropy_list = torch.cat(entropy).cpu().tolist()
        greedy_list = torch.cat(greedy).cpu().tolist()
        offset = 0
        for u_idx, k, total in zip(members, lengths, sums, strict=True):
            yield u_idx, (
                float(total),
                bool(all(greedy_list[offset : offset + k])),
                int(k),
                token_lp_list[offset : offset + k],
                entropy_list[offset : offset + k],
                bool(plan.uniques[u_idx].n_dropped > 0),
            )
            offset += k
