"""Print the coverage of every interval kind the report prints, at 8, 16, 32 and 128 posts, before and after its switch.

Known truth, a post random effect, 2-10 pairs, summaries or rows per post (`benchmarks/interval_coverage.py`, which
names every kind, its data and the statistics that share its interval). "before" is the interval the kind printed
before this change (the cluster-bootstrap percentile interval, or the earlier t / normal interval), computed on the
same replications; "after" the one in `method` now. Each row states its Monte-Carlo error: 1.96 sqrt(c (1 - c) / n)
for the observed coverage c over n replications (±1.35 points at 95% and 1,000 replications). The ordered logit
refits three models per replication and runs `--ordinal-reps` (default a quarter of `--reps`). Kinds that did not
switch draw only 20 resamples (their interval does not use them). At the defaults the rows' wall times summed to
107 minutes on 2 cores shared with other jobs (docs/benchmarks.md); split the kinds over processes with `--kinds`.

    OMP_NUM_THREADS=1 python benchmarks/bench_interval_coverage.py [--reps 1000] [--ordinal-reps 250]
        [--resamples 500] [--seed 0] [--kinds agreement alpha ...] [--posts 8 16 32 128] [--diversity-shape 8]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import interval_coverage
from benchmarks.interval_coverage import BEFORE, KINDS, POST_COUNTS, coverage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000, help="replications per kind and post count")
    parser.add_argument("--ordinal-reps", type=int, default=None, help="replications of `ordinal` (default reps / 4)")
    parser.add_argument("--resamples", type=int, default=500,
                        help="bootstrap resamples behind the percentile interval (and half-samples, up to 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--posts", nargs="+", type=int, default=list(POST_COUNTS))
    parser.add_argument("--diversity-shape", type=float, default=interval_coverage.DIVERSITY_SHAPE,
                        help="Gamma shape of the per-post difference noise (skewness 2 / sqrt(shape))")
    args = parser.parse_args()
    interval_coverage.DIVERSITY_SHAPE = args.diversity_shape
    ordinal_reps = args.ordinal_reps or max(1, args.reps // 4)
    print(f"replications {args.reps} (ordinal {ordinal_reps}), resamples {args.resamples}, seed {args.seed}, "
          f"diversity shape {args.diversity_shape}, nominal 95%")
    print("| interval | posts | before | after | MC 95% ± | mean width | undefined | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    methods = {}
    for kind in args.kinds:
        for g in args.posts:
            start = time.perf_counter()
            reps = ordinal_reps if kind == "ordinal" else args.reps
            c = coverage(kind, g, reps, seed=args.seed, n_resamples=args.resamples)
            methods[kind] = c.method
            before = "=" if c.before_rate is None else f"{c.before_rate:.3f}"
            print(f"| {kind} | {g} | {before} | {c.rate:.3f} | {1.96 * c.mc_se:.3f} | {c.mean_width:.3f} | "
                  f"{c.n_undefined} | {time.perf_counter() - start:.0f} |", flush=True)
    for kind, method in methods.items():
        print(f"{kind}: before: {BEFORE[kind] or 'the same'}; now: {method}")


if __name__ == "__main__":
    main()
