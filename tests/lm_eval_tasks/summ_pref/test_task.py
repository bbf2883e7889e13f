"""The summ_pref tasks through the real harness: every logged logprob equals an independent computation."""

from __future__ import annotations

import pytest

from lm_eval_tasks.data.rows import RATING_AXES
from tests.helpers.harness_runs import run_tasks
from tests.helpers.harness_utils import IndependentScorer

TASKS = ["summ_pref_axis", "summ_pref_cmp", "summ_pref_axis_cnndm", "summ_pref_cmp_oai"]


@pytest.fixture(scope="module", params=["tiny_bos_model", "tiny_nobos_model"])
def run(request, sff_dir):
    model_dir = request.getfixturevalue(request.param)
    return model_dir, run_tasks(model_dir, TASKS, limit=6, data_dir=str(sff_dir))


def test_every_logprob_matches_independent_computation(run):
    model_dir, res = run
    scorer = IndependentScorer(model_dir)
    checked = 0
    for task in TASKS:
        for sample in res["samples"][task]:
            for (ctx, cont), summary in zip(sample["arguments"], sample["record"]["summaries"], strict=True):
                assert summary["continuation"] == cont
                assert summary["logprob"] == pytest.approx(scorer(ctx, cont), abs=1e-4)
                checked += 1
    assert checked == 6 * (1 + 2 + 1 + 2)


def test_context_holds_the_post_and_continuation_is_the_summary(run):
    _, res = run
    for task in TASKS:
        for sample in res["samples"][task]:
            doc, record = sample["doc"], sample["record"]
            ctx = sample["arguments"][0][0]
            assert doc["text"] in ctx
            if doc["title"]:
                assert doc["title"] in ctx
            assert ctx.endswith("TL;DR:")
            texts = [doc["summary"]] if "summary" in doc else [doc["summary_0"], doc["summary_1"]]
            assert [a[1] for a in sample["arguments"]] == [" " + t.lstrip(" ") for t in texts]
            assert all(a[0] == ctx for a in sample["arguments"])  # both summaries of a pair share the post
            assert record["key"] == doc["key"] and record["post_id"] == doc["post_id"]


def test_prompt_markers_per_task(run):
    _, res = run
    first = {task: res["samples"][task][0]["arguments"][0][0] for task in TASKS}
    assert first["summ_pref_axis"].startswith("Here is a Reddit text post:\n\n<reddit_post>\nTitle: ")
    assert first["summ_pref_axis_cnndm"].startswith("Here is a news article:\n\n<article>\n")
    assert first["summ_pref_cmp_oai"].startswith("SUBREDDIT: r/")
    assert "\n\nTITLE: " in first["summ_pref_cmp_oai"] and "\n\nPOST: " in first["summ_pref_cmp_oai"]


def test_record_is_complete_native_json(run):
    _, res = run
    record = res["samples"]["summ_pref_cmp"][0]["record"]
    assert record["kind"] == "cmp" and record["choice"] in (0, 1)
    assert set(record) >= {"key", "post_id", "split", "subsplit", "batch", "worker", "confidence", "prompt_sha"}
    for s in record["summaries"]:
        assert s["n_bytes"] == len(s["continuation"].encode()) and s["n_chars"] == len(s["continuation"])
        assert isinstance(s["logprob"], float) and s["policy"]
    axis = res["samples"]["summ_pref_axis"][0]["record"]
    assert tuple(axis["ratings"]) == RATING_AXES


def test_harness_metrics_equal_their_definitions(run):
    _, res = run
    from scipy.stats import spearmanr

    records = [s["record"] for s in res["samples"]["summ_pref_axis"]]
    pairs = [(r["summaries"][0]["logprob"], r["ratings"]["overall"]) for r in records
             if r["ratings"]["overall"] is not None]
    expected = spearmanr(*zip(*pairs)).statistic
    assert res["results"]["summ_pref_axis"]["spearman_sum_overall,none"] == pytest.approx(expected)
    cmp_records = [s["record"] for s in res["samples"]["summ_pref_cmp"]]
    wins = []
    for r in cmp_records:
        a, b = (s["logprob"] for s in r["summaries"])
        wins.append(0.5 if a == b else float((a < b) == bool(r["choice"])))
    assert res["results"]["summ_pref_cmp"]["agreement_sum,none"] == pytest.approx(sum(wins) / len(wins))
