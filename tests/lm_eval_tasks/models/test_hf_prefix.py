"""hf-prefix against lm-eval's hf backend and against an independent transformers computation.

Fast tests use the tiny Llama fixtures (both tokenizer styles); `slow` ones the real SmolLM2-135M.
Long rows (news articles of up to ~2,500 tokens, many summaries each) go through the same checks.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from lm_eval.api.instance import Instance
from lm_eval.api.registry import get_model
from transformers import AutoModelForCausalLM

import lm_eval_tasks.models  # noqa: F401  (registers hf-prefix)
from lm_eval_tasks.data.prompts import news_prompt
from lm_eval_tasks.data.sample.content import ARTICLES
from lm_eval_tasks.models.hf_prefix import HFPrefixLM
from lm_eval_tasks.models.prefix_plan import Layout
from tests.helpers.paths import REPO

TOL = 1e-4


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """One intra-op thread for this module's models and tests (a test may set another count: conftest restores
    it after each test); the count as it was for the next module."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


POST = "SUBREDDIT: r/relationships TITLE: Advice needed POST: We argued about money again. TL;DR:"
NEWS = "The article reports that the minister resigned after the budget was leaked to the press."
PAIRS = [
    (POST, " I quit football and now her family thinks I am lazy"),
    (POST, " We argued about money"),
    (POST, " We argued about money"),  # exact duplicate
    (POST, " money"),
    (POST + " ", "my grandma and a couch"),  # one trailing space: moved into the continuation
    (POST + "  ", "what should I say?"),  # two trailing spaces
    ("", " Here is a Reddit text post"),  # empty context: prefix token
    ("", "Here is a Reddit text post"),
    (NEWS, " Summary of the news: police arrested a man"),
    (NEWS, " the court will decide next week."),
    ("I", " quit"),  # one-token context
]


def make_requests(pairs) -> list[Instance]:
    return [
        Instance(request_type="loglikelihood", doc={}, arguments=pair, idx=i, metadata=("test", i, 1))
        for i, pair in enumerate(pairs)
    ]


def load(name: str, model_dir: Path, **kwargs):
    args = {"pretrained": str(model_dir), "dtype": "float32", "device": "cpu", "batch_size": 1} | kwargs
    return get_model(name)(**args)


@pytest.fixture(scope="module", params=["tiny_bos_model", "tiny_nobos_model"])
def tiny_dir(request) -> Path:
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def hf_reference(tiny_dir):
    lm = load("hf", tiny_dir)
    return lm, lm.loglikelihood(make_requests(PAIRS), disable_tqdm=True)


def encode_like_lm_eval(lm, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """What TemplateLM.loglikelihood hands to _loglikelihood_tokens."""
    if context == "":
        cont = lm.tok_encode(continuation, add_special_tokens=False)
        if lm.prefix_token_id != cont[0]:
            return [lm.prefix_token_id], cont
        return cont[:1], cont[1:]
    return lm._encode_pair(context, continuation)


def independent_scores(model, context_ids, cont_ids):
    """Plain transformers: one full pass over (context + continuation)[:-1]."""
    ids = torch.tensor([context_ids + cont_ids][0][:-1]).unsqueeze(0)
    with torch.no_grad():
        logits = model(ids).logits[0, -len(cont_ids):].double()
    logprobs = torch.log_softmax(logits, -1)
    token_lp = logprobs.gather(-1, torch.tensor(cont_ids).unsqueeze(-1)).squeeze(-1)
    entropy = -(logprobs.exp() * logprobs).sum(-1)
    return token_lp.tolist(), entropy.tolist()


@pytest.mark.parametrize("batch_size", [1, 3, "auto"])
def test_parity_with_hf(tiny_dir, hf_reference, batch_size):
    hf_lm, expected = hf_reference
    lm = load("hf-prefix", tiny_dir, batch_size=batch_size)
    assert isinstance(lm, HFPrefixLM)
    got = lm.loglikelihood(make_requests(PAIRS), disable_tqdm=True)
    assert len(got) == len(PAIRS)
    for (context, continuation), (ll, greedy), result in zip(PAIRS, expected, got, strict=True):
        logprob, is_greedy, n_tokens, token_lps, token_ents, truncated = result
        assert abs(logprob - ll) < TOL, (context, continuation)
        assert is_greedy == greedy
        _, cont_ids = encode_like_lm_eval(hf_lm, context, continuation)
        assert n_tokens == len(cont_ids) == len(token_lps) == len(token_ents)
        assert abs(sum(token_lps) - logprob) < TOL
        assert all(e >= 0 for e in token_ents)
        assert truncated is False
    assert got[1] == got[2]  # the duplicate
    json.dumps(got)  # plain Python types only
    for result in got:
        assert [type(x) for x in result] == [float, bool, int, list, list, bool]


def test_token_detail_matches_independent_computation(tiny_dir):
    lm = load("hf-prefix", tiny_dir, batch_size=4)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32).eval()
    got = lm.loglikelihood(make_requests(PAIRS), disable_tqdm=True)
    for (context, continuation), result in zip(PAIRS, got, strict=True):
        ctx_ids, cont_ids = encode_like_lm_eval(lm, context, continuation)
        token_lp, entropy = independent_scores(model, ctx_ids, cont_ids)
        assert result[3] == pytest.approx(token_lp, abs=TOL)
        assert result[4] == pytest.approx(entropy, abs=TOL)


def test_cache_hook_receives_every_request(tiny_dir):
    class Hook:
        def __init__(self):
            self.calls = []

        def add_partial(self, attr, req, res):
            self.calls.append((attr, req, res))

    lm = load("hf-prefix", tiny_dir, batch_size=2)
    hook = Hook()
    lm.set_cache_hook(hook)
    got = lm.loglikelihood(make_requests(PAIRS), disable_tqdm=True)
    assert [c[0] for c in hook.calls] == ["loglikelihood"] * len(PAIRS)
    assert sorted((c[1], c[2]) for c in hook.calls) == sorted(zip(PAIRS, got))
    assert all(len(c[2]) == 6 for c in hook.calls)


LONG_POST = " ".join(["I (24F) and my boyfriend (26M) have been together for three years and it is hard."] * 6)


def kept_context(lm, ctx_ids: list[int], cont_ids: list[int], max_length: int) -> list[int]:
    """The truncation rule, written out again: drop from the left, keeping a leading BOS."""
    budget = max_length + 1 - len(cont_ids)
    if len(ctx_ids) <= budget:
        return ctx_ids
    bos = lm.tokenizer.bos_token_id
    return [bos, *ctx_ids[-(budget - 1):]] if lm.tok_encode("a")[0] == bos else ctx_ids[-budget:]


def test_truncation_cuts_the_context_only_and_records_it(tiny_dir, caplog):
    max_length = 40
    lm = load("hf-prefix", tiny_dir, batch_size=2, max_length=max_length)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32).eval()
    pairs = [(LONG_POST, " TL;DR: I quit football"), (LONG_POST, " money"), (POST, " money")]
    with caplog.at_level(logging.WARNING):
        got = lm.loglikelihood(make_requests(pairs), disable_tqdm=True)
    warnings = [r for r in caplog.records if "hf-prefix" in r.getMessage()]
    assert len(warnings) == 1 and "2 of 3" in warnings[0].getMessage()
    for (context, continuation), result in zip(pairs, got, strict=True):
        ctx_ids, cont_ids = encode_like_lm_eval(lm, context, continuation)
        kept = kept_context(lm, ctx_ids, cont_ids, max_length)
        assert result[5] is (kept != ctx_ids)
        assert len(kept) + len(cont_ids) - 1 <= max_length
        token_lp, entropy = independent_scores(model, kept, cont_ids)
        assert result[2] == len(cont_ids)
        assert result[3] == pytest.approx(token_lp, abs=TOL)
        assert result[4] == pytest.approx(entropy, abs=TOL)
        assert result[0] == pytest.approx(sum(token_lp), abs=TOL)
    assert got[0][5] and got[1][5] and not got[2][5]


def test_auto_batch_probe_runs_a_full_pass(tiny_bos_model):
    """The CUDA path of batch_size=auto probes rows of the longest length; its forward pass runs anywhere."""
    lm = load("hf-prefix", tiny_bos_model, batch_size="auto", max_batch_size=4)
    assert lm._probe_rows(longest_row=50) == 4
    assert lm._detect_token_budget(50) == HFPrefixLM.CPU_TOKEN_BUDGET  # on CPU no probe: a fixed budget


@pytest.mark.parametrize("batch_size", [2, "auto"])
def test_data_parallel_rank_scores_its_shard_without_collectives(tiny_dir, hf_reference, batch_size, monkeypatch):
    """Under `accelerate launch` lm-eval shards docs by rank before requests reach the model; HFLM enters
    data-parallel mode only with several GPUs, so a rank is simulated here: it must score its own shard
    and never call a collective (a rank with fewer or no requests would otherwise hang the others)."""
    _, expected = hf_reference
    lm = load("hf-prefix", tiny_dir, batch_size=batch_size)
    lm._rank, lm._world_size = 1, 2

    def collective(*args, **kwargs):
        raise AssertionError("hf-prefix called a collective operation")

    for name in ("all_gather", "gather_object", "barrier"):
        monkeypatch.setattr(lm, name, collective)
    shard = list(range(1, len(PAIRS), 2))  # lm-eval's round-robin shard of rank 1
    got = lm.loglikelihood(make_requests([PAIRS[i] for i in shard]), disable_tqdm=True)
    for i, result in zip(shard, got, strict=True):
        assert abs(result[0] - expected[i][0]) < TOL
    assert lm.loglikelihood([], disable_tqdm=True) == []  # an empty shard


def test_continuation_longer_than_window_is_an_error(tiny_dir):
    lm = load("hf-prefix", tiny_dir, max_length=8)
    with pytest.raises(ValueError, match="exceeds the model window"):
        lm.loglikelihood(make_requests([(POST, " " + LONG_POST)]), disable_tqdm=True)


def test_small_row_cap_splits_groups_without_changing_numbers(tiny_dir, hf_reference):
    _, expected = hf_reference
    lm = load("hf-prefix", tiny_dir, batch_size="auto", max_row_tokens=8, token_budget=64)
    got = lm.loglikelihood(make_requests(PAIRS), disable_tqdm=True)
    for (ll, _), result in zip(expected, got, strict=True):
        assert abs(result[0] - ll) < TOL


@pytest.mark.parametrize("arch", ["gpt_neox", "gpt2", "cohere"])
def test_other_architectures(tiny_nobos_model, tmp_path, arch):
    """GPTNeoX is the GPU benchmark's Pythia shape; GPT-2 has learned absolute positions; Cohere scales
    its logits after the LM head (which hf-prefix feeds only the scored positions). All must take the 4D
    block mask and per-segment position ids and give hf's numbers."""
    from transformers import (
        AutoTokenizer,
        CohereConfig,
        CohereForCausalLM,
        GPT2Config,
        GPT2LMHeadModel,
        GPTNeoXConfig,
        GPTNeoXForCausalLM,
    )

    WINDOW = 36  # every request fits (at most 32 input tokens); the largest packed row (48) does not
    tok = AutoTokenizer.from_pretrained(tiny_nobos_model)
    special = {"bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id, "pad_token_id": tok.pad_token_id}
    torch.manual_seed(0)
    if arch == "gpt_neox":
        model = GPTNeoXForCausalLM(GPTNeoXConfig(
            vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, max_position_embeddings=WINDOW, **special))
    elif arch == "gpt2":
        model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=2, n_head=4, n_positions=WINDOW,
                                           **special))
    else:
        model = CohereForCausalLM(CohereConfig(
            vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=4, max_position_embeddings=WINDOW, logit_scale=0.25, **special))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(4.0)
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    expected = load("hf", tmp_path).loglikelihood(make_requests(PAIRS), disable_tqdm=True)
    lm = load("hf-prefix", tmp_path, batch_size=3, max_row_tokens=200)
    assert lm.max_length == WINDOW
    got = lm.loglikelihood(make_requests(PAIRS), disable_tqdm=True)
    for (ll, greedy), result in zip(expected, got, strict=True):
        assert result[5] is False
        assert abs(result[0] - ll) < TOL
        assert result[1] == greedy


def test_lm_head_sees_only_the_scored_positions(tiny_bos_model):
    """The saving on the LM head: one head input per distinct continuation token, none for the posts."""
    lm = load("hf-prefix", tiny_bos_model, batch_size=4)
    head_inputs: list[int] = []
    handle = lm.model.get_output_embeddings().register_forward_hook(
        lambda _module, args, _out: head_inputs.append(args[0].shape[:-1].numel()))
    try:
        got = lm.loglikelihood(make_requests(PAIRS), disable_tqdm=True)
    finally:
        handle.remove()
    distinct = {(tuple(ctx), tuple(cont)) for ctx, cont in (encode_like_lm_eval(lm, *pair) for pair in PAIRS)}
    assert sum(head_inputs) == sum(len(cont) for _, cont in distinct) == sum(r[2] for r in got) - got[1][2]
    assert lm.model.get_output_embeddings()._forward_pre_hooks == {}  # removed after each pass


def test_import_registers_hf_prefix_without_hiding_builtin_models():
    """get_model() fills lm-eval's registry only when it is empty: registering first must not break 'hf'."""
    code = (
        "import lm_eval_tasks.models\n"
        "from lm_eval.api.registry import get_model\n"
        "assert get_model('hf').__name__ == 'HFLM'\n"
        "assert get_model('hf-prefix').__name__ == 'HFPrefixLM'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# ---------------------------------------------------------------- long rows
ARTICLE_TEXT = " ".join(article for _, _, article, _ in ARTICLES)
SUMMARIES = [summary for *_, summaries in ARTICLES for summary in summaries.values()]
# news prompts of about 520, 1,500 and 2,450 tokens (tiny tokenizers) with the 12 summaries each, and a
# one-token context (an empty prefix in the same batch)
LONG_PAIRS = [
    (news_prompt({"title": f"Digest {k}", "text": " ".join([ARTICLE_TEXT] * k)}), summary)
    for k in (1, 3, 5)
    for summary in SUMMARIES
] + [("I", " quit")]
ONE_BATCH = {"batch_size": 8, "max_row_tokens": 8192, "max_padding": 1.0}


@pytest.fixture(scope="module")
def long_reference(tiny_dir):
    return load("hf", tiny_dir, batch_size=4).loglikelihood(make_requests(LONG_PAIRS), disable_tqdm=True)


def record_layouts(lm: HFPrefixLM) -> list[Layout]:
    """The layout of every batch `lm` scores from now on."""
    layouts: list[Layout] = []
    scorer = lm._logits

    def spy(layout, lengths):
        layouts.append(layout)
        return scorer(layout, lengths)

    lm._logits = spy
    return layouts


def segments_per_row(layout: Layout) -> list[int]:
    return [sum(1 for r, _ in layout.starts if r == row) for row in range(len(layout.prefix_ids))]


@pytest.mark.parametrize(
    "settings",
    [
        ONE_BATCH,  # one row per context, 12 segments each; the four prefix lengths in one batch
        ONE_BATCH | {"attn_implementation": "eager"},
        {"batch_size": "auto", "token_budget": 4096},  # the defaults: contexts longer than the row cap
        {"batch_size": 1, "max_row_tokens": 100},  # every group split over rows, one row per pass
    ],
    ids=["one-batch", "one-batch-eager", "auto-defaults", "split-one-row"],
)
def test_long_rows_match_hf(tiny_dir, long_reference, settings):
    lm = load("hf-prefix", tiny_dir, **settings)
    assert lm.model.config._attn_implementation == settings.get("attn_implementation", "sdpa")
    layouts = record_layouts(lm)
    got = lm.loglikelihood(make_requests(LONG_PAIRS), disable_tqdm=True)
    for (ll, greedy), result in zip(long_reference, got, strict=True):
        assert abs(result[0] - ll) < TOL
        assert result[1] == greedy
        assert result[5] is False
    cap = lm.max_row_tokens
    rows = [(p, n_seg, sum(1 for label in labels if label))
            for layout in layouts
            for p, n_seg, labels in zip(layout.prefix_lens, segments_per_row(layout), layout.labels, strict=True)]
    assert all(n_tokens <= cap or n_seg == 1 for _, n_seg, n_tokens in rows)
    if settings["batch_size"] == 1:
        assert len(layouts) == len(rows) > 4 + 3  # the three long groups split, each row repeating its context
    else:
        assert sorted(n_seg for _, n_seg, _ in rows) == [1, 12, 12, 12]  # one row per context
    if settings["batch_size"] == "auto":
        assert any(p > cap for p, _, _ in rows)  # the longest context exceeds the cap and is still computed once
    if settings.get("max_padding") == 1.0:
        assert len(layouts) == 1 and len({p for p, _, _ in rows}) == 4


def test_long_rows_token_detail_matches_independent_computation(tiny_dir):
    lm = load("hf-prefix", tiny_dir, **ONE_BATCH)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32).eval()
    got = lm.loglikelihood(make_requests(LONG_PAIRS), disable_tqdm=True)
    for (context, continuation), result in zip(LONG_PAIRS, got, strict=True):
        token_lp, entropy = independent_scores(model, *encode_like_lm_eval(lm, context, continuation))
        assert result[3] == pytest.approx(token_lp, abs=TOL)
        assert result[4] == pytest.approx(entropy, abs=TOL)


def test_long_rows_truncated_to_the_window(tiny_dir):
    max_length = 1024  # the 1,500- and 2,450-token contexts lose their start, by a different count per summary
    lm = load("hf-prefix", tiny_dir, max_length=max_length, **ONE_BATCH)
    layouts = record_layouts(lm)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32).eval()
    got = lm.loglikelihood(make_requests(LONG_PAIRS), disable_tqdm=True)
    n_truncated = 0
    for (context, continuation), result in zip(LONG_PAIRS, got, strict=True):
        ctx_ids, cont_ids = encode_like_lm_eval(lm, context, continuation)
        kept = kept_context(lm, ctx_ids, cont_ids, max_length)
        n_truncated += kept != ctx_ids
        assert result[5] is (kept != ctx_ids)
        token_lp, entropy = independent_scores(model, kept, cont_ids)
        assert result[3] == pytest.approx(token_lp, abs=TOL)
        assert result[4] == pytest.approx(entropy, abs=TOL)
    assert n_truncated == 24
    assert max(p + len(ids) for layout in layouts for p, ids in zip(layout.prefix_lens, layout.segment_ids)) > 1000
    assert max(pos for layout in layouts for row in layout.positions for pos in row) < max_length


def test_prefix_takes_the_causal_kernel_and_only_segments_are_masked(tiny_bos_model, monkeypatch):
    """The point of the two passes: the prefixes run with no mask (SDPA's causal kernel); the mask covers
    [segment tokens] x [prefix + segment tokens] only, never [row x row]."""
    calls = []
    sdpa = torch.nn.functional.scaled_dot_product_attention

    def spy(query, key, value, attn_mask=None, *args, is_causal=False, **kwargs):
        mask = None if attn_mask is None else tuple(attn_mask.shape)
        calls.append((query.shape[-2], key.shape[-2], mask, is_causal))
        return sdpa(query, key, value, attn_mask, *args, is_causal=is_causal, **kwargs)

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", spy)
    lm = load("hf-prefix", tiny_bos_model, **ONE_BATCH)
    lm.loglikelihood(make_requests(LONG_PAIRS), disable_tqdm=True)
    encoded = [encode_like_lm_eval(lm, *pair) for pair in LONG_PAIRS]
    width = max(len(ctx) - 1 for ctx, _ in encoded)
    segments: dict[tuple[int, ...], int] = {}
    for ctx, cont in encoded:
        segments[tuple(ctx)] = segments.get(tuple(ctx), 0) + len(cont)
    seg = max(segments.values())
    n_layers = lm.model.config.num_hidden_layers
    segment_call = (seg, width + seg, (4, 1, seg, width + seg), False)
    assert calls == [(width, width, None, True)] * n_layers + [segment_call] * n_layers


def real_pairs(sff_dir: Path, n_posts: int) -> list[tuple[str, str]]:
    """Both summaries of the first rows of batch18.json, for `n_posts` distinct posts (posts recur)."""
    pairs, posts = [], []
    for line in (sff_dir / "comparisons" / "batch18.json").read_text().splitlines():
        row = json.loads(line)
        info = row["info"]
        if info["id"] not in posts:
            if len(posts) == n_posts:
                break
            posts.append(info["id"])
        context = f"SUBREDDIT: r/{info['subreddit']}\nTITLE: {info['title']}\nPOST: {info['post']}\nTL;DR:"
        pairs.extend((context, s["text"]) for s in row["summaries"])
    return pairs


@pytest.mark.slow
def test_smollm2_parity_on_real_pairs(smollm2_dir, sff_dir):
    torch.set_num_threads(2)
    pairs = real_pairs(sff_dir, n_posts=2)[:16]
    expected = load("hf", smollm2_dir, batch_size=4).loglikelihood(make_requests(pairs), disable_tqdm=True)
    got = load("hf-prefix", smollm2_dir, batch_size=4).loglikelihood(make_requests(pairs), disable_tqdm=True)
    for (ll, greedy), result in zip(expected, got, strict=True):
        assert abs(result[0] - ll) < TOL
        assert result[1] == greedy
        assert abs(sum(result[3]) - result[0]) < TOL


# ---------------------------------------------------------------- end to end through the summ_pref tasks
def evaluate_cmp(lm, sff_dir: Path, limit: int) -> list[dict]:
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    metadata = {"data_dir": str(sff_dir)}
    res = simple_evaluate(
        model=lm,
        tasks=["summ_pref_cmp"],
        # the task manager is what hands `metadata` to the tasks' custom_dataset when it is given
        task_manager=TaskManager(include_path=str(REPO / "lm_eval_tasks"), include_defaults=False, metadata=metadata),
        limit=limit,
        metadata=metadata,
        log_samples=True,
        bootstrap_iters=0,
    )
    return sorted(res["samples"]["summ_pref_cmp"], key=lambda s: s["doc_id"])


def assert_same_records(expected: list[dict], got: list[dict], tol: float) -> None:
    assert len(got) == len(expected) > 0
    for a, b in zip(expected, got, strict=True):
        assert a["record"]["key"] == b["record"]["key"]
        for sa, sb in zip(a["record"]["summaries"], b["record"]["summaries"], strict=True):
            assert sa["continuation"] == sb["continuation"]
            assert abs(sa["logprob"] - sb["logprob"]) < tol
            assert sa["is_greedy"] == sb["is_greedy"]
            assert "n_tokens" not in sa  # hf returns only (logprob, is_greedy)
            assert sb["n_tokens"] == len(sb["token_logprobs"]) == len(sb["token_entropies"])
            assert abs(sum(sb["token_logprobs"]) - sb["logprob"]) < tol
            assert sb["context_truncated"] is False


def test_simple_evaluate_records_match_hf(tiny_bos_model, sff_dir):
    expected = evaluate_cmp(load("hf", tiny_bos_model, batch_size=8), sff_dir, limit=40)
    got = evaluate_cmp(load("hf-prefix", tiny_bos_model, batch_size=8), sff_dir, limit=40)
    assert_same_records(expected, got, tol=1e-3)


@pytest.mark.slow
def test_simple_evaluate_records_match_hf_smollm2(smollm2_dir, sff_dir):
    torch.set_num_threads(2)
    expected = evaluate_cmp(load("hf", smollm2_dir, batch_size=8), sff_dir, limit=40)
    got = evaluate_cmp(load("hf-prefix", smollm2_dir, batch_size=8), sff_dir, limit=40)
    assert_same_records(expected, got, tol=1e-3)
