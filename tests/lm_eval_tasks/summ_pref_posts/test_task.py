"""summ_pref_posts*: the post text scored after the prompt's header, checked against an independent computation."""

from __future__ import annotations

import math

import pytest

from lm_eval_tasks.data.prompts import render
from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.summ_pref_posts.task import header, post_request
from summ_pref_common.errors import DataError
from tests.helpers.harness_runs import run_tasks
from tests.helpers.harness_utils import IndependentScorer, task_manager

LIMIT = 3
TASKS = {"summ_pref_posts": "reddit", "summ_pref_posts_oai": "oai", "summ_pref_posts_cnndm": "cnndm"}
# A post's logprob is a sum over hundreds of tokens, which backends add in float32 (relative rounding ~1e-7:
# 6e-4 nats on the tiny random model's -3762 for one long post), so posts are compared to 1e-6 relative, not 1e-4.
CLOSE = {"rel": 1e-6, "abs": 1e-4}
TAILS = {"reddit": "\n</reddit_post>\n\nTL;DR:", "oai": "\n\nTL;DR:", "cnndm": "\n</article>\n\nTL;DR:"}


@pytest.fixture(scope="module", params=["hf", "hf-prefix"])
def scored(request, tiny_bos_model, sff_dir):
    return request.param, run_tasks(tiny_bos_model, list(TASKS), limit=LIMIT, model=request.param,
                                    data_dir=str(sff_dir))


def test_logprob_of_the_post_matches_independent_computation(scored, tiny_bos_model):
    _, res = scored
    scorer = IndependentScorer(tiny_bos_model)
    for task, prompt in TASKS.items():
        samples = res["samples"][task]
        assert len(samples) == LIMIT and len({s["doc"]["post_id"] for s in samples}) == LIMIT
        for sample in samples:
            ((context, cont),) = sample["arguments"]
            record, doc = sample["record"], sample["doc"]
            # the header, then the post: the prompt as the generation and scoring tasks render it, up to its tail
            assert context + cont + TAILS[prompt] == render(prompt, doc)
            assert cont.endswith(doc["text"]) and not cont[:-len(doc["text"])].strip()
            assert context == context.rstrip()
            assert record["kind"] == "post" and record["prompt"] == prompt and record["continuation"] == cont
            assert record["n_bytes"] == len(cont.encode()) and record["post_id"] == doc["post_id"]
            assert record["logprob"] == pytest.approx(scorer(context, cont), **CLOSE)


def test_per_token_detail_and_harness_metrics(scored):
    backend, res = scored
    for task in TASKS:
        records = [s["record"] for s in res["samples"][task]]
        result = res["results"][task]
        per_byte = [r["logprob"] / r["n_bytes"] for r in records]
        assert result["logprob_per_byte,none"] == pytest.approx(sum(per_byte) / LIMIT)
        assert {key.split(",")[0] for key in result if key.endswith(",none") and "_stderr" not in key} == {
            "record", "logprob_per_byte", "perplexity", "mean_entropy"}
        if backend == "hf":  # lm-eval's backends return no token counts: the per-token numbers are undefined
            assert "n_tokens" not in records[0]
            assert math.isnan(result["perplexity,none"]) and math.isnan(result["mean_entropy,none"])
            continue
        for r in records:
            assert r["n_tokens"] == len(r["token_logprobs"]) == len(r["token_entropies"]) > 0
            assert sum(r["token_logprobs"]) == pytest.approx(r["logprob"], **CLOSE)
            assert all(e >= 0 for e in r["token_entropies"]) and r["context_truncated"] is False
        tokens = sum(r["n_tokens"] for r in records)
        assert result["perplexity,none"] == pytest.approx(math.exp(-sum(r["logprob"] for r in records) / tokens))
        assert result["mean_entropy,none"] == pytest.approx(sum(sum(r["token_entropies"]) for r in records) / tokens)


DOC = {"title": "Advice needed", "subreddit": "relationships", "site": None, "text": "We argued about money."}


@pytest.mark.parametrize("prompt, doc, expected", [
    ("reddit", DOC, ("Here is a Reddit text post:\n\n<reddit_post>\nTitle: Advice needed",
                     "\n\nWe argued about money.")),
    ("reddit", {**DOC, "title": None}, ("Here is a Reddit text post:\n\n<reddit_post>", "\nWe argued about money.")),
    ("oai", DOC, ("SUBREDDIT: r/relationships\n\nTITLE: Advice needed\n\nPOST:", " We argued about money.")),
    ("cnndm", {**DOC, "title": ""}, ("Here is a news article:\n\n<article>", "\nWe argued about money.")),
])
def test_request_is_the_header_then_the_post(prompt, doc, expected):
    assert post_request(prompt, doc) == expected
    assert header(prompt, doc) == "".join(expected)[:-len(doc["text"])]


def test_chat_template_is_refused():
    task = task_manager(data_dir=SAMPLE_NAME).load(["summ_pref_posts"])["tasks"]["summ_pref_posts"]
    doc = next(iter(task.test_docs()))
    with pytest.raises(DataError, match="run it without --apply_chat_template"):
        task.construct_requests(doc, "ctx", apply_chat_template=True, metadata=("summ_pref_posts", 0, 1))
