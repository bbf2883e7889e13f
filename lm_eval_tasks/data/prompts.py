"""Prompt templates: the context each summary is scored after.

Templates are plain `str.format` strings (no Jinja), hashed into every record so an analysis can
refuse to mix prompts. A missing title (some CNN/DM rows) drops the title line, nothing else.
"""

from __future__ import annotations

import hashlib

from summ_pref_common.errors import DataError

REDDIT = (
    "Here is a Reddit text post:\n\n"
    "<reddit_post>\n"
    "{title_line}"
    "{text}\n"
    "</reddit_post>\n\n"
    "TL;DR:"
)
# OpenAI's own query format (Stiennon et al. 2020).
OAI = "SUBREDDIT: r/{subreddit}\n\nTITLE: {title}\n\nPOST: {text}\n\nTL;DR:"
NEWS = (
    "Here is a news article:\n\n"
    "<article>\n"
    "{title_line}"
    "{text}\n"
    "</article>\n\n"
    "TL;DR:"
)
TEMPLATES = {"reddit": REDDIT, "oai": OAI, "cnndm": NEWS}


def template_sha(name: str) -> str:
    return hashlib.sha256(TEMPLATES[name].encode("utf-8")).hexdigest()[:16]


def render(name: str, doc: dict) -> str:
    title = doc.get("title")
    return TEMPLATES[name].format(
        title_line=f"Title: {title}\n\n" if title else "",
        title=title or "",
        subreddit=doc.get("subreddit") or "",
        text=doc["text"],
    )


def reddit_prompt(doc: dict) -> str:
    return render("reddit", doc)


def oai_prompt(doc: dict) -> str:
    return render("oai", doc)


def news_prompt(doc: dict) -> str:
    return render("cnndm", doc)


def continuation(summary: str, chat_template: bool = False, end: str = "") -> str:
    """The scored string: the summary with exactly one leading space (none after a chat template),
    followed by `end` (the `continuation_end` metadata, e.g. the tokenizer's EOS "<|endoftext|>").

    lm-eval adds no delimiter to loglikelihood continuations. Only ASCII spaces are stripped, so a
    summary starting with another character (e.g. a no-break space) keeps it.

    >>> continuation("  my cat", end="<|endoftext|>")
    ' my cat<|endoftext|>'
    """
    body = summary.lstrip(" ")
    return (body if chat_template else " " + body) + end


def checked_end(value: object) -> str:
    """The `continuation_end` metadata: a string appended to every scored summary ("" when not given).

    Huang et al. 2024 scored (and DPO trained on) " summary" followed by the tokenizer's EOS token. A
    literal special-token string works with every backend that tokenizes with a Hugging Face tokenizer, which
    maps the string of an added special token to its id (e.g. "<|endoftext|>" to GPT-NeoX's EOS, id 0).
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DataError(f"expected a string appended to every scored summary (e.g. \"<|endoftext|>\"), got "
                        f"{type(value).__name__} {value!r:.60}", field="continuation_end")
    return value
