"""`summ-pref report`: statistics, tables, figures, summary.json and report.md for one or more runs.

Everything is written into a staging folder beside OUT and moved into place at the end
(`postprocess.io.output_folder`): a failure leaves no half-written report, and --force replaces only a report
folder the same command wrote before.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from multiprocessing import get_context
from pathlib import Path

import lm_eval

from postprocess.compare.implicit_reward import beta_problem
from postprocess.compare.model_pairs import model_pair_rows
from postprocess.compare.statistics import predicted_gamma_rows
from postprocess.io.embedding_model import resolve_embedding_model
from postprocess.io.embeddings import Embedder
from postprocess.io.load import LoadedRun, load_run
from postprocess.io.output_folder import OutputConflict, stage
from postprocess.io.provenance import describe_runs, model_key, portable_folder, synthetic_tasks
from postprocess.io.runs import Run, discover_runs
from postprocess.io.samples import COPY_COLUMNS, TLDR_ROLES, RatingRoles, describe_data_notes, rating_roles
from postprocess.report.comparisons import (
    check_same_scoring,
    compare_loaded,
    coverage_lines,
    row_coverage,
    shared_tasks,
)
from postprocess.report.facts import DEFAULT_MAIN_MEASURE, ReportFacts
from postprocess.report.figures import (
    draw_answer_figures,
    draw_comparison_figures,
    draw_generation_figures,
    draw_run_figures,
)
from postprocess.report.generation_statistics import (
    comparison_entries,
    gen_tasks,
    generation_rows,
    generation_tasks_info,
    scoring_runs,
)
from postprocess.report.markdown import render_report
from postprocess.report.run_statistics import (
    AXIS_BREAKDOWNS,
    axis_breakdown_rows,
    axis_rows,
    cmp_rows,
    hypothesis1_rows,
    preference_model,
)
from postprocess.report.summary_view import summary_from_table
from postprocess.report.tables import write_tables
from postprocess.stats.bootstrap import Settings
from postprocess.stats.copying import copying_table
from postprocess.stats.measures import MEASURES, available_measures
from postprocess.stats.multiplicity import with_holm
from postprocess.stats.registry import Statistic, added, ensure_registered
from postprocess.stats.table import statistics_table
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)


def package_version() -> str:
    try:
        return version("summ-pref")
    except PackageNotFoundError:
        from postprocess import __version__

        return __version__


def copy_measure(summaries: list[str], source: str) -> list[dict]:
    """Each summary's copy columns (`postprocess.io.samples.COPY_COLUMNS`) against its source text, from
    `postprocess.stats.copying` (coverage, density, the 1-3-gram shares)."""
    table = copying_table(summaries, [source] * len(summaries))
    fields = ("coverage", "density", "ngram_share_1", "ngram_share_2", "ngram_share_3")
    return [{col: float(row[f]) for col, f in zip(COPY_COLUMNS, fields, strict=True)}
            for row in table.to_dict("records")]


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
    if kind.startswith("typicality_"):  # typicality_<task kind>[_ceiling]: see compute_statistics
        task_kind = kind.split("_")[1]
        return hypothesis1_rows(frame, task_kind, settings, measures, model=model, task=task,
                                ceiling=kind.endswith("_ceiling"), roles=roles), {}
    return cmp_rows(frame, settings, measures, model=model, task=task), {
        "preference_model": preference_model(frame, settings)}


def compute_statistics(loaded: list[LoadedRun], settings: Settings, jobs: int) -> dict:
    """All statistics of all runs, spread over `jobs` processes; every job draws its own resamples
    from the same seed, so the numbers do not depend on the number of processes. Returns
    {(run index, task, job): (rows, artifacts)} in a fixed order."""
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


def run_summary(i: int, loaded: LoadedRun, results: dict) -> dict:
    """One run's entry of summary.json without its statistics (the table's rows fill it)."""
    run = loaded.run
    out = {
        "model_name": run.model_name,
        "model": run.model,
        "model_args": run.model_args,
        "task_versions": run.task_versions,
        "run_folder": run.folder.name,  # replaced by `run_label`, which knows the RUN_DIRs
        "lm_eval_version": run.lm_eval_version,
        "transformers_version": run.transformers_version,
        "token_counts": loaded.token_counts,
        "tasks": {},
        "axis": {},
        "axis_breakdowns": {},
        "cmp": {},
    }
    for name, task in loaded.tasks.items():
        measures = available_measures(task.frame, task.kind)
        out["tasks"][name] = {**task.info, "version": task.version, "verification": task.verification,
                              "measures_absent": {m: r for m, r in measures.items() if r is not None}}
        if task.kind == "axis":
            out["axis"][name] = {}
            out["axis_breakdowns"][name] = {by: {} for by in AXIS_BREAKDOWNS}
        else:
            fits = results[(i, name, "cmp")][1]["preference_model"]
            out["cmp"][name] = {"preference_model": {key: fit.to_dict() for key, fit in fits.items()}}
    return out


def preference_fits(loaded: list[LoadedRun], results: dict) -> dict[tuple[str, str], dict]:
    """{(model_name, pair task): its preference-model fit objects} for the calibration figures."""
    return {(lr.run.model_name, name): results[(i, name, "cmp")][1]["preference_model"]
            for i, lr in enumerate(loaded) for name, task in lr.tasks.items() if task.kind != "axis"}


def run_label(run: Run, run_dirs: list[Path]) -> str:
    """A run's folder from the RUN_DIR that holds it on, that RUN_DIR by its name ("runs/<model folder>",
    "run-2/<model folder>"): where it lies among the inputs, without a path of this machine; lm-eval's model
    folder is named by its portable key (`portable_folder`)."""
    folder = run.folder.resolve()
    holder = next((d.resolve() for d in run_dirs if d.resolve() == folder or d.resolve() in folder.parents),
                  folder)
    parts = folder.relative_to(holder.parent).parts
    return "/".join([*parts[:-1], portable_folder(parts[-1], run.recorded_name)])


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def check_out_apart(out: Path, run_dirs: list[Path], runs: list[Run]) -> None:
    """Refuse an OUT that is, contains or lies inside anything the report reads (symlinks resolved):
    --force replaces OUT, which would delete the very runs being analysed."""
    target = out.resolve()
    files = [path for run in runs for tf in (*run.tasks.values(), *run.generation.values())
             for path in (tf.samples, tf.results)]
    inputs = [(path, path.resolve()) for path in [*run_dirs, *(run.folder for run in runs), *files]]
    for relation, overlaps in (("is", lambda real: target == real), ("contains", lambda real: target in real.parents),
                               ("lies inside", lambda real: real in target.parents)):
        for path, real in inputs:
            if overlaps(real):
                raise DataError(f"--out {relation} the input {path}; the report would overwrite what it reads: "
                                "choose an --out outside the runs", path=out)


DEFAULT_SETTINGS = Settings()


def check_betas(betas: Mapping[str, float], reference: str | None, names: list[str]) -> None:
    """Each beta names a compared model (not the reference) and is a number within `BETA_MIN`..`BETA_MAX`."""
    for name, beta in betas.items():
        if reference is None or name == reference or name not in names:
            raise DataError(f"--beta {name}={beta}: {name!r} is not a model compared against the reference "
                            f"{reference!r} (model_names: {sorted(names)})")
        if problem := beta_problem(beta):
            raise DataError(f"--beta {name}={beta}: {problem}")


def resolve_reference(reference: str | None, names: list[str]) -> str | None:
    """--reference as the model_name it names (a model_name, @default, a model folder or its name)."""
    if reference is None:
        return None
    if model_key(reference, names) is None:
        raise DataError(f"--reference {reference!r} is not the model_name of any run: {sorted(names)} (or "
                        "@default, a model folder, a folder's name)")
    return model_key(reference, names)


def load_runs(runs: list[Run], progress: bool, incomplete: list[str]) -> tuple[list[LoadedRun], list[str]]:
    """Every run loaded and checked against its dataset, with what was read logged; the incomplete inputs (the
    runs' own and the samples of incomplete generation runs), each logged as a warning."""
    loaded = [load_run(run, progress, copy_measure) for run in runs]
    for lr in loaded:
        for name, task in lr.tasks.items():
            logger.info("%s / %s: %d rows; %s", lr.run.model_name, name, len(task.frame), task.verification)
            for note in describe_data_notes(task.info["data_notes"]):
                logger.info("%s / %s: %s", lr.run.model_name, name, note)
    incomplete = incomplete + [f"{lr.run.model_name}: {name} scored the samples of an incomplete generation run: {why}"
                               for lr in loaded for name, g in sorted(lr.generation.items())
                               for why in g.info.get("incomplete", [])]
    for line in incomplete:
        logger.warning("warning: incomplete input used (--allow-incomplete): %s", line)
    return loaded, incomplete


def report_skeleton(loaded: list[LoadedRun], results: dict, settings: Settings, main_measure: str,
                    run_dirs: list[Path], coverage: dict, incomplete: list[str]) -> dict:
    """summary.json without its statistics: package, settings, inputs, the runs' provenance, row coverage."""
    skeleton = {
        "package": {"name": "summ-pref", "version": package_version()},
        "lm_eval_version": lm_eval.__version__ if hasattr(lm_eval, "__version__") else version("lm_eval"),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": {**asdict(settings), "main_measure": main_measure},
        "inputs": [i for lr in loaded for i in lr.inputs],
        "runs": describe_runs([{**run_summary(i, lr, results), "run_folder": run_label(lr.run, run_dirs)}
                               for i, lr in enumerate(loaded)]),
        "row_coverage": coverage,
        "incomplete_inputs": incomplete,
    }
    skeleton["synthetic_data"] = bool(synthetic_tasks(skeleton["runs"]))
    for entry, lr in zip(skeleton["runs"], loaded):
        if lr.generation:
            entry["generation_tasks"] = generation_tasks_info(lr)
    return skeleton


def against_reference_rows(scoring: dict, skeleton: dict, rows: list[dict],
                           generation_compared: list[dict], reference: str, settings: Settings,
                           betas: Mapping[str, float]) -> tuple[list[dict], dict]:
    """The rows of every model against the reference (the comparison statistics, the generated samples' differences,
    the predicted gamma beside gamma), with the `comparisons` entries filled into `skeleton`; and the aligned
    tables the comparison figures draw."""
    skeleton["reference"] = reference
    comparisons, comparison_rows, aligned = (compare_loaded(scoring, reference, settings, betas) if scoring
                                             else ([], [], {}))
    added = comparison_rows + generation_compared
    added += predicted_gamma_rows(rows + added, reference, betas)  # gamma = 1 + alpha/beta beside gamma
    skeleton["comparisons"] = comparison_entries(comparisons, generation_compared, reference, settings)
    return added, aligned


def write_outputs(staging: Path, summary: dict, table, loaded: list[LoadedRun], fits: dict, aligned: dict,
                  settings: Settings) -> None:
    """figures/, tables/, summary.json and report.md into the staging folder; `fits` the preference models'
    objects (`preference_fits`)."""
    facts = ReportFacts.from_summary(summary)
    figures = draw_answer_figures(facts, table, staging / "figures", settings)
    figures += draw_run_figures(loaded, facts, fits, table, staging / "figures", settings)
    if aligned:
        figures += draw_comparison_figures(facts, table, aligned, staging / "figures", settings)
    figures += draw_generation_figures(facts, table, staging / "figures", settings)
    write_tables(facts, table, staging / "tables")
    (staging / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
    (staging / "report.md").write_text(render_report(facts, table, figures))


def build_report(run_dirs: list[Path], out: Path, *, settings: Settings = DEFAULT_SETTINGS,
                 reference: str | None = None, force: bool = False, progress: bool = True,
                 jobs: int | None = None, betas: Mapping[str, float] | None = None,
                 main_measure: str = DEFAULT_MAIN_MEASURE, allow_incomplete: bool = False,
                 made_by: str = "summ-pref report", embedding_model: str | None = None) -> dict:
    """Analyse the runs and write OUT/{report.md, summary.json, figures/, tables/}; return the summary.

    `main_measure` (one of `MEASURES`) is the measure report.md's answers and findings are stated on; summary.json
    records it in its settings. `betas` ({model_name: beta}) gives a compared model's KL coefficient (DPO's β): its
    implicit reward is then β·(log-prob minus the reference's); a model without one gets the plain log-ratio.
    `allow_incomplete` reads runs whose samples files lm-eval did not finish (`postprocess.io.runs.read_run`),
    stating so in the console, summary.json (`incomplete_inputs`) and report.md. `made_by` names the command in OUT's
    marker: --force replaces only a folder of the same command.
    `embedding_model` (a hub id, a local sentence-transformers folder or `@default`, the embedded copy) adds the
    semantic diversity of generated samples; summary.json's settings record it (name, source, weights hash)."""
    if main_measure not in MEASURES:
        raise DataError(f"--main-measure {main_measure!r}: expected one of {', '.join(MEASURES)}")
    runs = discover_runs(run_dirs, allow_incomplete)
    check_out_apart(out, run_dirs, runs)
    names = [r.model_name for r in runs]
    reference = resolve_reference(reference, names)
    betas = {model_key(name, names) or name: beta for name, beta in (betas or {}).items()}
    check_betas(betas, reference, names)
    staged = stage(out, made_by, force=force)
    try:
        started = time.time()
        loaded, incomplete = load_runs(runs, progress, [f"{run.model_name}: {why}" for run in runs
                                                         for why in run.incomplete])
        check_same_scoring(loaded)
        scoring = scoring_runs(loaded, reference)
        if reference is not None and scoring:
            shared_tasks(scoring)
        coverage = row_coverage(loaded)
        if len(loaded) > 1:
            for line in coverage_lines(coverage, [lr.run.model_name for lr in loaded]):
                logger.info(line)
        results = compute_statistics(loaded, settings, default_jobs() if jobs is None else jobs)
        skeleton = report_skeleton(loaded, results, settings, main_measure, run_dirs, coverage, incomplete)
        rows = [row for task_rows, _ in results.values() for row in task_rows]
        embedder = None
        if embedding_model is not None and any(gen_tasks(lr) for lr in loaded):
            embedder = Embedder(resolve_embedding_model(embedding_model), progress=progress)
            skeleton["settings"]["embedding_model"] = embedder.model.record
        generation_single, generation_compared = generation_rows(loaded, settings, reference, embedder)
        rows += generation_single
        aligned = {}
        if reference is not None:
            added, aligned = against_reference_rows(scoring, skeleton, rows, generation_compared, reference, settings,
                                                    betas)
            rows += added
        frames = {lr.run.model_name: {name: task.frame for name, task in lr.tasks.items()} for lr in loaded}
        kinds = {name: task.kind for lr in loaded for name, task in lr.tasks.items()}
        rows += model_pair_rows(frames, kinds, settings, reference=reference)
        table = with_holm(statistics_table(rows))
        summary = summary_from_table(table, skeleton)
        summary["elapsed_s"] = round(time.time() - started, 2)
        write_outputs(staged.path, summary, table, loaded, preference_fits(loaded, results), aligned, settings)
        staged.commit()
    except OutputConflict:
        raise
    except BaseException:
        staged.abandon()
        raise
    logger.info("report written to %s", out / "report.md")
    return summary
