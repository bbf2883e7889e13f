"""Start-up benchmark: `summ-pref eval` from the command to the model's first request, model load excluded.

Each measurement is a fresh process (`python benchmarks/bench_start.py --child MODE ...`) that runs the real
`summ-pref eval` code path (`lm_eval_tasks.harness.run_lm_eval`) with `hf-prefix` on a tiny random local model;
it notes the time at a few points and ends at the first loglikelihood call. Modes:

  full    the task index of lm-eval's ~14,000 built-in YAMLs plus the plugin (what every run did before)
  plugin  the plugin's folder alone (what a run naming only summ_pref tasks does now)

The full index is forced by making `harness.plugin_only` answer False; everything else is the same code.
The CPU is shared, so the modes alternate, in a rotating order, `--repeats` times; medians are reported, of
wall-clock seconds and of the child's CPU seconds (user + system, `time.process_time`), which other processes
on a busy machine inflate far less.

"start" = first request - command - model load. Model load is importing torch (lm-eval imports it to seed
it just before the model; here the child imports it first, timed) plus the time inside lm-eval's
`get_model(...).create_from_arg_obj(...)`: importing transformers (the backend loads lazily) and the weights.
A bigger model makes it longer; no task index changes it. `start_with_torch_s` keeps the torch import in.

    python benchmarks/bench_start.py                       # 5 repeats, shared data if present (~2 min)
    python benchmarks/bench_start.py --data @sample --out start.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SFF_DIR = REPO.parent / "shared" / "data" / "summarize_from_feedback"
MODES = ("full", "plugin")
CLOCKS = ("wall", "cpu")


def stamp(marks: dict[str, list[float]], name: str) -> None:
    """Record the wall-clock time and the process's CPU time now under `name`."""
    marks[name] = [time.time(), time.process_time()]


def timed_model_getter(get_model, marks: dict[str, list[float]], indexed: list[int]):
    """lm-eval's `get_model` wrapped so that the model's creation is marked and its first loglikelihood request
    marks, prints the marks as one JSON line and ends the process: nothing after start-up is timed."""

    def timed_get_model(name):
        stamp(marks, "model_start")
        cls = get_model(name)

        def timed(create):
            def timed_create(*args, **kwargs):
                lm = create(*args, **kwargs)
                stamp(marks, "model_end")
                return lm

            return timed_create

        def first_request(self, *args, **kwargs):
            stamp(marks, "first_request")
            print(json.dumps({"marks": marks, "indexed_names": indexed[0]}), flush=True)
            os._exit(0)

        cls.create_from_arg_string = timed(cls.create_from_arg_string)
        cls.create_from_arg_obj = timed(cls.create_from_arg_obj)
        cls.loglikelihood = first_request
        return cls

    return timed_get_model


def install_timers(harness, evaluator_config, registry, marks: dict[str, list[float]]) -> None:
    """Wrap the run check, the task indexing and the model's creation so that each marks its start and end
    (the task index also records how many names it indexed)."""
    check_run, process_tasks = harness.check_run, evaluator_config.process_tasks
    indexed: list[int] = []

    def timed_check_run(parsed):
        stamp(marks, "check_start")
        plugin = check_run(parsed)
        stamp(marks, "check_end")
        return plugin

    def timed_process_tasks(self, *args, **kwargs):
        stamp(marks, "index_start")
        manager = process_tasks(self, *args, **kwargs)
        stamp(marks, "index_end")
        indexed.append(len(manager.all_tasks))
        return manager

    harness.check_run = timed_check_run
    evaluator_config.process_tasks = timed_process_tasks
    registry.get_model = timed_model_getter(registry.get_model, marks, indexed)


def child(mode: str, model_dir: str, data: str, tasks: str, limit: int) -> None:
    """One `summ-pref eval` up to its first request; prints its marks as one JSON line: each mark's wall-clock
    time and the process's CPU time then (interpreter start-up included)."""
    marks: dict[str, list[float]] = {}
    stamp(marks, "entered")
    sys.path.insert(0, str(REPO))
    import lm_eval.api.registry
    from lm_eval.config.evaluate_config import EvaluatorConfig

    from lm_eval_tasks import harness

    stamp(marks, "imported")
    import torch  # noqa: F401  (lm-eval imports it to seed it, before the model: timed apart as part of the load)

    stamp(marks, "torch_imported")
    if mode == "full":
        harness.plugin_only = lambda names, plugin_tasks: False
    install_timers(harness, EvaluatorConfig, lm_eval.api.registry, marks)
    harness.run_lm_eval(["--model", "hf-prefix", "--model_args", f"pretrained={model_dir},dtype=float32",
                         "--tasks", tasks, "--metadata", json.dumps({"data_dir": data}), "--limit", str(limit),
                         "--device", "cpu", "--output_path", str(Path(model_dir).parent / "out")])
    raise SystemExit("the run ended without a loglikelihood request")

def phases(at: dict[str, float]) -> dict[str, float]:
    """Seconds of each phase, from one clock's readings (`command` = 0 for the process's CPU clock)."""
    torch_import = at["torch_imported"] - at["imported"]
    model_load = torch_import + at["model_end"] - at["model_start"]
    return {
        "to_first_request_s": at["first_request"] - at["command"],
        "model_load_s": model_load,
        "start_s": at["first_request"] - at["command"] - model_load,
        "start_with_torch_s": at["first_request"] - at["command"] - model_load + torch_import,
        "torch_import_s": torch_import,
        "python_and_imports_s": at["imported"] - at["command"],
        "check_run_s": at["check_end"] - at["check_start"],
        "lm_eval_task_index_s": at["index_end"] - at["index_start"],
    }


def measure(mode: str, model_dir: Path, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Wall-clock and CPU seconds of each phase of one child process, from the command on."""
    cmd = [sys.executable, __file__, "--child", mode, "--model-dir", str(model_dir), "--data", args.data,
           "--tasks", args.tasks, "--limit", str(args.limit)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"{mode} run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(lines[-1])
    marks = result["marks"]
    wall = phases({"command": command, **{name: at[0] for name, at in marks.items()}})
    cpu = phases({"command": 0.0, **{name: at[1] for name, at in marks.items()}})
    return {"wall": wall, "cpu": cpu, "indexed_names": result["indexed_names"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", default=str(SFF_DIR) if SFF_DIR.exists() else "@sample",
                        help="data_dir metadata: OpenAI's folder (default: ../shared's, when present) or @sample")
    parser.add_argument("--tasks", default="summ_pref")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--out", type=Path, help="also write the report as JSON here")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model_dir, args.data, args.tasks, args.limit)
        return

    sys.path.insert(0, str(REPO))
    from tests.helpers.tiny_models import build_tiny_model

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_tiny_model(Path(tmp) / "tiny", add_bos=False, seed=1)
        runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
        for repeat in range(args.repeats):
            for mode in (MODES if repeat % 2 == 0 else MODES[::-1]):
                run = measure(mode, model_dir, args)
                runs[mode].append(run)
                print(f"repeat {repeat + 1} {mode}: " + "; ".join(
                    f"{clock} " + ", ".join(f"{k} {v:.2f}" for k, v in run[clock].items()) for clock in CLOCKS),
                    flush=True)
    medians = {mode: {clock: {key: statistics.median(run[clock][key] for run in runs[mode])
                              for key in runs[mode][0][clock]} for clock in CLOCKS}
               for mode in MODES}
    report = {
        "settings": {"repeats": args.repeats, "data": args.data, "tasks": args.tasks, "limit": args.limit,
                     "cpus": os.cpu_count(), "load_average_1min_before": load},
        "indexed_names": {mode: runs[mode][0]["indexed_names"] for mode in MODES},
        "median": medians,
        "start_ratio_full_over_plugin": {clock: medians["full"][clock]["start_s"] / medians["plugin"][clock]["start_s"]
                                         for clock in CLOCKS},
        "runs": runs,
    }
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
