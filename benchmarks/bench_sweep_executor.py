"""Wall time of a two-model sweep with generation: `summ-pref sweep` inline (every step one after another in one
process, the default) against `--executor local --jobs N` (each model's steps a submitit job, N at once, then the
reference's scoring of the other model's samples), back to back on the same machine.

The two models are the tests' tiny random Llamas (tests/helpers/tiny_models.py: one tokenizer with BOS, one
without), the data the embedded sample (@sample), on the CPU; each sweep writes into a fresh folder, so nothing is
reused. Every step is one lm-eval process either way (the inline sweep starts them one after another), so the
difference is the overlap of the two models' steps against the jobs' own start-up (a Python process per job).
The machine may be shared: run both in one go and read the ratio, not the seconds.

    python benchmarks/bench_sweep_executor.py             # --jobs 2, --limit 6, K=2 samples on 2 posts
    python benchmarks/bench_sweep_executor.py --jobs 2 --limit 20
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.tiny_models import build_tiny_model  # noqa: E402


def sweep(preset: Path, out: Path, limit: int, extra: list[str]) -> float:
    """Seconds of one `summ-pref sweep` command (a fresh process, as a user runs it)."""
    cmd = [sys.executable, "-m", "postprocess.commands.cli", "sweep", str(preset), "--out", str(out), "--limit",
           str(limit), "--metadata", json.dumps({"data_dir": "@sample"}), "--device", "cpu", "--batch_size", "4",
           "--n-resamples", "200", *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="jobs at once under --executor local (default 2)")
    parser.add_argument("--limit", type=int, default=6, help="docs per task (default 6)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        tmp = Path(tmp)
        models = {name: build_tiny_model(tmp / name, add_bos=bos, seed=seed)
                  for name, bos, seed in (("base", True, 0), ("tuned", False, 1))}
        preset = tmp / "tiny.yaml"
        preset.write_text(yaml.safe_dump({
            "family": "tiny", "reference": "base", "tasks": ["summ_pref_cmp"],
            "generate": {"k": 2, "temperature": 1.0, "posts": 2},
            "models": [{"name": n, "model": "hf-prefix", "model_args": {"pretrained": str(p), "dtype": "float32"}}
                       for n, p in models.items()]}))
        inline = sweep(preset, tmp / "inline", args.limit, [])
        local = sweep(preset, tmp / "local", args.limit, ["--executor", "local", "--jobs", str(args.jobs)])
        same = (tmp / "inline/report/tables/statistics.csv").read_text() == \
            (tmp / "local/report/tables/statistics.csv").read_text()
    print(json.dumps({"cpus": os.cpu_count(), "jobs": args.jobs, "limit": args.limit, "inline_s": round(inline, 1),
                      "local_s": round(local, 1), "local_over_inline": round(local / inline, 3),
                      "statistics_equal": same}, indent=2))


if __name__ == "__main__":
    main()
