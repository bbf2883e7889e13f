"""report.md, the findings, the CSV tables and the figures' tables are views of the statistics table: every
number report.md prints is a row of tables/statistics.csv, each table cell holds the statistic a rendering
that walks summary.json's key paths puts there, each finding quotes the row it is about, the CSVs are
filters of the table's rows, and every "95%" follows --confidence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from lm_eval_tasks.data.rows import RATING_AXES
from postprocess.report.build import build_report
from postprocess.report.findings import MEASURE_WORDS
from postprocess.report.tables import DETAIL_COLUMNS
from postprocess.stats.bootstrap import Settings
from postprocess.stats.registry import statistics
from postprocess.stats.result import interval_marks
from postprocess.stats.table import COLUMNS
from tests.postprocess.report.golden.make_golden_summary import N_RESAMPLES, RUNS

TRIPLE = r"(-?\d+\.\d{3}) \[(-?\d+\.\d{3}), (-?\d+\.\d{3})\]"


@pytest.fixture(scope="module")
def reports(golden_report, tmp_path_factory) -> dict[str, Path]:
    """The golden runs' reports: both runs against the reference "base", the first run alone, and the first
    run alone at 90% coverage."""
    _, two = golden_report  # both runs against "base" at N_RESAMPLES, built once for the session
    folders = [two.parent / "runs" / name for name in RUNS]
    root = tmp_path_factory.mktemp("views")
    kw = {"progress": False, "jobs": 1}
    build_report(folders[:1], root / "single", settings=Settings(n_resamples=N_RESAMPLES), **kw)
    build_report(folders[:1], root / "ninety", settings=Settings(n_resamples=50, confidence=0.9), **kw)
    build_report(folders[:1], root / "per_byte", settings=Settings(n_resamples=50), main_measure="per_byte", **kw)
    return {"two": two, **{name: root / name for name in ("single", "ninety", "per_byte")}}


def _statistics(report: Path) -> pd.DataFrame:
    return pd.read_csv(report / "tables" / "statistics.csv", keep_default_na=False)


def _triple(estimate, low, high) -> str:
    return f"{float(estimate):.3f} [{float(low):.3f}, {float(high):.3f}]"


# --- a summary-walking rendering of the statistics tables of report.md (the code before the table existed) ---

def _fmt(stat: dict | None) -> str:
    if not stat or stat.get("estimate") is None:
        return f"undefined ({stat.get('reason')})" if stat else "n/a"
    text = f"{stat['estimate']:.3f}"
    if stat.get("ci_low") is not None and stat.get("ci_high") is not None:
        text += f" [{stat['ci_low']:.3f}, {stat['ci_high']:.3f}]{interval_marks(stat)}"
    return text


def _p(stat: dict) -> str:
    value, n_resamples = stat.get("p_value"), (stat.get("details") or {}).get("n_resamples")
    if value is None:
        return ""
    if n_resamples and value < 1 / n_resamples:
        return f"<{1 / n_resamples:.2g}{interval_marks(stat)}"
    return ("<1e-4" if value < 1e-4 else f"{value:.3g}") + interval_marks(stat)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _walked_lines(run: dict, task: str, ci: str) -> list[str]:
    """The headings and table rows of one task's section, read from summary.json's key paths."""
    if task in run["axis"]:
        stats = run["axis"][task]
        lines = []
        for key in ("spearman", "partial_spearman_length", "pearson", "kendall"):
            label = next(s.label for s in statistics(kind="axis") if s.key == key)
            lines += [f"{key.replace('_', ' ')} ({label}; estimate [{ci} CI], clustered by post):",
                      _row("measure", *RATING_AXES),
                      *(_row(m, *(_fmt(stats[m][a][key]) for a in RATING_AXES)) for m in stats)]
        return lines + [_row(m, *(f"{stats[m][a]['spearman']['n']} / {_p(stats[m][a]['spearman'])}"
                                  for a in RATING_AXES)) for m in stats]
    stats = {m: block for m, block in run["cmp"][task].items() if m != "preference_model"}
    lines = [_row("measure", f"agreement [{ci} CI]", "ties", "p (t, cluster-robust)"),
             *(_row(m, _fmt(s["agreement"]), str(s["agreement"]["details"].get("n_ties", "")), _p(s["agreement"]))
               for m, s in stats.items())]
    for by in ("by_confidence", "by_subsplit"):
        groups = list(next(iter(stats.values()))[by])
        lines += [_row("measure", *groups), *(_row(m, *(_fmt(s[by][g]) for g in groups)) for m, s in stats.items())]
    return lines


def _in_order(expected: list[str], lines: list[str]) -> list[str]:
    """The expected lines not found, in order, among `lines` (empty when all are)."""
    it = iter(lines)
    return [line for line in expected if not any(line == got for got in it)]


@pytest.mark.parametrize("name", ["two", "single"])
def test_every_statistics_cell_is_what_walking_the_summary_gives(reports, name):
    text = (reports[name] / "report.md").read_text()
    summary = json.loads((reports[name] / "summary.json").read_text())
    checked = 0
    hypothesis_1 = text.split("\n## Hypothesis 1: ")[1].split("\n## ")[0]
    for run in summary["runs"]:
        section = hypothesis_1.split(f"\n### {run['display_name']}\n")[1].split("\n### ")[0]
        for task in run["tasks"]:
            lines = section.split(f"\n#### {task} (")[1].split("\n#### ")[0].splitlines()
            expected = _walked_lines(run, task, "95%")
            assert _in_order(expected, lines) == [], (run["model_name"], task)
            checked += len(expected)
    assert checked == 35 * len(summary["runs"])  # 23 lines of an axis task, 12 of a pair task


@pytest.mark.parametrize("name", ["two", "single"])
def test_every_number_of_report_md_is_a_row_of_statistics_csv(reports, name):
    text = (reports[name] / "report.md").read_text()
    rows = _statistics(reports[name])
    known = {_triple(*r) for r in rows[["estimate", "ci_low", "ci_high"]].itertuples(index=False) if r[0] != ""}
    printed = [_triple(*m) for m in re.findall(TRIPLE, text)]
    assert len(printed) > (140 if name == "two" else 70)
    assert [p for p in printed if p not in known] == []


# Each kind of finding and the row of the statistics table it quotes (model, reference from the sentence).
MEASURE = r"(?P<measure>log-prob per \w+|summed log-prob)"
TASKS = (r"\*\*(?P<task>\w+)\*\*(?: and \*\*\w+\*\* \(both tasks score the same distinct summaries, so this is one "
         r"result\))?")
FINDINGS = [
    (rf"^\*\*(?P<task>\w+)\*\* \({MEASURE}\): (?P<model>\w+) tracks humans best by agreement with the human "
     rf"choice, {TRIPLE}", {"statistic": "agreement", "reference": "", "group": "all"}),
    (rf"^\*\*(?P<task>\w+)\*\* \({MEASURE}\): (?P<model>\w+) (?:tracks humans best by|reaches) Spearman ρ with "
     rf"the overall rating,? {TRIPLE}", {"statistic": "spearman", "axis": "overall", "reference": "", "group": "all"}),
    (rf"^\*\*(?P<task>\w+)\*\* \({MEASURE}\): (?P<model>\w+) reaches agreement with the human choice {TRIPLE}",
     {"statistic": "agreement", "reference": "", "group": "all"}),
    (rf"^\*\*(?P<task>\w+)\*\*: the implicit reward of (?P<model>\w+) \({MEASURE} minus (?P<reference>\w+)'s\) "
     rf"agrees with the human choice at {TRIPLE}", {"statistic": "implicit_reward_agreement"}),
    (rf"^{TASKS}, hypothesis 2, (?P<model>\w+) vs (?P<reference>\w+): sharpening γ \(within-post slope "
     rf"of the model's summed log-prob on the reference's, token count(?: and the reference's summed next-token "
     rf"entropy)? held fixed\) is {TRIPLE}",
     {"statistic": "sharpening_gamma", "measure": "sum"}),
    (r"^\*\*(?P<task>\w+)\*\*, (?P<model>\w+) vs (?P<reference>\w+): per-byte shift on preferred minus rejected "
     rf"summaries is {TRIPLE}", {"statistic": "preferred_vs_rejected_shift"}),
    (rf"^{TASKS}: mean token entropy along the summaries, (?P<model>\w+) minus (?P<reference>\w+), is "
     rf"{TRIPLE}", {"statistic": "mean_entropy_difference"}),
    # hypothesis 1: alpha of group all, and of the fit with length (and quality) held fixed
    (rf"^\*\*(?P<task>\w+)\*\*, hypothesis 1 \({MEASURE}\), (?P<model>\w+): typicality bias α {TRIPLE}",
     {"statistic": "typicality_alpha", "reference": "", "group": "all"}),
    (rf"^\*\*(?P<task>\w+)\*\*, hypothesis 1 \({MEASURE}\), (?P<model>\w+): typicality bias α \(pairs with equal mean "
     rf"accuracy\) {TRIPLE}", {"statistic": "typicality_alpha", "reference": "", "group": "tie_accuracy"}),
    (rf"^\*\*(?P<task>\w+)\*\*, hypothesis 1 \({MEASURE}\), (?P<model>\w+): typicality bias α \(all pairs, quality "
     rf"ratings held fixed\) {TRIPLE}",
     {"statistic": "typicality_alpha", "reference": "", "group": "quality_adjusted"}),
    (rf"^\*\*(?P<task>\w+)\*\*, hypothesis 1 with length held fixed \({MEASURE}\), (?P<model>\w+): α {TRIPLE}",
     {"statistic": "typicality_alpha", "reference": "", "group": ("length_adjusted", "quality_length_adjusted")}),
    (rf"^\*\*(?P<task>\w+)\*\*, hypothesis 1 with quality and length held fixed \({MEASURE}\), (?P<model>\w+): "
     rf"α {TRIPLE}", {"statistic": "typicality_alpha", "reference": "", "group": "quality_length_adjusted"}),
]
# The measure as a finding words it (`postprocess.report.findings.MEASURE_WORDS`), back to the column's value.
MEASURES = {words: measure for measure, words in MEASURE_WORDS.items()}
# The human ceiling beside an agreement finding quotes the run's human_agreement row.
CEILING = rf"Labellers agree with each other at {TRIPLE}"


def finding_bullets(text: str) -> list[str]:
    """The findings of report.md: the bullets of the sections by question (hypotheses 1 and 2, data and methods)."""
    sections = text.split("\n## Hypothesis 1: ")[1]
    return [line[2:] for line in sections.splitlines() if line.startswith("- ")]


@pytest.mark.parametrize("name", ["two", "single"])
def test_each_finding_quotes_its_row_of_the_table(reports, name):
    text = (reports[name] / "report.md").read_text()
    bullets = finding_bullets(text)
    rows = _statistics(reports[name])
    quoted = 0
    for bullet in bullets:
        for pattern, where in FINDINGS:
            if match := re.match(pattern, bullet):
                found = match.groupdict()
                if "measure" in found:
                    found["measure"] = MEASURES[found["measure"]]
                keep = pd.Series(True, index=rows.index)
                for column, value in {**where, **found}.items():
                    keep &= rows[column].isin(value) if isinstance(value, tuple) else rows[column] == value
                (row,) = rows[keep].itertuples(index=False)
                assert _triple(row.estimate, row.ci_low, row.ci_high) in bullet, bullet
                assert "(95% CI)" in bullet
                quoted += 1
                if ceiling := re.search(CEILING, bullet):
                    (human,) = rows[(rows["statistic"] == "human_agreement") & (rows["model"] == found["model"])
                                    & (rows["task"] == found["task"]) & (rows["reference"] == "")].itertuples()
                    assert _triple(*ceiling.groups()) == _triple(human.estimate, human.ci_low, human.ci_high)
                break
    numbered = [b for b in bullets if re.search(TRIPLE, b)]
    # hypothesis 1: one sentence per run and task with alpha, one more where the adjusted fit exists
    alpha = rows[(rows["statistic"] == "typicality_alpha") & (rows["reference"] == "")]
    hypothesis_1 = sum(len(alpha[alpha["group"].isin(groups)][["model", "task"]].drop_duplicates())
                       for groups in (["all", "tie_accuracy"], ["length_adjusted", "quality_length_adjusted"]))
    assert quoted == len(numbered) == (8 if name == "two" else 2) + hypothesis_1


# A verdict phrase of a finding or an answer and the side of the null its interval must lie on ("indistinguishable
# from MODEL" compares two models, not an interval with its null).
VERDICTS = {
    1: ("above chance", "humans prefer the summary the model finds more likely", "γ > 1", "above zero",
        "likelihood still predicts the human preference", "more diverse", "higher entropy"),
    -1: ("below chance", "humans prefer the summary the model finds less likely", "γ < 1", "below zero",
         "lower entropy", "less diverse"),
    0: ("not distinguishable from", "no evidence", "contains 0", "contains 1"),
}
NULLS = {"agreement": 0.5, "agreement_wilson": 0.5, "ranking_accuracy": 0.5, "majority_agreement": 0.5,
         "implicit_reward_agreement": 0.5, "sharpening_gamma": 1.0, "predicted_gamma": 1.0}


def claims(text: str) -> list[tuple[str, int | None]]:
    """(number triple, the direction the words right after it claim, None when they claim none) of every triple
    of a finding or answer: the clause after a triple runs to its next triple."""
    parts = re.split(rf"({TRIPLE})", text)
    out = []
    for i in range(1, len(parts), 5):  # re.split keeps the whole match and its three groups
        clause = parts[i + 4] if i + 4 < len(parts) else ""
        clause = clause.split(". ")[0]
        said = [d for d, phrases in VERDICTS.items() if any(p in clause for p in phrases)]
        out.append((_triple(*parts[i + 1:i + 4]), said[0] if len(said) == 1 else None))
    return out


@pytest.mark.parametrize("name", ["two", "single"])
def test_findings_and_answers_agree_with_the_tables_on_the_same_page(reports, name):
    """Every number of a finding or an answer is a row of the statistics table and a cell of a table of report.md
    (so a finding never shows a number the page's tables do not), and the direction its words claim is the side
    of the null its interval lies on (0.5 for agreement, 1 for gamma, else 0), with no claim from a † interval."""
    text = (reports[name] / "report.md").read_text()
    rows = _statistics(reports[name])
    rows = rows[rows["estimate"] != ""]
    by_triple: dict[str, list] = {}
    for r in rows.itertuples(index=False):
        if r.ci_low != "":
            by_triple.setdefault(_triple(r.estimate, r.ci_low, r.ci_high), []).append(r)
    table_text = "\n".join(line for line in text.splitlines() if line.startswith("|"))
    answers = text.split("## Answers\n")[1].split("\n## ")[0]
    sentences = [*finding_bullets(text), *(p for p in answers.split("\n\n") if p.startswith("**Hypothesis"))]
    directions = 0
    for sentence in sentences:
        for triple, claimed in claims(sentence):
            candidates = by_triple[triple]  # a triple two statistics share (R~ equals agreement without ties)
            assert triple in table_text, (triple, sentence)
            if claimed is None:
                continue
            actual = set()
            for row in candidates:
                null = NULLS.get(row.statistic, 0.0)
                actual.add(1 if float(row.ci_low) > null else -1 if float(row.ci_high) < null else 0)
            assert claimed in actual, (triple, [r.statistic for r in candidates], sentence)
            directions += 1
    assert directions >= (10 if name == "two" else 3)


def test_answers_open_the_report_on_the_main_measure(reports):
    text = (reports["two"] / "report.md").read_text()
    head = text.splitlines()[:30]
    assert "## Answers" in head
    assert any(line.startswith("**Hypothesis 1:") for line in head)
    assert any(line.startswith("**Hypothesis 2:") for line in head)
    assert "Main measure: log-prob per token" in text
    assert [h for h in re.findall(r"^## (.+)$", text, re.M)] == [
        "Answers", "Hypothesis 1: does the likelihood predict the human preference?",
        "Hypothesis 2: does tuning sharpen the reference?", "Data and methods"]
    assert "|  | n/a" not in text
    assert json.loads((reports["two"] / "summary.json").read_text())["settings"]["main_measure"] == "per_token"


def test_main_measure_changes_the_answers_and_findings_and_is_recorded(reports):
    text = (reports["per_byte"] / "report.md").read_text()
    assert json.loads((reports["per_byte"] / "summary.json").read_text())["settings"]["main_measure"] == "per_byte"
    assert "Main measure: log-prob per byte" in text
    measured = [b for b in finding_bullets(text) if re.match(rf"^\*\*\w+\*\*(, hypothesis 1[^(]*)? \({MEASURE}\)", b)]
    assert measured and all("(log-prob per byte)" in b for b in measured)


@pytest.mark.parametrize("name", ["two", "single"])
def test_csv_tables_are_filters_of_the_statistics_table(reports, name):
    tables = reports[name] / "tables"
    statistics = _statistics(reports[name])
    parts = []
    for csv in ("axis_correlations", "axis_breakdowns", "agreement", "comparisons", "typicality", "human_ceiling",
                "generation", "baselines"):
        if csv == "comparisons" and name == "single":
            assert not (tables / "comparisons.csv").exists()
            continue
        if csv in ("typicality", "human_ceiling", "generation", "baselines") and not (tables / f"{csv}.csv").exists():
            continue  # hypothesis 1's and the generation tables exist only where the runs give their rows
        part = pd.read_csv(tables / f"{csv}.csv", keep_default_na=False)
        assert tuple(part.columns) == (*COLUMNS, *DETAIL_COLUMNS)
        parts.append(part.loc[:, list(COLUMNS)])
    together = pd.concat(parts).astype(str).sort_values(list(COLUMNS)).reset_index(drop=True)
    pd.testing.assert_frame_equal(together, statistics.astype(str).sort_values(list(COLUMNS)).reset_index(drop=True))
    fits = pd.read_csv(tables / "preference_model.csv")
    assert fits.columns.tolist()[:4] == ["model", "task", "fit", "term"]
    assert len(fits) == 3 * (2 if name == "two" else 1)  # the terms of the two fits of each run


def test_every_coverage_follows_confidence(reports):
    text = (reports["ninety"] / "report.md").read_text()
    assert "95%" not in text
    assert "Intervals: 90% percentile cluster bootstrap" in text
    assert "spearman (Spearman ρ; estimate [90% CI], clustered by post):" in text and "| agreement [90% CI] |" in text
    assert "with the median per rating level and its 90% CI." in text and "bars are 90% CIs clustered by post" in text
    assert re.search(rf"reaches agreement with the human choice {TRIPLE} \(90% CI\)", text)
