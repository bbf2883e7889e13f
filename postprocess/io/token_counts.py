"""Count a continuation's tokens exactly as lm-eval's HF backend splits them, for the per-token measure.

Backends other than hf-prefix log no token counts; where the run's tokenizer can be loaded (a local
folder, or the HF cache) the count is recomputed from the logged context and continuation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from lm_eval.utils import simple_parse_args_string

TokenCounter = Callable[[str, str], int | None]


def tokenizer_source(model_args: str | dict | None) -> tuple[str, dict] | None:
    """The tokenizer lm-eval used: `tokenizer=` if given, else `pretrained=`; plus loading kwargs."""
    if isinstance(model_args, dict):
        args = model_args
    else:
        try:
            args = simple_parse_args_string(model_args) if model_args else {}
        except (ValueError, TypeError):
            return None
    name = args.get("tokenizer") or args.get("pretrained")
    if not isinstance(name, str):
        return None
    kwargs = {k: args[k] for k in ("revision", "gguf_file") if k in args}
    return name, {"add_bos_token": args.get("add_bos_token"), **kwargs}


def load_counter(model_args: str | dict | None) -> TokenCounter | None:
    """A counter for this run, or None when its tokenizer is not available offline."""
    source = tokenizer_source(model_args)
    if source is None:
        return None
    name, kwargs = source
    add_bos = kwargs.pop("add_bos_token")
    try:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(name, local_files_only=True, **kwargs)
    except Exception:  # not cached / not a folder / gated: the measure is reported absent instead
        return None
    special = {} if add_bos is None else {"add_special_tokens": bool(add_bos)}

    @lru_cache(maxsize=4096)
    def context_length(context: str) -> int:
        return len(tok(context, **special).input_ids)

    def count(context: str, continuation: str) -> int:
        # lm-eval moves the context's trailing whitespace into the continuation, then encodes jointly.
        stripped = context.rstrip()
        joint = tok(stripped + context[len(stripped):] + continuation, **special).input_ids
        return len(joint) - context_length(stripped)

    return count


class LazyCounter:
    """A run's counter that loads the tokenizer at the first count needed: a run whose backend logged
    its counts never loads it, and each samples file is read once either way."""

    def __init__(self, model_args: str | dict | None):
        self.model_args = model_args
        self.state = "unused"
        self._count: TokenCounter | None = None

    def __call__(self, context: str, continuation: str) -> int | None:
        if self.state == "unused":
            self._count = load_counter(self.model_args)
            self.state = "loaded" if self._count is not None else "unavailable"
        return None if self._count is None else self._count(context, continuation)

    def description(self) -> str:
        return {"unused": "logged by the backend",
                "loaded": "recounted with the run's tokenizer (lm-eval's joint encoding)",
                "unavailable": "absent: not logged, and the run's tokenizer is not available offline"}[self.state]
