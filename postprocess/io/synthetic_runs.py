"""Write lm-eval run folders of synthetic summ_pref samples, for tests and the report benchmark.

The lines have the shape the harness writes (doc, arguments, record, ...), at any size, so the
report can be exercised on the full validation split (86,086 pairs, 8,585 axis rows) offline.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lm_eval_tasks.data.prompts import template_sha
from lm_eval_tasks.data.rows import RATING_AXES
from lm_eval_tasks.records import SCHEMA_VERSION

TIMESTAMP = "2026-01-01T00-00-00.000000"


def _summary(rng: np.random.Generator, content: np.random.Generator, policy: str, quality: float, *,
             per_token: bool, shift: float = 0.0) -> dict:
    """Text from `content` (the same for every model), scores from `rng` (the model's own)."""
    n_tokens = int(content.integers(12, 48))
    text = " " + " ".join(f"w{int(w)}" for w in content.integers(0, 999, n_tokens))
    # A token's log-probability is at most 0 (the report refuses a positive summed logprob).
    token_logprobs = np.minimum(rng.normal(-2.5 + 0.6 * quality + shift, 1.0, n_tokens), 0.0).round(4)
    summary = {"policy": policy, "continuation": text, "n_bytes": len(text.encode()), "n_chars": len(text),
               "logprob": float(token_logprobs.sum()), "is_greedy": False}
    if per_token:
        summary.update(n_tokens=n_tokens, token_logprobs=token_logprobs.tolist(),
                       token_entropies=rng.uniform(1.0, 4.0, n_tokens).round(4).tolist(), context_truncated=False)
    return summary


def _line(doc_id: int, record: dict, context: str, text: str | None = None) -> str:
    doc = {"key": record["key"], "post_id": record["post_id"], "data_origin": "synthetic", "seed": record["seed"]}
    if text is not None:
        doc["text"] = text
    sample = {"doc_id": doc_id, "doc": doc, "target": 0,
              "arguments": {f"gen_args_{i}": {"arg_0": context, "arg_1": s["continuation"]}
                            for i, s in enumerate(record["summaries"])},
              "resps": [], "filtered_resps": [], "filter": "none", "metrics": ["record"],
              "doc_hash": "", "prompt_hash": "", "target_hash": "", "record": record}
    return json.dumps(sample)


def _base(kind: str, key: str, post: int, subsplit: str) -> dict:
    return {"schema": SCHEMA_VERSION, "kind": kind, "key": key, "post_id": f"post{post}", "source": "tldr",
            "split": "validation", "subsplit": subsplit, "batch": "synthetic", "worker": "w", "prompt": "reddit",
            "prompt_sha": template_sha("reddit"), "chat_template": False, "seed": 1234}


def write_run(folder: Path, *, n_pairs: int, n_axis: int, n_posts_cmp: int, n_posts_axis: int, seed: int = 0,
              per_token: bool = True, model_name: str = "synthetic-model", shift: float = 0.0,
              context_chars: int = 1500, n_workers: int = 0, repeats: int = 1, with_text: bool = False) -> Path:
    """One model folder with results and samples files for summ_pref_axis and summ_pref_cmp.

    Each row's post is drawn uniformly from `n_posts_cmp` (`n_posts_axis`) posts, so posts carry uneven
    numbers of rows (binomial, n_pairs / n_posts_cmp on average), and a post may carry none. `shift` moves
    every logprob (per token), to make a second model that differs from the first.

    For the human ceiling and the copy statistics (defaults leave the rows as they always were): `n_workers`
    workers ("w0", "w1", ...) instead of one "w"; every pair judged `repeats` times (same summaries, a
    choice redrawn per judgement, workers in turn); `with_text` logs each post's text in the doc (words
    the summaries partly copy).
    """
    rng = np.random.default_rng(seed)
    content = np.random.default_rng(12345)  # the same rows and ratings for every model
    folder.mkdir(parents=True, exist_ok=True)
    policies = ["ref", "sup", "ppo", "pretrain"]
    context = "x" * context_chars
    judge = np.random.default_rng(seed + 777)  # repeats' choices and workers: apart from `content`

    def source(post: int) -> str | None:
        return " ".join(f"w{(post * 37 + k) % 999}" for k in range(200)) if with_text else None

    def worker(i: int) -> str:
        return f"w{i % n_workers}" if n_workers else "w"
    with open(folder / f"samples_summ_pref_cmp_{TIMESTAMP}.jsonl", "w") as fh:
        posts = np.sort(content.integers(0, n_posts_cmp, n_pairs))
        for i, post in enumerate(posts):
            qa, qb = content.normal(0, 1, 2)
            choice = int(content.random() < 1 / (1 + np.exp(qa - qb)))
            record = {**_base("cmp", f"c{i}", int(post), "valid1" if post % 2 else "valid2"), "choice": choice,
                      "confidence": int(content.integers(1, 5) if choice == 0 else content.integers(6, 10)),
                      "summaries": [
                          _summary(rng, content, policies[i % 4], qa, per_token=per_token, shift=shift),
                          _summary(rng, content, policies[(i + 1) % 4], qb, per_token=per_token, shift=shift)]}
            for r in range(repeats):
                if r:
                    choice_r = int(judge.random() < 1 / (1 + np.exp(qa - qb)))
                    record = {**record, "key": f"c{i}r{r}", "choice": choice_r,
                              "confidence": 3 if choice_r == 0 else 7}
                record = {**record, "worker": worker(i * repeats + r)}
                fh.write(_line(i * repeats + r, record, context, source(int(post))) + "\n")
    with open(folder / f"samples_summ_pref_axis_{TIMESTAMP}.jsonl", "w") as fh:
        posts = np.sort(content.integers(0, n_posts_axis, n_axis))
        for i, post in enumerate(posts):
            quality = content.normal(0, 1)
            ratings = {a: float(np.clip(np.round(4 + 1.5 * quality + content.normal(0, 1)), 1, 7)) for a in RATING_AXES}
            record = {**_base("axis", f"a{i}", int(post), "valid2"), "ratings": ratings,
                      "summaries": [_summary(rng, content, policies[i % 4], quality, per_token=per_token, shift=shift)]}
            record["worker"] = worker(i)
            fh.write(_line(i, record, context, source(int(post))) + "\n")
    results = {"model_name": model_name, "config": {"model": "hf", "model_args": f"pretrained={model_name}"},
               "versions": {"summ_pref_axis": 1.0, "summ_pref_cmp": 1.0}, "configs": {},
               # lm-eval's count of the docs of each task (one samples line each): what a complete run holds
               "n-samples": {"summ_pref_cmp": {"original": n_pairs * repeats, "effective": n_pairs * repeats},
                             "summ_pref_axis": {"original": n_axis, "effective": n_axis}},
               "lm_eval_version": "0.4.13", "transformers_version": None}
    (folder / f"results_{TIMESTAMP}.json").write_text(json.dumps(results))
    return folder
