"""Where a flow's log lines go when the command line runs it (``ntm run``, ``ntm demo``).

While the flow runs, the console shows what Prefect logs, never a traceback: tracebacks go to
the data dir's run log (``logs/runs.log``) with every other line of the run. Only the standard
library's logging is used here, so importing this module does not import Prefect.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from ntm.store.paths import DataDir


class WithoutTraceback(logging.Formatter):
    """Another formatter's lines, without the traceback (which the run log keeps)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


@contextmanager
def tracebacks_to_the_log(data_dir: DataDir) -> Iterator[None]:
    """While the flow runs, the console shows what Prefect logs, never a traceback: tracebacks
    go to the run log (``logs/runs.log``) with every other line of the run. Undone after, so a
    second run in the same process writes to its own data dir's log."""
    data_dir.logs.mkdir(parents=True, exist_ok=True)
    # A file name that is not UTF-8 reaches a log line as a surrogate escape: written as \udce9
    # rather than failing the handler.
    log = logging.FileHandler(data_dir.run_log, encoding="utf-8", errors="backslashreplace")
    log.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
        if name == "prefect" or name.startswith("prefect.")
    ]  # fmt: skip
    consoles = [
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
    ]
    formatters = [handler.formatter for handler in consoles]
    for handler, formatter in zip(consoles, formatters, strict=True):
        handler.setFormatter(WithoutTraceback(formatter))
    logging.getLogger("prefect").addHandler(log)
    try:
        yield
    finally:
        logging.getLogger("prefect").removeHandler(log)
        log.close()
        for handler, formatter in zip(consoles, formatters, strict=True):
            handler.setFormatter(formatter)
