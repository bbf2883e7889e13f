"""The short findings section of report.md, generated from summary.json-shaped numbers.

Wording follows the intervals, never the point estimates alone: a direction is claimed only when the
confidence interval excludes the null (0 for correlations and differences, 0.5 for agreement with
the human choice). Otherwise the sentence says the data show no evidence either way, or that models
are indistinguishable. A statistic without an interval (n_resamples = 0), undefined on the data
(estimate None), or whose interval is unreliable (from fewer than 10 posts, or of zero width:
`postprocess.stats.result.interval_warning`) supports no directional claim, and the sentence says why.
The p-values of the report's tables invert the same intervals, so no sentence contradicts its table.

Models are named by their display name (`postprocess.io.provenance`); each sentence about a task adds
the data notes of the runs it rests on (rows dropped for a NaN log-prob, ...). On made-up data
(`synthetic_data`) the first bullet says that no conclusion can be drawn.

"Best" model: for each task, the run with the highest estimate. It is called ahead of another model
only when (a) that other model is the reference and the paired difference's interval (same resampled
posts) excludes 0, or (b) otherwise, the two runs' own intervals do not overlap, a conservative test
since independent intervals ignore the pairing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from postprocess.io.provenance import chat_template_note, display_name_map, synthetic_scope
from postprocess.io.samples import describe_data_notes
from postprocess.stats.result import interval_warning

PREFERRED_MEASURES = ("per_byte", "sum", "per_token")
MEASURE_WORDS = {"sum": "summed log-prob", "per_byte": "log-prob per byte", "per_token": "log-prob per token"}


def _fmt(stat: Mapping | None) -> str:
    """'0.123 [0.100, 0.150]', or the estimate alone, or 'undefined (reason)'."""
    if not stat or stat.get("estimate") is None:
        return f"undefined ({(stat or {}).get('reason') or 'not computed'})"
    out = f"{stat['estimate']:.3f}"
    if stat.get("ci_low") is not None and stat.get("ci_high") is not None:
        pct = round(100 * (stat.get("details") or {}).get("confidence", 0.95))
        out += f" [{stat['ci_low']:.3f}, {stat['ci_high']:.3f}] ({pct}% CI)"
    return out


def direction(stat: Mapping | None, null: float = 0.0) -> int | None:
    """+1 / -1 when the interval lies wholly above / below `null`, 0 when it contains it, None when
    there is no estimate, no interval, or an unreliable one (no claim possible; `no_claim` says why).

    Examples
    --------
    >>> direction({"estimate": 0.1, "ci_low": -0.01, "ci_high": 0.2}), direction({"estimate": 0.6,
    ...     "ci_low": 0.55, "ci_high": 0.65}, null=0.5), direction({"estimate": None})
    (0, 1, None)
    """
    if not stat or stat.get("estimate") is None or stat.get("ci_low") is None or stat.get("ci_high") is None:
        return None
    if interval_warning(stat):
        return None
    if stat["ci_low"] > null:
        return 1
    if stat["ci_high"] < null:
        return -1
    return 0


def no_claim(stat: Mapping | None) -> str:
    """Why `direction` gives None for `stat`: its unreliable interval, or no interval / undefined."""
    warning = interval_warning(stat)
    return f"no directional claim ({warning})" if warning else "no claim (no interval or undefined)"


def _entries(summary: Mapping) -> list[dict]:
    comps = summary.get("comparisons") or []
    return list(comps.values()) if isinstance(comps, Mapping) else list(comps)


def _data_notes(summary: Mapping, model_names: Iterable[str], task: str, names: Mapping[str, str]) -> str:
    """' Data notes: MODEL: ...' for the runs a sentence rests on, or '' when they have none."""
    wanted = set(model_names)
    parts = []
    for run in summary.get("runs", []):
        if run["model_name"] in wanted:
            notes = describe_data_notes((run.get("tasks", {}).get(task) or {}).get("data_notes") or {})
            if notes:
                parts.append(f"{names[run['model_name']]}: {'; '.join(notes)}")
    return f" Data notes: {'; '.join(parts)}." if parts else ""


def _stat_of(run: Mapping, kind: str, task: str, measure: str, axis: str | None) -> Mapping | None:
    block = run.get(kind, {}).get(task, {}).get(measure, {})
    return block.get("agreement") if kind == "cmp" else block.get(axis, {}).get("spearman")


def _paired(summary: Mapping, a: str, b: str, kind: str, task: str, measure: str, axis: str | None):
    """The paired difference a - b when one of them is the reference, else None."""
    for entry in _entries(summary):
        pair = {entry.get("model_name"), entry.get("reference")}
        if pair == {a, b}:
            diffs = entry.get(kind, {}).get(task, {}).get("differences", {}).get(measure, {})
            stat = diffs.get("agreement") if kind == "cmp" else diffs.get(axis, {}).get("spearman")
            if stat is None or stat.get("estimate") is None:
                return None
            if entry["model_name"] == a:
                return stat
            flipped = dict(stat, estimate=-stat["estimate"])
            if stat.get("ci_low") is not None and stat.get("ci_high") is not None:
                flipped.update(ci_low=-stat["ci_high"], ci_high=-stat["ci_low"])
            return flipped
    return None


def _ahead(summary, best: str, best_stat, other: str, other_stat, kind, task, measure, axis,
           names: Mapping[str, str]) -> tuple[bool | None, str]:
    """(True, ''): best is ahead of other; (False, ''): indistinguishable; (None, why): no usable interval."""
    diff = _paired(summary, best, other, kind, task, measure, axis)
    if diff is not None:
        d = direction(diff)
        return (None, interval_warning(diff) or "no interval or undefined") if d is None else (d > 0, "")
    if other_stat is None or other_stat.get("estimate") is None:
        return None, "no interval or undefined"
    if None in (best_stat.get("ci_low"), other_stat.get("ci_high")):
        return None, "no interval or undefined"
    for name, stat in ((best, best_stat), (other, other_stat)):
        if warning := interval_warning(stat):
            return None, f"{names[name]}'s {warning}"
    return best_stat["ci_low"] > other_stat["ci_high"], ""


def _ranking(summary: Mapping, kind: str, task: str, names: Mapping[str, str], axis: str | None = "overall"
             ) -> str | None:
    runs = [r for r in summary.get("runs", []) if task in r.get(kind, {})]
    measure = next((m for m in PREFERRED_MEASURES if all(m in r[kind][task] for r in runs)), None)
    if not runs or measure is None:
        return None
    what = "agreement with the human choice" if kind == "cmp" else f"Spearman ρ with the {axis} rating"
    stats = {r["model_name"]: _stat_of(r, kind, task, measure, axis) for r in runs}
    defined = {m: s for m, s in stats.items() if s and s.get("estimate") is not None}
    head = f"**{task}** ({MEASURE_WORDS[measure]}): "
    notes = _data_notes(summary, stats, task, names)
    if not defined:
        reasons = "; ".join(f"{names[m]}: {_fmt(s)}" for m, s in stats.items())
        return head + f"{what} is undefined for every model ({reasons})." + notes
    null = 0.5 if kind == "cmp" else 0.0
    chance = "chance (0.5)" if kind == "cmp" else "zero"
    if len(runs) == 1:
        (name, stat), = stats.items()
        d = direction(stat, null)
        warning = interval_warning(stat)
        verdict = {1: f"above {chance}", -1: f"below {chance}", 0: f"not distinguishable from {chance}",
                   None: f"no directional claim ({warning})" if warning else "no interval, so no claim"}[d]
        return head + f"{names[name]} reaches {what} {_fmt(stat)}: {verdict}." + notes
    best = max(defined, key=lambda m: defined[m]["estimate"])
    ahead, tied, unknown = [], [], []
    for other, s in stats.items():
        if other == best:
            continue
        verdict, why = _ahead(summary, best, defined[best], other, s, kind, task, measure, axis, names)
        if verdict is None:
            unknown.append(f"{names[other]} ({why})")
        else:
            (ahead if verdict else tied).append(names[other])
    text = head + f"{names[best]} tracks humans best by {what}, {_fmt(defined[best])}"
    if not tied and not unknown:
        text += f"; it is ahead of every other model ({', '.join(ahead)})."
    elif not ahead and not unknown:
        text += f", but it is indistinguishable from {', '.join(tied)} at this sample size."
    else:
        parts = ([f"ahead of {', '.join(ahead)}"] if ahead else []) + (
            [f"indistinguishable from {', '.join(tied)}"] if tied else []) + (
            [f"not comparable with {', '.join(unknown)}"] if unknown else [])
        text += "; " + "; ".join(parts) + "."
    if direction(defined[best], null) == 0:
        text += f" Even its interval includes {chance}."
    elif warning := interval_warning(defined[best]):
        text += f" Its own interval supports no claim against {chance}: {warning}."
    return text + notes


def _who(entry: Mapping, names: Mapping[str, str]) -> str:
    return f"{names.get(entry['model_name'], entry['model_name'])} vs {names.get(entry['reference'], entry['reference'])}"


def _entry_notes(summary: Mapping, entry: Mapping, task: str, names: Mapping[str, str]) -> str:
    return _data_notes(summary, (entry["model_name"], entry["reference"]), task, names)


def _concentration(summary: Mapping, entry: Mapping, names: Mapping[str, str]) -> list[str]:
    out = []
    who = _who(entry, names)
    for task, c in sorted(entry.get("concentration", {}).items()):
        s = c.get("shift_vs_reference")
        d = direction(s)
        verdict = {1: "the concentration effect holds: fine-tuning raised most the summaries the reference "
                      "already found likely",
                   -1: "the opposite of concentration: fine-tuning raised most the summaries the reference "
                       "found unlikely",
                   0: "no evidence either way at this sample size",
                   None: no_claim(s)}[d]
        out.append(f"**{task}**, {who}: Spearman of the per-byte shift with the reference's per-byte log-prob "
                   f"is {_fmt(s)}; {verdict}." + _entry_notes(summary, entry, task, names))
    for task, block in sorted(entry.get("cmp", {}).items()):
        diff = block.get("preferred_vs_rejected_shift", {}).get("difference")
        if diff is not None:
            d = direction(diff)
            verdict = {1: "fine-tuning raised the human-preferred summaries more than the rejected ones",
                       -1: "fine-tuning raised the rejected summaries more than the human-preferred ones",
                       0: "no evidence either way at this sample size",
                       None: no_claim(diff)}[d]
            out.append(f"**{task}**, {who}: per-byte shift on preferred minus rejected summaries is "
                       f"{_fmt(diff)}; {verdict}." + _entry_notes(summary, entry, task, names))
    return out


def _implicit_reward(summary: Mapping, entry: Mapping, names: Mapping[str, str]) -> list[str]:
    out = []
    model, reference = (names.get(entry[k], entry[k]) for k in ("model_name", "reference"))
    for task, block in sorted(entry.get("cmp", {}).items()):
        s = block.get("implicit_reward", {}).get("agreement")
        d = direction(s, 0.5)
        verdict = {1: "above chance", -1: "below chance", 0: "not distinguishable from chance (0.5)",
                   None: no_claim(s)}[d]
        out.append(f"**{task}**: the implicit reward of {model} (log-prob minus {reference}'s) agrees with the "
                   f"human choice at {_fmt(s)}: {verdict}." + _entry_notes(summary, entry, task, names))
    return out


def _entropy(summary: Mapping, entry: Mapping, names: Mapping[str, str]) -> list[str]:
    out = []
    ent = entry.get("entropy", {})
    if "note" in ent:
        return out
    model, reference = (names.get(entry[k], entry[k]) for k in ("model_name", "reference"))
    for task, block in sorted(ent.items()):
        diff = block.get("difference")
        if diff is None:
            continue
        d = direction(diff)
        verdict = {1: "higher entropy than the reference (no sign of mode collapse)",
                   -1: "lower entropy than the reference, as mode collapse would show",
                   0: "no evidence of a change in entropy at this sample size",
                   None: no_claim(diff)}[d]
        out.append(f"**{task}**: mean token entropy along the summaries, {model} minus {reference}, is "
                   f"{_fmt(diff)} nats: {verdict}." + _entry_notes(summary, entry, task, names))
    return out


def _synthetic(summary: Mapping) -> list[str]:
    scope = synthetic_scope(summary.get("runs", []))
    if scope is None:
        return []
    return [(f"**Synthetic data** ({scope}): these rows are made up, so no conclusion about humans or "
            "models can be drawn from them; the sentences below only show how real results would be worded.")]


def _models(summary: Mapping, names: Mapping[str, str]) -> list[str]:
    """One bullet naming each model's weights (quantised or not) and whether a chat template was used."""
    parts = []
    for run in summary.get("runs", []):
        said = ([run["weights"] or "no quantisation recorded"] if "weights" in run else []) + [
            note for note in (chat_template_note(run.get("tasks", {})),) if note]
        if said:
            parts.append(f"{names[run['model_name']]}: {', '.join(said)}")
    return [f"**Models**: {'; '.join(parts)}."] if parts else []


def findings(summary: Mapping) -> list[str]:
    """Markdown bullet sentences (without the leading "- ") summarising the report's numbers.

    Parameters
    ----------
    summary : mapping
        summary.json-shaped: ``runs`` (each with ``model_name``, ``axis[TASK][MEASURE][AXIS]["spearman"]``
        and ``cmp[TASK][MEASURE]["agreement"]``; optionally ``display_name``, ``weights`` and
        ``tasks[TASK]`` with ``data_origin``, ``chat_template`` and ``data_notes``) and optionally
        ``comparisons`` (entries of `postprocess.compare.statistics.compare_runs`, as a list or a dict).

    Returns
    -------
    list of str
        A warning when any task was scored on synthetic data, the models' weights and chat template,
        which model tracks humans best per task (agreement; Spearman with the overall rating), then,
        per comparison, the implicit reward against chance, the concentration test and entropy.

    Examples
    --------
    >>> run = {"model_name": "m", "cmp": {"t": {"per_byte": {"agreement": {"estimate": 0.55,
    ...        "ci_low": 0.49, "ci_high": 0.61, "details": {"confidence": 0.95}}}}}, "axis": {}}
    >>> print(findings({"runs": [run]})[0])  # doctest: +NORMALIZE_WHITESPACE
    **t** (log-prob per byte): m reaches agreement with the human choice 0.550 [0.490, 0.610] (95% CI):
    not distinguishable from chance (0.5).

    An interval from fewer than 10 posts supports no claim, even one that excludes chance:

    >>> run["cmp"]["t"]["per_byte"]["agreement"].update(ci_low=0.52, details={"n_clusters": 6})
    >>> print(findings({"runs": [run]})[0])  # doctest: +NORMALIZE_WHITESPACE
    **t** (log-prob per byte): m reaches agreement with the human choice 0.550 [0.520, 0.610] (95% CI):
    no directional claim (interval from only 6 posts, fewer than 10).
    """
    names = display_name_map(summary)
    out = _synthetic(summary) + _models(summary, names)
    runs = summary.get("runs", [])
    for kind in ("cmp", "axis"):
        tasks = sorted({t for r in runs for t in r.get(kind, {})})
        for task in tasks:
            line = _ranking(summary, kind, task, names)
            if line:
                out.append(line)
    for entry in _entries(summary):
        out += (_implicit_reward(summary, entry, names) + _concentration(summary, entry, names)
                + _entropy(summary, entry, names))
    return out
