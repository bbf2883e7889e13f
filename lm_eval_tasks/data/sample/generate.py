"""Write the synthetic sample in OpenAI's summarize_from_feedback layout (JSON Lines).

    python -m lm_eval_tasks.data.sample.generate            # rewrite the committed files in this folder
    python -m lm_eval_tasks.data.sample.generate --out-dir D  # write them under D instead
    python -m lm_eval_tasks.data.sample.generate --check      # exit 1 if the committed files are stale

Deterministic: the texts come from `content.py`; ratings, choices, orders, workers and splits come
from `random.Random` seeded with the constant `SEED` (one stream per file). No model is involved, and
nothing here is a real human judgement: tiers of summary quality are written in, and "labels" are
drawn around them with a little noise so that agreement is high but not perfect.

Files (same field structure as OpenAI's files, see README.md):

- comparisons/sample_tldr.json     16 posts x 6 pairs = 96 rows, split valid1/valid2, batch sample_cmp
- comparisons/sample_cnndm.json     4 articles x 3 pairs = 12 rows, split valid2, batch sample_cmp_cnndm
- axis_evals/tldraxis_sample.json  16 posts x 4 summaries = 64 rows, split valid1/valid2, batch sample_axis
- axis_evals/cnndm_sample.json      4 articles x 3 summaries = 12 rows, split test, batch sample_axis_cnndm
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

from lm_eval_tasks.data.rows import RATING_AXES
from lm_eval_tasks.data.sample.content import ARTICLES, NEWS_TIERS, NOTES, POST_TIERS, POSTS

SEED = 20200902

PACKAGE_DIR = Path(__file__).resolve().parent

TLDR_CMP = "comparisons/sample_tldr.json"
CNNDM_CMP = "comparisons/sample_cnndm.json"
TLDR_AXIS = "axis_evals/tldraxis_sample.json"
CNNDM_AXIS = "axis_evals/cnndm_sample.json"
FILES = (TLDR_CMP, CNNDM_CMP, TLDR_AXIS, CNNDM_AXIS)

# The policy name of a summary is its quality tier (clearly synthetic on purpose).
TIER_RANK = {"good": 0, "okay": 1, "vague": 2, "wrong": 3}

WORKERS = ("synth_worker_01", "synth_worker_02", "synth_worker_03", "synth_worker_04")

# Centre of the 1-7 Likert ratings per tier, in RATING_AXES order: (overall, accuracy, coverage, coherence).
POST_RATINGS = {
    "good": (6, 7, 6, 6),
    "okay": (4, 6, 3, 6),
    "vague": (2, 5, 1, 5),
    "wrong": (2, 1, 3, 6),
}
NEWS_RATINGS = {
    "good": (6, 7, 6, 6),
    "okay": (3, 6, 2, 6),
    "wrong": (2, 1, 4, 6),
}
NOISE = (-1, 0, 0, 1)
NULL_RATE = 0.04  # chance that one rating is missing (null), as in the real data

# Probability that the labeller prefers the worse summary, by distance between the tiers.
FLIP_RATE = {1: 0.2, 2: 0.08, 3: 0.03}
# Strength 1-4 of the preference (4 = very sure), by tier distance; OpenAI's 9-point `confidence`
# reads 1 = "surely summary 0" ... 9 = "surely summary 1" (5 never occurs), so it is 5 -/+ strength.
STRENGTHS = {1: (1, 2, 2, 3), 2: (2, 3, 3, 4), 3: (3, 4, 4, 4)}
FLIPPED_STRENGTHS = (1, 1, 2)

N_VALID1_POSTS = 6


def post_id(i: int) -> str:
    return f"sample_t3_{i + 1:04d}"


def article_id(i: int) -> str:
    return f"sample_cnndm_{i + 1:04d}"


def _stream(k: int) -> random.Random:
    """One independent generator per output file, so editing one file's logic leaves the others alone."""
    return random.Random(SEED * 10 + k)


def post_splits() -> list[str]:
    """valid1 / valid2 per post (the same in the comparison and the axis file)."""
    splits = ["valid1"] * N_VALID1_POSTS + ["valid2"] * (len(POSTS) - N_VALID1_POSTS)
    _stream(0).shuffle(splits)
    return splits


def _ratings(rng: random.Random, centre: tuple[int, ...]) -> dict:
    axes = {}
    for name, c in zip(RATING_AXES, centre, strict=True):
        value = min(7, max(1, c + rng.choice(NOISE)))
        axes[name] = None if rng.random() < NULL_RATE else value
    axes["compatible"] = None
    return axes


def _pairs(rng: random.Random, tiers: tuple[str, ...]) -> list[tuple[str, str]]:
    """All pairs of the tiers, in a random order, each pair in a random order."""
    pairs = [list(p) for p in itertools.combinations(tiers, 2)]
    rng.shuffle(pairs)
    for p in pairs:
        rng.shuffle(p)
    return [tuple(p) for p in pairs]


def _judge(rng: random.Random, a: str, b: str) -> tuple[int, int]:
    """(choice, confidence) of a synthetic labeller comparing summaries of tiers a (index 0) and b (index 1)."""
    gap = abs(TIER_RANK[a] - TIER_RANK[b])
    better = 0 if TIER_RANK[a] < TIER_RANK[b] else 1
    if rng.random() < FLIP_RATE[gap]:
        choice, strength = 1 - better, rng.choice(FLIPPED_STRENGTHS)
    else:
        choice, strength = better, rng.choice(STRENGTHS[gap])
    return choice, (5 - strength if choice == 0 else 5 + strength)


def _rated_rows(rng: random.Random, items: list[tuple], tiers: tuple[str, ...], ratings: dict,
                row: Callable[[int, tuple, dict, str], dict]) -> list[dict]:
    """One axis row per item and tier, the tiers in a shuffled order, one labeller per item; `row(i, item,
    summary, worker)` lays the row out (OpenAI's TL;DR and CNN/DM axis rows order their keys differently)."""
    rows = []
    for i, item in enumerate(items):
        worker = rng.choice(WORKERS)
        order = list(tiers)
        rng.shuffle(order)
        for tier in order:
            summary = {"text": item[3][tier], "policy": tier, "note": rng.choice(NOTES[tier]),
                       "axes": _ratings(rng, ratings[tier])}
            rows.append(row(i, item, summary, worker))
    return rows


def tldr_axis_rows() -> list[dict]:
    splits = post_splits()
    return _rated_rows(_stream(1), POSTS, POST_TIERS, POST_RATINGS, lambda i, item, summary, worker: {
        "info": {"id": post_id(i), "post": item[2], "title": item[1], "subreddit": item[0], "site": None,
                 "article": None},
        "summary": summary,
        "worker": worker,
        "batch": "sample_axis",
        "split": splits[i],
    })


def _judged_rows(rng: random.Random, items: list[tuple], tiers: tuple[str, ...],
                 row: Callable[[int, tuple, tuple[str, str], int, int], dict]) -> list[dict]:
    """One comparison row per item and pair of tiers, the pairs in a shuffled order, each judged by a synthetic
    labeller; `row(i, item, (a, b), choice, confidence)` lays the row out (and draws its notes and worker)."""
    return [row(i, item, (a, b), *_judge(rng, a, b)) for i, item in enumerate(items) for a, b in _pairs(rng, tiers)]


def tldr_cmp_rows() -> list[dict]:
    rng = _stream(2)
    splits = post_splits()
    return _judged_rows(rng, POSTS, POST_TIERS, lambda i, item, pair, choice, confidence: {
        "info": {"id": post_id(i), "post": item[2], "title": item[1], "subreddit": item[0]},
        "split": splits[i],
        "summaries": [{"text": item[3][t], "policy": t, "note": rng.choice(NOTES[t])} for t in pair],
        "choice": choice,
        "worker": rng.choice(WORKERS),
        "batch": "sample_cmp",
        "extra": {"confidence": confidence},
    })


def cnndm_axis_rows() -> list[dict]:
    return _rated_rows(_stream(3), ARTICLES, NEWS_TIERS, NEWS_RATINGS, lambda i, item, summary, worker: {
        "info": {"id": article_id(i), "post": None, "title": item[1], "subreddit": None, "site": item[0],
                 "article": item[2]},
        "split": "test",
        "summary": summary,
        "worker": worker,
        "batch": "sample_axis_cnndm",
    })


def cnndm_cmp_rows() -> list[dict]:
    rng = _stream(4)
    return _judged_rows(rng, ARTICLES, NEWS_TIERS, lambda i, item, pair, choice, confidence: {
        "info": {"id": article_id(i), "site": item[0], "title": item[1], "article": item[2]},
        "split": "valid2",
        # Like most of OpenAI's CNN/DM comparison rows, these carry no notes.
        "summaries": [{"text": item[3][t], "policy": t, "note": None} for t in pair],
        "choice": choice,
        "worker": rng.choice(WORKERS),
        "batch": "sample_cmp_cnndm",
        "extra": {"confidence": confidence},
    })


def build() -> dict[str, list[dict]]:
    """Relative path -> rows, for every file of the sample."""
    return {
        TLDR_CMP: tldr_cmp_rows(),
        CNNDM_CMP: cnndm_cmp_rows(),
        TLDR_AXIS: tldr_axis_rows(),
        CNNDM_AXIS: cnndm_axis_rows(),
    }


def render(rows: list[dict]) -> str:
    """JSON Lines as OpenAI wrote them: json.dumps defaults (ASCII escapes), one object per line."""
    return "".join(json.dumps(row) + "\n" for row in rows)


def main(out_dir: str | Path | None = None) -> dict[str, Path]:
    """Write the sample under `out_dir` (default: this package folder); return relative path -> file."""
    root = Path(out_dir) if out_dir is not None else PACKAGE_DIR
    written = {}
    for rel, rows in build().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(render(rows))
        written[rel] = path
    return written


def check(root: str | Path | None = None) -> list[str]:
    """Relative paths whose file under `root` differs from what the generator writes now."""
    root = Path(root) if root is not None else PACKAGE_DIR
    stale = []
    for rel, rows in build().items():
        path = root / rel
        if not path.exists() or path.read_bytes() != render(rows).encode("utf-8"):
            stale.append(rel)
    return stale


def _cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lm_eval_tasks.data.sample.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", default=None, help="folder to write into (default: the package folder)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if any file is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = check(args.out_dir)
        for rel in stale:
            print(f"stale: {rel}", file=sys.stderr)
        return 1 if stale else 0
    for path in main(args.out_dir).values():
        with open(path, encoding="utf-8") as fh:
            n = sum(1 for _ in fh)
        print(f"{path}  ({n} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
