"""Test-time benchmark: what each test file of a pytest run costs, in wall-clock and in CPU seconds.

On the project's shared 2-core machine the wall-clock time of a test run moves with the other jobs' load (at
load 7-9, four report test files took 415 s of wall-clock time for 102 s of CPU); CPU seconds move far less.
This runs pytest in this process with a small plugin that records, per test and phase (setup, call, teardown),
the wall-clock seconds and the CPU seconds of this process and of the child processes it waited for (`summ-pref`
subprocesses, the report's worker processes): `resource.getrusage`, user + system. A shared fixture's set-up
counts for the first test that uses it, as in `pytest --durations`. It prints the sums per file, the totals
and the load average before and after.

    python benchmarks/bench_tests.py                                    # the fast tier (pytest's default markers)
    python benchmarks/bench_tests.py tests/postprocess/report/test_report.py -- -x  # some files; options after --
    python benchmarks/bench_tests.py --json times.json                  # also per test, as JSON

Run it from the repository root with PYTHONPATH=. (as the tests run); it passes --basetemp=/tmp/pt-bench-tests
unless given one, and `-n 0` unless given an `-n`: the plugin sees only tests run in this process, not in
pytest-xdist's workers, so the tests run one after the other here (CPU seconds add up the same either way).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its children that ended and were waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Recorder:
    """A pytest plugin: {test id: {"wall": s, "cpu": s, "outcome": ...}} over setup, call and teardown."""

    def __init__(self) -> None:
        self.tests: dict[str, dict] = defaultdict(lambda: {"wall": 0.0, "cpu": 0.0, "outcome": "passed"})

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item):
        return (yield from self._timed(item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        return (yield from self._timed(item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        return (yield from self._timed(item))

    def _timed(self, item):
        wall, cpu = time.perf_counter(), cpu_seconds()
        try:
            return (yield)
        finally:
            entry = self.tests[item.nodeid]
            entry["wall"] += time.perf_counter() - wall
            entry["cpu"] += cpu_seconds() - cpu

    def pytest_runtest_logreport(self, report):
        if report.outcome != "passed" and (report.when == "call" or report.outcome == "failed"):
            self.tests[report.nodeid]["outcome"] = report.outcome


def per_file(tests: dict[str, dict]) -> dict[str, dict]:
    files: dict[str, dict] = defaultdict(lambda: {"tests": 0, "wall": 0.0, "cpu": 0.0})
    for nodeid, entry in tests.items():
        total = files[nodeid.split("::")[0]]
        total["tests"] += 1
        total["wall"] += entry["wall"]
        total["cpu"] += entry["cpu"]
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="test files or folders (default: pytest's testpaths)")
    parser.add_argument("--json", type=Path, help="also write every test's seconds to this file")
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    if not any(a.startswith("--basetemp") for a in extra):
        extra.append("--basetemp=/tmp/pt-bench-tests")
    if not any(a.startswith(("-n", "--numprocesses")) for a in extra):
        extra.append("-n0")
    recorder = Recorder()
    load_before, started, cpu_before = os.getloadavg(), time.perf_counter(), cpu_seconds()
    code = pytest.main(["-q", "-p", "no:cacheprovider", *extra, *args.paths], plugins=[recorder])
    wall, cpu, load_after = time.perf_counter() - started, cpu_seconds() - cpu_before, os.getloadavg()
    files = per_file(recorder.tests)
    print(f"\n{'wall s':>8} {'cpu s':>8} {'tests':>5}  file")
    for name, total in sorted(files.items(), key=lambda item: -item[1]["cpu"]):
        print(f"{total['wall']:8.1f} {total['cpu']:8.1f} {total['tests']:5d}  {name}")
    summed_wall = sum(t["wall"] for t in files.values())
    summed_cpu = sum(t["cpu"] for t in files.values())
    print(f"{summed_wall:8.1f} {summed_cpu:8.1f} {len(recorder.tests):5d}  summed over the tests")
    print(f"{wall:8.1f} {cpu:8.1f} {'':5}  the whole run (collection included); load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after")
    if args.json:
        args.json.write_text(json.dumps({"wall_s": wall, "cpu_s": cpu, "load_before": load_before,
                                         "load_after": load_after, "tests": recorder.tests}, indent=1) + "\n")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
