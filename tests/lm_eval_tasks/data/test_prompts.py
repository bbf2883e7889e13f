"""The prompt templates and the scored continuation: exactly one leading space, none after a chat template, the
`continuation_end` appended."""

from __future__ import annotations

import hashlib

import pytest

from lm_eval_tasks.data.prompts import OAI, TEMPLATES, checked_end, continuation, oai_prompt, render, template_sha
from summ_pref_common.errors import DataError


@pytest.mark.parametrize("text, expected", [
    (" already spaced", " already spaced"),
    ("no space", " no space"),
    ("   three spaces", " three spaces"),
    ("\xa0no-break space kept", " \xa0no-break space kept"),
    ("", " "),
])
def test_continuation_has_exactly_one_leading_space(text, expected):
    assert continuation(text) == expected
    assert continuation(text, chat_template=True) == expected[1:]


def test_a_missing_title_drops_only_the_title_line():
    doc = {"title": "Rent", "subreddit": "personalfinance", "text": "My landlord doubled it."}
    assert render("reddit", doc) == ("Here is a Reddit text post:\n\n<reddit_post>\nTitle: Rent\n\n"
                                     "My landlord doubled it.\n</reddit_post>\n\nTL;DR:")
    assert render("cnndm", {**doc, "title": None}) == ("Here is a news article:\n\n<article>\n"
                                                       "My landlord doubled it.\n</article>\n\nTL;DR:")
    assert oai_prompt(doc) == "SUBREDDIT: r/personalfinance\n\nTITLE: Rent\n\nPOST: My landlord doubled it.\n\nTL;DR:"


def test_template_sha_is_the_first_16_hex_digits_of_the_templates_sha256():
    shas = {name: template_sha(name) for name in TEMPLATES}
    assert shas["oai"] == hashlib.sha256(OAI.encode("utf-8")).hexdigest()[:16]
    assert len(set(shas.values())) == len(TEMPLATES)


def test_continuation_end_is_appended_and_must_be_a_string():
    assert continuation("a cat", end="</s>") == " a cat</s>"
    assert checked_end(None) == "" and checked_end("<|endoftext|>") == "<|endoftext|>"
    with pytest.raises(DataError, match="continuation_end"):
        checked_end(5)
