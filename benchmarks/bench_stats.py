"""Time every statistic the report computes, on synthetic data of the full validation size.

Comparisons: 86,086 pairs over ~7,000 posts; axis ratings: 8,585 rows over ~1,000 posts; cluster
sizes drawn from a geometric-like distribution so some posts carry many rows. 1,000 cluster
resamples per statistic, drawn once per row set and reused. Budget: well under 40 s and 2 GB on
2 cores for this part (the whole report, join included, must stay under 60 s).

    python benchmarks/bench_stats.py
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lm_eval_tasks.data.rows import RATING_AXES as AXES
from postprocess.stats import (
    ClusterResamples,
    agreement,
    bradley_terry_fit,
    by_group,
    calibration_curve,
    confidence_bucket,
    kendall,
    partial_spearman,
    pearson,
    spearman,
    typicality,
)
from postprocess.stats.measures import MEASURES
from postprocess.stats.typicality import policy_contrasts, typicality_alpha

B = 1000


def clustered(n_rows: int, n_posts: int, rng: np.random.Generator) -> np.ndarray:
    """Post id per row with uneven post sizes (every post at least one row)."""
    sizes = rng.gamma(1.5, size=n_posts)
    sizes = 1 + np.floor(sizes / sizes.sum() * (n_rows - n_posts)).astype(int)
    sizes[: n_rows - sizes.sum()] += 1
    return np.repeat(np.arange(n_posts), sizes)


def synthetic(rng: np.random.Generator):
    post = clustered(8_585, 1_000, rng)
    n = len(post)
    n_bytes = rng.integers(60, 400, size=n).astype(float)
    quality = rng.normal(size=n)
    lp = -1.1 * n_bytes + 20 * quality + rng.normal(0, 30, size=n)
    axis = pd.DataFrame({"post": post, "n_bytes": n_bytes, "sum": lp, "per_byte": lp / n_bytes,
                         "per_token": lp / (n_bytes / 4.2)})
    for a in AXES:
        r = np.clip(np.round(4 + quality + rng.normal(0, 1.3, size=n)), 1, 7)
        r[rng.uniform(size=n) < (0.3 if a == "coverage" else 0.02)] = np.nan
        axis[a] = r
    post_c = clustered(86_086, 7_000, rng)
    m = len(post_c)
    qa, qb = rng.normal(size=m), rng.normal(size=m)
    ba, bb = rng.integers(60, 400, size=m).astype(float), rng.integers(60, 400, size=m).astype(float)
    la = -1.1 * ba + 20 * qa + rng.normal(0, 30, size=m)
    lb = -1.1 * bb + 20 * qb + rng.normal(0, 30, size=m)
    choice = (rng.uniform(size=m) < 1 / (1 + np.exp(qa - qb))).astype(int)
    cmp = pd.DataFrame({"post": post_c, "choice": choice,
                        "bucket": confidence_bucket(rng.integers(1, 10, size=m)),
                        "policy": rng.choice(["sup1", "sup2", "ppo", "ref"], size=m),
                        "policy_b": rng.choice(["sup1", "sup2", "ppo", "ref"], size=m),
                        "bytes_a": ba, "bytes_b": bb})
    for name, f in (("sum", 1.0), ("per_byte", None), ("per_token", 4.2)):
        cmp[f"{name}_a"] = la if f == 1.0 else la / (ba if f is None else ba / f)
        cmp[f"{name}_b"] = lb if f == 1.0 else lb / (bb if f is None else bb / f)
    return axis, cmp


@contextmanager
def timer(timings: dict[str, float], name: str) -> Iterator[None]:
    """Record the block's wall-clock seconds under `name`, so each family prints on its own line."""
    t = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - t


def axis_statistics(axis: pd.DataFrame, draws: ClusterResamples, timings: dict[str, float]) -> dict:
    """The correlations of every measure with every rating axis, timed per family."""
    results = {}
    for name, fn in (("pearson", pearson), ("spearman", spearman), ("kendall", kendall)):
        with timer(timings, f"{name} x12"):
            for meas in MEASURES:
                for a in AXES:
                    results[name, meas, a] = fn(axis[meas], axis[a], axis["post"], resamples=draws)
    with timer(timings, "partial spearman x12"):
        for meas in MEASURES:
            for a in AXES:
                results["partial", meas, a] = partial_spearman(
                    axis[meas], axis[a], axis["n_bytes"], axis["post"], resamples=draws)
    return results


def comparison_statistics(cmp: pd.DataFrame, draws: ClusterResamples, timings: dict[str, float]) -> dict:
    """Agreement (overall and per breakdown), the Bradley-Terry logits and calibration on the pairs, timed."""
    results = {}
    with timer(timings, "agreement x3"):
        for meas in MEASURES:
            results["agreement", meas] = agreement(cmp[f"{meas}_a"], cmp[f"{meas}_b"], cmp["choice"],
                                                   cmp["post"], resamples=draws)
    with timer(timings, "agreement breakdowns (3 measures x bucket, policy)"):
        for meas in MEASURES:
            for col in ("bucket", "policy"):
                by_group(cmp, col, lambda d, m=meas: agreement(
                    d[f"{m}_a"], d[f"{m}_b"], d["choice"], d["post"], resamples=draws))
    with timer(timings, "logit fits x6 + calibration x3"):
        for meas in MEASURES:
            d = cmp[f"{meas}_a"] - cmp[f"{meas}_b"]
            bradley_terry_fit(d, 1 - cmp["choice"])
            bradley_terry_fit(d, 1 - cmp["choice"], np.log(cmp["bytes_a"] / cmp["bytes_b"]))
            calibration_curve(d, 1 - cmp["choice"], 10)
    return results


def alpha_covariates(cmp: pd.DataFrame) -> dict[str, np.ndarray | None]:
    """The report's three alpha specifications: no covariate, the log length ratio, the policy contrasts."""
    return {"all": None, "length_adjusted": np.log(cmp["bytes_a"] / cmp["bytes_b"]).to_numpy()[:, None],
            "policy_adjusted": policy_contrasts(cmp["policy"], cmp["policy_b"]).to_numpy()}


def alpha_statistics(cmp: pd.DataFrame, draws: ClusterResamples, timings: dict[str, float]) -> dict:
    """The typicality alpha of every measure under every specification, timed together."""
    results = {}
    outcome = 1 - cmp["choice"].to_numpy()
    with timer(timings, "typicality alpha x9 (3 measures x all, length, policy)"):
        covariates = alpha_covariates(cmp)
        for meas in MEASURES:
            d = (cmp[f"{meas}_a"] - cmp[f"{meas}_b"]).to_numpy()
            for cov in covariates.values():
                results["alpha", meas] = typicality_alpha(d, outcome, cmp["post"], cov, resamples=draws)
    return results


def one_step_against_refits(cmp: pd.DataFrame, draws: ClusterResamples) -> None:
    """Print the alpha bootstrap's one-Newton-step time and interval beside full refits on the same resamples,
    the evidence for FULL_REFIT_MAX_ROWS."""
    outcome = 1 - cmp["choice"].to_numpy()
    length = alpha_covariates(cmp)["length_adjusted"]
    d = (cmp["per_token_a"] - cmp["per_token_b"]).to_numpy()
    t = time.perf_counter()
    one_step = typicality_alpha(d, outcome, cmp["post"], length, resamples=draws)
    t_one = time.perf_counter() - t
    limit, typicality.FULL_REFIT_MAX_ROWS = typicality.FULL_REFIT_MAX_ROWS, len(d)
    t = time.perf_counter()
    refits = typicality_alpha(d, outcome, cmp["post"], length, resamples=draws)
    t_full = time.perf_counter() - t
    typicality.FULL_REFIT_MAX_ROWS = limit
    print(f"alpha bootstrap, per_token length_adjusted on {len(d):,} pairs: one Newton step {t_one:.2f} s, full "
          f"refits {t_full:.2f} s (ratio {t_full / t_one:.1f}x); interval one step "
          f"[{one_step.alpha.ci_low:.5f}, {one_step.alpha.ci_high:.5f}], full refits "
          f"[{refits.alpha.ci_low:.5f}, {refits.alpha.ci_high:.5f}]")


def main() -> None:
    """Time every family on one synthetic data set, then print the timings, peak memory and one example."""
    rng = np.random.default_rng(0)
    axis, cmp = synthetic(rng)
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    with timer(timings, "draw resamples"):
        ax_draws = ClusterResamples.draw(axis["post"], B, seed=0)
        cmp_draws = ClusterResamples.draw(cmp["post"], B, seed=0)
    results = {**axis_statistics(axis, ax_draws, timings), **comparison_statistics(cmp, cmp_draws, timings),
               **alpha_statistics(cmp, cmp_draws, timings)}
    one_step_against_refits(cmp, cmp_draws)

    total = time.perf_counter() - t_all
    for k, v in timings.items():
        print(f"{k:55s} {v:7.2f} s")
    print(f"{'TOTAL statistics':55s} {total:7.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB; axis rows {len(axis)}, comparison rows {len(cmp)}")
    s = results["spearman", "per_byte", "overall"]
    print("example:", s.estimate, s.ci_low, s.ci_high, s.details)

if __name__ == "__main__":
    main()
