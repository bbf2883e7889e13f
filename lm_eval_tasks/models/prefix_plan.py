"""Pure planning for prefix-shared scoring: truncation, de-duplication, grouping, rows, batching, layout.

No torch here: the planner works on token-id lists and is unit-tested on its own
(`tests/lm_eval_tasks/models/test_prefix_plan.py`). `hf_prefix.HFPrefixLM` turns the plan into forward passes.

How one row is computed (lm-eval scores ``(context + continuation)[:-1]`` and reads the logits at the
continuation positions; the token before the first continuation token is the context's last)::

    context   c0 c1 c2 c3            continuations  a0 a1 a2   and   b0 b1
    pass 1    c0 c1 c2                   causal, keeps its keys and values (the prefix)
    pass 2    c3 a0 a1 | c3 b0           after the prefix's keys and values
    positions  3  4  5 |  3  4
    segment a attends to the prefix c0..c2 and causally to itself; segment b likewise, never to a.
    The logits at segment a's three positions predict a0 a1 a2, exactly as in hf's full pass.

Decision rules (stated once, tested):
- Truncation: a request needs ``len(context) + len(continuation) - 1 <= max_length`` input tokens.
  When it does not fit, tokens are dropped from the LEFT of the context only; the continuation is
  never cut. If the context starts with the prefix/BOS token, that token is kept and the tokens
  after it are dropped (models are trained with BOS first). At least one context token always
  remains. A continuation longer than ``max_length`` cannot be scored: ValueError naming it.
- Exact duplicates (same context and continuation tokens) are scored once.
- Requests with identical (post-truncation) context tokens form a group; the context is computed
  once per row, and a group is split over several rows only when its continuations overflow
  ``max_row_tokens`` continuation tokens. The context is not counted: a split repeats the whole
  prefix pass, so a long context is no reason to split (an article of 2,000 tokens under a cap of
  2,048 row tokens would otherwise be computed once per summary).
- A batch's padded size is rows x (longest prefix + most segment tokens): the two passes pad apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

TokenIds = tuple[int, ...]


@dataclass(frozen=True)
class Unique:
    """One distinct (context, continuation) to score, after truncation."""

    context: TokenIds
    continuation: TokenIds
    n_dropped: int  # context tokens dropped to fit the window (0 if none)


@dataclass
class Row:
    """One packed sequence: the shared prefix (context[:-1]) then one segment per continuation."""

    context: TokenIds
    members: list[int] = field(default_factory=list)  # indices into Plan.uniques
    n_tokens: int = 0  # len(context) - 1 + sum(len(continuation) for members)

    @property
    def prefix_len(self) -> int:
        return len(self.context) - 1

    @property
    def segment_tokens(self) -> int:
        return self.n_tokens - self.prefix_len


@dataclass(frozen=True)
class Work:
    """Work of a forward pass, counted independently of any kernel: tokens through the transformer
    layers, positions through the LM head, and the (query, key) pairs the attention mask allows."""

    layer_tokens: int
    head_tokens: int
    attention_pairs: int

    def __add__(self, other: Work) -> Work:
        return Work(self.layer_tokens + other.layer_tokens, self.head_tokens + other.head_tokens,
                    self.attention_pairs + other.attention_pairs)

    def times(self, k: int) -> Work:
        return Work(self.layer_tokens * k, self.head_tokens * k, self.attention_pairs * k)

    def flops(self, layer_params: int, head_params: int, hidden: int, n_layers: int) -> int:
        """Matmul FLOPs: 2 per weight per token, and per layer 4 x hidden per allowed attention pair
        (scores and weighted values); the same count for every method, so ratios compare the work."""
        return (2 * layer_params * self.layer_tokens + 2 * head_params * self.head_tokens
                + 4 * hidden * n_layers * self.attention_pairs)


@dataclass
class Plan:
    uniques: list[Unique]
    request_to_unique: list[int]  # for each input request, the index of its Unique
    rows: list[Row]

    @property
    def n_truncated(self) -> int:
        return sum(1 for u in self.uniques if u.n_dropped)

    @property
    def max_dropped(self) -> int:
        return max((u.n_dropped for u in self.uniques), default=0)

    def requests_per_unique(self) -> list[int]:
        """How many input requests each unique answers (duplicates share one score)."""
        counts = [0] * len(self.uniques)
        for u_idx in self.request_to_unique:
            counts[u_idx] += 1
        return counts

    def work_packed(self) -> Work:
        """What hf-prefix computes: each row once, the LM head on continuation positions only."""
        total = Work(0, 0, 0)
        for row in self.rows:
            p = row.prefix_len
            conts = [len(self.uniques[m].continuation) for m in row.members]
            total += Work(
                layer_tokens=row.n_tokens,
                head_tokens=sum(conts),
                attention_pairs=causal_pairs(p) + sum(k * p + causal_pairs(k) for k in conts),
            )
        return total

    def work_unshared(self, per_request: bool = False) -> Work:
        """What a one-sequence-per-request backend computes, with logits at every position: `hf`
        (each distinct request once) or, with `per_request`, a loop over every request (duplicates too)."""
        total = Work(0, 0, 0)
        for u, count in zip(self.uniques, self.requests_per_unique(), strict=True):
            n = len(u.context) + len(u.continuation) - 1
            total += Work(n, n, causal_pairs(n)).times(count if per_request else 1)
        return total


def causal_pairs(n: int) -> int:
    """(query, key) pairs a causal mask allows over n tokens."""
    return n * (n + 1) // 2


def truncate_context(
    context: Sequence[int],
    continuation: Sequence[int],
    max_length: int,
    keep_first: int | None = None,
    name: object = None,
) -> tuple[TokenIds, int]:
    """Return (context that fits, number of tokens dropped). See the module docstring for the rule.

    >>> truncate_context([1, 2, 3, 4], [5, 6], max_length=4)
    ((2, 3, 4), 1)
    >>> truncate_context([0, 2, 3, 4], [5, 6], max_length=4, keep_first=0)
    ((0, 3, 4), 1)
    """
    context, continuation = tuple(context), tuple(continuation)
    if not context or not continuation:
        raise ValueError(f"empty context or continuation tokens in request {name!r}")
    if len(continuation) > max_length:
        raise ValueError(
            f"continuation of {len(continuation)} tokens exceeds the model window of {max_length} "
            f"tokens and cannot be scored without cutting it: request {name!r}"
        )
    budget = max_length + 1 - len(continuation)  # context tokens that fit (>= 1)
    if len(context) <= budget:
        return context, 0
    if keep_first is not None and context[0] == keep_first and budget >= 2:
        kept = (context[0], *context[len(context) - (budget - 1):])
    else:
        kept = context[len(context) - budget:]
    return kept, len(context) - len(kept)


def build_plan(
    requests: Sequence[tuple[Sequence[int], Sequence[int]]],
    max_length: int,
    max_row_tokens: int,
    keep_first: int | None = None,
    names: Sequence[object] | None = None,
) -> Plan:
    """Truncate, de-duplicate, group by context and pack each group into rows.

    `requests` are (context_ids, continuation_ids) as lm-eval's `_encode_pair` produced them.
    A row holds one context and as many of its continuations as fit in `max_row_tokens` continuation
    tokens (a row always takes at least one). Continuations are placed longest first.
    """
    uniques: list[Unique] = []
    index: dict[tuple[TokenIds, TokenIds], int] = {}
    request_to_unique: list[int] = []
    for i, (ctx, cont) in enumerate(requests):
        name = names[i] if names is not None else i
        kept, dropped = truncate_context(ctx, cont, max_length, keep_first, name)
        key = (kept, tuple(cont))
        if key not in index:
            index[key] = len(uniques)
            uniques.append(Unique(kept, tuple(cont), dropped))
        request_to_unique.append(index[key])

    groups: dict[TokenIds, list[int]] = {}
    for u_idx, u in enumerate(uniques):
        groups.setdefault(u.context, []).append(u_idx)

    rows: list[Row] = []
    for ctx, members in groups.items():
        members = sorted(members, key=lambda m: -len(uniques[m].continuation))
        row = Row(ctx, n_tokens=len(ctx) - 1)
        for m in members:
            n = len(uniques[m].continuation)
            if row.members and row.segment_tokens + n > max_row_tokens:
                rows.append(row)
                row = Row(ctx, n_tokens=len(ctx) - 1)
            row.members.append(m)
            row.n_tokens += n
        rows.append(row)
    return Plan(uniques, request_to_unique, rows)


def make_batches(
    rows: Sequence[Row],
    max_rows: int | None = None,
    token_budget: int | None = None,
    max_padding: float | None = None,
) -> list[list[Row]]:
    """Sort rows by prefix length, then segment tokens, longest first, and cut them into batches.

    A batch's padded size is rows x (longest prefix + most segment tokens), as the prefix pass and
    the segment pass pad apart. A batch holds at most `max_rows` rows, its padded size stays within
    `token_budget`, and padding stays at most `max_padding` of its padded size (padding is pure waste
    on a CPU); a batch always takes at least one row. Sorting keeps padding small.
    """
    if max_rows is not None and max_rows < 1:
        raise ValueError(f"max_rows must be >= 1, got {max_rows}")
    ordered = sorted(rows, key=lambda r: (-r.prefix_len, -r.segment_tokens, r.context))
    return cut_batches(ordered, lambda r: (r.prefix_len, r.segment_tokens), max_rows, token_budget, max_padding)


def cut_batches(
    ordered: Sequence[Row],
    widths: Callable[[Row], tuple[int, ...]],
    max_rows: int | None,
    token_budget: int | None,
    max_padding: float | None,
) -> list[list[Row]]:
    """Cut rows, in the order given, into batches under `make_batches`' three limits.

    `widths` gives a row's length in each pass padded on its own; a batch's padded size is its rows times
    the sum over the passes of its widest row (one pass: the benchmark's packed baseline).
    """
    batches: list[list[Row]] = []
    current: list[Row] = []
    real = 0  # tokens of the rows in `current`
    widest: tuple[int, ...] = ()  # per pass, of the rows in `current`
    for row in ordered:
        grown = tuple(map(max, widest, widths(row))) if current else widths(row)
        size = (len(current) + 1) * sum(grown)
        too_many = max_rows is not None and len(current) + 1 > max_rows
        too_big = token_budget is not None and size > token_budget
        too_padded = max_padding is not None and (size - real - row.n_tokens) > max_padding * size
        if current and (too_many or too_big or too_padded):
            batches.append(current)
            current, real, grown = [], 0, widths(row)
        current.append(row)
        real += row.n_tokens
        widest = grown
    if current:
        batches.append(current)
    return batches


@dataclass(frozen=True)
class Layout:
    """The token lists of one batch's two passes, each row right-padded to the batch's widest.

    The prefix pass is causal: a right-padded prefix's real tokens never see its padding. In the
    segment pass, a row's segment tokens follow one another; ``labels`` numbers them by segment
    (1, 2, ...; 0 is padding) so the attention mask can keep each segment to itself, and ``starts``
    gives (row, first column) of every segment, in the order the rows list them.
    """

    prefix_ids: list[list[int]]
    prefix_lens: list[int]
    segment_ids: list[list[int]]
    positions: list[list[int]]
    labels: list[list[int]]
    starts: list[tuple[int, int]]


def layout_batch(rows: Sequence[tuple[Sequence[int], Sequence[Sequence[int]]]], pad_id: int) -> Layout:
    """Lay out (context, continuations) rows: prefix ``context[:-1]``, then one segment per
    continuation, ``[context[-1]] + continuation[:-1]``, at positions continuing the prefix.

    >>> lay = layout_batch([((7, 8, 9), [(1, 2, 3), (4, 5)]), ((6,), [(2,)])], pad_id=0)
    >>> lay.prefix_ids, lay.prefix_lens
    ([[7, 8], [0, 0]], [2, 0])
    >>> lay.segment_ids, lay.positions, lay.labels
    ([[9, 1, 2, 9, 4], [6, 0, 0, 0, 0]], [[2, 3, 4, 2, 3], [0, 0, 0, 0, 0]], [[1, 1, 1, 2, 2], [1, 0, 0, 0, 0]])
    >>> lay.starts
    [(0, 0), (0, 3), (1, 0)]
    """
    prefix_width = max(len(ctx) - 1 for ctx, _ in rows)
    segment_width = max(sum(len(c) for c in conts) for _, conts in rows)
    layout = Layout([], [], [], [], [], [])
    for r, (ctx, conts) in enumerate(rows):
        p = len(ctx) - 1
        ids: list[int] = []
        positions: list[int] = []
        labels: list[int] = []
        for k, cont in enumerate(conts, start=1):
            layout.starts.append((r, len(ids)))
            ids += [ctx[-1], *cont[:-1]]
            positions += range(p, p + len(cont))
            labels += [k] * len(cont)
        n_pad = segment_width - len(ids)
        layout.prefix_ids.append([*ctx[:-1], *[pad_id] * (prefix_width - p)])
        layout.prefix_lens.append(p)
        layout.segment_ids.append(ids + [pad_id] * n_pad)
        layout.positions.append(positions + [0] * n_pad)  # within the window even for learned position tables
        layout.labels.append(labels + [0] * n_pad)
    return layout
