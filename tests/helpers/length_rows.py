"""Real rows whose summaries differ in length within a post, for the sharpening gamma's known truth.

Where the summaries of a post differ in length, a model renormalised at every token (a tempered copy, a fine-tuned
policy) adds to its summed log-prob a term that grows with the length, which a slope on the summed scale mixes
into gamma unless the length is held fixed (`postprocess.stats.sharpening`). A known-truth test must be run where
that matters: on the posts with the widest range of summary lengths.

`write_length_subset` copies, from OpenAI's folder (../shared), every row of the posts (articles) whose distinct
summaries span the most tokens under a tokenizer, into a new folder in the same layout (`data_dir` of the tasks):
the selection is deterministic (range descending, then post id). Run as a script it writes such a folder for
a measurement:

    python -m tests.helpers.length_rows OUT [--cmp-posts N] [--cmp-file F] [--axis-posts M] [--axis-file F]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from tests.helpers.paths import SFF_DIR

CMP_FILE = "comparisons/batch18.json"  # TL;DR pairs (summ_pref_cmp)
AXIS_FILE = "axis_evals/cnndm3.json"  # CNN/DM Likert rows, 3 policies per article (summ_pref_axis_cnndm)


def summaries_of(row: dict) -> list[str]:
    """The summary texts a row holds: both sides of a pair, or the rated summary."""
    return [s["text"] for s in row["summaries"]] if "summaries" in row else [row["summary"]["text"]]


def widest_posts(rows: list[dict], count: Callable[[str], int], n_posts: int) -> list[str]:
    """The ids of the `n_posts` posts whose distinct summaries span the most tokens (max - min of `count`), ties
    broken by post id."""
    lengths: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        lengths[row["info"]["id"]].update(count(text) for text in summaries_of(row))
    ranked = sorted(lengths, key=lambda post: (-(max(lengths[post]) - min(lengths[post])), post))
    return ranked[:n_posts]


def write_length_subset(out: Path, count: Callable[[str], int], *, cmp_posts: int, axis_posts: int,
                        sff_dir: Path = SFF_DIR, cmp_file: str = CMP_FILE, axis_file: str = AXIS_FILE) -> dict:
    """Write out/comparisons/<cmp file> and out/axis_evals/<axis file> with every row (the original lines, in their
    order) of the widest posts of each; `count` gives a summary's token count. Returns {file: [post ids]}."""
    chosen = {}
    for name, n_posts in ((cmp_file, cmp_posts), (axis_file, axis_posts)):
        lines = (sff_dir / name).read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        posts = widest_posts(rows, count, n_posts)
        keep = set(posts)
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(line + "\n" for line, row in zip(lines, rows) if row["info"]["id"] in keep),
                          encoding="utf-8")
        chosen[name] = posts
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
    parser.add_argument("--cmp-posts", type=int, default=110)
    parser.add_argument("--axis-posts", type=int, default=40)
    parser.add_argument("--cmp-file", default=CMP_FILE)
    parser.add_argument("--axis-file", default=AXIS_FILE)
    args = parser.parse_args()
    if args.out.exists():
        parser.error(f"{args.out} exists; choose a new folder")
    chosen = write_length_subset(args.out, token_counter(ensure_default_model()), cmp_posts=args.cmp_posts,
                                 axis_posts=args.axis_posts, cmp_file=args.cmp_file, axis_file=args.axis_file)
    print(json.dumps({name: len(posts) for name, posts in chosen.items()}))


if __name__ == "__main__":
    main()
