"""pref_pairs and pref_axis through the real harness on tiny models: every logged logprob equals an independent
computation, the context is the prompt (raw, plain chat, or the model's chat template) and the continuation
exactly the scored string, and the harness's metrics equal their definitions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lm_eval import simple_evaluate
from scipy.stats import spearmanr
from transformers import AutoTokenizer

from lm_eval_tasks.metrics import win
from lm_eval_tasks.pref.docs import custom_dataset
from tests.helpers.harness_runs import run_tasks
from tests.helpers.harness_utils import IndependentScorer, task_manager
from tests.helpers.paths import SHARED_DATA, require_shared
from tests.helpers.pref_runs import HELPSTEER_ATTRIBUTES, helpsteer_rows, write_jsonl

CARPER = SHARED_DATA / "carperai_summarize_comparisons"
LIMIT = 6
CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def _check_logprobs(model_dir: Path, samples: list[dict]) -> int:
    scorer = IndependentScorer(model_dir)
    checked = 0
    for sample in samples:
        for (ctx, cont), response in zip(sample["arguments"], sample["record"]["summaries"], strict=True):
            assert response["continuation"] == cont
            assert response["logprob"] == pytest.approx(scorer(ctx, cont), abs=1e-4)
            checked += 1
    return checked


@pytest.fixture(scope="module", params=["tiny_bos_model", "tiny_nobos_model"])
def carper_run(request):
    model_dir = request.getfixturevalue(request.param)
    path = require_shared(CARPER) / "valid2.jsonl"
    return model_dir, path, run_tasks(model_dir, ["pref_pairs"], limit=LIMIT, data_files=str(path))


def test_every_pair_logprob_matches_independent_computation(carper_run):
    model_dir, _, res = carper_run
    assert _check_logprobs(model_dir, res["samples"]["pref_pairs"]) == 2 * LIMIT


def test_context_is_the_prompt_and_continuation_the_separator_and_response(carper_run):
    _, path, res = carper_run
    rows = {(r["prompt"], r["chosen"], r["rejected"]) for r in map(json.loads, path.read_text().splitlines())}
    for sample in res["samples"]["pref_pairs"]:
        doc, record = sample["doc"], sample["record"]
        (ctx_a, cont_a), (ctx_b, cont_b) = sample["arguments"]
        assert ctx_a == ctx_b == doc["prompt"].rstrip()
        assert [cont_a, cont_b] == ["\n" + doc["response_0"], "\n" + doc["response_1"]]
        chosen, rejected = (doc[f"response_{record['choice']}"], doc[f"response_{1 - record['choice']}"])
        assert (doc["prompt"], chosen, rejected) in rows
        assert record["kind"] == "cmp" and record["post_id"] == doc["post_id"] and record["prompt"] == "pref_raw"


def test_limit_scores_the_first_docs_of_the_seeded_order(carper_run):
    _, path, res = carper_run
    expected = [d["key"] for d in custom_dataset(kind="cmp", data_files=str(path))["docs"]][:LIMIT]
    assert [s["doc"]["key"] for s in sorted(res["samples"]["pref_pairs"], key=lambda s: s["doc_id"])] == expected


def test_pair_metrics_equal_their_definitions(carper_run):
    _, _, res = carper_run
    records = [s["record"] for s in res["samples"]["pref_pairs"]]
    wins = [win(r["summaries"][0]["logprob"], r["summaries"][1]["logprob"], r["choice"]) for r in records]
    assert res["results"]["pref_pairs"]["agreement_sum,none"] == pytest.approx(sum(wins) / len(wins))


@pytest.fixture(scope="module")
def helpsteer_run(tiny_nobos_model, tmp_path_factory):
    rows = helpsteer_rows(n_prompts=4, per_prompt=3, seed=3)
    path = write_jsonl(tmp_path_factory.mktemp("helpsteer") / "helpsteer.jsonl", rows)
    res = run_tasks(tiny_nobos_model, ["pref_axis"], limit=None, data_files=str(path),
                   fields={a: a for a in HELPSTEER_ATTRIBUTES}, quality="correctness", separator=" ")
    return rows, res


def test_rated_responses_are_scored_with_their_ratings(helpsteer_run, tiny_nobos_model):
    rows, res = helpsteer_run
    samples = res["samples"]["pref_axis"]
    assert _check_logprobs(tiny_nobos_model, samples) == len(rows) == 12
    by_text = {(r["prompt"], " " + r["response"]): r for r in rows}
    for sample in samples:
        (ctx, cont), = sample["arguments"]
        record = sample["record"]
        assert record["ratings"] == {a: float(by_text[(ctx, cont)][a]) for a in HELPSTEER_ATTRIBUTES}
        assert record["outcome"] == "helpfulness" and record["quality"] == ["correctness"]
    pairs = [(s["record"]["summaries"][0]["logprob"], s["record"]["ratings"]["helpfulness"]) for s in samples]
    expected = spearmanr(*zip(*pairs)).statistic
    assert res["results"]["pref_axis"]["spearman_sum_outcome,none"] == pytest.approx(expected)


# chat prompts --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chat_model(tiny_nobos_model, tmp_path_factory) -> Path:
    """The tiny model with a ChatML chat template."""
    folder = tmp_path_factory.mktemp("tiny_chat") / "model"
    shutil.copytree(tiny_nobos_model, folder)
    tok = AutoTokenizer.from_pretrained(folder)
    tok.chat_template = CHATML
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def chat_data(tmp_path_factory) -> Path:
    """UltraFeedback-binarized-shaped rows: prompt text, chosen / rejected conversations."""
    rows = []
    for i, (good, bad) in enumerate([("Tom the cat.", "A dog."), ("The court will decide.", "No."),
                                     ("Police arrested a man.", "The budget leaked.")]):
        prompt = f"Question {i}: what happened to my girlfriend's family?"
        rows.append({"prompt": prompt, "chosen": [{"role": "user", "content": prompt},
                                                  {"role": "assistant", "content": good}],
                     "rejected": [{"role": "user", "content": prompt}, {"role": "assistant", "content": bad}]})
    return write_jsonl(tmp_path_factory.mktemp("ultrafeedback") / "uf.jsonl", rows)


def _chat_eval(model_dir: Path, data: Path, apply: bool, prompt_format: str) -> list[dict]:
    metadata = {"data_files": str(data), "prompt_format": prompt_format}
    res = simple_evaluate(model="hf", model_args=f"pretrained={model_dir},dtype=float32", tasks=["pref_pairs"],
                          task_manager=task_manager(**metadata), log_samples=True, bootstrap_iters=0, device="cpu",
                          batch_size=4, apply_chat_template=apply)
    return res["samples"]["pref_pairs"]


@pytest.mark.parametrize("prompt_format", ["chat", "raw"])
def test_chat_template_renders_the_prompt_and_scores_the_response(chat_model, chat_data, prompt_format):
    samples = _chat_eval(chat_model, chat_data, True, prompt_format)
    tok = AutoTokenizer.from_pretrained(chat_model)
    for sample in samples:
        doc = sample["doc"]
        messages = doc["messages"] or [{"role": "user", "content": doc["prompt"]}]
        rendered = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        assert rendered.endswith("<|im_start|>assistant\n")
        assert [a[0] for a in sample["arguments"]] == [rendered.rstrip()] * 2
        assert [a[1] for a in sample["arguments"]] == ["\n" + doc["response_0"], "\n" + doc["response_1"]]
        assert sample["record"]["chat_template"] is True
        assert sample["record"]["prompt"] == f"pref_{prompt_format}"
    assert _check_logprobs(chat_model, samples) == 6


def test_chat_prompt_without_a_template_uses_the_plain_format(chat_model, chat_data):
    samples = _chat_eval(chat_model, chat_data, False, "chat")
    for sample in samples:
        doc = sample["doc"]
        assert sample["arguments"][0][0] == f"User: {doc['messages'][0]['content']}\n\nAssistant:"
        assert [a[1] for a in sample["arguments"]] == [" " + doc["response_0"], " " + doc["response_1"]]
        assert sample["record"]["chat_template"] is False
    assert _check_logprobs(chat_model, samples) == 6
