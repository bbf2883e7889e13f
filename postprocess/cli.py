"""`summ-pref`: the project's command line, shaped like lm-eval's (subcommands with examples)."""

from __future__ import annotations

import argparse
import sys

EPILOG = """examples:
  summ-pref eval --model hf --model_args pretrained=@default,dtype=float32 \\
      --tasks summ_pref --metadata '{"data_dir": "sample"}' --log_samples --output_path runs/
  summ-pref report runs/ --out report/
  summ-pref demo                      # the whole pipeline on the embedded sample
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summ-pref", description=__doc__, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("eval", help="run `lm_eval run ARGS` with the summ_pref tasks and backends (hf-prefix)",
                   add_help=False)
    return parser


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "eval":
        from lm_eval_tasks.harness import run_lm_eval

        run_lm_eval(argv[1:])
        return
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
