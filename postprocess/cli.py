"""summ-pref: do human summary preferences follow a language model's likelihood?"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lm_eval_tasks.errors import DataError

EPILOG = """examples:
  summ-pref demo --out demo/                        # everything, offline, on the embedded sample
  summ-pref eval --model hf --model_args pretrained=@default,dtype=float32 \\
      --tasks summ_pref --metadata '{"data_dir": "sample"}' --log_samples --output_path runs/
  summ-pref report runs/ --out report/
  summ-pref report runs_base/ runs_dpo/ --reference MODEL_NAME_OF_BASE --out compare/
  summ-pref sweep configs/pythia-1b-tldr.yaml --out sweeps/pythia-1b --limit 500
"""


def _settings(args):
    from postprocess.analysis import Settings

    return Settings(n_resamples=args.n_resamples, seed=args.seed, confidence=args.confidence)


def _add_settings(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-resamples", type=int, default=1000, help="cluster-bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--confidence", type=float, default=0.95, help="interval coverage (default 0.95)")


def cmd_report(args) -> None:
    from postprocess.report import build_report

    build_report(args.run_dirs, args.out, settings=_settings(args), reference=args.reference, force=args.force,
                 jobs=args.jobs)


def cmd_demo(args) -> None:
    from postprocess.demo import run_demo

    run_demo(args.out, hub=args.hub, limit=args.limit, backend=args.backend, force=args.force)


def cmd_sweep(args) -> None:
    from postprocess.sweep import run_sweep

    run_sweep(args.preset, args.out, limit=args.limit, metadata=json.loads(args.metadata) if args.metadata else None,
              batch_size=args.batch_size, device=args.device, settings=_settings(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summ-pref", description=__doc__, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("eval", add_help=False,
                   help="`lm_eval run ARGS` with the summ_pref tasks and the hf-prefix backend available")

    report = sub.add_parser("report", help="statistics, figures and report.md for lm-eval runs",
                            epilog="RUN_DIR is an lm-eval --output_path folder (or one model folder in it).")
    report.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR")
    report.add_argument("--out", type=Path, required=True, help="folder for report.md, summary.json, figures/, tables/")
    report.add_argument("--reference", help="model_name of the run the others are compared against")
    report.add_argument("--force", action="store_true", help="replace an existing, non-empty --out")
    report.add_argument("--jobs", type=int, help="worker processes for the statistics (default: cores, at most 4)")
    _add_settings(report)
    report.set_defaults(func=cmd_report)

    demo = sub.add_parser("demo", help="score the embedded sample with the embedded model and write the report")
    demo.add_argument("--out", type=Path, default=Path("summ_pref_demo"), help="default: ./summ_pref_demo")
    demo.add_argument("--hub", action="store_true",
                      help="real data and model from the Hugging Face hub (also: SUMM_PREF_HUB=1)")
    demo.add_argument("--limit", type=int, help="score only N docs per task")
    demo.add_argument("--backend", default="hf-prefix", help="lm-eval model backend (default hf-prefix)")
    demo.add_argument("--force", action="store_true", help="score again into an existing --out")
    demo.set_defaults(func=cmd_demo)

    sweep = sub.add_parser("sweep", help="score every model of a family preset, then compare them")
    sweep.add_argument("preset", type=Path, help="a YAML preset, e.g. configs/pythia-1b-tldr.yaml")
    sweep.add_argument("--out", type=Path, required=True)
    sweep.add_argument("--limit", type=int, help="score only N docs per task (the same N for every model)")
    sweep.add_argument("--metadata", help='task metadata JSON, e.g. \'{"data_dir": "sample"}\'')
    sweep.add_argument("--batch_size", default="auto")
    sweep.add_argument("--device")
    _add_settings(sweep)
    sweep.set_defaults(func=cmd_sweep)
    return parser


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "eval":
        from lm_eval_tasks.harness import run_lm_eval

        run_lm_eval(argv[1:])
        return
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except DataError as err:
        raise SystemExit(f"summ-pref {args.command}: error: {err}") from None


if __name__ == "__main__":
    main()
