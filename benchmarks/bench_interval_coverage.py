"""Print the coverage of every interval kind the report prints, at 8, 16, 32 and 128 posts.

Known truth, a post random effect, 2-10 pairs or summaries per post (`benchmarks/interval_coverage.py`). With the
default 1,000 replications the Monte-Carlo error of a coverage near 95% is 1.96 sqrt(0.95 x 0.05 / 1000) = ±1.35%
at the 95% level. About 6 minutes on one core (alpha's bootstrap refits dominate).

    OMP_NUM_THREADS=1 python benchmarks/bench_interval_coverage.py [--reps 1000] [--resamples 1000] [--seed 0]
        [--kinds agreement alpha gamma diversity_difference] [--diversity-shape 8]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import interval_coverage
from benchmarks.interval_coverage import KINDS, POST_COUNTS, coverage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000, help="replications per kind and post count")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples per interval")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--diversity-shape", type=float, default=interval_coverage.DIVERSITY_SHAPE,
                        help="Gamma shape of the per-post difference noise (skewness 2 / sqrt(shape))")
    args = parser.parse_args()
    interval_coverage.DIVERSITY_SHAPE = args.diversity_shape
    print(f"replications {args.reps}, resamples {args.resamples}, seed {args.seed}, diversity shape "
          f"{args.diversity_shape}, nominal 95%")
    print("| interval | posts | coverage | MC 95% ± | mean width | undefined | seconds |")
    print("|---|---|---|---|---|---|---|")
    methods = {}
    for kind in args.kinds:
        for g in POST_COUNTS:
            start = time.perf_counter()
            c = coverage(kind, g, args.reps, seed=args.seed, n_resamples=args.resamples)
            methods[kind] = c.method
            print(f"| {kind} | {g} | {c.rate:.3f} | {1.96 * c.mc_se:.3f} | {c.mean_width:.3f} | {c.n_undefined} | "
                  f"{time.perf_counter() - start:.0f} |", flush=True)
    for kind, method in methods.items():
        print(f"{kind}: {method}")


if __name__ == "__main__":
    main()
