"""Run lm-eval's own CLI with this plugin's tasks and model backends available.

lm-eval 0.4.13 reads no entry points, so an installed package cannot register tasks or models by
itself: this wrapper imports the backends and adds `--include_path` before handing over. Before it
hands over, it checks what lm-eval reports late (after loading the model) or as a traceback: the
arguments (--gen_kwargs, at least one task, a chat template for --apply_chat_template), the model path (a
local folder must hold config.json), the task names and the data itself (loaded, so a bad row stops the run in
seconds, before a large model takes minutes to load). The data loaded then is the data lm-eval scores.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import importlib
import json
import logging
import os
import sys
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from lm_eval_tasks import TASKS_DIR
from lm_eval_tasks.data.loading import sharing_loads
from lm_eval_tasks.data.metadata import METADATA_KEYS, check_user_metadata
from lm_eval_tasks.default_model import (
    check_model_folder,
    check_pretrained,
    resolve_pretrained,
)
from lm_eval_tasks.model_checks import check_chat_template, check_gen_kwargs, continuation_end_note
from summ_pref_common.console import configure_console
from summ_pref_common.errors import DEBUG_ENV, DataError
from summ_pref_common.openmp import default_wait_policy

DEBUG_HINT = f"({DEBUG_ENV}=1 shows the traceback)"
logger = logging.getLogger(__name__)


class UsageError(DataError):
    """A wrong `summ-pref eval` argument: reported in one line, with the remedy, before anything is loaded."""


def register_backends() -> None:
    """Importing the module runs its @register_model decorators (hf-prefix)."""
    importlib.import_module("lm_eval_tasks.models")


def harness_argv(args: Sequence[str]) -> list[str]:
    """`lm_eval run` arguments: ours plus --include_path."""
    argv = list(args)
    if any(a == "--include_path" or a.startswith("--include_path=") for a in argv):
        raise UsageError("summ-pref eval sets --include_path to its own tasks; lm-eval accepts only one path. "
                         "Use `lm_eval --include_path DIR ...` directly to add other tasks.")
    return ["run", *argv, "--include_path", str(TASKS_DIR)]


def invalid_json(argv: Sequence[str]) -> str | None:
    """The message for the first option value that starts like a JSON object but is not one."""
    for i, arg in enumerate(argv):
        option, value = arg.split("=", 1) if arg.startswith("--") and "=" in arg else (argv[i - 1] if i else "", arg)
        if not value.lstrip().startswith("{"):
            continue
        try:
            json.loads(value)
        except json.JSONDecodeError as err:
            return (f"{option} is not valid JSON ({err.msg} at column {err.colno}): {value}; write a JSON object "
                    f"with double-quoted keys and strings, e.g. {option} '{{\"data_dir\": \"DIR\"}}'")
    return None


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    try:
        return parser.parse_args(argv)
    except ValueError as err:  # lm-eval's --metadata / --model_args action raises it for a bad JSON object
        raise UsageError(invalid_json(argv) or f"{err} {DEBUG_HINT}") from err


def evaluator_config(parsed: argparse.Namespace):
    """lm-eval's own view of the arguments (--config YAML merged): its checks raise here, before any loading."""
    from lm_eval.config.evaluate_config import EvaluatorConfig

    try:
        return EvaluatorConfig.from_cli(copy.deepcopy(parsed))
    except (ValueError, TypeError, FileNotFoundError) as err:
        raise UsageError(f"{err} {DEBUG_HINT}") from err


def task_names(tasks: str | Sequence) -> list[str]:
    """`--tasks a,b c` (or a YAML config's list or string) as single names, the way lm-eval splits them."""
    items = tasks.split(",") if isinstance(tasks, str) else [t for task in tasks for t in str(task).split(",")]
    return [t for t in items if t]


def unknown_task_error(name: str, ours: list[str], known: list[str]) -> UsageError:
    close = difflib.get_close_matches(name, ours, 1) or difflib.get_close_matches(name, known, 1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return UsageError(f"unknown task {name!r}{hint}: the summ_pref tasks are {', '.join(ours)}; "
                      f"`lm_eval ls tasks` lists lm-eval's own")


def plugin_only(names: Sequence[str], plugin_tasks: Collection[str]) -> bool:
    """Whether the run's task index may hold the plugin's folder alone: every requested name is, literally,
    one of its tasks, groups or tags. A glob (it could match built-in tasks too), a YAML file, a folder or
    any other name keeps lm-eval's full index of its ~14,000 built-in YAMLs (~11 s on 2 cores)."""
    return bool(names) and all(name in plugin_tasks for name in names)


@contextmanager
def plugin_task_index(enabled: bool) -> Iterator[None]:
    """Within the block (when `enabled`), the TaskManager that lm-eval's CLI builds indexes only the plugin's
    folder. lm-eval 0.4.13 builds it in `EvaluatorConfig.process_tasks`, which looks `lm_eval.tasks.TaskManager`
    up when called and gives no way to pass `include_defaults=False`; the name is swapped for a subclass that
    passes it, and restored after."""
    import lm_eval.evaluator  # imported outside the swap: it binds lm-eval's own TaskManager at import
    import lm_eval.tasks

    if not enabled:
        yield
        return
    full = lm_eval.tasks.TaskManager

    class PluginTaskManager(full):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "include_defaults": False})

    lm_eval.tasks.TaskManager = PluginTaskManager
    try:
        yield
    finally:
        lm_eval.tasks.TaskManager = full


def check_output_path(output_path: str | None) -> None:
    """lm-eval writes OUTPUT_PATH/<model>/results_*.json (beside it for a path ending in .json), after scoring: a
    path that is a file, or lies inside one, would have every doc scored and nothing written."""
    if not output_path:
        return
    path = Path(output_path).expanduser()
    for folder in (path.parent if path.suffix == ".json" else path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                raise UsageError(f"--output_path {output_path}: {folder} is a file, not a folder; lm-eval would "
                                 "score every doc and then write nothing: give a folder")
            return


def check_run(parsed: argparse.Namespace) -> bool:
    """Everything that can be checked before the model loads; `pretrained` is resolved in `parsed`.

    Loads the data of the requested summ_pref tasks (groups expand) with the run's metadata, through the
    same TaskManager lm-eval uses, so a DataError is raised here; other tasks are left to lm-eval. Returns
    `plugin_only`: whether lm-eval's index may hold the plugin's folder alone."""
    from lm_eval.tasks import TaskManager

    cfg = evaluator_config(parsed)
    check_output_path(cfg.output_path)
    if not task_names(cfg.tasks or []):
        raise UsageError("no task: give --tasks NAME[,NAME...], e.g. --tasks summ_pref (`summ-pref eval --help` lists "
                         "the summ_pref tasks)")
    check_gen_kwargs(cfg.gen_kwargs or {}, str(cfg.model))
    if cfg.limit is not None and cfg.limit <= 0:
        raise UsageError(f"--limit must be positive: a number of docs per task (e.g. 100) or a fraction of them "
                         f"(e.g. 0.1), got {cfg.limit:g}; leave it out to score every doc")
    model_args = dict(cfg.model_args or {})
    pretrained = model_args.get("pretrained")
    if isinstance(pretrained, str):
        check_pretrained(pretrained)
    ours = TaskManager(include_path=str(TASKS_DIR), include_defaults=False, metadata=cfg.metadata)
    names = task_names(cfg.tasks)
    plugin = [n for n in names if ours.match_tasks([n])]
    external = [n for n in names if n not in plugin]
    user_metadata = {k: v for k, v in (cfg.metadata or {}).items() if k not in model_args}
    if plugin and not external:
        check_user_metadata(user_metadata, plugin)
    elif plugin and (unknown := [k for k in user_metadata if k not in METADATA_KEYS]):
        logger.warning("--metadata keys %s are not summ_pref's (%s); they are left to the other tasks",
                       ", ".join(unknown), ", ".join(METADATA_KEYS))
    # YAML files and folders of tasks are lm-eval's to read; any other name must be an lm-eval task.
    others = [n for n in external if not (n.endswith(".yaml") or Path(n).is_dir())]
    if others:
        full = TaskManager(include_path=str(TASKS_DIR))
        for name in others:
            if not full.match_tasks([name]):
                raise unknown_task_error(name, ours.all_tasks, full.all_tasks)
    if plugin:
        try:
            ours.load(ours.match_tasks(plugin))
        except DataError:
            raise
        except (ValueError, KeyError) as err:  # lm-eval's task-building checks, e.g. a task requested twice
            raise UsageError(f"{err} {DEBUG_HINT}") from err
    if isinstance(pretrained, str):
        resolved = resolve_pretrained(pretrained)
        check_model_folder(resolved, model_args)
        if resolved != pretrained:
            parsed.model_args = model_args = {**model_args, "pretrained": resolved}
    check_model_files(cfg, model_args, user_metadata)
    return plugin_only(names, ours.all_tasks)


def check_model_files(cfg, model_args: dict, metadata: dict) -> None:
    """What the model's own files decide, read offline: a chat template for --apply_chat_template (an error when
    the files show none), and whether `continuation_end` is one of the tokenizer's special tokens (a warning: it
    is scored as literal text otherwise)."""
    if cfg.apply_chat_template:
        check_chat_template(model_args)
    end = metadata.get("continuation_end")
    if isinstance(end, str) and end and (note := continuation_end_note(end, model_args)):
        logger.warning(note)


def run_lm_eval(args: Sequence[str]) -> None:
    """The `summ-pref eval` command (and `python -m lm_eval_tasks.harness`, as the sweep runs it): `lm_eval run
    ARGS` plus the plugin. The command boundary: a wrong argument or bad data ends it with one line (exit 1)
    and nothing written, unless SUMM_PREF_DEBUG=1 asks for the traceback. Library callers (the demo) call
    `run_checked`, which raises the `DataError` instead."""
    try:
        run_checked(args)
    except DataError as err:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        raise SystemExit(f"summ-pref eval: error: {err}") from None


def run_checked(args: Sequence[str]) -> None:
    """`lm_eval run ARGS` with the plugin's tasks and backends, after `check_run`; raises `DataError` (a
    `UsageError` for a wrong argument) before anything is loaded or written."""
    from lm_eval._cli import HarnessCLI
    from lm_eval.utils import setup_logging

    register_backends()
    setup_logging()
    cli = HarnessCLI()
    run_parser = cli._subparsers.choices["run"]
    run_parser.prog = "summ-pref eval"
    run_parser.usage = (run_parser.usage or "").replace("lm-eval run", "summ-pref eval") or None
    parsed = parse(cli._parser, harness_argv(args))
    try:
        with sharing_loads():  # the data loaded by check_run is the data lm-eval then scores
            index = plugin_task_index(check_run(parsed))
            with index:
                cli.execute(parsed)
    except DataError:
        raise
    except Exception as err:
        cause = network_cause(err)
        if cause is None:
            raise
        raise DataError(f"model {model_named(parsed, args)}: {cause} {DEBUG_HINT}") from err


def network_cause(err: BaseException) -> str | None:
    """The cause of a failure to reach the Hugging Face hub or the network, in one line, or None for any other
    error: a hub error (offline mode, unknown or gated repository, HTTP error) or a connection error anywhere
    in the chain of causes (transformers wraps the hub's error in an OSError with its own advice)."""
    from huggingface_hub import errors as hub

    network: tuple[type[BaseException], ...] = (hub.HfHubHTTPError, hub.LocalEntryNotFoundError,
                                                 hub.OfflineModeIsEnabled, ConnectionError, TimeoutError)
    for module, names in (("requests.exceptions", ("ConnectionError", "Timeout")), ("httpx", ("TransportError",))):
        found = sys.modules.get(module)
        network += tuple(getattr(found, name) for name in names if found is not None and hasattr(found, name))
    chain, seen = err, set()
    while chain is not None and id(chain) not in seen:
        seen.add(id(chain))
        if isinstance(chain, network):
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            inner = str(chain).strip().splitlines()[0] if chain is not err and str(chain).strip() else ""
            return f"{first}" + (f" ({type(chain).__name__}: {inner})" if inner else "")
        chain = chain.__cause__ or chain.__context__
    return None


def model_named(parsed: argparse.Namespace, args: Sequence[str]) -> str:
    """The model as the command named it (`pretrained` of --model_args), else the backend."""
    model_args = parsed.model_args if isinstance(parsed.model_args, dict) else {}
    if "pretrained" not in model_args and isinstance(parsed.model_args, str):
        model_args = dict(kv.split("=", 1) for kv in parsed.model_args.split(",") if "=" in kv)
    return str(model_args.get("pretrained") or getattr(parsed, "model", None) or " ".join(args[:2]))


if __name__ == "__main__":
    default_wait_policy()
    configure_console()
    run_lm_eval(sys.argv[1:])
