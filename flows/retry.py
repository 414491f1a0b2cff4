"""Which failures of a task are worth one more try: those of the moment, never the same again.

A task retried on any error repeats a bug or a bad reference file, and only delays the alert.
Retried: the warehouse or the data dir held by another process (DuckDB's "Could not set lock",
``WarehouseBusyError``, ``DataDirBusyError``) and input/output failures (``OSError``, DuckDB's
``IOException``). Not retried: everything else (a ``ValueError``, a bug, a reference file
that does not parse), and the failures of I/O that the same call meets again: a missing file,
a directory where a file should be, a permission, a file that is not a DuckDB database or is
one of another version.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import duckdb

from ntm.store.lock import DataDirBusyError
from ntm.store.warehouse import WarehouseBusyError

if TYPE_CHECKING:  # Prefect only calls this; importing it here would slow every importer
    from prefect.client.schemas.objects import State, TaskRun

# OSErrors that a second try meets again.
_LASTING_OS_ERRORS = (
    FileNotFoundError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
    io.UnsupportedOperation,
)
# What DuckDB says of a file that will never open (its IOException, else transient).
_LASTING_DUCKDB_MESSAGES = (
    "not a valid DuckDB database",
    "version number",
    "Is a directory",
    "Permission denied",
    "No such file or directory",
)


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` may not happen again a few seconds later."""
    if isinstance(error, DataDirBusyError):
        return True
    if isinstance(error, WarehouseBusyError | duckdb.IOException):
        return not any(message in str(error) for message in _LASTING_DUCKDB_MESSAGES)
    return isinstance(error, OSError) and not isinstance(error, _LASTING_OS_ERRORS)


def retry_if_transient(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Prefect's ``retry_condition_fn``: called with the failed state of a task run; True lets
    the task's ``retries`` apply."""
    error = state.data
    if not isinstance(error, BaseException):
        error = state.result(raise_on_failure=False)
    return isinstance(error, BaseException) and is_transient(error)
