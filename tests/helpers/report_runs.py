"""Reports of synthetic runs built in the test process, with the console lines they print, and runs rewritten as if
scored with a `continuation_end` (shared by the report input, data-note and continuation-end tests)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.console import PREFIX

FAST = Settings(n_resamples=50)


class ConsoleLines(logging.Handler):
    """Collects the console lines `summ-pref` would print (`[summ-pref] message`)."""

    def __init__(self, lines: list[str]):
        super().__init__(logging.INFO)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{PREFIX}{record.getMessage()}")


def report(run_dirs: list[Path], out: Path, logs: list[str] | None = None, **kw) -> dict:
    """`build_report` in this process with `FAST` settings, its console lines appended to `logs`."""
    logger, handler = logging.getLogger("postprocess"), ConsoleLines([] if logs is None else logs)
    level = logger.level
    logger.setLevel(logging.INFO)  # setLevel, not `.level =`: it clears the children's cached isEnabledFor answers
    logger.addHandler(handler)
    try:
        return build_report(run_dirs, out, settings=FAST, progress=False, jobs=1, **kw)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def with_end(folder: Path, end: str) -> Path:
    """The run as if scored with `continuation_end`: every continuation (record and request) ends with `end`;
    the logged log-probs and sizes stay (sizes are the summary's, as the tasks log them)."""
    for path in folder.glob("samples_*.jsonl"):
        lines = []
        for line in path.read_text().splitlines():
            sample = json.loads(line)
            sample["record"]["continuation_end"] = end
            for summary in sample["record"]["summaries"]:
                summary["continuation"] += end
            for args in sample["arguments"].values():
                args["arg_1"] += end
            lines.append(json.dumps(sample))
        path.write_text("\n".join(lines) + "\n")
    return folder
