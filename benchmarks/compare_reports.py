"""Two `summ-pref report` folders compared statistic by statistic: the guard of a refactoring that must not
change what the report says.

    python benchmarks/compare_reports.py BEFORE AFTER [--rename MAP.json] [--rtol 1e-9] [--atol 1e-12]
                                         [--tables] [--markdown]

Compared, with a float tolerance (|a - b| <= atol + rtol * |b|):

- tables/statistics.csv: every row keyed by the table's address columns (model, reference, task, measure, axis,
  statistic, group); its estimate, interval (ci_low, ci_high), p (p_value, p_holm), n and n_dropped, its method
  and reason; a row on one side only is a difference, and so is an address held twice.
- summary.json: every leaf at its key path, except the keys that change on every run (`created`, `elapsed_s`;
  more with --ignore).
- with --tables, every other CSV under tables/ row by row; with --markdown, report.md line by line (its
  creation time masked).

--rename takes a JSON file {"statistic": {"old": "new"}, "group": {"old": "new"}, "key": {"old": "new"}}: BEFORE's
statistic and group names (and summary.json keys) are mapped before comparing, for a change that renames them.

Exits 0 when the folders agree, else 1 after naming each difference (at most --limit of them per file).

How the baselines of the report-registry refactoring were made (the code before the change, into
/work/wt/baseline-reports/): `summ-pref report` on the demo's two runs as `summ-pref demo` calls it (the embedded
run as the reference, `--embedding-model @default`), and on a tiny model's `summ-pref eval` of 25 real rows of
summ_pref_cmp and summ_pref_axis_cnndm (../shared/data, as tests/conftest.py's `cli_eval_run`), kept with its run
in shared-run/.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

ADDRESS = ("model", "reference", "task", "measure", "axis", "statistic", "group")
NUMBERS = ("estimate", "ci_low", "ci_high", "p_value", "p_holm", "n", "n_dropped")
TEXTS = ("method", "reason")
VOLATILE = ("created", "elapsed_s")


def close(a: object, b: object, *, rtol: float, atol: float) -> bool:
    """Equal values, numbers within the tolerance (NaN equals NaN, None equals "")."""
    a, b = (None if v == "" or (isinstance(v, float) and math.isnan(v)) else v for v in (a, b))
    if isinstance(a, bool) or isinstance(b, bool) or not all(isinstance(v, (int, float)) for v in (a, b)):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={c: str for c in (*ADDRESS, *TEXTS)})


def _renamed(frame: pd.DataFrame, rename: dict) -> pd.DataFrame:
    frame = frame.copy()
    for column in ("statistic", "group"):
        if column in frame and rename.get(column):
            frame[column] = frame[column].replace(rename[column])
    return frame


def _keyed(frame: pd.DataFrame, side: str, problems: list[str]) -> dict[tuple, dict]:
    rows: dict[tuple, dict] = {}
    for row in frame.astype(object).fillna("").to_dict("records"):
        key = tuple(str(row[c]) for c in ADDRESS)
        if key in rows:
            problems.append(f"statistics.csv ({side}): row {_name(key)} appears twice")
        rows[key] = row
    return rows


def _name(key: tuple) -> str:
    return ", ".join(f"{c}={v}" for c, v in zip(ADDRESS, key) if v != "")


def compare_statistics(before: Path, after: Path, *, rename: dict, rtol: float, atol: float) -> list[str]:
    """The differences of two statistics.csv files, one line each."""
    problems: list[str] = []
    old = _keyed(_renamed(_read_csv(before), rename), "before", problems)
    new = _keyed(_read_csv(after), "after", problems)
    problems += [f"statistics.csv: row {_name(k)} only before" for k in old if k not in new]
    problems += [f"statistics.csv: row {_name(k)} only after" for k in new if k not in old]
    for key in old.keys() & new.keys():
        for column in (*NUMBERS, *TEXTS):
            a, b = old[key].get(column, ""), new[key].get(column, "")
            if not close(a, b, rtol=rtol, atol=atol):
                problems.append(f"statistics.csv: row {_name(key)}: {column} {a!r} before, {b!r} after")
    return sorted(problems)


def _leaves(value: object, path: tuple, rename: dict, ignore: set[str]) -> dict[tuple, object]:
    if isinstance(value, dict):
        out: dict[tuple, object] = {}
        for key, item in value.items():
            if key in ignore:
                continue
            key = rename.get("key", {}).get(key, rename.get("statistic", {}).get(key, key))
            out.update(_leaves(item, (*path, key), rename, ignore))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(_leaves(item, (*path, i), rename, ignore))
        return out or {path: []}
    return {path: value}


def compare_summary(before: Path, after: Path, *, rename: dict, rtol: float, atol: float,
                    ignore: set[str]) -> list[str]:
    """The differences of two summary.json files, one line per key path."""
    old = _leaves(json.loads(before.read_text()), (), rename, ignore)
    new = _leaves(json.loads(after.read_text()), (), {}, ignore)
    path = lambda key: "/".join(map(str, key))  # noqa: E731
    problems = [f"summary.json: {path(k)} only before" for k in old if k not in new]
    problems += [f"summary.json: {path(k)} only after" for k in new if k not in old]
    problems += [f"summary.json: {path(k)}: {old[k]!r} before, {new[k]!r} after" for k in old.keys() & new.keys()
                 if not close(old[k], new[k], rtol=rtol, atol=atol)]
    return sorted(problems)


def compare_tables(before: Path, after: Path, *, rename: dict, rtol: float, atol: float) -> list[str]:
    """The differences of the other CSV tables, row by row in file order."""
    problems = []
    names = {p.name for p in before.glob("*.csv")} | {p.name for p in after.glob("*.csv")}
    for name in sorted(names - {"statistics.csv"}):
        if not (before / name).exists() or not (after / name).exists():
            problems.append(f"tables/{name}: only {'after' if (after / name).exists() else 'before'}")
            continue
        old, new = _renamed(_read_csv(before / name), rename), _read_csv(after / name)
        if list(old.columns) != list(new.columns) or len(old) != len(new):
            problems.append(f"tables/{name}: columns or row count differ ({list(old.columns)} x {len(old)} before, "
                            f"{list(new.columns)} x {len(new)} after)")
            continue
        for i, (a, b) in enumerate(zip(old.astype(object).fillna("").to_dict("records"),
                                             new.astype(object).fillna("").to_dict("records"))):
            problems += [f"tables/{name}: row {i + 2}: {c} {a[c]!r} before, {b[c]!r} after" for c in old.columns
                         if not close(a[c], b[c], rtol=rtol, atol=atol)]
    return problems


def compare_markdown(before: Path, after: Path) -> list[str]:
    """The lines of report.md that differ (the creation time and the elapsed time masked)."""
    import difflib
    import re

    keep = lambda text: [re.sub(r"created \S+", "created …", line) for line in text.splitlines()  # noqa: E731
                         if "elapsed" not in line.lower()]
    diff = difflib.unified_diff(keep(before.read_text()), keep(after.read_text()), "before", "after", lineterm="", n=0)
    return [f"report.md: {line}" for line in list(diff)[2:] if not line.startswith("@@")]


def compare(before: Path, after: Path, *, rename: dict | None = None, rtol: float = 1e-9, atol: float = 1e-12,
            ignore: tuple[str, ...] = VOLATILE, tables: bool = False, markdown: bool = False) -> list[str]:
    """Every difference between two report folders, one line each; [] when they agree."""
    rename = rename or {}
    problems = compare_statistics(before / "tables" / "statistics.csv", after / "tables" / "statistics.csv",
                                  rename=rename, rtol=rtol, atol=atol)
    problems += compare_summary(before / "summary.json", after / "summary.json", rename=rename, rtol=rtol, atol=atol,
                                ignore=set(ignore))
    if tables:
        problems += compare_tables(before / "tables", after / "tables", rename=rename, rtol=rtol, atol=atol)
    if markdown:
        problems += compare_markdown(before / "report.md", after / "report.md")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rename", type=Path, help="JSON file of renamed statistic/group names and summary keys")
    parser.add_argument("--rtol", type=float, default=1e-9)
    parser.add_argument("--atol", type=float, default=1e-12)
    parser.add_argument("--ignore", nargs="*", default=list(VOLATILE), help="summary.json keys left out")
    parser.add_argument("--tables", action="store_true", help="also every other CSV under tables/")
    parser.add_argument("--markdown", action="store_true", help="also report.md, line by line")
    parser.add_argument("--limit", type=int, default=50, help="differences printed at most (default 50)")
    args = parser.parse_args(argv)
    rename = json.loads(args.rename.read_text()) if args.rename else {}
    problems = compare(args.before, args.after, rename=rename, rtol=args.rtol, atol=args.atol,
                       ignore=tuple(args.ignore), tables=args.tables, markdown=args.markdown)
    for line in problems[:args.limit]:
        print(line)
    if len(problems) > args.limit:
        print(f"... and {len(problems) - args.limit} more")
    n_rows = len(_read_csv(args.after / "tables" / "statistics.csv"))
    print(f"{len(problems)} difference(s); {n_rows} statistics rows in {args.after}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
