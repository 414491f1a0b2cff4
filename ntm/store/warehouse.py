"""The DuckDB warehouse: one file under the data dir, written by one process at a time.

SQL lives in ``ntm/sql/<name>.sql``, one purpose per file, run by name through ``Warehouse.run``;
the only SQL written inline is transaction control. Every result is read in full before the next
statement (DuckDB results stream and hold the connection until then).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ntm.store.faults import kill_point

SQL_DIR = Path(__file__).with_name("sql")


@cache
def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


class WarehouseBusyError(Exception):
    """Another process holds the warehouse file."""


class WarehouseUnusableError(Exception):
    """The warehouse file cannot be opened for a lasting reason (a directory in its place, a
    permission): no wait or retry helps."""


@dataclass(frozen=True)
class NewBatch:
    """Everything a batch of checked files stores, written in a single transaction.

    Every frame but ``files`` has an ``arrival`` column: the file's place among the batch's
    stored submissions, from 1, which becomes its submission id (after the last one stored).
    """

    files: pl.DataFrame  # content_sha256, file_type, size_bytes, content, first_seen_at
    submissions: pl.DataFrame  # arrival and the submissions columns but submission_id, version
    raw_rows: pl.DataFrame  # arrival and the raw_submission_rows columns
    rows: pl.DataFrame  # arrival and the stg_commune_figures columns
    findings: pl.DataFrame  # arrival and the findings columns
    recorded_at: datetime


@dataclass(frozen=True)
class NewHouseholdBatch:
    """What a wave of household files stores, in a single transaction (no file bytes).

    Every frame has an ``arrival`` column, as in ``NewBatch``; ``rows`` carry household keys,
    never household codes. ``key_fingerprint`` is recorded with the first rows ever stored.
    """

    submissions: pl.DataFrame  # arrival and the household_submissions columns
    rows: pl.DataFrame  # arrival and the stg_households columns
    findings: pl.DataFrame  # arrival and the household_findings columns
    key_fingerprint: str
    recorded_at: datetime


def _stored_ids(ids: list[tuple[Any, ...]], last_id: int) -> pl.DataFrame:
    """arrival, submission_id and version of the submissions a batch stored after ``last_id``."""
    return pl.DataFrame(
        ids, schema={"submission_id": pl.Int64, "version": pl.Int32}, orient="row"
    ).with_columns(arrival=pl.col("submission_id") - last_id)


class Warehouse:
    def __init__(self, connection: duckdb.DuckDBPyConnection, read_only: bool = False) -> None:
        self.con = connection
        if not read_only:
            self.con.execute(sql("schema")).fetchall()

    @classmethod
    @contextmanager
    def open(cls, path: Path | str, read_only: bool = False) -> Iterator[Warehouse]:
        """Open (and create) the warehouse at ``path``; ':memory:' gives a throwaway one."""
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            connection = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            # DuckDB says "Could not set lock ... Conflicting lock is held" of a busy file.
            if "lock" in str(error).lower():
                raise WarehouseBusyError(str(error)) from error
            raise WarehouseUnusableError(str(error)) from error
        try:
            yield cls(connection, read_only)
        finally:
            connection.close()

    def run(self, name: str, **params: Any) -> list[tuple[Any, ...]]:
        return self.con.execute(sql(name), params).fetchall()

    def frame(self, name: str, **params: Any) -> pl.DataFrame:
        frame: pl.DataFrame = self.con.sql(sql(name), params=params).pl()
        return frame

    def known_files(self, sha256s: list[str]) -> pl.DataFrame:
        """The latest stored outcome of each of these contents that was checked before."""
        return self.frame("known_files", sha256s=sha256s)

    def previous_figures(self, communes: pl.DataFrame, period: str, year_end: str) -> pl.DataFrame:
        """prev_* and prev_year_q4_* figures of ``communes`` (commune_code, valid_from)."""
        return self.frame(
            "previous_figures",
            communes=communes["commune_code"].to_list(),
            valid_from=communes["valid_from"].to_list(),
            period=period,
            year_end=year_end,
        )

    def store(self, new: NewBatch) -> pl.DataFrame:
        """Store a batch of checked files atomically: all of it, or nothing.

        Returns arrival, submission_id and version (null when rejected) of each submission.
        """
        frames = {
            "incoming_files": new.files,
            "incoming_submissions": new.submissions,
            "incoming_raw_rows": new.raw_rows,
            "incoming_rows": new.rows,
            "incoming_findings": new.findings,
        }
        with self._transaction(**frames):
            ((last_id,),) = self.run("last_submission_id")
            self.run("insert_raw_files")
            kill_point("store:after_raw_files")
            ids = self.run("insert_submissions", last_id=last_id)
            self.run("insert_raw_rows", last_id=last_id)
            kill_point("store:after_raw_rows")
            self.run("insert_stg_rows", last_id=last_id)
            self.run("insert_findings", last_id=last_id)
            self.run("audit_changes", last_id=last_id, recorded_at=new.recorded_at)
            kill_point("store:before_commit")
        return _stored_ids(ids, last_id)

    def store_households(self, new: NewHouseholdBatch) -> pl.DataFrame:
        """Store a wave of household files atomically; returns arrival, submission_id and
        version (null when rejected) of each."""
        frames = {
            "incoming_submissions": new.submissions,
            "incoming_rows": new.rows,
            "incoming_findings": new.findings,
        }
        with self._transaction(**frames):
            ((last_id,),) = self.run("last_household_submission_id")
            ids = self.run("insert_household_submissions", last_id=last_id)
            kill_point("households:after_submissions")
            self.run("insert_households", last_id=last_id)
            self.run("insert_household_findings", last_id=last_id)
            self.run(
                "insert_household_key_check",
                fingerprint=new.key_fingerprint,
                recorded_at=new.recorded_at,
            )
            kill_point("households:before_commit")
        return _stored_ids(ids, last_id)

    def household_key_state(self) -> tuple[str | None, bool]:
        """The fingerprint of the key the stored household codes were hashed with (None
        before any), and whether household rows are stored."""
        ((fingerprint, holds),) = self.run("household_key_fingerprint")
        return fingerprint, bool(holds)

    @contextmanager
    def _transaction(self, **frames: pl.DataFrame) -> Iterator[None]:
        """One transaction over registered ``frames``: committed at the end, rolled back on any
        exception. Frames are registered outside it: a failed statement aborts a transaction,
        and nothing but ROLLBACK may run in an aborted transaction."""
        with self._registered(**frames):
            self.con.execute("BEGIN TRANSACTION")
            try:
                yield
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise

    @contextmanager
    def _registered(self, **frames: pl.DataFrame) -> Iterator[None]:
        for name, frame in frames.items():
            self.con.register(name, frame)
        try:
            yield
        finally:
            for name in frames:
                self.con.unregister(name)
