"""`summ-pref sweep PRESET --executor local|slurm`: the sweep's steps as jobs through submitit, for families that
outgrow one process.

Each model whose run is not finished becomes one job running its own steps (scoring, and where it generates:
generating, scoring the posts, scoring its own samples) in its run folder, exactly as the inline sweep runs them;
each generating model's samples then become a job of the reference (scoring them into the reference's run folder)
that waits for that model's job, for the reference's own job and for the reference's previous samples job (all
write where it reads or writes). The report is written once every job has finished.

`local` runs the jobs on this machine through submitit's local executor, up to `--jobs N` at once, or with
`--gpus N` up to N GPUs at once, each job on its own GPUs (CUDA_VISIBLE_DEVICES); a job starts when the jobs it
waits for are done. `slurm` submits every job at once with sbatch through submitit's SLURM executor, the waiting
ones with `--dependency=afterok:ID`. Either way each job's log is in its run folder (RUN/jobs/ID_0_log.out), and
OUT/jobs.json records every submitted job (written atomically), so that the command can be stopped (Ctrl-C leaves
the jobs running) and run again: a job still running is collected, never submitted twice; a finished run is
reused as by the inline sweep; a failed job's steps that did finish are kept, so a rerun runs only what is left.
`--cancel` cancels the recorded jobs that still run.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import submitit
from submitit.core.utils import JobPaths, pickle_load

from postprocess.commands.sweep import (
    Context,
    Prepared,
    is_finished,
    load_preset,
    prepare_sweep,
    report_models,
    run_entries,
    run_folder,
    run_own_steps,
    samples_scored,
    score_samples_under_reference,
)
from postprocess.stats.bootstrap import Settings
from summ_pref_common.console import configure_console
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)

EXECUTORS = ("inline", "local", "slurm")
JOBS_FILE = "jobs.json"
LOG_FOLDER = "jobs"
DEFAULT_TIMEOUT_MIN = 24 * 60
POLL_S = {"local": 1.0, "slurm": 30.0}
# The SLURM states after which a job no longer runs (submitit's watcher reads them from sacct).
SLURM_ENDED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED",
               "BOOT_FAIL", "DEADLINE"}
_wait = time.sleep


# --- resources ---

def resources_of(preset: dict, model: dict, overrides: dict) -> dict:
    """A model's job resources: the preset's `resources:`, then the model's, then the command's options."""
    return {**(preset.get("resources") or {}), **(model.get("resources") or {}),
            **{k: v for k, v in overrides.items() if v is not None}}


def _parallel(model_args: dict) -> tuple[bool, int | None]:
    """Whether one lm-eval process of the model spreads over several GPUs: hf's `parallelize`, vllm's
    `tensor_parallel_size` (None when absent)."""
    size = model_args.get("tensor_parallel_size")
    return str(model_args.get("parallelize", "")).lower() == "true", size if isinstance(size, int) else None


def job_gpus(resources: dict, model: dict, default: int) -> int:
    """The GPUs of a model's job: its `gpus`, else vllm's tensor_parallel_size, else the executor's default."""
    if resources.get("gpus") is not None:
        return resources["gpus"]
    _, size = _parallel(model["model_args"])
    return size if size and size > 1 else default


def check_resources(preset: dict, overrides: dict, path: Path | None, default_gpus: int,
                    pool: int | None) -> None:
    """Before anything is submitted: several GPUs only for a model that uses them (parallelize or
    tensor_parallel_size), at least tensor_parallel_size of them, and no job needing more GPUs than --gpus
    gives a local sweep."""
    for i, model in enumerate(preset["models"]):
        resources = resources_of(preset, model, overrides)
        gpus = job_gpus(resources, model, default_gpus)
        parallelize, size = _parallel(model["model_args"])
        where = f"models[{i}].resources.gpus"
        if size and size > gpus:
            raise DataError(f"model_args.tensor_parallel_size {size} needs {size} GPUs, the job gets {gpus}",
                            path=path, field=where)
        if gpus > 1 and not parallelize and not (size and size > 1):
            raise DataError(f"{gpus} GPUs, but one lm-eval process uses one GPU unless model_args has "
                            "parallelize: true (hf) or tensor_parallel_size (vllm)", path=path, field=where)
        if pool is not None and gpus > pool:
            raise DataError(f"the job of {model['name']} needs {gpus} GPUs, --gpus gives {pool}", path=path,
                            field=where)


def gpu_pool(n: int) -> list[int]:
    """The first N GPUs this process may use: those CUDA_VISIBLE_DEVICES names (numbers), else 0..N-1."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    ids = [int(x) for x in visible.split(",") if x.strip().isdigit()]
    if ids and len(ids) < n:
        raise DataError(f"--gpus {n}, but CUDA_VISIBLE_DEVICES={visible} names {len(ids)}", field="--gpus")
    return ids[:n] if ids else list(range(n))


# --- what runs in a job ---

def own_steps_job(ctx: Context, model: dict, folder: Path, settings: dict, tasks: list[str]) -> str:
    """A model's own steps, in the job's process (the steps' output goes to the job's log)."""
    configure_console()
    run_own_steps(ctx, model, folder, settings, tasks, f"job {model['name']}")
    return "done"


def reference_samples_job(ctx: Context, reference: dict, ref_folder: Path, model: dict, gen_run: Path,
                          generate: dict, version: object) -> str:
    """The reference scoring one model's samples, in the job's process."""
    configure_console()
    score_samples_under_reference(ctx, reference, ref_folder, model, gen_run, generate, version)
    return "done"


@dataclass(frozen=True)
class JobSpec:
    """One job: its key in jobs.json, the model and step it runs (for messages), the run folder (its log goes to
    RUN/jobs/), the keys of the jobs it waits for, its resources and GPUs, and the call it makes."""

    key: str
    model: str
    step: str
    folder: Path
    needs: tuple[str, ...]
    resources: dict
    gpus: int
    call: tuple


def own_step_names(settings: dict) -> str:
    return "score" + (", generate, score posts, score own samples" if settings.get("generate") else "")


def build_jobs(preset: dict, prepared: Prepared, folders: dict[str, Path], overrides: dict,
               default_gpus: int) -> list[JobSpec]:
    """The jobs of the steps not done yet, each after the jobs it waits for."""
    ctx, reference, wanted = prepared.ctx, prepared.reference, prepared.wanted
    ref = reference["name"]
    own_needed = {m["name"]: not is_finished(run_entries(folders[m["name"]]), wanted[m["name"]], prepared.tasks)
                  for m in prepared.models}
    specs = []
    for model in prepared.models:
        name = model["name"]
        if own_needed[name]:
            resources = resources_of(preset, model, overrides)
            specs.append(JobSpec(f"{name}/own", name, own_step_names(wanted[name]), folders[name], (), resources,
                                 job_gpus(resources, model, default_gpus),
                                 (own_steps_job, ctx, model, folders[name], wanted[name], prepared.tasks)))
    previous: tuple[str, ...] = ()  # the reference's samples jobs one after another (see below)
    for model in prepared.models:
        name, generate = model["name"], wanted[model["name"]].get("generate")
        if name == ref or not generate:
            continue
        if own_needed[name] or not samples_scored(folders[ref], folders[name], generate):
            resources = resources_of(preset, reference, overrides)
            # lm-eval writes a results file before its samples file: a second samples-scoring in the same folder
            # at that moment would find its task's newest invocation unfinished, so they never overlap
            needs = tuple(f"{n}/own" for n in (name, ref) if own_needed[n]) + previous
            previous = (f"{ref}/samples-of-{name}",)
            specs.append(JobSpec(f"{ref}/samples-of-{name}", ref, f"score {name}'s samples", folders[ref], needs,
                                 resources, job_gpus(resources, reference, default_gpus),
                                 (reference_samples_job, ctx, reference, folders[ref], model, folders[name],
                                  generate, prepared.samples_version)))
    return specs


# --- executors ---

def _outcome(paths: JobPaths) -> str | None:
    """None when the job returned, else why it failed: the last line of its error (the exception)."""
    if not paths.result_pickle.exists():
        return "ended without a result (killed, out of memory or past timeout_min)"
    kind, value = pickle_load(paths.result_pickle)
    if kind == "success":
        return None
    lines = [line for line in str(value).splitlines() if line.strip()]
    return lines[-1] if lines else str(kind)


class DetachedLocalExecutor(submitit.LocalExecutor):
    """submitit's local executor whose jobs start in their own session: a Ctrl-C on the sweep does not reach them,
    and --cancel ends a job's whole process group (the job and the lm-eval it runs)."""

    def _submit_command(self, command: str):
        detached = functools.partial(subprocess.Popen, start_new_session=True)
        with mock.patch.object(submitit.local.local.subprocess, "Popen", detached):
            return super()._submit_command(command)


class LocalBackend:
    """Jobs on this machine: each starts once the jobs it waits for are done."""

    kind = "local"
    waits_for_done = True

    def __init__(self) -> None:
        self.jobs: dict[str, submitit.local.local.LocalJob] = {}

    def submit(self, spec: JobSpec, gpus: list[int], after: list[str]) -> str:
        executor = DetachedLocalExecutor(folder=spec.folder / LOG_FOLDER)
        executor.update_parameters(timeout_min=spec.resources.get("timeout_min", DEFAULT_TIMEOUT_MIN),
                                   gpus_per_node=len(gpus), visible_gpus=tuple(gpus), stderr_to_stdout=True)
        job = executor.submit(*spec.call)
        self.jobs[job.job_id] = job
        return job.job_id

    def running(self, folder: Path, job_id: str) -> bool:
        if JobPaths(folder, job_id, 0).result_pickle.exists():
            return False
        if job_id in self.jobs:
            return self.jobs[job_id]._process.poll() is None
        try:
            os.kill(int(job_id), 0)
            return "submitit" in Path(f"/proc/{job_id}/cmdline").read_text(errors="replace")
        except (OSError, ValueError):
            return False

    def queued(self, folder: Path, job_id: str) -> bool:
        return False

    def cause(self, folder: Path, job_id: str) -> str | None:
        return _outcome(JobPaths(folder, job_id, 0))

    def cancel(self, folder: Path, job_id: str) -> None:
        os.killpg(int(job_id), signal.SIGTERM)


def slurm_parameters(spec: JobSpec, after: list[str]) -> dict:
    """submitit SlurmExecutor parameters of a job: its resources, its name, and afterok on the jobs it waits for
    (killed by SLURM, not left pending forever, when one of them fails)."""
    res = spec.resources
    extra = dict(res.get("slurm_additional_parameters") or {})
    if after:
        extra.setdefault("kill_on_invalid_dep", "yes")
    params = {"job_name": f"summ-pref-{spec.key.replace('/', '-')}",
              "time": res.get("timeout_min", DEFAULT_TIMEOUT_MIN), "gpus_per_node": spec.gpus or None,
              "cpus_per_task": res.get("cpus"),
              "mem": f"{res['mem_gb']:g}GB" if res.get("mem_gb") else None, "partition": res.get("partition"),
              "account": res.get("account"), "qos": res.get("qos"), "constraint": res.get("constraint"),
              "dependency": "afterok:" + ":".join(after) if after else None,
              "additional_parameters": extra or None, "stderr_to_stdout": True}
    return {k: v for k, v in params.items() if v is not None}


class SlurmBackend:
    """Jobs on a SLURM cluster: all submitted at once, the waiting ones with afterok dependencies."""

    kind = "slurm"
    waits_for_done = False

    def submit(self, spec: JobSpec, gpus: list[int], after: list[str]) -> str:
        executor = submitit.SlurmExecutor(folder=spec.folder / LOG_FOLDER)
        executor.update_parameters(**slurm_parameters(spec, after))
        return executor.submit(*spec.call).job_id

    def _state(self, folder: Path, job_id: str) -> str:
        return submitit.SlurmJob(folder, job_id).state.split()[0]

    def running(self, folder: Path, job_id: str) -> bool:
        return self._state(folder, job_id) not in SLURM_ENDED

    def queued(self, folder: Path, job_id: str) -> bool:
        return self._state(folder, job_id) == "PENDING"

    def cause(self, folder: Path, job_id: str) -> str | None:
        state = self._state(folder, job_id)
        outcome = _outcome(JobPaths(folder, job_id, 0))
        return None if outcome is None else outcome if state in ("COMPLETED", "FAILED") else f"SLURM state {state}"

    def cancel(self, folder: Path, job_id: str) -> None:
        submitit.SlurmJob(folder, job_id).cancel(check=False)


BACKENDS: dict[str, Callable[[], LocalBackend | SlurmBackend]] = {"local": LocalBackend, "slurm": SlurmBackend}


# --- jobs.json ---

def read_jobs(out: Path) -> dict[str, dict]:
    path = out / JOBS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_jobs(out: Path, jobs: dict[str, dict]) -> None:
    """Replace OUT/jobs.json in one step (a stopped command never leaves half a file)."""
    tmp = out / f".{JOBS_FILE}.tmp"
    tmp.write_text(json.dumps(jobs, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / JOBS_FILE)


# --- running ---

@dataclass
class Tracked:
    """A job's state in this command: pending (not submitted, or queued), running, done or failed."""

    spec: JobSpec
    job_id: str | None = None
    state: str = "pending"
    cause: str | None = None
    gpus: list[int] = field(default_factory=list)

    @property
    def log(self) -> Path:
        return JobPaths(self.spec.folder / LOG_FOLDER, self.job_id or "ID", 0).stdout


def counts(tracked: dict[str, Tracked]) -> str:
    n = {s: sum(t.state == s for t in tracked.values()) for s in ("pending", "running", "done", "failed")}
    return ", ".join(f"{v} {k}" for k, v in n.items())


def run_jobs(specs: list[JobSpec], backend: LocalBackend | SlurmBackend, out: Path, *, slots: int | None,
             gpus: list[int], poll_s: float) -> dict[str, Tracked]:
    """Submit the jobs (adopting those jobs.json records as still running), wait for all of them, and return
    their states; a failed job's dependents are not run, the others go on."""
    recorded = read_jobs(out)
    tracked = {s.key: Tracked(s) for s in specs}
    _adopt_running(tracked, recorded, backend)
    free = [g for g in gpus if not any(g in t.gpus for t in tracked.values())]
    shown = ""
    try:
        while True:
            free = _submit_ready(tracked, recorded, backend, out, slots=slots, gpus=gpus, free=free)
            free += _collect_finished(tracked, backend)
            line = counts(tracked)
            if line != shown:
                logger.info("jobs: %s", line)
                shown = line
            if all(t.state in ("done", "failed") for t in tracked.values()):
                return tracked
            _wait(poll_s)
    except KeyboardInterrupt:
        live = [t for t in tracked.values() if t.job_id is not None and t.state in ("pending", "running")]
        waiting = [t for t in tracked.values() if t.job_id is None and t.state == "pending"]
        raise DataError(f"interrupted: {len(live)} submitted job(s) keep running "
                        f"({', '.join(f'{t.spec.key} as {t.job_id}' for t in live) or 'none'}), recorded in "
                        f"{out / JOBS_FILE}" + (f"; {len(waiting)} not submitted yet" if waiting else "")
                        + ". Run the same command again to collect them (and submit what is left), or add --cancel "
                          "to cancel them") from None


def _adopt_running(tracked: dict[str, Tracked], recorded: dict, backend: LocalBackend | SlurmBackend) -> None:
    """Mark the jobs that jobs.json records and that still run as running, so a rerun collects them instead of
    submitting them twice."""
    for t in tracked.values():
        entry = recorded.get(t.spec.key)
        if entry and entry["executor"] == backend.kind and backend.running(Path(entry["folder"]), entry["job_id"]):
            t.job_id, t.state, t.gpus = entry["job_id"], "running", list(entry.get("gpus", []))
            logger.info("job %s (%s: %s) still runs as %s: collecting it, not submitting it again", t.spec.key,
                        t.spec.model, t.spec.step, t.job_id)


def _submit_ready(tracked: dict[str, Tracked], recorded: dict, backend: LocalBackend | SlurmBackend, out: Path, *,
                  slots: int | None, gpus: list[int], free: list[int]) -> list[int]:
    """Submit every pending job whose dependencies allow it and for which a slot and GPUs are free, recording each
    in jobs.json at once; returns the GPUs still free. A job whose dependency failed fails without running."""
    for t in tracked.values():
        if t.state != "pending" or t.job_id is not None:
            continue
        deps = [tracked[k] for k in t.spec.needs if k in tracked]
        failed = [d.spec.key for d in deps if d.state == "failed"]
        if failed:
            t.state, t.cause = "failed", f"not run: {', '.join(failed)} failed"
            continue
        if backend.waits_for_done and any(d.state != "done" for d in deps):
            continue
        running = sum(x.job_id is not None and x.state in ("pending", "running") for x in tracked.values())
        if slots is not None and running >= slots:
            continue
        if gpus and t.spec.gpus > len(free):
            continue
        t.gpus, free = free[:t.spec.gpus], free[t.spec.gpus:] if gpus else free
        after = [d.job_id for d in deps if d.state != "done"]
        t.job_id = backend.submit(t.spec, t.gpus if gpus else [], after)
        recorded[t.spec.key] = {"executor": backend.kind, "job_id": t.job_id, "model": t.spec.model,
                                "step": t.spec.step, "folder": str(t.spec.folder / LOG_FOLDER),
                                "log": str(t.log), "gpus": t.gpus}
        write_jobs(out, recorded)
        t.state = "pending" if backend.queued(t.spec.folder / LOG_FOLDER, t.job_id) else "running"
        logger.info("submitted %s (%s: %s) as job %s%s, log %s", t.spec.key, t.spec.model, t.spec.step,
                    t.job_id, f" on GPUs {t.gpus}" if t.gpus else "", t.log)
    return free


def _collect_finished(tracked: dict[str, Tracked], backend: LocalBackend | SlurmBackend) -> list[int]:
    """Update the state of every submitted job; returns the GPUs of the jobs that ended."""
    released: list[int] = []
    for t in tracked.values():
        if t.job_id is None or t.state not in ("pending", "running"):
            continue
        folder = t.spec.folder / LOG_FOLDER
        if backend.running(folder, t.job_id):
            t.state = "pending" if backend.queued(folder, t.job_id) else "running"
            continue
        t.cause = backend.cause(folder, t.job_id)
        failed = [k for k in t.spec.needs if k in tracked and tracked[k].state == "failed"]
        if t.cause and failed:  # SLURM cancels a job whose afterok can no longer be met
            t.cause = f"not run: {', '.join(failed)} failed"
        t.state = "failed" if t.cause else "done"
        released += t.gpus
        if t.cause:
            logger.info("job %s failed: model %s, step %s: %s; log %s", t.job_id, t.spec.model, t.spec.step,
                        t.cause, t.log)
    return released


def cancel_jobs(out: Path) -> int:
    """Cancel every job OUT/jobs.json records that still runs; returns how many."""
    cancelled = 0
    backends = {kind: make() for kind, make in BACKENDS.items()}
    for key, entry in read_jobs(out).items():
        backend, folder = backends[entry["executor"]], Path(entry["folder"])
        if backend.running(folder, entry["job_id"]):
            backend.cancel(folder, entry["job_id"])
            cancelled += 1
            logger.info("cancelled %s (%s: %s), job %s", key, entry["model"], entry["step"], entry["job_id"])
    logger.info("cancelled %d job(s) recorded in %s", cancelled, out / JOBS_FILE)
    return cancelled


def run_sweep_jobs(preset_path: Path, out: Path, *, executor: str, jobs: int | None = None, gpus: int | None = None,
                   overrides: dict | None = None, limit: int | None = None, metadata: dict | None = None,
                   batch_size: str = "auto", device: str | None = None, settings: Settings | None = None,
                   rescore: bool = False,
                   runner: Callable[[list[str]], subprocess.CompletedProcess] = subprocess.run,
                   embedding_model: str | None = None) -> dict:
    """The sweep as jobs (module docstring): check and plan everything, submit what is not done, wait, report."""
    overrides = dict(overrides or {})
    preset = load_preset(preset_path)
    if executor == "local":
        if gpus is not None and overrides.get("gpus") is not None:
            raise DataError("--gpus with --executor local is the node's GPUs; set a job's GPUs in the preset's "
                            "resources", field="--gpus")
        pool, default_gpus = gpu_pool(gpus) if gpus else [], 1 if gpus else 0
        check_resources(preset, overrides, preset_path, default_gpus, gpus)
        slots = None if gpus else (jobs or 1)
    else:
        if not submitit.SlurmExecutor.affinity() > 0:
            raise DataError("--executor slurm: no SLURM here (srun not found); run the command on a login node of "
                            "the cluster, or use --executor local", field="--executor")
        overrides.setdefault("gpus", gpus)
        pool, default_gpus, slots = [], 1, None
        check_resources(preset, overrides, preset_path, default_gpus, None)
    runs = out / "runs"
    prepared = prepare_sweep(preset, runs, where=preset_path, limit=limit, metadata=metadata, batch_size=batch_size,
                             device=device, rescore=rescore, runner=runner)
    folders = {m["name"]: run_folder(prepared, runs, m["name"]) for m in prepared.models}
    specs = build_jobs(preset, prepared, folders, overrides, default_gpus)
    if specs:
        out.mkdir(parents=True, exist_ok=True)
        tracked = run_jobs(specs, BACKENDS[executor](), out, slots=slots, gpus=pool, poll_s=POLL_S[executor])
        failed = [t for t in tracked.values() if t.state == "failed"]
        if failed:
            raise DataError(f"{len(failed)} of {len(tracked)} job(s) failed: " + "; ".join(
                f"{t.spec.model} ({t.spec.step}): {t.cause}" + (f", log {t.log}" if t.job_id else "")
                for t in failed) + ". Finished steps are kept: rerun the same command to run only what is left")
    else:
        logger.info("every step is done with these settings; writing the report")
    return report_models(preset, folders, out / "report", settings or Settings(), embedding_model=embedding_model)
