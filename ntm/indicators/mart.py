"""A period's tables, computed once and stored under the data dir for every reader after.

The flow's indicator task computes ``PeriodTables`` and stores them, with the staff workbook,
in ``<data dir>/indicators/tables/<period>/<key>/`` (Parquet, one file per table); the report
reads them from there instead of computing them again, and links the workbook as its XLSX twin
instead of writing it again. The key is a hash of what the tables are computed from: the
reference data and every stored submission of the periods they read. Anything new for those
periods gives a new key, so stored tables are never stale; a folder is written under a hidden
name and renamed, so a reader never sees half of one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from pathlib import Path

import polars as pl

from ntm import __version__
from ntm.indicators.exports import write_indicator_workbook
from ntm.indicators.tables import PeriodTables, period_tables
from ntm.reference import Reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period

# Every frame of the tables is stored; the rest (period, catalogue, covered) is restored from
# the period and the reference data, which the key covers.
FRAMES = tuple(f.name for f in dataclasses.fields(PeriodTables) if f.type == "pl.DataFrame")
# What the tables hold for the same inputs, when code changes it without changing the version:
# raise it with such a change, so that tables stored before are computed again, not reused.
# 2: a share of communes with no commune threshold to count against has no numerator.
# 3: the year-end series carries the bridge across a change of standard (issue 19).
TABLES_REVISION = 3


@dataclasses.dataclass(frozen=True)
class StoredTables:
    tables: PeriodTables
    key: str
    folder: Path | None  # None: computed for a reader that may not write (nothing stored)

    @property
    def workbook(self) -> Path:
        if self.folder is None:
            raise ValueError("these tables were computed for reading only, not stored")
        return self.folder / workbook_name(self.tables.period)


def workbook_name(period: Period) -> str:
    return f"chi-tieu_{period}.xlsx"


def tables_key(warehouse: Warehouse, ref: Reference, period: Period) -> str:
    """What the tables are computed from, and by which code: the reference data, every stored
    submission they read (by content), the software version, the tables' revision and layout."""
    inputs = warehouse.frame("tables_inputs", period=str(period))
    code = f"{__version__}\n{TABLES_REVISION}\n{FRAMES}"
    digest = hashlib.sha256(f"{code}\n{ref.fingerprint}\n{period}\n".encode())
    digest.update(inputs.write_csv().encode())
    return digest.hexdigest()[:20]


def stored_tables(
    data_dir: DataDir, warehouse: Warehouse, ref: Reference, period: Period, *, store: bool
) -> StoredTables:
    """The period's tables: read back if stored under the current key, else computed (and
    stored when ``store``; the caller then holds the data dir's lock)."""
    key = tables_key(warehouse, ref, period)
    folder = data_dir.period_tables(str(period)) / key
    if folder.is_dir() and all((folder / f"{name}.parquet").exists() for name in FRAMES):
        return StoredTables(_read(folder, ref, period), key, folder)
    tables = period_tables(warehouse, ref, period)
    if not store:
        return StoredTables(tables, key, None)
    _write(folder, tables)
    _publish_workbook(data_dir, folder, period)
    return StoredTables(tables, key, folder)


def link_or_copy(source: Path, target: Path) -> None:
    """``target`` becomes the same file as ``source`` (a copy where links are not possible)."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _read(folder: Path, ref: Reference, period: Period) -> PeriodTables:
    catalogue, covered = ref.catalogue_of(period.year)
    frames = {name: pl.read_parquet(folder / f"{name}.parquet") for name in FRAMES}
    return PeriodTables(period=period, catalogue=catalogue, covered=covered, **frames)


def _write(folder: Path, tables: PeriodTables) -> None:
    staging = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in FRAMES:
        getattr(tables, name).write_parquet(staging / f"{name}.parquet")
    write_indicator_workbook(staging / workbook_name(tables.period), tables)
    shutil.rmtree(folder, ignore_errors=True)  # one a table was missing from, if any
    staging.rename(folder)
    # Older keys of the period are stale from now on; report versions keep their own links.
    for other in folder.parent.iterdir():
        if other != folder:
            shutil.rmtree(other, ignore_errors=True)


def _publish_workbook(data_dir: DataDir, folder: Path, period: Period) -> None:
    """``chi-tieu_<period>.xlsx`` for staff: the stored workbook, replaced in one rename."""
    target = data_dir.indicator_workbook(str(period))
    temporary = target.with_name(f".{target.name}.partial")
    link_or_copy(folder / workbook_name(period), temporary)
    temporary.replace(target)


def stored_frame(
    data_dir: DataDir, warehouse: Warehouse, ref: Reference, period: Period, name: str
) -> pl.DataFrame | None:
    """One frame of the period's tables as stored under the current key, or None when they
    are not stored (a reader that may not write then computes what it needs itself)."""
    path = (
        data_dir.period_tables(str(period)) / tables_key(warehouse, ref, period) / f"{name}.parquet"
    )
    return pl.read_parquet(path) if path.exists() else None
