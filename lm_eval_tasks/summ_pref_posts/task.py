"""The posts tasks (summ_pref_posts*): the post text itself scored after the prompt's header.

Every model sees the same text here, so hf-prefix's per-token log-probs and entropies give each model's
perplexity and next-token entropy over the posts (as analyse-llms measures them), apart from any summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from lm_eval.api.instance import Instance

from lm_eval_tasks.data.posts import post_record
from lm_eval_tasks.data.prompts import render
from lm_eval_tasks.metrics import measure
from lm_eval_tasks.records import scored_continuation
from lm_eval_tasks.task_base import PluginTask
from summ_pref_common.errors import DataError

# Stands for the post text while the template is rendered, to find where the text starts.
_TEXT_MARK = "\x00summ_pref_post_text\x00"


def header(prompt: str, doc: dict) -> str:
    """The prompt up to the post text (instructions, title, subreddit): the context the post is scored after."""
    rendered = render(prompt, {**doc, "text": _TEXT_MARK})
    return rendered[:rendered.index(_TEXT_MARK)]


def post_request(prompt: str, doc: dict) -> tuple[str, str]:
    """(context, continuation): the header without its trailing whitespace, then that whitespace and the post,
    which is the split lm-eval itself makes (it moves a context's trailing whitespace into the continuation).

    >>> post_request("oai", {"title": "Advice", "subreddit": "relationships", "text": "We argued."})
    ('SUBREDDIT: r/relationships\\n\\nTITLE: Advice\\n\\nPOST:', ' We argued.')
    """
    head = header(prompt, doc)
    context = head.rstrip()
    return context, head[len(context):] + doc["text"]


def reddit_header(doc: dict) -> str:
    return header("reddit", doc)


def oai_header(doc: dict) -> str:
    return header("oai", doc)


def news_header(doc: dict) -> str:
    return header("cnndm", doc)


def per_token(pairs: Sequence[Sequence[float | None]]) -> float:
    """Σ value / Σ tokens over all posts; NaN when the backend logs no per-token detail (only hf-prefix does)."""
    if not pairs or any(value is None or n is None for value, n in pairs):
        return math.nan
    tokens = sum(n for _value, n in pairs)
    return sum(value for value, _n in pairs) / tokens if tokens else math.nan


def token_perplexity(pairs: Sequence[Sequence[float | None]]) -> float:
    """exp(-Σ logprob / Σ tokens) over every token of every post, from per-post (logprob, n_tokens)."""
    return math.exp(-per_token(pairs))


def mean_entropy(pairs: Sequence[Sequence[float | None]]) -> float:
    """Mean next-token entropy (nats) over every token of every post, from per-post (Σ entropies, n_tokens)."""
    return per_token(pairs)


class PostTask(PluginTask):
    """One loglikelihood request per post: context = the header, continuation = the post text."""

    def construct_requests(self, doc: dict, ctx: str, **kwargs) -> Instance:
        if kwargs.pop("apply_chat_template", False):
            raise DataError(f"{self.config.task} scores the post as plain text after the prompt's header; run it "
                            f"without --apply_chat_template")
        kwargs.pop("chat_template", None)
        return Instance(request_type="loglikelihood", doc=doc, idx=0, arguments=post_request(self.prompt_name, doc),
                        **kwargs)

    def process_results(self, doc: dict, results: list) -> dict:
        (result,) = results
        scored = scored_continuation(post_request(self.prompt_name, doc)[1], result)
        record = {**post_record(doc, "post", prompt=self.prompt_name, chat_template=False), **scored}
        n_tokens = scored.get("n_tokens")
        entropies = scored.get("token_entropies")
        return {
            "record": record,
            "logprob_per_byte": measure(scored, "per_byte"),
            "perplexity": [scored["logprob"], n_tokens],
            "mean_entropy": [None if entropies is None else sum(entropies), n_tokens],
        }
