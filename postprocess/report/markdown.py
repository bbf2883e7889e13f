"""report.md: the statistics from the statistics table (filtered by model, task, statistic, group; each table made
of the statistics its registry section lists), the run facts (`ReportFacts`: provenance, settings, data notes, row
coverage, model fits) and the saved figures."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from postprocess.compute.facts import ReportFacts, RunFacts, TaskFacts, as_facts
from postprocess.io.samples import rating_roles
from postprocess.report.answers import answers, stated_measure
from postprocess.report.cells import breakdown_table, cell, cell_p, markdown_table, p
from postprocess.report.figures import SavedFigure
from postprocess.report.findings import findings_by_question
from postprocess.report.statistic_sections import (
    flip_table_lines,
    human_ceiling_lines,
    implicit_reward_lines,
    sharpening_lines,
    typicality_lines,
    vs_agreement_lines,
)
from postprocess.stats.baselines import RULE_WORDS
from postprocess.stats.registry import difference_name, in_section, names_in, row_label, statistics
from postprocess.stats.result import INTERVAL_MARKS, MIN_CLUSTERS, confidence_label
from postprocess.stats.table import ALL, group_label, levels, select, split_group, stats_by


def section_rows(rows: pd.DataFrame, section: str) -> pd.DataFrame:
    """The rows of the statistics report.md shows in `section` (`postprocess.stats.registry.SECTIONS`)."""
    return rows[rows["statistic"].isin(names_in(section))]


def generation_tasks(table: pd.DataFrame) -> list[str]:
    """The tasks of generated samples: those with rows of a set statistic (a group per input or across inputs)."""
    return levels(table[table["statistic"].isin(names_in("generation")) & (table["group"] != ALL)], "task")


def figure_lines(figures: list[SavedFigure], run: str | None, task: str | None) -> list[str]:
    return [line for f in figures if f.run == run and f.task == task and f.answers is None
            for line in (f"![{f.title}]({f.path})", "", f"*{f.title}.* {f.caption}", "")]


def axis_section(rows: pd.DataFrame, task_info: Mapping, ci: str, baselines: pd.DataFrame | None = None) -> list[str]:
    """One axis task of one run: `rows` are its statistics (group `all`) from the statistics table, `baselines`
    its null rules' rows (section "axis_baselines"); `ci` the intervals' coverage ("95%"). Columns: the task's ratings
    (`rating_roles`)."""
    lines = []
    axes = list(rating_roles(task_info).axes)
    stats = stats_by(rows, "statistic", "measure", "axis")
    measures = [m for m in levels(rows, "measure") if m]  # the entropy along the summaries has no measure
    present = set(rows["statistic"])
    shown = in_section("axis")
    for stat in (s for s in shown if s.name in present):  # in registry order
        heading = stat.key.replace("_", " ")  # the summary.json key, as the report always named it
        lines += [f"{heading} ({stat.label}; estimate [{ci} CI], clustered by post):", ""]
        lines += markdown_table(["measure", *axes],
                                [[m, *(cell(stats.get((stat.name, m, a))) for a in axes)] for m in measures])
    counted = shown[0]  # the section's first statistic gives the rows used and the p-values
    n_rows = [[m, *(f"{s['n']} / {p(s)}" if (s := stats.get((counted.name, m, a))) else "n/a" for a in axes)]
              for m in measures]
    lines += [f"{row_label(counted)}: rows used / p-value (t-test of Fisher's z on the delete-one-post jackknife SE, "
              "inverts the interval):", "",
              *markdown_table(["measure", *axes], n_rows)]
    return lines + axis_baseline_lines(baselines, axes, ci)


def axis_baseline_lines(rows: pd.DataFrame | None, axes: list[str], ci: str) -> list[str]:
    """The null rules' Spearman with each rating (section "axis_baselines"), to read beside the models'."""
    if rows is None or rows.empty:
        return []
    stats = stats_by(rows, "group", "axis")
    groups = levels(rows, "group")
    return [f"Null baselines, Spearman ρ of the rule's score with each rating (estimate [{ci} CI], same draws):", "",
            *markdown_table(["rule", *axes], [[baseline_label(g), *(cell(stats.get((g, a))) for a in axes)]
                                              for g in groups])]


def baseline_label(group: str) -> str:
    """An agreement table's row name of a null rule: "null: the longer summary (bytes) wins"."""
    return f"null: {RULE_WORDS.get(split_group(group)[1], group)}"


def cmp_section(rows: pd.DataFrame, fits: Mapping, ci: str, baselines: pd.DataFrame | None = None) -> list[str]:
    """One pair task of one run: `rows` are its agreement statistics (every group) from the statistics
    table, `fits` its preference model (`runs[].cmp[TASK].preference_model`), `baselines` its null rules'
    rows (section "agreement_baselines", shown under the measures, same pairs and draws); `ci` the coverage."""
    lines = []
    measures = levels(rows, "measure")
    overall = stats_by(select(rows, group=ALL), "measure")
    table_rows = []
    for m in measures:
        s = overall.get((m,))
        table_rows.append([m, cell(s), str(((s or {}).get("details") or {}).get("n_ties", "")), p(s)])
    for group, s in stats_by(baselines if baselines is not None else rows.iloc[:0], "group").items():
        table_rows.append([baseline_label(group[0]), cell(s), str((s.get("details") or {}).get("n_ties", "")), p(s)])
    lines += markdown_table(["measure", f"agreement [{ci} CI]", "ties", "p (t, cluster-robust)"], table_rows)
    for by, heading in (("by_confidence", "Agreement by annotator confidence:"),
                        ("by_subsplit", "Agreement by split:")):
        groups = rows[rows["group"].str.startswith(group_label(by, ""))]
        if measures and groups["estimate"].notna().any():  # data without confidences or splits (pref) has none
            lines += [heading, "", *breakdown_table(rows, measures, by)]
    fit_rows = []
    for fit_name in ("logprob_diff", "logprob_diff_and_length"):
        fit = fits[fit_name]
        if fit["coef"] is None:
            fit_rows.append([fit_name, f"undefined ({fit['reason']})", "", ""])
            continue
        for i, term in enumerate(fit["names"]):
            fit_rows.append([fit_name, term, f"{fit['coef'][i]:.4f} ± {fit['se'][i]:.4f}", f"{fit['p_values'][i]:.3g}"])
    lines += ["Logistic (Bradley-Terry) fit of the choice, no intercept: P(A) = sigmoid(b·Δ), b the coefficient of the "
              "summed log-prob difference (`logprob_diff`):", ""]
    lines += markdown_table(["fit", "term", "coefficient ± SE", "p"], fit_rows)
    lines += ["Per policy pair: see `tables/agreement.csv`.", ""]
    return lines


def summary_shift_lines(facts: ReportFacts, table: pd.DataFrame, ci: str) -> list[str]:
    """Per compared model and task, the shift of the preferred against the rejected summaries and the change of
    entropy along the human-written summaries (generation tasks have their own tables); [] without such rows."""
    rows = select(table[table["reference"] != ""], group=ALL)
    rows = rows[~rows["task"].isin(generation_tasks(table))]
    stats = stats_by(section_rows(rows, "summary_shifts"), "model", "task", "statistic")
    if not stats:
        return []
    names = facts.names
    labels = {s.name: row_label(s) for s in in_section("summary_shifts")}
    body = [[names.get(model, model), task, labels[statistic], cell_p(stat)]
            for (model, task, statistic), stat in stats.items()]
    return ["Changes along the human-written summaries:", "",
            *markdown_table(["model", "task", "statistic", f"estimate [{ci} CI], p"], body)]


def rows_scored(facts: ReportFacts) -> list[str]:
    """Rows each run scored per task and how many all runs share: with several runs, statistics
    side by side are only comparable on the same judgements, so a difference must be visible."""
    coverage = facts.row_coverage
    if len(facts.runs) < 2 or not coverage:
        return []
    runs = list(facts.names.items())
    rows = [[task, *(str(entry["per_run"].get(name, "not scored")) for name, _ in runs), str(entry["common"])]
            for task, entry in coverage.items()]
    return ["### Rows scored", "", *markdown_table(["task", *(shown for _, shown in runs), "common to all runs"], rows)]


def synthetic_banner(facts: ReportFacts) -> list[str]:
    """The short warning report.md opens with when any task was scored on made-up rows."""
    scope = facts.synthetic_scope
    if scope is None:
        return []
    return [f"> **Synthetic data** ({scope}): made-up rows, not human judgements; no conclusion about humans or "
            "models can be drawn.", ""]


def tempered_banner(facts: ReportFacts) -> list[str]:
    """The short warning after the synthetic-data banner when a run is a tempered copy (`summ-pref tempered-copy`)."""
    return [line for run in facts.runs if run.tempered for line in (
        f"> **Synthetic model**: {run.display_name} is {run.tempered}; its sharpening "
        "is built in, a known truth for γ.", "")]


def incomplete_banner(facts: ReportFacts) -> list[str]:
    """The warning when runs lm-eval did not finish writing were read (--allow-incomplete), one line per shortfall."""
    notes = facts.incomplete_inputs
    if not notes:
        return []
    return ["> **Incomplete runs** (read with --allow-incomplete): the statistics below use only what these runs "
            "wrote; they may differ from a complete run's.", ">",
            *(f"> - {note}" for note in notes), ""]


def section_spec(section: str) -> tuple[tuple[str, str, str], ...]:
    """(statistic, group, row label) of a by-model section (`generation`, `posts`): each named group (per input,
    across inputs) with its statistics, then the statistics without groups, in registry order."""
    shown = in_section(section)
    groups = list(dict.fromkeys(g for s in shown for g, _ in s.groups))
    return (*((s.name, g, row_label(s, g)) for g in groups for s in shown if g in dict(s.groups)),
            *((s.name, ALL, row_label(s)) for s in shown if not s.groups))


def _generation_settings(facts: ReportFacts, task: str) -> str:
    """Samples per post, prompt and generation settings of a generation task, once when every run that generated
    it used the same, else per run (their statistics are then not comparable as they stand)."""
    described: dict[str, list[str]] = {}
    for run in facts.runs:
        for info in run.generation_tasks.values():
            if info.get("kind") == "gen" and info.get("task") == task:
                k = info.get("samples_per_post") or {}
                per_post = k.get("min") if k.get("min") == k.get("max") else f"{k.get('min')}-{k.get('max')}"
                settings = ", ".join(f"{key}={value}" for key, value in (info.get("generation") or {}).items()
                                     if key != "torch_seed")
                chat = " inside the model's chat template" if info.get("chat_template") else ""
                text = (f"{per_post} samples per post, data {info.get('data_origin')}, prompt `{info.get('prompt')}`"
                        f"{chat}; {settings}")
                described.setdefault(text, []).append(run.display_name)
    if len(described) == 1:
        return f"Generation: {next(iter(described))}."
    return ("Generation settings differ between the runs: "
            + "; ".join(f"{', '.join(who)}: {text}" for text, who in described.items()) + ".")


def _by_model_table(rows: pd.DataFrame, spec: tuple, names: Mapping[str, str]) -> list[str]:
    """Rows = the statistics of `spec` ((statistic, group, label), ...) present, columns = the models."""
    models = [m for m in names if m in set(rows["model"])]
    stats = stats_by(rows, "statistic", "group", "model")
    body = [[label, *(cell(stats.get((name, group, m))) for m in models)] for name, group, label in spec
            if any((name, group, m) in stats for m in models)]
    return markdown_table(["statistic", *(names[m] for m in models)], body) if body else []


def _difference_table(rows: pd.DataFrame, spec: tuple, names: Mapping[str, str], reference: str) -> list[str]:
    """Rows = the differences of `spec` present, columns = each model minus the reference (cell, p)."""
    models = [m for m in names if m in set(rows["model"])]
    stats = stats_by(rows, "statistic", "group", "model")
    body = [[label, *(cell_p(stats.get((difference_name(name), group, m))) for m in models)]
            for name, group, label in spec if any((difference_name(name), group, m) in stats for m in models)]
    return markdown_table(["statistic", *(f"{names[m]} − {names[reference]}" for m in models)], body) if body else []


def generation_lines(facts: ReportFacts, table: pd.DataFrame, figures: list[SavedFigure], ci: str) -> list[str]:
    """The "Generated samples" section: per generation task, each model's statistics and its differences from
    the reference, the mode-collapse map; then the entropy and perplexity over the posts; [] without such rows."""
    names = facts.names
    generation = [s.name for s in statistics(kind="generation")]
    rows = table[table["statistic"].isin([*generation, *map(difference_name, generation)])]
    own, compared = rows[rows["reference"] == ""], rows[rows["reference"] != ""]
    gen_tasks = generation_tasks(own)
    post_tasks = levels(section_rows(own, "posts"), "task")
    if not gen_tasks and not post_tasks:
        return []
    lines = ["### Generated samples", "",
             ("Per input: the statistic of the K samples of a post, averaged over posts "
              f"({ci} CI: t on the CR2 cluster-robust SE by post). Across inputs: the statistic of the first sample "
              f"of every post ({ci} CI: delete-d jackknife on half-samples of posts, normal; semantic statistics: "
              "delete-one-post jackknife, t(G - 1); a bootstrap resample would repeat texts). distinct-n: unique / "
              "all n-grams (lowercased words); EAD: expectation-adjusted distinct, averaged over n = 1-5 (Kirk et "
              "al. 2024); self-BLEU: sacrebleu, each sample against the others, 0-100; compression ratio: bytes / "
              "gzip bytes (Shaib et al. 2024). Differences: model minus reference "
              "on the posts both have, paired (p: the t-test on the CR2 SE; across inputs: the jackknife's "
              "normal or t test)."), ""]
    embedding = facts.embedding_model
    if embedding:
        lines += [semantic_note(embedding), ""]
    for task in gen_tasks:
        lines += [f"#### {task}", "", _generation_settings(facts, task), ""]
        lines += _by_model_table(select(own, task=task), section_spec("generation"), names)
        if facts.reference:
            lines += _difference_table(select(compared, task=task), section_spec("generation"), names,
                                       facts.reference)
        lines += figure_lines(figures, None, task)
    if post_tasks:
        lines += ["#### Next-token entropy and perplexity over the posts", "",
                  f"Every token of every post scored after the prompt's header ({ci} CI, clustered by post):", ""]
        for task in post_tasks:
            spec = tuple((name, group, f"{label} ({task})") for name, group, label in section_spec("posts"))
            lines += _by_model_table(select(own, task=task), spec, names)
            if facts.reference:
                lines += _difference_table(select(compared, task=task), spec, names, facts.reference)
    return lines


def semantic_note(embedding: Mapping) -> str:
    """What the semantic rows are and which embedding model made them."""
    source = embedding.get("revision") or embedding.get("source")
    return ("Semantic distance: mean over pairs of 1 − cosine similarity of the samples' sentence embeddings "
            "(Kirk et al. 2024); Vendi score: exp of the entropy of the eigenvalues of the cosine kernel / n, the "
            "effective number of distinct samples (Friedman & Dieng 2023); empty samples left out. Embeddings: "
            f"`{embedding['name']}` ({source}, weights sha256 {embedding.get('weights_sha256')}).")


def human_entropy_line(rows: pd.DataFrame) -> list[str]:
    """One sentence with the run's mean next-token entropy along the task's human-written summaries, or []."""
    stat = stats_by(section_rows(select(rows, group=ALL), "human_entropy"), "task")
    if not stat:
        return []
    (value,) = stat.values()
    return [f"Mean next-token entropy along the distinct human-written summaries: {cell(value)} nats.", ""]


def methods_paragraph(facts: ReportFacts) -> str:
    """How intervals and p-values are made and what the measures are (the "Data and methods" section)."""
    settings = facts.settings
    ci = confidence_label(settings.confidence)
    return (f"summ-pref {facts.package_version}, lm-eval {facts.lm_eval_version}, created "
            f"{facts.created}. Intervals: {ci} percentile cluster bootstrap "
            f"({settings.n_resamples} resamples of posts, seed {settings.seed}) only in the details and where "
            "no jackknife is taken (more than 500 posts); the printed intervals keep their coverage with few posts "
            "(`method` says which): agreement and the other rates, Wilson on the effective sample size of a CR2 "
            "cluster-robust SE by post; gamma, the net flip and means and paired differences of means, t on the CR2 "
            "SE with Bell-McCaffrey degrees of freedom; alpha and the ordered logit, Wald t(G - 1) on a cluster-robust "
            "SE; correlations, t(G - 1) on the delete-one-post jackknife SE of Fisher's z; differences of "
            "correlations and of alpha and the posts' entropy and perplexity, t(G - 1) on the delete-one-post "
            "jackknife SE; across inputs, a jackknife. p-values: the cluster-bootstrap "
            "p of the same resamples, inverting the percentile interval against the null (0; 0.5 for agreement), or "
            f"the t-test (score t-test for a rate) that inverts the interval, so p < "
            f"{1 - settings.confidence:.2g} exactly when the interval "
            "excludes the null; the rows-independent tests (sign test, scipy) are in summary.json as "
            f"`details.p_value_independent`. {INTERVAL_MARKS['few_clusters']} / {INTERVAL_MARKS['zero_width']}: "
            f"unreliable interval (fewer than {MIN_CLUSTERS} posts / zero width), no directional claim. "
            "Measures: `sum` = summed log-probability of the summary (nats), `per_byte` = sum / UTF-8 bytes, "
            f"`per_token` = sum / tokens; the main measure of the answers and findings is `{facts.main_measure}`.")


def answer_lines(facts: ReportFacts, table: pd.DataFrame, figures: list[SavedFigure]) -> list[str]:
    """The "Answers" section: the main measure, then per hypothesis its paragraph and the one figure showing it."""
    texts = answers(facts, table)
    if not texts:
        return []
    ci = confidence_label(facts.settings.confidence)
    lines = ["## Answers", "", stated_measure(facts)
             + f" Intervals: {ci}, clustered by post (each row's method in statistics.csv); "
             f"{INTERVAL_MARKS['few_clusters']}: from fewer than {MIN_CLUSTERS} posts, no claim.", ""]
    for question, text in texts.items():
        lines += [text, ""]
        shown = next((f for f in figures if f.answers == question), None)
        if shown is not None:
            lines += [f"![{shown.title}]({shown.path})", ""]
    return lines


def bullets(sentences: list[str]) -> list[str]:
    return [*(f"- {sentence}" for sentence in sentences), ""] if sentences else []


def task_lines(run: RunFacts, task: TaskFacts, rows: pd.DataFrame, figures: list[SavedFigure], ci: str) -> list[str]:
    """One run's task under hypothesis 1: its statistics tables, hypothesis 1's alpha, the human ceiling and the
    run's figures of the task."""
    if task.kind == "axis":
        lines = [f"#### {task.name} (axis ratings, n = {task.n})", ""]
        lines += axis_section(select(rows, group=ALL), task.info, ci, section_rows(rows, "axis_baselines"))
        lines += typicality_lines(rows, "axis", ci, rating_roles(task.info))
    else:
        lines = [f"#### {task.name} (pairwise choices, n = {task.n})", ""]
        lines += cmp_section(section_rows(rows, "pair_agreement"), run.preference_models[task.name], ci,
                             section_rows(rows, "agreement_baselines"))
        lines += typicality_lines(rows, "cmp", ci)
        lines += vs_agreement_lines(rows, ci)
        lines += human_ceiling_lines(rows, ci)
    lines += human_entropy_line(rows)
    return lines + figure_lines(figures, run.model_name, task.name)


def provenance_lines(run: RunFacts) -> list[str]:
    """One run's model, its arguments, and per task the data, prompt and data notes (the "Data and methods" section)."""
    weights = f"; weights {run.weights}" if run.weights else ""
    said = run.provenance
    lines = [f"### {run.display_name}", "",
             (f"`{said['model']}` with `{said['model_args']}`{weights}; task versions {said['task_versions']}; "
              f"token counts: {said['token_counts']}."), ""]
    for task, facts in run.tasks.items():
        info = facts.info
        lines += [f"{task}: data {info['data_origin']} (split {info['split']}, seed {info['seed']}); "
                  f"prompt `{info['prompt']}` (sha {info['prompt_sha']}), chat template "
                  f"{'applied' if info['chat_template'] else 'not applied'}"
                  + (f", `{info['continuation_end']}` appended to every summary (continuation_end)"
                     if info.get("continuation_end") else "") + f"; {info['verification']}."
                  + "".join(f" Measure `{m}` absent: {r}." for m, r in info["measures_absent"].items()), ""]
        lines += [f"Data notes ({task}): {'; '.join(facts.data_notes)}.", ""] if facts.data_notes else []
    return lines


def render_report(summary: ReportFacts | Mapping, table: pd.DataFrame, figures: list[SavedFigure]) -> str:
    """report.md of the run facts (or a summary, read into them once), the statistics table and the figures: the
    answers first, then the sections by question (hypothesis 1, hypothesis 2, data and methods)."""
    facts = as_facts(summary)
    ci = confidence_label(facts.settings.confidence)
    said = findings_by_question(facts, table)
    lines = ["# summ-pref report", "", *synthetic_banner(facts), *tempered_banner(facts),
             *incomplete_banner(facts), *answer_lines(facts, table, figures)]
    own = table[table["reference"] == ""]
    lines += ["## Hypothesis 1: does the likelihood predict the human preference?", "", *bullets(said["hypothesis_1"])]
    for run in facts.runs:
        lines += [f"### {run.display_name}", ""]
        for task in run.tasks.values():
            lines += task_lines(run, task, select(own, model=run.model_name, task=task.name), figures, ci)
    generated = generation_lines(facts, table, figures, ci)
    if facts.has_comparisons or said["hypothesis_2"] or generated:
        lines += ["## Hypothesis 2: does tuning sharpen the reference?", "", *bullets(said["hypothesis_2"])]
        lines += sharpening_lines(facts, table, ci)
        lines += implicit_reward_lines(facts, table, ci)
        lines += flip_table_lines(facts, table, ci)
        lines += summary_shift_lines(facts, table, ci)
        lines += figure_lines(figures, None, None)
        lines += generated
    lines += ["## Data and methods", "", methods_paragraph(facts), "", *bullets(said["data"])]
    lines += rows_scored(facts)
    for run in facts.runs:
        lines += provenance_lines(run)
    lines += ["### Inputs", "", *markdown_table(["file", "sha256"], [[f"`{i['path']}`", i["sha256"][:16]]
                                                           for i in facts.inputs])]
    return "\n".join(lines)
