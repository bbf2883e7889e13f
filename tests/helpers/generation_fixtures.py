"""Run folders of the generation tasks (summ_pref_gen, summ_pref_samples, summ_pref_posts) with hand-set texts
and scores, in the shape the harness writes: one samples line per post, the record built by the tasks' own
record functions, and a results file per invocation. (Real harness runs of those tasks: `harness_runs`.)"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from lm_eval_tasks.data.posts import post_record
from lm_eval_tasks.records import scored_continuation

GEN_TIME = "2026-01-02T00-00-00.000000"
SCORE_TIME = "2026-01-03T00-00-00.000000"
POSTS_TIME = "2026-01-04T00-00-00.000000"
SETTINGS = {"do_sample": True, "temperature": 1.0, "top_p": 1.0, "max_gen_toks": 53, "until": ["\n"]}


def post_doc(post: str, source: str = "tldr") -> dict:
    """The doc of one post as `lm_eval_tasks.data.posts` builds it."""
    return {"key": f"key-{post}", "post_id": post, "source": source, "split": "validation", "subsplit": "valid1",
            "title": f"title {post}", "subreddit": "test", "site": None, "text": f"the text of {post}", "seed": 1234,
            "data_origin": "synthetic"}


def _results(folder: Path, time: str, model_name: str, task: str, n: int) -> None:
    results = {"model_name": model_name, "config": {"model": "hf", "model_args": f"pretrained={model_name}"},
               "versions": {task: 1.0}, "configs": {}, "n-samples": {task: {"original": n, "effective": n}},
               "lm_eval_version": "0.4.13", "transformers_version": None}
    (folder / f"results_{time}.json").write_text(json.dumps(results))


def _write(folder: Path, task: str, time: str, model_name: str, lines: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"samples_{task}_{time}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    _results(folder, time, model_name, task, len(lines))
    return path


def _line(doc_id: int, doc: dict, record: dict) -> dict:
    return {"doc_id": doc_id, "doc": doc, "target": doc["key"], "arguments": [], "resps": [], "filtered_resps": [],
            "filter": "none", "metrics": ["record"], "doc_hash": "", "prompt_hash": "", "target_hash": "",
            "record": record}


def write_generation(folder: Path, model_name: str, samples: Mapping[str, Sequence[str]], *,
                     task: str = "summ_pref_gen", time: str = GEN_TIME, settings: Mapping | None = None) -> Path:
    """A summ_pref_gen samples file: `samples` maps each post id to its K generated texts."""
    lines = []
    for i, (post, texts) in enumerate(samples.items()):
        doc = post_doc(post)
        record = {**post_record(doc, "gen", prompt="reddit", chat_template=False),
                  "generation": {**(settings or SETTINGS), "k": len(texts), "torch_seed": 1234},
                  "samples": [{"index": j, "text": t} for j, t in enumerate(texts)],
                  "empty_samples": sum(not t.strip() for t in texts)}
        lines.append(_line(i, doc, record))
    return _write(folder, task, time, model_name, lines)


def scored(text: str, logprob: float, n_tokens: int, entropies: Sequence[float] | None = None) -> dict:
    """One scored entry as hf-prefix logs it: (logprob, is_greedy, n_tokens, token_logprobs, token_entropies,
    context_truncated); the per-token log-probs spread the sum evenly."""
    result = (logprob, False, n_tokens, [logprob / n_tokens] * n_tokens, list(entropies or [1.0] * n_tokens), False)
    return scored_continuation(text, result)


def write_scored_samples(folder: Path, model_name: str, generated_by: str,
                         scores: Mapping[str, Sequence[tuple[str, float, int, Sequence[float] | None]]], *,
                         gen_task: str = "summ_pref_gen", time: str = SCORE_TIME) -> Path:
    """A summ_pref_samples file of `model_name` scoring `generated_by`'s samples: `scores` maps each post id to
    (text, logprob, n_tokens, token entropies) per sample."""
    origin = {"run": f"/runs/{generated_by}", "task": gen_task, "samples_file": "samples.jsonl",
              "model": generated_by, "generation": SETTINGS, "chat_template": False}
    lines = []
    for i, (post, entries) in enumerate(scores.items()):
        doc = post_doc(post)
        record = {**post_record(doc, "samples", prompt="reddit", chat_template=False), "samples_from": origin,
                  "summaries": [{"index": j, **scored(*entry)} for j, entry in enumerate(entries)]}
        lines.append(_line(i, doc, record))
    return _write(folder, "summ_pref_samples", time, model_name, lines)


def write_post_scores(folder: Path, model_name: str, posts: Mapping[str, tuple[float, int, Sequence[float]]], *,
                      task: str = "summ_pref_posts", time: str = POSTS_TIME) -> Path:
    """A summ_pref_posts file: `posts` maps each post id to (logprob, n_tokens, token entropies)."""
    lines = []
    for i, (post, (logprob, n_tokens, entropies)) in enumerate(posts.items()):
        doc = post_doc(post)
        record = {**post_record(doc, "post", prompt="reddit", chat_template=False),
                  **scored(" " + doc["text"], logprob, n_tokens, entropies)}
        lines.append(_line(i, doc, record))
    return _write(folder, task, time, model_name, lines)


POSTS = [f"p{i:02d}" for i in range(12)]
BASE_WORDS = ("alpha", "beta", "gamma", "delta")


def base_samples(posts: Sequence[str] = POSTS) -> dict[str, list[str]]:
    """The reference's 4 samples of each post: all different."""
    return {p: [f"sample {j} of post {p} says {w}" for j, w in enumerate(BASE_WORDS)] for p in posts}


def tuned_samples(posts: Sequence[str] = POSTS) -> dict[str, list[str]]:
    """The tuned model's 4 samples of each post: one text repeated (even posts), or two texts twice (odd)."""
    one, other = "post {} is summarised the same way", "post {} is summarised another way"
    return {p: [one.format(p)] * 4 if i % 2 == 0 else [one.format(p), other.format(p)] * 2
            for i, p in enumerate(posts)}


def sample_logprob(name: str, i: int) -> float:
    """Log-prob per token under base of each sample of post i: base's own -2 to -2.5, tuned's -1 or -1.25."""
    return -2.0 - 0.25 * (i % 3) if name == "base" else -1.0 - 0.25 * (i % 2)


def sample_entropy(name: str, i: int) -> float:
    """Entropy per token along a model's own samples of post i: base 2.0-2.2, tuned 0.5 or 0.6."""
    return 2.0 + 0.1 * (i % 3) if name == "base" else 0.5 + 0.1 * (i % 2)


def post_scores(name: str, i: int) -> tuple[float, int, float]:
    """(log-prob per token, tokens, entropy per token) of post i: 10 + i tokens; base -3.0 to -3.3 per token and
    entropy 2.0-2.3, tuned -2.5 to -2.8 and 0.5-0.8."""
    shift = 0.1 * (i % 4)
    return (-3.0 - shift, 10 + i, 2.0 + shift) if name == "base" else (-2.5 - shift, 10 + i, 0.5 + shift)


def two_models(root: Path, posts: Sequence[str] = POSTS) -> dict[str, Path]:
    """Model folders `root/base` (the reference) and `root/tuned`, each with its generations (`base_samples`,
    `tuned_samples`), its own samples scored by itself (8 tokens each, entropy `sample_entropy`) and its posts
    scored (`post_scores`); base also scores tuned's samples. Under base, tuned's samples are more likely than
    base's own (`sample_logprob`): concentration seen in generations, with lower per-input diversity."""
    folders = {"base": root / "base", "tuned": root / "tuned"}
    times = {"base": SCORE_TIME, "tuned": "2026-01-03T00-00-01.000000"}
    for name, samples in (("base", base_samples(posts)), ("tuned", tuned_samples(posts))):
        write_generation(folders[name], name, samples)
        write_scored_samples(folders["base"], "base", name,
                             {p: [(t, sample_logprob(name, i) * 8, 8, [sample_entropy("base", i)] * 8) for t in texts]
                              for i, (p, texts) in enumerate(samples.items())}, time=times[name])
        if name == "tuned":
            write_scored_samples(folders["tuned"], "tuned", "tuned",
                                 {p: [(t, -4.0, 8, [sample_entropy("tuned", i)] * 8) for t in texts]
                                  for i, (p, texts) in enumerate(samples.items())})
        scores = {p: post_scores(name, i) for i, p in enumerate(posts)}
        write_post_scores(folders[name], name, {p: (lp * n, n, [h] * n) for p, (lp, n, h) in scores.items()})
    return folders
