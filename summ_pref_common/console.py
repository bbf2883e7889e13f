"""The console of the `summ-pref` commands: progress lines `[summ-pref] ...` on stdout.

Library code logs through `logging.getLogger(__name__)` and prints nothing; a command (`summ-pref ...`, or
`python -m lm_eval_tasks.harness` as the sweep runs it) calls `configure_console()` once, which shows the
INFO messages of the loggers in `CONSOLE_LOGGERS` as those lines. Without it (the Python API, tests) the
messages go to the root logger like any other library's.
"""

from __future__ import annotations

import logging
import sys

PREFIX = "[summ-pref] "
# The loggers whose INFO messages are the commands' progress lines; lm-eval's and the other modules'
# warnings keep lm-eval's own logging setup.
CONSOLE_LOGGERS = ("postprocess", "lm_eval_tasks.default_model")


class _StdoutHandler(logging.StreamHandler):
    """Writes to the current `sys.stdout` (as `print` does), so a redirected stdout receives the lines too."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def configure_console() -> None:
    """Show the INFO messages of `CONSOLE_LOGGERS` on stdout as `[summ-pref] message`; idempotent.

    They do not propagate further, so a root handler (lm-eval sets one up) does not print them twice.

    Examples
    --------
    >>> configure_console(); configure_console()
    >>> logger = logging.getLogger("postprocess")
    >>> [type(h).__name__ for h in logger.handlers], logger.propagate
    (['_StdoutHandler'], False)
    >>> logging.getLogger("postprocess.commands.demo").info("step 1/2 ...")
    [summ-pref] step 1/2 ...
    >>> for name in CONSOLE_LOGGERS:  # as it was, for the other tests
    ...     logging.getLogger(name).handlers.clear(); logging.getLogger(name).propagate = True
    """
    for name in CONSOLE_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, _StdoutHandler) for h in logger.handlers):
            handler = _StdoutHandler(sys.stdout)
            handler.setFormatter(logging.Formatter(PREFIX + "%(message)s"))
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
