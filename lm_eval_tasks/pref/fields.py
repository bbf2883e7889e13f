"""Which columns of a preference dataset play which role (`fields`), and the values read through them.

A role maps to a column: a name, a dotted path into nested objects (`meta.post`), or, for `prompt` only, a
`str.format` template over such paths (`"TITLE: {meta.title}\\n\\nPOST: {meta.post}"`). Every value read is
checked, and a bad one is a `DataError` naming the file, the line and the dataset's own column.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from dataclasses import dataclass

from summ_pref_common.errors import DataError

PAIR_DEFAULTS = {"prompt": "prompt", "chosen": "chosen", "rejected": "rejected"}
# The pair roles of a dataset that lists both responses and the index of the preferred one.
LISTED_DEFAULTS = {"prompt": "prompt", "responses": "responses", "choice": "choice"}
AXIS_DEFAULTS = {"prompt": "prompt", "response": "response"}
CHAT_ROLES = ("system", "user", "assistant")
# Columns of the report's tables and of the docs: an attribute may not take one of these names.
RESERVED_NAMES = frozenset({
    "key", "post_id", "source", "split", "subsplit", "batch", "worker", "sid", "policy", "logprob", "n_bytes",
    "n_chars", "n_tokens", "mean_entropy", "context_truncated", "choice", "confidence", "prompt", "response",
    "ratings", "outcome", "quality", "text",
})


@dataclass(frozen=True)
class Where:
    """A row's place, for messages: a file (or `dataset@revision[split]`) and a 1-based line or row."""

    path: str
    line: int

    def error(self, message: str, field: str | None = None) -> DataError:
        return DataError(message, path=self.path, line=self.line, field=field)


@dataclass(frozen=True)
class FieldMap:
    """The roles of one task's rows. Pairs: `prompt` with `chosen` and `rejected`, or with `responses` (a list
    of two) and `choice` (the index of the preferred one). Ratings: `prompt`, `response` and `attributes`,
    (name, column) of each rated attribute in the order given. `prompt` None: the prompt is read off the
    responses (see `lm_eval_tasks.pref.docs`)."""

    prompt: str | None
    chosen: str | None = None
    rejected: str | None = None
    responses: str | None = None
    choice: str | None = None
    response: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()

    @property
    def attribute_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.attributes)


def _column(role: str, value: object, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value:
        raise DataError(f"expected a column name, got {value!r:.60}", field=f"fields.{role}")
    return value


def field_map(kind: str, fields: object) -> FieldMap:
    """The roles of a `pref_pairs` ("cmp") or `pref_axis` ("axis") task from the `fields` metadata (a mapping,
    role -> column; roles not given keep their default column name)."""
    if fields is None:
        fields = {}
    if not isinstance(fields, Mapping):
        raise DataError(f"expected a mapping of roles to columns, got {type(fields).__name__}", field="fields")
    if kind == "cmp":
        defaults = LISTED_DEFAULTS if "responses" in fields or "choice" in fields else PAIR_DEFAULTS
        unknown = sorted(set(fields) - set(defaults))
        if unknown:
            raise DataError(f"pref_pairs takes the roles {', '.join(defaults)}, got {unknown[0]!r}",
                            field=f"fields.{unknown[0]}")
        merged = {**defaults, **fields}
        return FieldMap(**{role: _column(role, merged[role], nullable=role == "prompt") for role in defaults})
    merged = {**AXIS_DEFAULTS, **fields}
    attributes = tuple((name, _column(name, column)) for name, column in merged.items() if name not in AXIS_DEFAULTS)
    if not attributes:
        raise DataError("pref_axis needs at least one rated attribute: map each to its column, e.g. "
                        '{"helpfulness": "helpfulness"}', field="fields")
    for name, _ in attributes:
        if name in RESERVED_NAMES or not name.isidentifier():
            raise DataError(f"an attribute name must be an identifier other than {', '.join(sorted(RESERVED_NAMES))}"
                            f"; rename it in fields (name -> column), got {name!r}", field=f"fields.{name}")
    return FieldMap(prompt=_column("prompt", merged["prompt"], nullable=True),
                    response=_column("response", merged["response"]), attributes=attributes)


def lookup(row: Mapping, column: str, where: Where) -> object:
    """The value of a column; a name with dots that is not itself a column is a path into nested objects."""
    if column in row:
        return row[column]
    value: object = row
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise where.error("missing", field=column)
        value = value[part]
    return value


def is_template(spec: str) -> bool:
    """A prompt spec with a `{field}` is a template; `{{` and `}}` are literal braces."""
    return any(name is not None for _, name, _, _ in string.Formatter().parse(spec))


def render_template(template: str, row: Mapping, where: Where) -> str:
    """`template` with each `{path}` replaced by that column's text (a number is written as it is)."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        parts.append(literal)
        if name is None:
            continue
        if spec or conversion:
            raise where.error(f"a prompt template field takes no format spec or conversion, got {{{name}!{conversion}"
                              f":{spec}}}", field="fields.prompt")
        value = lookup(row, name, where)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise where.error(f"expected text, got {_shown(value)}", field=name)
        parts.append(str(value))
    return "".join(parts)


def _shown(value: object) -> str:
    return "null" if value is None else f"{type(value).__name__} {value!r:.60}"


def messages_of(value: object, column: str, where: Where) -> list[dict]:
    """A chat: a non-empty list of {"role": system|user|assistant, "content": text}, other keys dropped."""
    if not isinstance(value, list) or not value:
        raise where.error(f"expected a non-empty list of messages, got {_shown(value)}", field=column)
    out = []
    for i, message in enumerate(value):
        if not isinstance(message, Mapping):
            raise where.error(f"expected a message object, got {_shown(message)}", field=f"{column}[{i}]")
        role, content = message.get("role"), message.get("content")
        if role not in CHAT_ROLES:
            raise where.error(f"role must be one of {', '.join(CHAT_ROLES)}, got {role!r:.40}",
                              field=f"{column}[{i}].role")
        if not isinstance(content, str):
            raise where.error(f"expected text, got {_shown(content)}", field=f"{column}[{i}].content")
        out.append({"role": role, "content": content})
    return out


@dataclass(frozen=True)
class Response:
    """One response: its text, the policy that wrote it where the data says, and the chat before it when the
    column holds a whole conversation (its last message is the response)."""

    text: str
    policy: str | None = None
    before: tuple[tuple[str, str], ...] | None = None


def response_of(value: object, column: str, where: Where) -> Response:
    """A response column's value: text, an object with "text" (and optionally "policy"), or a conversation
    whose last message, the assistant's, is the response."""
    if isinstance(value, str):
        return Response(value)
    if isinstance(value, Mapping):
        text, policy = value.get("text"), value.get("policy")
        if not isinstance(text, str):
            raise where.error(f"expected text, got {_shown(text)}", field=f"{column}.text")
        return Response(text, policy if isinstance(policy, str) else None)
    if isinstance(value, list):
        messages = messages_of(value, column, where)
        if messages[-1]["role"] != "assistant":
            raise where.error(f"the last message must be the assistant's response, got role {messages[-1]['role']!r}",
                              field=f"{column}[{len(messages) - 1}].role")
        return Response(messages[-1]["content"], before=tuple((m["role"], m["content"]) for m in messages[:-1]))
    raise where.error(f"expected text, an object with text, or a list of messages, got {_shown(value)}", field=column)


def checked_text(text: str, column: str, where: Where) -> str:
    """A response must say something: an empty or whitespace-only one would score the end of text alone."""
    if not text.strip():
        raise where.error("empty response", field=column)
    return text


def rating_of(value: object, column: str, where: Where) -> float | None:
    """A rating: a number (any scale), or null / NaN for a missing one."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.error(f"expected a number or null, got {_shown(value)}", field=column)
    if math.isinf(value):
        raise where.error(f"expected a finite number, got {value!r}", field=column)
    return None if math.isnan(value) else float(value)


def choice_of(value: object, column: str, where: Where) -> int:
    if isinstance(value, bool) or value not in (0, 1):
        raise where.error(f"expected 0 or 1 (the index of the preferred response), got {_shown(value)}", field=column)
    return int(value)
