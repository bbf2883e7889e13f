"""A stand-in for `summ-pref eval` that also answers the generation tasks, in milliseconds: what lm-eval would
leave for one step of a sweep (scoring, generating, scoring the posts, scoring samples), so the sweep's and the
demo's steps, resume and report can be tested without a model. Scoring tasks: `tests.helpers.fake_eval`;
generation tasks: records as `tests.helpers.generation_fixtures` writes them."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from lm_eval_tasks.data.posts import post_record
from tests.helpers.fake_eval import option, write_fake_run
from tests.helpers.generation_fixtures import post_doc, scored, write_generation, write_post_scores

_CALLS = itertools.count()
GEN_PREFIX, POSTS_PREFIX, SAMPLES = "summ_pref_gen", "summ_pref_posts", "summ_pref_samples"


def _stamp() -> str:
    """A fresh timestamp, later than fake_eval's, as each lm-eval invocation writes its own."""
    return f"2026-02-01T00-00-00.{next(_CALLS):06d}"


def _pretrained(cmd: list[str]) -> str:
    return dict(kv.split("=", 1) for kv in option(cmd, "--model_args").split(","))["pretrained"]


def fake_texts(model: str, post: str, k: int, temperature: float) -> list[str]:
    """K samples of a post: distinct words at temperature > 0.5, one text repeated below (a sharpened policy)."""
    if temperature <= 0.5:
        return [f"{post} summarised by {model}"] * k
    return [f"{post} summarised by {model} take {j}" for j in range(k)]


def _generate(cmd: list[str], folder: Path, model: str, task: str) -> Path:
    metadata = json.loads(option(cmd, "--metadata", "{}"))
    kwargs = dict(kv.split("=", 1) for kv in option(cmd, "--gen_kwargs").split(","))
    temperature = float(kwargs.get("temperature", 0.0))
    posts = [f"p{i:02d}" for i in range(int(option(cmd, "--limit", "6")))]
    settings = {"do_sample": kwargs["do_sample"] == "True", "temperature": temperature, "until": ["\n"]}
    return write_generation(folder, model, {p: fake_texts(model, p, int(metadata.get("k", 8)), temperature)
                                            for p in posts}, task=task, time=_stamp(), settings=settings)


def _score_samples(cmd: list[str], folder: Path, model: str) -> Path:
    """The samples of the generation run in samples_from, each scored (-1 per token under itself, -2 under another
    model), with the provenance summ_pref_samples records."""
    metadata = json.loads(option(cmd, "--metadata"))
    source = Path(metadata["samples_from"])
    gen = max(source.glob("samples_summ_pref_gen*.jsonl"))
    time = gen.name.rsplit("_", 1)[1].removesuffix(".jsonl")
    generated_by = json.loads((source / f"results_{time}.json").read_text())["model_name"]
    origin = {"run": str(source), "task": metadata.get("samples_task"), "samples_file": gen.name,
              "model": generated_by, "generation": {}, "chat_template": "--apply_chat_template" in cmd}
    per_token = -1.0 if generated_by == model else -2.0
    stamp, lines = _stamp(), []
    for i, line in enumerate(gen.read_text().splitlines()):
        record = json.loads(line)["record"]
        doc = post_doc(record["post_id"])
        summaries = [{"index": s["index"], **scored(s["text"], per_token * 4, 4)} for s in record["samples"]]
        lines.append({"doc_id": i, "doc": doc, "filter": "none",
                      "record": {**post_record(doc, "samples", prompt="reddit", chat_template=origin["chat_template"]),
                                 "samples_from": origin, "summaries": summaries}})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"samples_{SAMPLES}_{stamp}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    (folder / f"results_{stamp}.json").write_text(json.dumps({
        "model_name": model, "config": {"model": "hf", "model_args": f"pretrained={model}"},
        "versions": {SAMPLES: 1.0}, "configs": {},
        "n-samples": {SAMPLES: {"original": len(lines), "effective": len(lines)}},
        "lm_eval_version": "0.4.13", "transformers_version": None}))
    return path


def write_fake_step(cmd: list[str]) -> Path:
    """The files one eval command of a sweep step leaves in OUTPUT_PATH/<model folder>/."""
    model = _pretrained(cmd)
    folder = Path(option(cmd, "--output_path")) / model.replace("/", "__")
    (task,) = option(cmd, "--tasks").split(",")[:1]
    if task.startswith(GEN_PREFIX):
        return _generate(cmd, folder, model, task)
    if task.startswith(POSTS_PREFIX):
        posts = [f"p{i:02d}" for i in range(int(option(cmd, "--limit", "6")))]
        return write_post_scores(folder, model, {p: (-30.0 - i, 10, [2.0] * 10) for i, p in enumerate(posts)},
                                 task=task, time=_stamp())
    if task == SAMPLES:
        return _score_samples(cmd, folder, model)
    return write_fake_run(cmd)
