"""The generation tasks through the real harness on a tiny model: K raw samples per post, with their settings."""

from __future__ import annotations

import pytest

from lm_eval_tasks.data.posts import build_post_docs
from lm_eval_tasks.data.prompts import news_prompt, oai_prompt, reddit_prompt
from lm_eval_tasks.data.sources import SAMPLE_NAME
from summ_pref_common.errors import DataError
from tests.helpers.harness_runs import by_doc_id, run_tasks
from tests.helpers.harness_utils import task_manager

K = 4
LIMIT = 3
TASKS = ["summ_pref_gen", "summ_pref_gen_oai"]
PROMPTS = {"summ_pref_gen": reddit_prompt, "summ_pref_gen_oai": oai_prompt, "summ_pref_gen_cnndm": news_prompt}
YAML_SETTINGS = {"do_sample": True, "temperature": 1.0, "top_p": 1.0, "max_gen_toks": 53, "until": ["\n"]}


@pytest.fixture(scope="module")
def sampled(tiny_nobos_model):
    return run_tasks(tiny_nobos_model, TASKS, limit=LIMIT, data_dir=SAMPLE_NAME, k=K)


@pytest.fixture(scope="module")
def greedy(tiny_nobos_model):
    return run_tasks(tiny_nobos_model, ["summ_pref_gen"], limit=LIMIT, gen_kwargs="do_sample=False",
                     data_dir=SAMPLE_NAME, k=K)


def texts(sample: dict) -> list[str]:
    return [s["text"] for s in sample["record"]["samples"]]


@pytest.mark.parametrize("task", TASKS)
def test_k_raw_samples_per_post_with_index_and_settings(sampled, task):
    for sample in sampled["samples"][task]:
        record = sample["record"]
        assert record["kind"] == "gen" and record["schema"] == 1
        assert [s["index"] for s in record["samples"]] == list(range(K))
        # every response reaches the record untouched: lm-eval's default take_first filter would leave one
        assert sample["filter"] == "none"
        assert texts(sample) == sample["resps"][0] == sample["filtered_resps"][0]
        assert all("\n" not in t for t in texts(sample))  # generation stopped at (and dropped) the newline
        assert record["generation"] == {**YAML_SETTINGS, "k": K, "torch_seed": 1234}
        ((context, gen_kwargs),) = sample["arguments"]
        assert context == PROMPTS[task](sample["doc"])
        assert gen_kwargs == YAML_SETTINGS
        assert record["prompt"] == ("reddit" if task == "summ_pref_gen" else "oai")
        assert record["key"] == sample["doc"]["key"] and record["post_id"] == sample["doc"]["post_id"]
        assert record["seed"] == 1234 and record["chat_template"] is False


def test_limit_n_gives_the_first_n_distinct_posts(sampled):
    expected = [d["post_id"] for d in build_post_docs("tldr", "validation", SAMPLE_NAME)[:LIMIT]]
    for task in TASKS:
        assert [s["doc"]["post_id"] for s in by_doc_id(sampled["samples"][task])] == expected


def test_greedy_gives_k_identical_samples(greedy):
    for sample in greedy["samples"]["summ_pref_gen"]:
        assert len(texts(sample)) == K and len(set(texts(sample))) == 1
        settings = sample["record"]["generation"]
        assert settings["do_sample"] is False and settings["temperature"] == 0.0
    assert greedy["results"]["summ_pref_gen"]["distinct_samples,none"] == 1


def test_hf_prefix_generates_as_hf(greedy, tiny_nobos_model):
    """hf-prefix changes only loglikelihood scoring: its greedy samples are hf's."""
    res = run_tasks(tiny_nobos_model, ["summ_pref_gen"], limit=LIMIT, model="hf-prefix", gen_kwargs="do_sample=False",
                    data_dir=SAMPLE_NAME, k=2)
    expected = {s["doc"]["key"]: texts(s)[0] for s in greedy["samples"]["summ_pref_gen"]}
    assert {s["doc"]["key"]: texts(s) for s in res["samples"]["summ_pref_gen"]} == {
        key: [text] * 2 for key, text in expected.items()}


def test_sampling_gives_more_distinct_samples_than_greedy(sampled, greedy):
    """The same posts (same seed and limit): greedy repeats one text, sampling at T = 1 from a random model
    does not."""
    sampled_posts = {s["doc"]["key"]: len(set(texts(s))) for s in sampled["samples"]["summ_pref_gen"]}
    greedy_posts = {s["doc"]["key"]: len(set(texts(s))) for s in greedy["samples"]["summ_pref_gen"]}
    assert sampled_posts.keys() == greedy_posts.keys()
    assert all(n > 1 for n in sampled_posts.values()) and set(greedy_posts.values()) == {1}
    assert sampled["results"]["summ_pref_gen"]["distinct_samples,none"] > 1


def test_harness_metrics_equal_their_definitions(sampled):
    samples = sampled["samples"]["summ_pref_gen"]
    words = [sum(len(t.split()) for t in texts(s)) / K for s in samples]
    result = sampled["results"]["summ_pref_gen"]
    assert result["sample_words,none"] == pytest.approx(sum(words) / len(words))
    assert result["distinct_samples,none"] == pytest.approx(sum(len(set(texts(s))) for s in samples) / len(samples))
    assert result["record,none"] == LIMIT
    listed = {key.split(",")[0] for key in result if key.endswith(",none") and "_stderr" not in key}
    assert listed == {"record", "sample_words", "distinct_samples"}


def test_news_articles_of_the_real_rows(tiny_nobos_model, sff_dir):
    res = run_tasks(tiny_nobos_model, ["summ_pref_gen_cnndm"], limit=2, data_dir=str(sff_dir), k=2)
    samples = res["samples"]["summ_pref_gen_cnndm"]
    assert len(samples) == 2
    for sample in samples:
        assert sample["arguments"][0][0] == news_prompt(sample["doc"])
        assert sample["arguments"][0][0].startswith("Here is a news article:\n\n<article>\n")
        record = sample["record"]
        assert record["source"] == "cnndm" and record["prompt"] == "cnndm" and len(record["samples"]) == 2


def load_task(name: str, **metadata):
    return task_manager(data_dir=SAMPLE_NAME, **metadata).load([name])["tasks"][name]


def test_k_defaults_to_the_yaml_repeats_and_metadata_k_overrides_it():
    assert load_task("summ_pref_gen").config.repeats == 8
    assert load_task("summ_pref_gen_cnndm", k="16").config.repeats == 16


@pytest.mark.parametrize("k", [0, -1, "x", 1.5, True, None])
def test_k_must_be_a_positive_integer(k):
    with pytest.raises(DataError, match=r"^field 'k': expected a positive integer"):
        load_task("summ_pref_gen", k=k)


def test_one_response_per_doc_is_refused():
    """What lm-eval's default filter (take_first) would hand over: one string, not the K samples."""
    task = load_task("summ_pref_gen")
    doc = next(iter(task.test_docs()))
    with pytest.raises(ValueError, match="filter_list must keep all responses"):
        task.process_results(doc, ["only the first sample"])
