"""The pure planner behind hf-prefix: truncation rule, de-duplication, grouping, rows, batching, layout."""

from __future__ import annotations

import pytest

from lm_eval_tasks.models.prefix_plan import Row, build_plan, layout_batch, make_batches, truncate_context

BOS = 0


@pytest.mark.parametrize(
    ("context", "continuation", "max_length", "keep_first", "expected", "dropped"),
    [
        # fits exactly: input (ctx + cont)[:-1] has 4 + 2 - 1 = 5 tokens
        ([1, 2, 3, 4], [5, 6], 5, None, (1, 2, 3, 4), 0),
        # one token too many: the leftmost context token goes
        ([1, 2, 3, 4], [5, 6], 4, None, (2, 3, 4), 1),
        # BOS first: BOS stays, the tokens after it go
        ([BOS, 2, 3, 4], [5, 6], 4, BOS, (BOS, 3, 4), 1),
        # keep_first given but the context does not start with it: plain left cut
        ([1, 2, 3, 4], [5, 6], 4, BOS, (2, 3, 4), 1),
        # room for a single context token only: BOS cannot be kept, the last token is
        ([BOS, 2, 3, 4], [5, 6, 7, 8], 4, BOS, (4,), 3),
        # continuation exactly the window: one context token is left
        ([1, 2, 3], [5, 6, 7, 8], 4, None, (3,), 2),
    ],
)
def test_truncate_context_table(context, continuation, max_length, keep_first, expected, dropped):
    kept, n = truncate_context(context, continuation, max_length, keep_first)
    assert kept == expected
    assert n == dropped
    assert len(kept) + len(continuation) - 1 <= max_length


def test_truncate_context_refuses_a_continuation_longer_than_the_window():
    with pytest.raises(ValueError, match=r"continuation of 5 tokens exceeds .* request 'req-7'"):
        truncate_context([1, 2], [3, 4, 5, 6, 7], 4, name="req-7")


def test_truncate_context_refuses_empty_tokens():
    with pytest.raises(ValueError, match="empty"):
        truncate_context([], [1], 8)


def test_build_plan_dedupes_groups_and_maps_back():
    requests = [
        ([1, 2, 3], [4, 5]),
        ([1, 2, 3], [6]),
        ([1, 2, 3], [4, 5]),  # exact duplicate of 0
        ([9, 3], [4, 5]),  # same continuation, other context
    ]
    plan = build_plan(requests, max_length=100, max_row_tokens=100)
    assert len(plan.uniques) == 3
    assert plan.request_to_unique == [0, 1, 0, 2]
    assert sorted(len(r.members) for r in plan.rows) == [1, 2]
    # tokens through the model: (2 + 2 + 1) for the shared context, (1 + 2) for the other
    packed = plan.work_packed()
    assert packed.layer_tokens == 8
    assert packed.head_tokens == 2 + 1 + 2
    # prefix [1, 2]: 3 pairs; segment [3, 4]: 2 x 2 + 3; segment [3]: 1 x 2 + 1; row [9 | 3, 4]: 1 + 2 x 1 + 3
    assert packed.attention_pairs == 3 + 7 + 3 + 6
    hf = plan.work_unshared()
    assert (hf.layer_tokens, hf.head_tokens) == ((3 + 2 - 1) + (3 + 1 - 1) + (2 + 2 - 1),) * 2
    assert hf.attention_pairs == 10 + 6 + 6
    naive = plan.work_unshared(per_request=True)
    assert naive.layer_tokens == hf.layer_tokens + 4 and naive.attention_pairs == hf.attention_pairs + 10
    assert packed.flops(layer_params=10, head_params=3, hidden=2, n_layers=5) == 2 * 10 * 8 + 2 * 3 * 5 + 4 * 2 * 5 * 19
    assert plan.n_truncated == 0


def test_build_plan_splits_a_group_over_rows_and_places_longest_first():
    ctx = list(range(1, 11))  # prefix of 9 tokens
    conts = [[20] * 3, [21] * 5, [22] * 4]
    plan = build_plan([(ctx, c) for c in conts], max_length=100, max_row_tokens=8)
    rows = plan.rows
    assert [[len(plan.uniques[m].continuation) for m in r.members] for r in rows] == [[5], [4, 3]]
    assert all(r.segment_tokens <= 8 and r.n_tokens == 9 + r.segment_tokens for r in rows)
    # the context is not counted: a context longer than the cap still shares one row
    plan = build_plan([(list(range(1, 101)), c) for c in conts], max_length=200, max_row_tokens=12)
    assert len(plan.rows) == 1 and plan.rows[0].n_tokens == 99 + 12
    # a single continuation larger than the cap still gets a row of its own
    plan = build_plan([(ctx, [7] * 30)], max_length=100, max_row_tokens=4)
    assert len(plan.rows) == 1 and plan.rows[0].n_tokens == 9 + 30


def test_build_plan_truncation_makes_distinct_groups():
    ctx = [BOS, *range(1, 20)]
    plan = build_plan([(ctx, [30, 31]), (ctx, [32] * 8)], max_length=12, max_row_tokens=100, keep_first=BOS)
    assert plan.n_truncated == 2
    assert plan.max_dropped == (20 + 8 - 1) - 12
    assert len(plan.rows) == 2
    for u in plan.uniques:
        assert u.context[0] == BOS
        assert len(u.context) + len(u.continuation) - 1 == 12


def _row(n_tokens: int) -> Row:
    return Row(context=(n_tokens,), members=[0], n_tokens=n_tokens)


def test_make_batches_row_limit_sorts_longest_first():
    batches = make_batches([_row(5), _row(9), _row(7)], max_rows=2)
    assert [[r.n_tokens for r in b] for b in batches] == [[9, 7], [5]]


def test_make_batches_token_budget_counts_padding():
    rows = [_row(n) for n in (10, 10, 6, 6, 6, 30)]
    batches = make_batches(rows, token_budget=20)
    # 30 alone (over budget but a batch takes one row), 10+10 = 20, then 6 x 3 = 18
    assert [[r.n_tokens for r in b] for b in batches] == [[30], [10, 10], [6, 6, 6]]


def test_make_batches_padding_limit():
    rows = [_row(n) for n in (100, 95, 60, 58)]
    # 100 + 95 pads 5 of 200 (2.5 %); adding 60 would pad 45 of 300 (15 %): a new batch starts
    batches = make_batches(rows, max_rows=8, max_padding=0.1)
    assert [[r.n_tokens for r in b] for b in batches] == [[100, 95], [60, 58]]
    assert len(make_batches(rows, max_rows=8)) == 1


def test_make_batches_rejects_zero_rows():
    with pytest.raises(ValueError):
        make_batches([_row(3)], max_rows=0)


def test_make_batches_pads_prefixes_and_segments_apart():
    long_prefix = Row(context=tuple(range(11)), members=[0], n_tokens=10 + 2)  # prefix 10, segments 2
    long_segments = Row(context=(1, 2, 3), members=[0, 1], n_tokens=2 + 10)  # prefix 2, segments 10
    # same total length, but together they pad to 2 x (10 + 10) = 40 for 24 real tokens
    assert len(make_batches([long_prefix, long_segments], max_rows=8, max_padding=0.1)) == 2
    assert len(make_batches([long_prefix, long_segments], max_rows=8, token_budget=39)) == 2
    assert len(make_batches([long_prefix, long_segments], max_rows=8, token_budget=40)) == 1
    # longest prefix first, then most segment tokens
    same_prefix = Row(context=tuple(range(11)), members=[0], n_tokens=10 + 5)
    batches = make_batches([long_segments, long_prefix, same_prefix], max_rows=2)
    assert [[(r.prefix_len, r.segment_tokens) for r in b] for b in batches] == [[(10, 5), (10, 2)], [(2, 10)]]


def test_layout_batch_right_pads_both_passes():
    rows = [((5, 6, 7, 8), [(1,), (2, 3, 4)]), ((9, 10), [(11, 12)]), ((13,), [(14,), (15,), (16,)])]
    lay = layout_batch(rows, pad_id=0)
    assert lay.prefix_ids == [[5, 6, 7], [9, 0, 0], [0, 0, 0]]
    assert lay.prefix_lens == [3, 1, 0]
    # row 0: segment [8] then [8, 2, 3]; row 1: [10, 11]; row 2: three one-token segments [13]
    assert lay.segment_ids == [[8, 8, 2, 3], [10, 11, 0, 0], [13, 13, 13, 0]]
    assert lay.positions == [[3, 3, 4, 5], [1, 2, 0, 0], [0, 0, 0, 0]]
    assert lay.labels == [[1, 2, 2, 2], [1, 1, 0, 0], [1, 2, 3, 0]]
    assert lay.starts == [(0, 0), (0, 1), (1, 0), (2, 0), (2, 1), (2, 2)]
    # every segment predicts its continuation: the token at a segment's i-th column is followed by cont[i]
    for (r, s), cont in zip(lay.starts, [c for _, conts in rows for c in conts], strict=True):
        assert lay.segment_ids[r][s] == rows[r][0][-1]
        assert lay.segment_ids[r][s + 1 : s + len(cont)] == list(cont[:-1])
        assert lay.positions[r][s : s + len(cont)] == list(range(lay.prefix_lens[r], lay.prefix_lens[r] + len(cont)))
