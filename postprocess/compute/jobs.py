"""Every run's single-run statistics as independent jobs, spread over worker processes: the rows of each task
(`postprocess.compute.run_rows`) and each pair task's preference-model fits."""

from __future__ import annotations

import logging
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from postprocess.compute.run_rows import (
    AXIS_BREAKDOWNS,
    axis_breakdown_rows,
    axis_rows,
    cmp_rows,
    hypothesis1_rows,
    preference_model,
)
from postprocess.io.load import LoadedRun
from postprocess.io.samples import TLDR_ROLES, RatingRoles, rating_roles
from postprocess.stats.bootstrap import Settings
from postprocess.stats.measures import available_measures
from postprocess.stats.registry import Statistic, added, ensure_registered

logger = logging.getLogger(__name__)

# {(run index, task, job): (rows, artifacts)}: each job's rows of the statistics table and what is not a statistic.
JobResults = dict[tuple[int, str, str], tuple[list[dict], dict]]


def _job(kind: str, frame, settings: Settings, measures: list[str], by: str | None, model: str,
         task: str, roles: RatingRoles = TLDR_ROLES, added: tuple[Statistic, ...] = ()) -> tuple[list[dict], dict]:
    """One independent piece of statistics (module-level so worker processes can run it): its rows of
    the statistics table and what is not a statistic (the preference model of a pair task). `roles`: the
    rating columns of an axis task (`postprocess.io.samples.rating_roles`); `added`: the statistics registered at
    run time, which a worker process registers too."""
    ensure_registered(added)
    if kind == "axis":
        return axis_rows(frame, settings, measures, model=model, task=task, roles=roles), {}
    if kind == "breakdown":
        return axis_breakdown_rows(frame, settings, measures, by, model=model, task=task, roles=roles), {}
    if kind.startswith("typicality_"):  # typicality_<task kind>[_ceiling]: see job_arguments
        task_kind = kind.split("_")[1]
        return hypothesis1_rows(frame, task_kind, settings, measures, model=model, task=task,
                                ceiling=kind.endswith("_ceiling"), roles=roles), {}
    return cmp_rows(frame, settings, measures, model=model, task=task), {
        "preference_model": preference_model(frame, settings)}


def job_arguments(loaded: list[LoadedRun], settings: Settings) -> dict[tuple[int, str, str], tuple]:
    """Every job's `_job` arguments by (run index, task, job), in the order the table lists their rows."""
    work = {}
    for i, lr in enumerate(loaded):
        model = lr.run.model_name
        for name, task in lr.tasks.items():
            measures = [m for m, reason in available_measures(task.frame, task.kind).items() if reason is None]
            if task.kind == "axis":
                work[(i, name, "axis")] = ("axis", task.frame, settings, measures, None, model, name)
                for by in AXIS_BREAKDOWNS:
                    work[(i, name, by)] = ("breakdown", task.frame, settings, measures, by, model, name)
            else:
                work[(i, name, "cmp")] = ("cmp", task.frame, settings, measures, None, model, name)
            # Hypothesis 1: alpha refits a logit on every resample, so each measure is its own job (they spread
            # over the worker processes); the ranking and human-ceiling rows are one more job on pair tasks.
            for m in measures:
                work[(i, name, f"typicality:{m}")] = (f"typicality_{task.kind}", task.frame, settings, [m], None,
                                                      model, name)
            if task.kind != "axis":
                work[(i, name, "human_ceiling")] = ("typicality_cmp_ceiling", task.frame, settings, measures, None,
                                                    model, name)
    return work


def compute_statistics(loaded: list[LoadedRun], settings: Settings, jobs: int) -> JobResults:
    """All statistics of all runs, spread over `jobs` processes; every job draws its own resamples
    from the same seed, so the numbers do not depend on the number of processes. Returns
    {(run index, task, job): (rows, artifacts)} in a fixed order."""
    work = job_arguments(loaded, settings)
    roles = {(i, name): rating_roles(task.info) for i, lr in enumerate(loaded) for name, task in lr.tasks.items()}
    if jobs <= 1:
        return {key: _job(*args, roles=roles[key[:2]]) for key, args in work.items()}
    results = {}
    extra = added()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_job, *args, roles=roles[key[:2]], added=extra): key for key, args in work.items()}
        for done, future in enumerate(as_completed(futures), start=1):
            key = futures[future]
            results[key] = future.result()
            logger.info("statistics %d/%d: %s / %s / %s", done, len(futures), loaded[key[0]].run.model_name, *key[1:])
    return {key: results[key] for key in work}


def preference_fits(loaded: list[LoadedRun], results: JobResults) -> dict[tuple[str, str], dict]:
    """{(model_name, pair task): its preference-model fit objects} for the calibration figures and summary.json."""
    return {(lr.run.model_name, name): results[(i, name, "cmp")][1]["preference_model"]
            for i, lr in enumerate(loaded) for name, task in lr.tasks.items() if task.kind != "axis"}
