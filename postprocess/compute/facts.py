"""The run facts a report states besides its statistics, as one typed record: settings, provenance of each run
and task, data notes, row coverage, incomplete inputs, the synthetic flag, the comparisons' β and flip tables.

Why: report.md, the findings, the answers and the figures read these facts, not the nested summary dict they are
stored in (summary.json keeps its shape). The computing layer builds the record from the values it computed
(`report_facts`); `ReportFacts.from_summary` reads a written summary (summary.json's shape) into it, tolerating
the partial summaries of tests (a missing part is empty).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from postprocess.io.provenance import chat_template_note, synthetic_scope
from postprocess.io.samples import describe_data_notes
from postprocess.stats.bootstrap import Settings

# The measure findings and answers are stated on unless `--main-measure` chose another: per token, as Verbalized
# Sampling reports its typicality bias.
DEFAULT_MAIN_MEASURE = "per_token"


@dataclass(frozen=True)
class TaskFacts:
    """One scored task of a run: its kind ("axis" / "cmp"), rows, what was recorded about its data and prompt
    (`info`: data origin, split, seed, prompt, chat template, ratings, ...), and its data notes."""

    name: str
    kind: str
    n: int
    info: Mapping = field(default_factory=dict)

    @property
    def data_notes(self) -> list[str]:
        """The task's data notes in words (`postprocess.io.samples.describe_data_notes`)."""
        return describe_data_notes(self.info.get("data_notes") or {})


@dataclass(frozen=True)
class RunFacts:
    """One run: its model_name and shown name, model and arguments, weights note, task versions, token counts, the
    tempered-copy note, its tasks, its pair tasks' preference models and its generation tasks' records."""

    model_name: str
    display_name: str
    tasks: dict[str, TaskFacts]
    provenance: Mapping = field(default_factory=dict)
    weights: str | None = None
    has_weights: bool = False
    tempered: str | None = None
    preference_models: Mapping[str, Mapping] = field(default_factory=dict)
    generation_tasks: Mapping[str, Mapping] = field(default_factory=dict)

    @property
    def chat_template(self) -> str | None:
        """Whether its tasks were scored inside the model's chat template, in words."""
        return chat_template_note({name: task.info for name, task in self.tasks.items()})


@dataclass(frozen=True)
class ReportFacts:
    """Everything a report states besides the statistics table (see the module docstring)."""

    settings: Settings = field(default_factory=Settings)
    main_measure: str = DEFAULT_MAIN_MEASURE
    embedding_model: Mapping | None = None
    package_version: str = ""
    lm_eval_version: str = ""
    created: str = ""
    runs: tuple[RunFacts, ...] = ()
    reference: str | None = None
    betas: Mapping[str, float | None] = field(default_factory=dict)
    flip_tables: Mapping[tuple[str, str], Mapping] = field(default_factory=dict)
    has_comparisons: bool = False
    row_coverage: Mapping[str, Mapping] = field(default_factory=dict)
    incomplete_inputs: tuple[str, ...] = ()
    inputs: tuple[Mapping, ...] = ()
    synthetic_scope: str | None = None

    @property
    def names(self) -> dict[str, str]:
        """{model_name: shown name} of every run."""
        return {run.model_name: run.display_name for run in self.runs}

    def task(self, model: str, task: str) -> TaskFacts | None:
        """A run's task, None when the run did not score it."""
        run = next((r for r in self.runs if r.model_name == model), None)
        return None if run is None else run.tasks.get(task)

    @classmethod
    def from_summary(cls, summary: Mapping) -> ReportFacts:
        """The facts of a summary (summary.json's shape, or the skeleton the report builds it from)."""
        settings = summary.get("settings") or {}
        fields = Settings.__dataclass_fields__
        return report_facts(
            Settings(**{k: v for k, v in settings.items() if k in fields}),
            main_measure=settings.get("main_measure", DEFAULT_MAIN_MEASURE),
            embedding_model=settings.get("embedding_model"),
            package_version=(summary.get("package") or {}).get("version", ""),
            lm_eval_version=summary.get("lm_eval_version", ""),
            created=summary.get("created", ""),
            runs=summary.get("runs", []),
            reference=summary.get("reference"),
            comparisons=summary.get("comparisons") or [],
            row_coverage=summary.get("row_coverage") or {},
            incomplete_inputs=summary.get("incomplete_inputs") or [],
            inputs=summary.get("inputs") or [],
        )


def report_facts(settings: Settings, *, main_measure: str = DEFAULT_MAIN_MEASURE,
                 embedding_model: Mapping | None = None, package_version: str = "", lm_eval_version: str = "",
                 created: str = "",
                 runs: Sequence[Mapping] = (), reference: str | None = None, comparisons: Sequence[Mapping] = (),
                 row_coverage: Mapping[str, Mapping] | None = None, incomplete_inputs: Sequence[str] = (),
                 inputs: Sequence[Mapping] = ()) -> ReportFacts:
    """The record of a report: `runs` each run's provenance with its tasks' info (`postprocess.io.provenance.
    describe_runs`), `comparisons` the entries of the models against the reference (without their statistics)."""
    return ReportFacts(
        settings=settings, main_measure=main_measure, embedding_model=embedding_model,
        package_version=package_version, lm_eval_version=lm_eval_version, created=created,
        runs=tuple(_run(run) for run in runs), reference=reference,
        betas={c["model_name"]: c.get("beta") for c in comparisons},
        flip_tables={(c["model_name"], task): entry.get("flip_table") or {} for c in comparisons
                     for task, entry in (c.get("cmp") or {}).items()},
        has_comparisons=bool(comparisons), row_coverage=row_coverage or {},
        incomplete_inputs=tuple(incomplete_inputs), inputs=tuple(inputs), synthetic_scope=synthetic_scope(runs))


def _run(run: Mapping) -> RunFacts:
    provenance = {key: run[key] for key in ("model", "model_args", "task_versions", "token_counts") if key in run}
    return RunFacts(
        model_name=run["model_name"], display_name=run.get("display_name", run["model_name"]),
        tasks={name: TaskFacts(name, info.get("kind", ""), info.get("n", 0), info)
               for name, info in (run.get("tasks") or {}).items()},
        provenance=provenance, weights=run.get("weights"), has_weights="weights" in run, tempered=run.get("tempered"),
        preference_models={task: block["preference_model"] for task, block in (run.get("cmp") or {}).items()
                           if "preference_model" in block},
        generation_tasks=run.get("generation_tasks") or {})


def as_facts(facts: ReportFacts | Mapping) -> ReportFacts:
    """The record itself, or a summary (summary.json's shape) read into it once."""
    return facts if isinstance(facts, ReportFacts) else ReportFacts.from_summary(facts)
