"""The roles of a preference dataset's columns and the values read through them: defaults, dotted paths, prompt
templates, chats, ratings and choices, each bad value one error naming the file, the line and the column."""

from __future__ import annotations

import pytest

from lm_eval_tasks.pref.fields import (
    FieldMap,
    Response,
    Where,
    choice_of,
    field_map,
    is_template,
    lookup,
    rating_of,
    render_template,
    response_of,
)
from summ_pref_common.errors import DataError

AT = Where("rows.jsonl", 3)


def test_roles_keep_their_default_columns_unless_mapped():
    assert field_map("cmp", None) == FieldMap(prompt="prompt", chosen="chosen", rejected="rejected")
    assert field_map("cmp", {"choice": "label", "prompt": None}) == FieldMap(prompt=None, responses="responses",
                                                                            choice="label")
    axis = field_map("axis", {"response": "answer", "helpfulness": "scores.help", "correct": "correct"})
    assert axis.attribute_names == ("helpfulness", "correct") and axis.response == "answer"


@pytest.mark.parametrize(("kind", "fields", "message"), [
    ("cmp", {"chosen": "a", "best": "b"}, "field 'fields.best': pref_pairs takes the roles prompt, chosen, rejected"),
    ("cmp", {"chosen": ""}, "field 'fields.chosen': expected a column name"),
    ("cmp", ["chosen"], "field 'fields': expected a mapping of roles to columns, got list"),
    ("axis", {"prompt": "q"}, "field 'fields': pref_axis needs at least one rated attribute"),
    ("axis", {"policy": "p"}, "field 'fields.policy': an attribute name must be an identifier other than"),
])
def test_bad_fields_are_refused(kind, fields, message):
    with pytest.raises(DataError) as err:
        field_map(kind, fields)
    assert str(err.value).startswith(message)


def test_a_dotted_name_is_a_column_first_then_a_path():
    row = {"meta.post": "flat", "meta": {"post": "nested", "title": "T"}, "n": 3}
    assert lookup(row, "meta.post", AT) == "flat" and lookup(row, "meta.title", AT) == "T"
    with pytest.raises(DataError, match=r"^rows\.jsonl:3: field 'meta\.body': missing$"):
        lookup(row, "meta.body", AT)


def test_a_prompt_template_fills_each_path_and_keeps_doubled_braces():
    row = {"meta": {"title": "Rent", "n": 2}}
    assert is_template("TITLE: {meta.title}") and not is_template("a {{literal}} brace")
    assert render_template("TITLE: {meta.title} ({meta.n}) {{x}}", row, AT) == "TITLE: Rent (2) {x}"
    with pytest.raises(DataError, match="takes no format spec"):
        render_template("{meta.n:>4}", row, AT)
    with pytest.raises(DataError, match=r"field 'meta': expected text, got dict"):
        render_template("{meta}", row, AT)


def test_a_response_is_text_an_object_or_a_chat_ending_with_the_assistant():
    assert response_of("Hi", "r", AT) == Response("Hi")
    assert response_of({"text": "Hi", "policy": "sft"}, "r", AT) == Response("Hi", "sft")
    chat = [{"role": "user", "content": "Q?", "id": 1}, {"role": "assistant", "content": "A."}]
    assert response_of(chat, "r", AT) == Response("A.", before=(("user", "Q?"),))
    with pytest.raises(DataError, match=r"field 'r\[0\]\.role': the last message must be the assistant's"):
        response_of(chat[:1], "r", AT)
    with pytest.raises(DataError, match=r"field 'r\[1\]\.role': role must be one of system, user, assistant"):
        response_of([chat[0], {"role": "bot", "content": "A."}], "r", AT)


def test_ratings_and_choices():
    assert rating_of(4, "help", AT) == 4.0 and rating_of(None, "help", AT) is None
    assert rating_of(float("nan"), "help", AT) is None
    for bad in (True, "4", float("inf")):
        with pytest.raises(DataError, match=r"^rows\.jsonl:3: field 'help': expected a"):
            rating_of(bad, "help", AT)
    assert choice_of(1, "label", AT) == 1 and choice_of(0.0, "label", AT) == 0
    with pytest.raises(DataError, match=r"field 'label': expected 0 or 1 .* got bool True"):
        choice_of(True, "label", AT)
