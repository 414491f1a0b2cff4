"""Ingest works on batches of files; the warehouse must not be able to tell.

One call over a folder (read, checked and stored wave by wave) must store exactly what one call
per file stores, in the same order: the same submissions with the same ids and versions, rows,
findings, audit trail and feedback files, including corrections, files of several periods that
check each other's history, byte-identical copies and rejected files.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

import ntm.intake.ingest
from ntm.demo import generate_demo, generate_messy
from ntm.intake.ingest import discover, ingest_files
from ntm.reference import Reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period

NOW = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
TABLES = {
    "submissions": "submission_id",
    "raw_files": "content_sha256",
    "raw_submission_rows": "submission_id, excel_row",
    "stg_commune_figures": "submission_id, excel_row",
    "findings": "submission_id, excel_row, column_label, rule_id, value_found",
    "audit_value_changes": "new_submission_id, commune_code, figure",
}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Path:
    """Two quarters of the demo, the messy set, a copy of a file and a file sent twice."""
    folder = tmp_path_factory.mktemp("inbox")
    generate_demo(folder, ref, Period(2024, 3), Period(2024, 4), households=False)
    generate_messy(folder / "messy", ref, Period(2024, 4))
    files = discover([folder])
    first, last = files[0], files[-1]
    copy = shutil.copy(first, folder / f"copy-of-{first.name}")
    again = shutil.copy(last, folder / f"again-{last.name}")
    stamp = last.stat().st_mtime + 60
    for path in (copy, again):
        os.utime(path, (stamp, stamp))
    return folder


def contents(data_dir: DataDir) -> dict[str, pl.DataFrame]:
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        return {
            table: warehouse.con.sql(f"SELECT * FROM {table} ORDER BY {order}").pl()
            for table, order in TABLES.items()
        }


def feedback_files(data_dir: DataDir) -> list[str]:
    return sorted(str(p.relative_to(data_dir.feedback)) for p in data_dir.feedback.rglob("*.xlsx"))


@pytest.mark.slow  # the inbox ingested four times over, once file by file
def test_one_batch_stores_exactly_what_one_file_at_a_time_stores(
    tmp_path: Path, inbox: Path, ref: Reference, monkeypatch: pytest.MonkeyPatch
):
    batch, single, chunked, sized = (
        DataDir(tmp_path / name) for name in ("batch", "single", "chunked", "sized")
    )
    together = ingest_files([inbox], batch, ref, now=NOW)
    one_by_one = [
        o for path in discover([inbox]) for o in ingest_files([path], single, ref, now=NOW)
    ]
    monkeypatch.setattr(ntm.intake.ingest, "BATCH_FILES", 4)
    in_chunks = ingest_files([inbox], chunked, ref, now=NOW)
    monkeypatch.setattr(ntm.intake.ingest, "BATCH_FILES", 500)
    monkeypatch.setattr(ntm.intake.ingest, "BATCH_BYTES", 30_000)  # about three workbooks
    by_size = ingest_files([inbox], sized, ref, now=NOW)

    assert [o.line() for o in together] == [o.line() for o in one_by_one]
    assert [o.line() for o in in_chunks] == [o.line() for o in one_by_one]
    assert [o.line() for o in by_size] == [o.line() for o in one_by_one]
    statuses = {o.status for o in together}
    assert {"accepted", "accepted_with_issues", "rejected", "unchanged"} <= statuses
    assert max(o.version or 0 for o in together) == 2  # a correction in the messy set
    expected = contents(single)
    for data_dir in (batch, chunked, sized):
        found = contents(data_dir)
        for table in TABLES:
            assert found[table].equals(expected[table]), table
        assert feedback_files(data_dir) == feedback_files(single)
    assert expected["audit_value_changes"].height > 0
    assert {"2024-Q3", "2024-Q4"} <= set(expected["submissions"]["period"])


def test_the_same_rejected_bytes_twice_in_a_batch_are_stored_once(tmp_path: Path, ref: Reference):
    bad = tmp_path / "in" / "bad.csv"
    bad.parent.mkdir()
    bad.write_bytes(b"\xff\xfe not utf-8")
    shutil.copy(bad, tmp_path / "in" / "bad-again.csv")
    data_dir = DataDir(tmp_path / "data")
    outcomes = ingest_files([tmp_path / "in"], data_dir, ref, now=NOW)
    assert [o.status for o in outcomes] == ["rejected", "rejected"]
    stored = contents(data_dir)
    assert (stored["raw_files"].height, stored["submissions"].height) == (1, 1)
