"""The single-run statistics as independent jobs: listed in a fixed order (per run, per task: its rows, breakdowns,
one typicality job per measure, the human ceiling of a pair task), and each job's numbers independent of which jobs
ran before it, so the processes that run them and the order they finish in change nothing."""

from __future__ import annotations

from postprocess.compute.jobs import _job, compute_statistics, job_arguments, preference_fits
from postprocess.io.samples import rating_roles
from postprocess.stats.bootstrap import Settings

SETTINGS = Settings(n_resamples=10, seed=3)
MEASURES = ("sum", "per_byte", "per_token")


def test_the_jobs_are_listed_run_by_run_task_by_task(two_runs):
    _, loaded = two_runs
    per_run = [("summ_pref_axis", "axis"), ("summ_pref_axis", "by_policy"), ("summ_pref_axis", "by_subsplit"),
               *(("summ_pref_axis", f"typicality:{m}") for m in MEASURES), ("summ_pref_cmp", "cmp"),
               *(("summ_pref_cmp", f"typicality:{m}") for m in MEASURES), ("summ_pref_cmp", "human_ceiling")]
    assert list(job_arguments(loaded, SETTINGS)) == [(i, *key) for i in (0, 1) for key in per_run]


def test_results_come_in_that_order_and_equal_the_jobs_run_last_first(two_runs):
    loaded = two_runs[1][:1]  # one run keeps it short: the order across runs is the test above
    results = compute_statistics(loaded, SETTINGS, jobs=1)
    work = job_arguments(loaded, SETTINGS)
    assert list(results) == list(work)
    # As a worker pool might finish them: last job first, each in a fresh call.
    for key in reversed(work):
        rows, _ = _job(*work[key], roles=rating_roles(loaded[key[0]].tasks[key[1]].info))
        assert rows == results[key][0], key
    fits = preference_fits(loaded, results)
    assert list(fits) == [("base", "summ_pref_cmp")]
    assert fits[("base", "summ_pref_cmp")] is results[(0, "summ_pref_cmp", "cmp")][1]["preference_model"]
