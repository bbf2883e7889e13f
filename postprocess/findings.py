"""The short findings section of report.md, generated from summary.json-shaped numbers.

Wording follows the intervals, never the point estimates alone: a direction is claimed only when the
confidence interval excludes the null (0 for correlations and differences, 0.5 for agreement with
the human choice). Otherwise the sentence says the data show no evidence either way, or that models
are indistinguishable. A statistic without an interval (n_resamples = 0) or undefined on the data
(estimate None) supports no claim, and the sentence says why.

"Best" model: for each task, the run with the highest estimate. It is called ahead of another model
only when (a) that other model is the reference and the paired difference's interval (same resampled
posts) excludes 0, or (b) otherwise, the two runs' own intervals do not overlap, a conservative test
since independent intervals ignore the pairing.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    there is no estimate or no interval (no claim possible).

    Examples
    --------
    >>> direction({"estimate": 0.1, "ci_low": -0.01, "ci_high": 0.2}), direction({"estimate": 0.6,
    ...     "ci_low": 0.55, "ci_high": 0.65}, null=0.5), direction({"estimate": None})
    (0, 1, None)
    """
    if not stat or stat.get("estimate") is None or stat.get("ci_low") is None or stat.get("ci_high") is None:
        return None
    if stat["ci_low"] > null:
        return 1
    if stat["ci_high"] < null:
        return -1
    return 0


def _entries(summary: Mapping) -> list[dict]:
    comps = summary.get("comparisons") or []
    return list(comps.values()) if isinstance(comps, Mapping) else list(comps)


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


def _ahead(summary, best: str, best_stat, other: str, other_stat, kind, task, measure, axis) -> bool | None:
    """True: best is ahead of other; False: indistinguishable; None: no interval to decide."""
    diff = _paired(summary, best, other, kind, task, measure, axis)
    if diff is not None:
        d = direction(diff)
        return None if d is None else d > 0
    if other_stat is None or other_stat.get("estimate") is None:
        return None
    if None in (best_stat.get("ci_low"), other_stat.get("ci_high")):
        return None
    return best_stat["ci_low"] > other_stat["ci_high"]


def _ranking(summary: Mapping, kind: str, task: str, axis: str | None = "overall") -> str | None:
    runs = [r for r in summary.get("runs", []) if task in r.get(kind, {})]
    measure = next((m for m in PREFERRED_MEASURES if all(m in r[kind][task] for r in runs)), None)
    if not runs or measure is None:
        return None
    what = "agreement with the human choice" if kind == "cmp" else f"Spearman ρ with the {axis} rating"
    stats = {r["model_name"]: _stat_of(r, kind, task, measure, axis) for r in runs}
    defined = {m: s for m, s in stats.items() if s and s.get("estimate") is not None}
    head = f"**{task}** ({MEASURE_WORDS[measure]}): "
    if not defined:
        reasons = "; ".join(f"{m}: {_fmt(s)}" for m, s in stats.items())
        return head + f"{what} is undefined for every model ({reasons})."
    null = 0.5 if kind == "cmp" else 0.0
    chance = "chance (0.5)" if kind == "cmp" else "zero"
    if len(runs) == 1:
        (name, stat), = stats.items()
        d = direction(stat, null)
        verdict = {1: f"above {chance}", -1: f"below {chance}", 0: f"not distinguishable from {chance}",
                   None: "no interval, so no claim"}[d]
        return head + f"{name} reaches {what} {_fmt(stat)}: {verdict}."
    best = max(defined, key=lambda m: defined[m]["estimate"])
    ahead, tied, unknown = [], [], []
    for other, s in stats.items():
        if other == best:
            continue
        verdict = _ahead(summary, best, defined[best], other, s, kind, task, measure, axis)
        (ahead if verdict else tied if verdict is False else unknown).append(other)
    text = head + f"{best} tracks humans best by {what}, {_fmt(defined[best])}"
    if not tied and not unknown:
        text += f"; it is ahead of every other model ({', '.join(ahead)})."
    elif not ahead and not unknown:
        text += f", but it is indistinguishable from {', '.join(tied)} at this sample size."
    else:
        parts = ([f"ahead of {', '.join(ahead)}"] if ahead else []) + (
            [f"indistinguishable from {', '.join(tied)}"] if tied else []) + (
            [f"not comparable with {', '.join(unknown)} (no interval or undefined)"] if unknown else [])
        text += "; " + "; ".join(parts) + "."
    if direction(defined[best], null) == 0:
        text += f" Even its interval includes {chance}."
    return text


def _concentration(entry: Mapping) -> list[str]:
    out = []
    who = f"{entry['model_name']} vs {entry['reference']}"
    for task, c in sorted(entry.get("concentration", {}).items()):
        s = c.get("shift_vs_reference")
        d = direction(s)
        verdict = {1: "the concentration effect holds: fine-tuning raised most the summaries the reference "
                      "already found likely",
                   -1: "the opposite of concentration: fine-tuning raised most the summaries the reference "
                       "found unlikely",
                   0: "no evidence either way at this sample size",
                   None: "no claim (no interval or undefined)"}[d]
        out.append(f"**{task}**, {who}: Spearman of the per-byte shift with the reference's per-byte log-prob "
                   f"is {_fmt(s)}; {verdict}.")
    for task, block in sorted(entry.get("cmp", {}).items()):
        diff = block.get("preferred_vs_rejected_shift", {}).get("difference")
        if diff is not None:
            d = direction(diff)
            verdict = {1: "fine-tuning raised the human-preferred summaries more than the rejected ones",
                       -1: "fine-tuning raised the rejected summaries more than the human-preferred ones",
                       0: "no evidence either way at this sample size",
                       None: "no claim (no interval or undefined)"}[d]
            out.append(f"**{task}**, {who}: per-byte shift on preferred minus rejected summaries is "
                       f"{_fmt(diff)}; {verdict}.")
    return out


def _implicit_reward(entry: Mapping) -> list[str]:
    out = []
    for task, block in sorted(entry.get("cmp", {}).items()):
        s = block.get("implicit_reward", {}).get("agreement")
        d = direction(s, 0.5)
        verdict = {1: "above chance", -1: "below chance", 0: "not distinguishable from chance (0.5)",
                   None: "no claim (no interval or undefined)"}[d]
        out.append(f"**{task}**: the implicit reward of {entry['model_name']} (log-prob minus "
                   f"{entry['reference']}'s) agrees with the human choice at {_fmt(s)}: {verdict}.")
    return out


def _entropy(entry: Mapping) -> list[str]:
    out = []
    ent = entry.get("entropy", {})
    if "note" in ent:
        return out
    for task, block in sorted(ent.items()):
        diff = block.get("difference")
        if diff is None:
            continue
        d = direction(diff)
        verdict = {1: "higher entropy than the reference (no sign of mode collapse)",
                   -1: "lower entropy than the reference, as mode collapse would show",
                   0: "no evidence of a change in entropy at this sample size",
                   None: "no claim (no interval or undefined)"}[d]
        out.append(f"**{task}**: mean token entropy along the summaries, {entry['model_name']} minus "
                   f"{entry['reference']}, is {_fmt(diff)} nats: {verdict}.")
    return out


def findings(summary: Mapping) -> list[str]:
    """Markdown bullet sentences (without the leading "- ") summarising the report's numbers.

    Parameters
    ----------
    summary : mapping
        summary.json-shaped: ``runs`` (each with ``model_name``, ``axis[TASK][MEASURE][AXIS]["spearman"]``
        and ``cmp[TASK][MEASURE]["agreement"]``) and optionally ``comparisons`` (entries of
        `postprocess.compare.compare_runs`, as a list or a dict).

    Returns
    -------
    list of str
        Which model tracks humans best per task (agreement; Spearman with the overall rating), then,
        per comparison, the implicit reward against chance, the concentration test and entropy.

    Examples
    --------
    >>> run = {"model_name": "m", "cmp": {"t": {"per_byte": {"agreement": {"estimate": 0.55,
    ...        "ci_low": 0.49, "ci_high": 0.61, "details": {"confidence": 0.95}}}}}, "axis": {}}
    >>> print(findings({"runs": [run]})[0])  # doctest: +NORMALIZE_WHITESPACE
    **t** (log-prob per byte): m reaches agreement with the human choice 0.550 [0.490, 0.610] (95% CI):
    not distinguishable from chance (0.5).
    """
    out = []
    runs = summary.get("runs", [])
    for kind in ("cmp", "axis"):
        tasks = sorted({t for r in runs for t in r.get(kind, {})})
        for task in tasks:
            line = _ranking(summary, kind, task)
            if line:
                out.append(line)
    for entry in _entries(summary):
        out += _implicit_reward(entry) + _concentration(entry) + _entropy(entry)
    return out
