"""Real rows whose summaries differ in length within a post, for the sharpening gamma's known truth.

Where the summaries of a post differ in length, a model renormalised at every token (a tempered copy, a fine-tuned
policy) adds to its summed log-prob a term that grows with the length, which a slope on the summed scale mixes
into gamma unless the length is held fixed (`postprocess.stats.sharpening`). A known-truth test must be run where
that matters: on the posts with the widest range of summary lengths.

`write_length_subset` copies, from OpenAI's folder (../shared), every row of the posts (articles) whose distinct
summaries span the most tokens under a tokenizer, into a new folder in the same layout (`data_dir` of the tasks):
the selection is deterministic (range descending, then post id). Scoring time grows with the posts' length, so a
cap on the post's (article's) tokens keeps a test short. Run as a script it writes such a folder for a measurement:

    python -m tests.helpers.length_rows OUT comparisons/batch18.json=110 axis_evals/cnndm3.json=40 \\
        [--max-source-tokens K]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.helpers.paths import SFF_DIR


def summaries_of(row: dict) -> list[str]:
    """The summary texts a row holds: both sides of a pair, or the rated summary."""
    return [s["text"] for s in row["summaries"]] if "summaries" in row else [row["summary"]["text"]]


def source_of(row: dict) -> str:
    """The text summarised: the Reddit post or the news article."""
    return row["info"].get("post") or row["info"].get("article") or ""


def widest_posts(rows: list[dict], count: Callable[[str], int], n_posts: int,
                 max_source_tokens: int | None = None) -> list[str]:
    """The ids of the `n_posts` posts whose distinct summaries span the most tokens (max - min of `count`), ties
    broken by post id; with `max_source_tokens`, among the posts whose text has at most that many tokens."""
    lengths: dict[str, set[int]] = defaultdict(set)
    source: dict[str, int] = {}
    for row in rows:
        post = row["info"]["id"]
        lengths[post].update(count(text) for text in summaries_of(row))
        if max_source_tokens is not None and post not in source:
            source[post] = count(source_of(row))
    eligible = [post for post in lengths if max_source_tokens is None or source[post] <= max_source_tokens]
    ranked = sorted(eligible, key=lambda post: (-(max(lengths[post]) - min(lengths[post])), post))
    return ranked[:n_posts]


def write_length_subset(out: Path, count: Callable[[str], int], posts: Mapping[str, int | None], *,
                        max_source_tokens: int | None = None, sff_dir: Path = SFF_DIR) -> dict[str, list[str]]:
    """For each file of `posts` ({path under `sff_dir`: how many posts, None for all}), write out/<path> with every
    row (the original lines, in their order) of its widest posts (`widest_posts`; `count` gives a text's token
    count). Returns {file: [post ids]}."""
    chosen = {}
    for name, n_posts in posts.items():
        lines = (sff_dir / name).read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        ids = widest_posts(rows, count, len(rows) if n_posts is None else n_posts, max_source_tokens)
        keep = set(ids)
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(line + "\n" for line, row in zip(lines, rows) if row["info"]["id"] in keep),
                          encoding="utf-8")
        chosen[name] = ids
    return chosen


def token_counter(model_dir: Path) -> Callable[[str], int]:
    """A summary's token count as it is scored: with exactly one leading space, under the model's tokenizer."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    return lambda text: len(tokenizer(" " + text.lstrip(" "), add_special_tokens=False).input_ids)


def main() -> None:
    from lm_eval_tasks.default_model import ensure_default_model

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="a new folder")
    parser.add_argument("files", nargs="+", metavar="FILE=N",
                        help="a file of OpenAI's folder and how many posts of it (N 'all': every post), e.g. "
                             "comparisons/batch18.json=110")
    parser.add_argument("--max-source-tokens", type=int, default=None)
    args = parser.parse_args()
    if args.out.exists():
        parser.error(f"{args.out} exists; choose a new folder")
    posts = {name: None if n == "all" else int(n) for name, n in (item.split("=", 1) for item in args.files)}
    chosen = write_length_subset(args.out, token_counter(ensure_default_model()), posts,
                                 max_source_tokens=args.max_source_tokens)
    print(json.dumps({name: len(ids) for name, ids in chosen.items()}))


if __name__ == "__main__":
    main()
