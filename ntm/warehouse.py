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

SQL_DIR = Path(__file__).with_name("sql")


@cache
def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


class WarehouseBusyError(Exception):
    """Another process holds the warehouse file."""


@dataclass(frozen=True)
class NewSubmission:
    """Everything one checked file stores, written in a single transaction."""

    sha256: str
    file_type: str
    content: bytes
    submission: dict[str, Any]  # the submissions columns but submission_id and version
    raw_rows: pl.DataFrame
    rows: pl.DataFrame
    findings: pl.DataFrame
    unit_code: str | None
    period: str | None
    recorded_at: datetime


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
            raise WarehouseBusyError(str(error)) from error
        try:
            yield cls(connection, read_only)
        finally:
            connection.close()

    def run(self, name: str, **params: Any) -> list[tuple[Any, ...]]:
        return self.con.execute(sql(name), params).fetchall()

    def frame(self, name: str, **params: Any) -> pl.DataFrame:
        frame: pl.DataFrame = self.con.sql(sql(name), params=params).pl()
        return frame

    def known_file(self, sha256: str) -> dict[str, Any] | None:
        found = self.frame("known_file", sha256=sha256)
        return found.row(0, named=True) if found.height else None

    def previous_figures(self, communes: pl.DataFrame, period: str, year_end: str) -> pl.DataFrame:
        """prev_* and prev_year_q4_* figures of ``communes`` (commune_code, valid_from)."""
        return self.frame(
            "previous_figures",
            communes=communes["commune_code"].to_list(),
            valid_from=communes["valid_from"].to_list(),
            period=period,
            year_end=year_end,
        )

    def submissions_for_period(self, period: str) -> pl.DataFrame:
        return self.frame("submissions_for_period", period=period)

    def store(self, new: NewSubmission) -> tuple[int, int | None]:
        """Store one checked file atomically; returns (submission_id, version or None)."""
        frames = {"incoming_findings": new.findings}
        if new.submission["status"] != "rejected":
            frames |= {"incoming_raw_rows": new.raw_rows, "incoming_rows": new.rows}
        # Frames are registered outside the transaction: a failed statement aborts it, and
        # nothing but ROLLBACK may run in an aborted transaction.
        with self._registered(**frames):
            self.con.execute("BEGIN TRANSACTION")
            try:
                result = self._store(new)
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        return result

    def _store(self, new: NewSubmission) -> tuple[int, int | None]:
        self.run(
            "insert_raw_file",
            sha256=new.sha256,
            file_type=new.file_type,
            size_bytes=len(new.content),
            content=new.content,
            first_seen_at=new.recorded_at,
        )
        rejected = new.submission["status"] == "rejected"
        current_id: int | None = None
        version: int | None = None
        if not rejected:
            current_id, version = self.run(
                "current_version", unit_code=new.unit_code, period=new.period
            )[0]
        ((submission_id,),) = self.run("insert_submission", **new.submission, version=version)
        if not rejected:
            self.run("insert_raw_rows", submission_id=submission_id)
            self.run(
                "insert_stg_rows",
                submission_id=submission_id,
                unit_code=new.unit_code,
                period=new.period,
            )
        if new.findings.height:
            self.run("insert_findings", submission_id=submission_id)
        if current_id is not None:
            self.run(
                "audit_changes",
                old_id=current_id,
                new_id=submission_id,
                unit_code=new.unit_code,
                period=new.period,
                recorded_at=new.recorded_at,
            )
        return int(submission_id), version

    @contextmanager
    def _registered(self, **frames: pl.DataFrame) -> Iterator[None]:
        for name, frame in frames.items():
            self.con.register(name, frame)
        try:
            yield
        finally:
            for name in frames:
                self.con.unregister(name)
