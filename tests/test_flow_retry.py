"""Which task failures the flows retry: the predicate on exceptions, and the tasks that carry
it. No flow is run here (test_flows.py runs them)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from flows.retry import retry_if_transient
from ntm.reference import ReferenceError
from ntm.store.lock import DataDirBusyError
from ntm.store.warehouse import Warehouse, WarehouseBusyError, WarehouseUnusableError

LOCKED = 'IO Error: Could not set lock on file "data/warehouse/ntm.duckdb": Conflicting lock'
NOT_A_DATABASE = 'IO Error: The file "ntm.duckdb" exists, but it is not a valid DuckDB database'
A_DIRECTORY = 'IO Error: Could not read from file "data/warehouse/ntm.duckdb": Is a directory'


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (WarehouseBusyError(LOCKED), True),
        (duckdb.IOException(LOCKED), True),
        (DataDirBusyError("another ntm process (pid 12) is writing to data"), True),
        (OSError(5, "Input/output error"), True),
        (TimeoutError("timed out"), True),
        (ValueError("'2024-5' is not a period like 2024-Q4"), False),
        (KeyError("poor_end"), False),
        (AssertionError(), False),
        (ReferenceError("validation_rules.toml, line 3: no message"), False),
        (FileNotFoundError(2, "No such file or directory"), False),
        (PermissionError(13, "Permission denied"), False),
        (WarehouseBusyError(NOT_A_DATABASE), False),
        (duckdb.IOException(NOT_A_DATABASE), False),
        (WarehouseUnusableError(A_DIRECTORY), False),
        (duckdb.IOException(A_DIRECTORY), False),
    ],
    ids=lambda case: type(case).__name__ if isinstance(case, BaseException) else str(case),
)
def test_only_transient_failures_are_retried(error, retried):
    from prefect.states import Failed  # noqa: PLC0415 (Prefect only where it is used)

    # Prefect calls it with the task, the task run and the Failed state holding the exception.
    condition: Any = retry_if_transient
    assert condition(None, None, Failed(data=error)) is retried


def test_every_task_that_retries_retries_only_transient_failures():
    from prefect import Task  # noqa: PLC0415 (Prefect only where it is used)

    from flows import quarterly, review  # noqa: PLC0415

    tasks = [
        value
        for module in (quarterly, review)
        for value in vars(module).values()
        if isinstance(value, Task)
    ]
    retrying = [t for t in tasks if t.retries]
    assert sorted(t.name for t in retrying) == ["build indicators", "ingest inbox"]
    assert all(t.retry_condition_fn is retry_if_transient for t in retrying)


def test_a_warehouse_that_cannot_be_opened_is_not_called_busy(tmp_path):
    (tmp_path / "ntm.duckdb").mkdir()  # a directory where the database file should be
    with (
        pytest.raises(WarehouseUnusableError, match="Is a directory"),
        Warehouse.open(tmp_path / "ntm.duckdb"),
    ):
        pass
