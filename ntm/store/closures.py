"""Closing a period: the record that the committee signed a report version, and its archive.

A close is written in two steps, so that a run killed at any point leaves the period either
open or closed, never half: first the archive of what the signed version read is written under
a hidden name and renamed to ``archive/<period>/v<N>/`` (a killed run leaves at most an archive
no record points to, replaced by the next close), then one transaction records the close and
the submissions it signed. Reopening appends a row; nothing is ever deleted, so the table is
the audit of every close and reopen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ntm.store.faults import kill_point
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PeriodState:
    """The latest close or reopen of a period."""

    period: str
    closed: bool
    report_version: int | None
    input_snapshot: str | None
    archive_path: str | None
    archive_sha256: str | None
    by_name: str
    note: str | None
    recorded_at: datetime


def period_states(warehouse: Warehouse) -> dict[str, PeriodState]:
    """Every period with a close or reopen on record, as it stands now (none in a warehouse
    written before closes existed and opened read-only since)."""
    try:
        frame = warehouse.frame("period_states")
    except duckdb.CatalogException:
        return {}
    states = frame.with_columns(closed=pl.col("action") == "close").select(
        *(f.name for f in dataclasses.fields(PeriodState))
    )
    return {r["period"]: PeriodState(**r) for r in states.iter_rows(named=True)}


def closed_state(warehouse: Warehouse, period: str) -> PeriodState | None:
    """The period's close, if it is closed now."""
    state = period_states(warehouse).get(period)
    return state if state is not None and state.closed else None


def write_archive(
    folder: Path, frames: dict[str, pl.DataFrame], copies: dict[str, Path], meta: dict[str, Any]
) -> str:
    """The rows a signed version read and what it signed, as Parquet (``frames``) and copies
    of its files (``copies``, by the name they take), with a manifest of each file's sha256;
    returns the manifest's sha256 (what the close record keeps)."""
    staging = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, frame in frames.items():
        frame.write_parquet(staging / f"{name}.parquet")
    for name, source in copies.items():
        shutil.copyfile(source, staging / name)  # a copy: the original may be edited later
    files = {p.name: _sha256(p) for p in sorted(staging.iterdir())}
    manifest = json.dumps({**meta, "files": files}, ensure_ascii=False, indent=2, sort_keys=True)
    (staging / MANIFEST).write_text(manifest + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)  # left by a close killed before its record
    staging.rename(folder)
    return _sha256(folder / MANIFEST)


def read_manifest(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return manifest


def signed_indicators(data_dir: DataDir, state: PeriodState) -> pl.DataFrame:
    """The indicators of a closed period as the committee signed them: computed at the close
    from the rows the signed version read, checked equal to its twin, and archived."""
    return pl.read_parquet(data_dir.root / str(state.archive_path) / "indicators.parquet")


def archive_problems(folder: Path, sha256: str) -> list[str]:
    """What no longer matches in an archive: the manifest against the close record, each file
    against the manifest (each problem names the file)."""
    manifest = folder / MANIFEST
    if not manifest.exists():
        return [f"{manifest}: missing"]
    problems = []
    if _sha256(manifest) != sha256:
        problems.append(f"{manifest}: sha256 differs from the close record")
    files = read_manifest(folder).get("files", {})
    for name, expected in sorted(files.items()):
        path = folder / name
        if not path.exists():
            problems.append(f"{path}: missing")
        elif _sha256(path) != expected:
            problems.append(f"{path}: sha256 differs from the manifest")
    return problems


def record_close(
    warehouse: Warehouse,
    period: str,
    version: int,
    snapshot: str,
    archive: tuple[str, str],
    signed: pl.DataFrame,
    by_name: str,
    note: str | None,
    now: datetime,
) -> None:
    """One transaction: the close and the submissions it signed (``signed``: unit_code,
    version). ``archive``: its path (relative to the data dir) and sha256."""
    warehouse.con.execute("BEGIN TRANSACTION")
    try:
        ((closure_id,),) = warehouse.run(
            "insert_closure",
            period=period,
            action="close",
            report_version=version,
            input_snapshot=snapshot,
            archive_path=archive[0],
            archive_sha256=archive[1],
            by_name=by_name,
            note=note,
            recorded_at=now,
        )
        stored = warehouse.run(
            "insert_closed_submissions",
            closure_id=closure_id,
            period=period,
            units=signed["unit_code"].to_list(),
            versions=signed["version"].to_list(),
        )
        if len(stored) != signed.height:
            raise ValueError(
                f"{period}: {signed.height} submissions signed, {len(stored)} found stored"
            )
        kill_point("close:before_commit")
        warehouse.con.execute("COMMIT")
    except BaseException:
        warehouse.con.execute("ROLLBACK")
        raise


def record_reopen(
    warehouse: Warehouse, period: str, by_name: str, reason: str, now: datetime
) -> None:
    warehouse.run(
        "insert_closure",
        period=period,
        action="reopen",
        report_version=None,
        input_snapshot=None,
        archive_path=None,
        archive_sha256=None,
        by_name=by_name,
        note=reason,
        recorded_at=now,
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
