"""The commands' console: INFO lines of the package loggers on the current stdout as `[summ-pref] ...`, once each,
and nothing of other loggers."""

from __future__ import annotations

import logging

import pytest

from summ_pref_common.console import CONSOLE_LOGGERS, configure_console


@pytest.fixture
def console():
    configure_console()
    configure_console()  # idempotent: still one handler, one line per message
    yield
    for name in CONSOLE_LOGGERS:
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True


def test_package_info_lines_reach_the_current_stdout_once(console, capsys):
    root = []
    handler = logging.Handler()
    handler.emit = root.append
    logging.getLogger().addHandler(handler)
    logging.getLogger("postprocess.report.build").info("step %d/%d", 1, 2)
    logging.getLogger("lm_eval_tasks.default_model").info("converting")
    logging.getLogger("postprocess").debug("not shown")
    assert capsys.readouterr().out == "[summ-pref] step 1/2\n[summ-pref] converting\n"
    logging.getLogger().removeHandler(handler)
    assert root == []  # not propagated to the root, where lm-eval's handler would print them again


def test_other_loggers_are_left_alone(console, capsys):
    logging.getLogger("lm_eval_tasks.harness").warning("lm-eval's own")
    assert "[summ-pref]" not in capsys.readouterr().out
