"""The per-doc `record`: everything the analysis needs, logged as native JSON (docs/record-schema.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SCHEMA_VERSION = 1
# The record kinds the tasks write (`record.kind`), which tell the analysis how to read a samples file: a judgement
# scored (axis: one rated summary, cmp: a pair and the human's choice) and the generation tasks' records (gen: K
# samples of a post, samples: a generation's samples scored, post: the post text scored).
JUDGEMENT_KINDS = ("axis", "cmp")
GENERATION_KINDS = ("gen", "samples", "post")
RECORD_KINDS = (*JUDGEMENT_KINDS, *GENERATION_KINDS)
# Names of what a backend returns after (logprob, is_greedy), in order; hf-prefix returns all four.
BACKEND_EXTRA_FIELDS = ("n_tokens", "token_logprobs", "token_entropies", "context_truncated")


def scored_continuation(cont: str, result: Sequence[Any], end: str = "") -> dict:
    """The entry of one scored string `cont` (exactly the continuation requested): its size, the backend's
    (ll, is_greedy) and the extras it returns, named by BACKEND_EXTRA_FIELDS. The size (`n_bytes`, `n_chars`)
    is the summary's: a trailing `end` (the continuation_end, e.g. an EOS token) is scored but not counted."""
    logprob, is_greedy, *extra = result
    text = cont.removesuffix(end) if end else cont
    entry = {
        "continuation": cont,
        "n_bytes": len(text.encode("utf-8")),
        "n_chars": len(text),
        "logprob": float(logprob),
        "is_greedy": bool(is_greedy),
    }
    entry.update(zip(BACKEND_EXTRA_FIELDS, extra))
    if len(extra) > len(BACKEND_EXTRA_FIELDS):
        entry["extra"] = list(extra[len(BACKEND_EXTRA_FIELDS):])
    return entry
