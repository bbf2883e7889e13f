"""Synthetic reference and fine-tuned runs' axis and cmp tables, and aligned pairs, for the model-against-reference
tests (tests/postprocess/compare/)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def reference_frames(seed: int = 0, n_posts: int = 12, entropy: bool = True, tokens: bool = True):
    """A reference run's axis and cmp tables: 4 summaries per post, 2 ratings each, 3 pairs per post."""
    rng = np.random.default_rng(seed)
    axis_rows, cmp_rows, k = [], [], 0
    for p in range(n_posts):
        n_bytes = rng.integers(40, 200, size=4)
        logprob = -rng.uniform(0.8, 1.6, size=4) * n_bytes
        quality = rng.integers(1, 8, size=4).astype(float)
        base = {"post_id": f"p{p}", "source": "tldr", "split": "validation", "subsplit": "valid1", "batch": "b"}
        summ = [{"sid": f"s{p}_{j}", "policy": "pol", "logprob": logprob[j], "n_bytes": int(n_bytes[j]),
                 "n_chars": int(n_bytes[j]), "n_tokens": float(n_bytes[j] // 4) if tokens else np.nan,
                 "mean_entropy": 2.0 + 0.1 * j if entropy else np.nan, "context_truncated": False}
                for j in range(4)]
        for j in range(4):
            for w in range(2):
                axis_rows.append({"key": f"ax{k}", **base, "worker": f"w{w}",
                                  "overall": float(np.clip(quality[j] + rng.integers(-1, 2), 1, 7)),
                                  "accuracy": quality[j], "coverage": np.nan if w else quality[j],
                                  "coherence": quality[j], **summ[j]})
                k += 1
        for i, j in ((0, 1), (2, 3), (0, 2)):
            row = {"key": f"cmp{k}", **base, "worker": "w", "choice": int(quality[j] > quality[i]),
                   "confidence": float(rng.integers(1, 10))}
            for side, idx in (("a", i), ("b", j)):
                row.update({f"{c}_{side}": v for c, v in summ[idx].items()})
            cmp_rows.append(row)
            k += 1
    return pd.DataFrame(axis_rows), pd.DataFrame(cmp_rows)


def model_frames(ref_axis: pd.DataFrame, ref_cmp: pd.DataFrame, seed: int = 1):
    """A fine-tuned run: each summary's logprob shifted by a random amount (the same wherever it appears)."""
    rng = np.random.default_rng(seed)
    sids = sorted(set(ref_axis["sid"]))
    shift = dict(zip(sids, rng.normal(0, 8, size=len(sids))))
    ax = ref_axis.assign(logprob=ref_axis["logprob"] + ref_axis["sid"].map(shift),
                         mean_entropy=ref_axis["mean_entropy"] - 0.25)
    cm = ref_cmp.copy()
    for s in "ab":
        cm[f"logprob_{s}"] = cm[f"logprob_{s}"] + cm[f"sid_{s}"].map(shift)
        cm[f"mean_entropy_{s}"] = cm[f"mean_entropy_{s}"] - 0.25
    return ax, cm


def pairs(ref_a, mod_a, ref_b, mod_b, choice, n_bytes_a=None, n_bytes_b=None) -> pd.DataFrame:
    """Aligned cmp rows (columns as `postprocess.compare.align` makes them), one post per pair, 10 bytes a side."""
    n = len(choice)
    return pd.DataFrame({"logprob_a_ref": ref_a, "logprob_a_model": mod_a, "logprob_b_ref": ref_b,
                         "logprob_b_model": mod_b, "choice": choice, "post_id": [f"p{i}" for i in range(n)],
                         "n_bytes_a": n_bytes_a or [10] * n, "n_bytes_b": n_bytes_b or [10] * n})
