"""Errors a user can act on: each names the file, the row (line) and the field at fault."""

from __future__ import annotations

# Set to 1 to get the full traceback instead of the one-line error.
DEBUG_ENV = "SUMM_PREF_DEBUG"


class DataError(ValueError):
    """Bad or missing input (data, files, arguments); raised before any scoring, so no output is written.

    Library code raises it and never exits; the commands' boundaries (`postprocess.commands.cli.main`,
    `lm_eval_tasks.harness.run_lm_eval`) turn it into one line and exit status 1."""

    def __init__(self, message: str, *, path: object = None, line: int | None = None, field: str | None = None):
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f":{line}"
            where += ": "
        if field is not None:
            message = f"field '{field}': {message}"
        super().__init__(where + message)
        self.path, self.line, self.field = path, line, field
