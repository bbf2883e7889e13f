"""Token counts recounted as lm-eval's HF backend splits a request: the context's trailing whitespace moved into
the continuation, the pair encoded jointly; a tokenizer that is not available offline leaves the count absent."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from postprocess.io.token_counts import LazyCounter, load_counter, tokenizer_source


@pytest.mark.parametrize(("model_args", "expected"), [
    ("pretrained=org/model,revision=r1,dtype=float32", ("org/model", {"add_bos_token": None, "revision": "r1"})),
    ("pretrained=org/model,tokenizer=org/tok,add_bos_token=True", ("org/tok", {"add_bos_token": True})),
    ({"pretrained": "m", "gguf_file": "m.gguf"}, ("m", {"add_bos_token": None, "gguf_file": "m.gguf"})),
    ("dtype=float32", None),
    (None, None),
])
def test_the_tokenizer_is_the_one_lm_eval_used(model_args, expected):
    assert tokenizer_source(model_args) == expected


@pytest.mark.parametrize("model", ["tiny_bos_model", "tiny_nobos_model"])
def test_count_is_the_joint_encoding_less_the_stripped_context(request, model):
    folder = request.getfixturevalue(model)
    tok = AutoTokenizer.from_pretrained(folder)
    count = load_counter(f"pretrained={folder}")
    context, continuation = "A post about rent.\n\nTL;DR: ", "my landlord doubled it"
    joint = tok(context + continuation).input_ids
    stripped = tok(context.rstrip()).input_ids
    assert joint[:len(stripped)] == stripped
    assert count(context, continuation) == len(joint) - len(stripped)
    assert count(context.rstrip(), " " + continuation) == count(context, continuation)


def test_a_lazy_counter_loads_at_the_first_count_and_says_where_counts_came_from(tiny_nobos_model, tmp_path):
    lazy = LazyCounter(f"pretrained={tiny_nobos_model}")
    assert lazy.description() == "logged by the backend"
    assert lazy("TL;DR:", " a cat") == load_counter(f"pretrained={tiny_nobos_model}")("TL;DR:", " a cat") > 0
    assert lazy.description().startswith("recounted with the run's tokenizer")
    missing = LazyCounter(f"pretrained={tmp_path / 'no_such_model'}")
    assert missing("TL;DR:", " a cat") is None and missing.description().startswith("absent")
