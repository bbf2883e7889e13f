"""The report on full-validation-size synthetic runs: wall time and peak memory of join + statistics.

Budget: under 60 s and under 2 GB peak on 2 cores, with 1,000 bootstrap
resamples. The samples files are written first (not timed) at the real split's size: 86,086 pairs
over ~7,000 posts and 8,585 axis rows over ~1,000 posts, with per-token lists, so they run to
hundreds of MB like a real hf-prefix run.

    python benchmarks/bench_report.py [--pairs 86086] [--axis 8585] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the synthetic runs are the tests' helper

from postprocess.report.build import build_report, default_jobs
from postprocess.stats.bootstrap import Settings
from tests.helpers.synthetic_runs import write_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=86_086)
    parser.add_argument("--axis", type=int, default=8_585)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp) / "runs"
        t0 = time.perf_counter()
        folder = write_run(runs / "model", n_pairs=args.pairs, n_axis=args.axis, n_posts_cmp=7_000, n_posts_axis=1_000)
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"wrote {size_mb:,.0f} MB of samples in {time.perf_counter() - t0:.1f} s (not timed below)")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        jobs = default_jobs()
        build_report([runs], Path(tmp) / "report", settings=Settings(n_resamples=args.resamples), progress=False,
                     jobs=jobs)
        elapsed = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        bound = peak + jobs * child
        print(f"report (join + all statistics + figures + files), {args.resamples} resamples, {jobs} worker "
              f"processes: {elapsed:.1f} s (budget 60 s: {elapsed / 60:.2f} of it)")
        print(f"peak RSS: main process {peak:,.0f} MB (before the report: {rss_before:,.0f} MB), largest worker "
              f"{child:,.0f} MB; upper bound main + {jobs} workers = {bound:,.0f} MB (budget 2,048 MB: "
              f"{bound / 2048:.2f} of it)")


if __name__ == "__main__":
    main()
