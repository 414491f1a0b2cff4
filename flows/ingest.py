"""The ingest flow: the inbox of one data dir into its warehouse, as one coarse task.

Files are processed inside the task, never a task per file: Prefect's per-task overhead would
dominate, and the warehouse takes one writer at a time anyway. The full quarterly flow
(indicators, report, publish) builds on this.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from ntm.ingest import ingest_files
from ntm.paths import DataDir
from ntm.reference import load_reference


@task(name="ingest inbox")
def ingest_inbox_task(data_dir: str) -> dict[str, int]:
    """Ingest every file in the inbox; returns how many files ended in each status."""
    directory = DataDir.resolve(data_dir)
    outcomes = ingest_files([directory.inbox], directory, load_reference())
    logger = get_run_logger()
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.status == "rejected" or outcome.quarantined:
            logger.warning(outcome.line())
    return counts


@flow(name="ingest")
def ingest_inbox(data_dir: str = "data") -> dict[str, int]:
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    return ingest_inbox_task(data_dir)
