"""The schema of a sweep preset (configs/*.yaml), as pydantic models: every key, its type, its default and what
it does. `check_schema` validates a loaded preset against it, so a typo'd key is an error (with the closest known
key) instead of being ignored, and each error names the preset file and the key path (`models[1].beta`).
docs/presets.md is written from these models (`schema_markdown`), and a test keeps the two equal.

The schema checks each value by itself; what needs the whole preset (unique names, the reference among them, the
`generate:` keys, each model's `pretrained` on disk or as a hub id) is `postprocess.commands.sweep.check_preset`.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from postprocess.compare.implicit_reward import BETA_MAX, BETA_MIN, beta_problem
from summ_pref_common.errors import DataError

ROLES = ("base", "sft", "ppo", "dpo", "rlhf", "chat", "synthetic")
# A model name becomes a folder OUT/runs/<name>: one plain path part, never a separator or "..".
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ARG_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# lm-eval reads --model_args as "k=v,k=v": a "," or "=" in a value would start another argument.
ARG_SEPARATORS = (",", "=")


def _plain_name(name: str) -> str:
    if not NAME.match(name) or ".." in name:
        raise ValueError("a plain name (letters, digits, '.', '_', '-'; no path separator, no '..'): it names the "
                         "folder OUT/runs/<name>")
    return name


def _model_args(args: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(args.get("pretrained"), str) or not args["pretrained"]:
        raise ValueError("`pretrained` (a hub id ORG/NAME, a local model folder or @default) is required")
    for key, value in args.items():
        if not ARG_KEY.match(key):
            raise ValueError(f"key {key!r} is not an lm-eval model argument name (letters, digits, '_')")
        if any(sep in str(value) for sep in ARG_SEPARATORS):
            raise ValueError(f"{key}={value!r}: a value may not hold ',' or '=' (lm-eval would read what follows "
                             "as another model argument)")
    return args


def _beta(beta: float) -> float:
    if problem := beta_problem(beta):
        raise ValueError(problem.rsplit(", got ", 1)[0])
    return beta


class _Strict(BaseModel):
    """YAML types as written (a quoted "2500" is not a number) and no key beyond the declared ones."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Resources(_Strict):
    """What one job of a model asks for under `summ-pref sweep --executor local|slurm` (each key absent: the
    sweep-wide `resources:`, then the executor's default); the command's options override both. Resources change
    no score, so they are not settings: a run made with other resources is reused."""

    gpus: int = Field(None, ge=0, description="GPUs of the job (default 1 on SLURM and under `--executor local "
                                              "--gpus N`, else 0); more than one needs `parallelize: true` (hf) or "
                                              "`tensor_parallel_size` (vllm) in model_args, which then uses them")
    cpus: int = Field(None, gt=0, description="CPU cores of the job (SLURM `--cpus-per-task`)")
    mem_gb: float = Field(None, gt=0, description="memory of the job in GB (SLURM `--mem`)")
    timeout_min: int = Field(None, gt=0, description="wall-time limit of the job in minutes (default 1440, a day)")
    partition: str = Field(None, description="SLURM partition")
    account: str = Field(None, description="SLURM account")
    qos: str = Field(None, description="SLURM quality of service")
    constraint: str = Field(None, description="SLURM node features (`--constraint`)")
    slurm_additional_parameters: dict[str, str | int | bool] = Field(
        None, description="further `#SBATCH --key=value` lines, e.g. {gres: 'gpu:a100:1'}")


class Model(_Strict):
    """One entry of `models:`."""

    name: Annotated[str, AfterValidator(_plain_name)] = Field(
        description="short label, unique within the preset; names the run folder OUT/runs/<name>, so a plain name "
                    "(letters, digits, `.`, `_`, `-`)")
    role: Literal[ROLES] | None = Field(None, description="what the checkpoint is: " + " \\| ".join(ROLES))
    model: str = Field("hf", description="lm-eval model backend (`hf`, `hf-prefix`, `vllm`, ...)")
    model_args: Annotated[dict[str, str | int | float | bool], AfterValidator(_model_args)] = Field(
        description="lm-eval model_args as a mapping; `pretrained` is required: a hub id ORG/NAME, a local model "
                    "folder holding config.json, or `@default` (the embedded SmolLM2-135M-Instruct). Values are "
                    "joined into lm-eval's `k=v,k=v` string, so they may not hold `,` or `=`")
    beta: Annotated[float, AfterValidator(_beta)] = Field(
        None, description=f"the model's KL coefficient (DPO's beta), from {BETA_MIN:g} to {BETA_MAX:g}; the report "
                          "scales its implicit reward by it (none: the plain log-ratio). Not on the reference")
    tempered: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        None, description="score a tempered copy of `pretrained` instead: its logits divided by this T (`summ-pref "
                          "tempered-copy`, cached beside the converted model); T < 1 sharpens, a known truth for γ")
    generate: dict[str, Any] | Literal[False] = Field(
        None, description="this model's own `generate:` keys over the preset's; `false` leaves it out of generation")
    resources: Resources = Field(None, description="this model's job resources over the preset's `resources:` "
                                                   "(keys below)")


class Preset(_Strict):
    """A family of checkpoints compared on the same tasks and rows."""

    family: str = Field(description="the preset's name (the shipped presets: the file name without .yaml)")
    description: str | None = Field(None, description="free text")
    reference: str = Field(description="`name` of the model the others are compared against")
    tasks: list[str] = Field(min_length=1, description="lm-eval task names scored for every model")
    models: list[Model] = Field(min_length=1, description="the checkpoints (keys below)")
    limit: int = Field(None, gt=0, description="docs per task, a positive whole number; the command's "
                                                      "--limit overrides it (none: every doc)")
    metadata: dict[str, Any] = Field({}, description="task metadata (keys of `summ-pref eval --help`, e.g. "
                                                     "continuation_end, dataset, dataset_revision); the command's "
                                                     "--metadata keys override these keys")
    generate: dict[str, Any] = Field(None, description="each model also generates (summ_pref_gen*), scores "
                                                              "the posts and its own samples, and the reference "
                                                              "scores every model's samples (keys below)")
    resources: Resources = Field(None, description="every model's job resources under `--executor local` or "
                                                   "`slurm` (keys below; a model's own `resources:` overrides them)")


# What a key expects, where pydantic's own words ("Input should be a valid integer") would not say it.
EXPECTED = {
    "limit": "a positive whole number of docs per task",
    "metadata": "a mapping of task metadata",
    "beta": beta_problem(None).rsplit(", got ", 1)[0].removeprefix("expected "),
    "model_args": "a mapping of lm-eval model args, e.g. {pretrained: ORG/NAME, dtype: bfloat16}",
    "generate": "a mapping such as {k: 8, temperature: 1.0}",
    "models": "a list of model entries ({name, model_args, ...})",
    "tasks": "a non-empty list of task names",
    "tempered": "a positive temperature T (the copy's logits are its pretrained's divided by T)",
}
# pydantic's names of the branches of a union (str | int ..., dict | False), left out of key paths.
UNION_BRANCHES = {"str", "int", "float", "bool", "none", "dict[str,any]", "literal[False]"}


def _where(loc: tuple) -> str:
    """A key path as the presets write it: models[1].model_args."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in UNION_BRANCHES and not str(part).startswith("function-after"):
            out += f".{part}" if out else str(part)
    return out


def _expected(loc: tuple) -> str | None:
    """What the key at `loc` expects (a model arg's value: a scalar), or None for pydantic's own words."""
    keys = [part for part in loc if isinstance(part, str) and part not in UNION_BRANCHES
            and not part.startswith("function-after")]
    if len(keys) >= 2 and keys[-2] == "model_args":
        return "text, a number or true/false (a value of lm-eval's model_args string)"
    return EXPECTED.get(keys[-1]) if keys else None


def _unknown_key(loc: tuple) -> str:
    """The message of an unknown key, with the closest known key of its level."""
    level = Resources if "resources" in loc else Model if loc[0] == "models" else Preset
    known = list(level.model_fields)
    key = str(loc[-1])
    close = difflib.get_close_matches(key, known, 1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}; known keys: {', '.join(known)}"


def _message(error: dict) -> tuple[str, str]:
    """(key path, message) of the first pydantic error, worded for a person editing the preset."""
    loc, kind = error["loc"], error["type"]
    if kind == "extra_forbidden":
        return _where(loc), _unknown_key(loc)
    if kind == "missing":
        return _where(loc), "missing"
    value = error["input"]
    if kind == "value_error":
        message = str(error["ctx"]["error"])
        return _where(loc), message if isinstance(value, (dict, list)) else f"{message}, got {value!r:.80}"
    expected = _expected(loc)
    message = f"expected {expected}" if expected else error["msg"]
    return _where(loc), f"{message}, got {value!r:.80}"


def check_schema(preset: object, path: Path | None) -> None:
    """Validate a loaded preset against `Preset`; the first error is a DataError naming the file and key path."""
    if not isinstance(preset, dict):
        raise DataError(f"expected a mapping of keys ({', '.join(Preset.model_fields)}), got "
                        f"{type(preset).__name__}", path=path)
    try:
        Preset.model_validate(preset)
    except ValidationError as err:
        field, message = _message(err.errors(include_url=False)[0])
        raise DataError(message, path=path, field=field or None) from None


def type_name(annotation: object) -> str:
    """A type as the docs show it (YAML's words, "or" for a union: a "|" would split a markdown table cell).

    >>> type_name(dict[str, str | int | None]), type_name(Literal["a", False])
    ('mapping of text to text or whole number or null', "'a' or false")
    """
    words = {str: "text", int: "whole number", float: "number", bool: "true/false", type(None): "null", Any: "any"}
    if annotation in words:
        return words[annotation]
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return " or ".join("false" if a is False else repr(a) for a in args)
    if origin is list:
        return f"list of {type_name(args[0])}"
    if origin is dict:
        return f"mapping of {type_name(args[0])} to {type_name(args[1])}"
    if origin in (Union, UnionType):
        return " or ".join(type_name(a) for a in args)
    if origin is Annotated:
        return type_name(args[0])
    if annotation is Resources:
        return "mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model entry"
    return getattr(annotation, "__name__", str(annotation))


def _yaml(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("\n...").removesuffix(" ...")


def _constraint(metadata: object) -> str | None:
    """A field constraint in words (min_length=1: non-empty, gt=0: > 0)."""
    if getattr(metadata, "min_length", None) == 1:
        return "non-empty"
    if getattr(metadata, "gt", None) is not None:
        return f"> {metadata.gt}"
    if getattr(metadata, "ge", None) is not None:
        return f">= {metadata.ge}"
    return None


def _rows(model: type[BaseModel]) -> list[str]:
    rows = ["| key | type | default | what it is |", "|---|---|---|---|"]
    model.model_rebuild()
    for name, info in model.model_fields.items():
        default = "required" if info.is_required() else "absent" if info.default is None else \
            f"`{_yaml(info.default)}`"
        kind = type_name(info.annotation) + "".join(f", {_constraint(m)}" for m in info.metadata if _constraint(m))
        rows.append(f"| `{name}` | {kind} | {default} | {info.description} |")
    return rows


def schema_markdown(generate_keys: dict[str, tuple[object, str]]) -> str:
    """docs/presets.md: the tables of `Preset`, `Model` and the `generate:` keys ({key: (default, expected)})."""
    generate = ["| key | default | expected |", "|---|---|---|",
                *(f"| `{k}` | `{_yaml(default)}` | {expected} |" for k, (default, expected) in generate_keys.items())]
    return "\n".join([
        "# Presets: the schema of configs/*.yaml",
        "",
        "<!-- Written from postprocess/commands/preset_schema.py by `python -m postprocess.commands.preset_schema`;"
        " tests/postprocess/commands/test_preset_schema.py checks that it is up to date. -->",
        "",
        "`summ-pref sweep PRESET --out OUT` scores every model of a preset, one after another, then compares them "
        "against the preset's reference. The preset is checked against this schema before the first model is "
        "scored: an unknown key is an error naming the closest known key, a value of the wrong type is an error "
        "naming the file and the key path (e.g. `models[1].beta`), and every model's `pretrained` must be a local "
        "model folder holding config.json, a hub id of the form ORG/NAME, or `@default`.",
        "",
        "## Top level",
        "",
        *_rows(Preset),
        "",
        "## A model entry (`models:`)",
        "",
        *_rows(Model),
        "",
        "## `generate:` (preset level; a model's own `generate:` overrides its keys)",
        "",
        *generate,
        "",
        "## `resources:` (preset level and per model; only `summ-pref sweep --executor local` or `slurm` reads "
        "them)",
        "",
        *_rows(Resources),
        "",
        "See docs/how-to/cluster-sweeps.md for the executors.",
        "",
        "## Data revision",
        "",
        "A pref preset that pins `metadata.dataset_revision` has that revision recorded in each run's "
        "sweep_settings.json (`data`: `hub:DATASET@REVISION`); without it the hub's `main` is scored and recorded.",
        "",
    ])


if __name__ == "__main__":
    from postprocess.commands.sweep import generate_keys

    print(schema_markdown(generate_keys()), end="")
