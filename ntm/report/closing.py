"""Close, reopen and verify a period: the figures the committee signed stay signed.

``close_period`` records that report version N of a period was signed: the submissions that
version read (``inputs.csv`` of its folder), archived under ``archive/<period>/v<N>/`` with their
sha256, then one transaction records the close (``ntm.store.closures``). Files that arrive
afterwards are still checked and stored, as amendments: the signed figures do not move, and
``changes_since_signed`` says what the amendments would change. ``verify_period`` recomputes the
indicators from the archive and compares them with the signed version's XLSX twin.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from ntm.indicators.tables import indicators_of
from ntm.reference import Reference
from ntm.report.versions import INPUTS, index_rows, input_snapshot
from ntm.store.closures import (
    PeriodState,
    archive_problems,
    closed_state,
    record_close,
    record_reopen,
    write_archive,
)
from ntm.store.faults import kill_point
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period

# What identifies an indicator row, and what the signed figures of it are.
KEYS = ("unit_code", "unit_level", "indicator")
FIGURES = ("numerator", "denominator")


class ClosingError(Exception):
    """An operator's request that cannot be done as asked (the message says why)."""


@dataclass(frozen=True)
class Closed:
    period: str
    version: int
    submissions: int
    archive: Path
    sha256: str


def close_period(
    data_dir: DataDir,
    ref: Reference,
    period: Period,
    version: int,
    by_name: str,
    note: str | None,
    now: datetime,
) -> Closed:
    rows = [r for r in index_rows(data_dir, str(period)) if r["version"] == str(version)]
    if not rows:
        raise ClosingError(f"{period} has no report version {version} in {data_dir.reports}")
    folder = data_dir.reports / str(period) / f"v{version}"
    with Warehouse.open(data_dir.warehouse) as warehouse:
        state = closed_state(warehouse, str(period))
        if state is not None:
            raise ClosingError(f"{period} is already closed ({describe(state)}); reopen it first")
        inputs = _inputs(folder, warehouse, period, rows[0]["input_snapshot"])
        keys = {
            "period": str(period),
            "units": inputs["unit_code"].to_list(),
            "versions": inputs["version"].to_list(),
        }
        submissions = warehouse.frame("archive_submissions", **keys)
        if submissions.height != inputs.height:
            raise ClosingError(f"{period} v{version}: the submissions it read are not all stored")
        archive = data_dir.archive(str(period), version)
        sha256 = write_archive(
            archive,
            submissions,
            warehouse.frame("archive_figures", **keys),
            {
                "period": str(period),
                "report_version": version,
                "input_snapshot": rows[0]["input_snapshot"],
                "reference_fingerprint": ref.fingerprint,
                "closed_by": by_name,
                "closed_at": now.isoformat(),
            },
        )
        kill_point("close:archived")
        record_close(
            warehouse,
            str(period),
            version,
            rows[0]["input_snapshot"],
            (str(archive.relative_to(data_dir.root)), sha256),
            inputs.select("unit_code", "version"),
            by_name,
            note,
            now,
        )
    return Closed(str(period), version, inputs.height, archive, sha256)


def reopen_period(
    data_dir: DataDir, period: Period, by_name: str, reason: str, now: datetime
) -> PeriodState:
    with Warehouse.open(data_dir.warehouse) as warehouse:
        state = closed_state(warehouse, str(period))
        if state is None:
            raise ClosingError(f"{period} is not closed")
        record_reopen(warehouse, str(period), by_name, reason, now)
    return state


def describe(state: PeriodState) -> str:
    """ "version 2, closed by Nguyễn Văn A on 2025-01-20 08:00" (English: for operators)."""
    when = state.recorded_at.strftime("%Y-%m-%d %H:%M")
    if not state.closed:
        return f"open, reopened by {state.by_name} on {when}: {state.note}"
    note = f" ({state.note})" if state.note else ""
    return f"closed with version {state.report_version} by {state.by_name} on {when}{note}"


def signed_workbook(data_dir: DataDir, state: PeriodState) -> Path | None:
    """The XLSX twin of the signed version."""
    folder = data_dir.reports / state.period / f"v{state.report_version}"
    return next(iter(sorted(folder.glob("*.xlsx"))), None)


def signed_indicators(warehouse: Warehouse, ref: Reference, period: Period) -> pl.DataFrame:
    """The indicators of a closed period as the committee signed them."""
    return indicators_of(warehouse.frame("signed_figures", period=str(period)), ref, period)


def verify_period(data_dir: DataDir, ref: Reference, period: Period) -> list[str]:
    """Every way the archive of a closed period fails to prove its signed version: files that
    changed, then indicators the archive gives that differ from the signed XLSX twin."""
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        state = closed_state(warehouse, str(period))
    if state is None or state.archive_path is None or state.archive_sha256 is None:
        raise ClosingError(f"{period} is not closed: there is no signed version to verify")
    archive = data_dir.root / state.archive_path
    problems = archive_problems(archive, state.archive_sha256)
    if problems:
        return problems
    archived = pl.read_parquet(archive / "figures.parquet").drop(
        "submission_id", "excel_row", "unit_code", "period", "commune_name", "row_status"
    )
    recomputed = indicators_of(archived, ref, period).select(*KEYS, *FIGURES)
    twin = signed_workbook(data_dir, state)
    if twin is None:
        return [f"{data_dir.reports / str(period)}/v{state.report_version}: no XLSX twin"]
    signed = pl.read_excel(twin, sheet_name="Chỉ tiêu", infer_schema_length=0).select(
        *KEYS, *(pl.col(c).cast(pl.Int64, strict=False) for c in FIGURES)
    )
    both = recomputed.join(signed, on=list(KEYS), how="full", coalesce=True, suffix="_signed")
    differ = both.filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_signed")) for c in FIGURES)
    )
    return [
        f"{twin}: {r['unit_level']} {r['unit_code']} {r['indicator']}: signed "
        f"{r['numerator_signed']}/{r['denominator_signed']}, archive gives "
        f"{r['numerator']}/{r['denominator']}"
        for r in differ.iter_rows(named=True)
    ]


def _inputs(folder: Path, warehouse: Warehouse, period: Period, snapshot: str) -> pl.DataFrame:
    """unit_code, version, content_sha256 of the submissions a version read: its own record,
    or for a version rendered before versions recorded it, the current submissions when they
    are still the ones it read (same input snapshot)."""
    recorded = folder / INPUTS
    if recorded.exists():
        with recorded.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return pl.DataFrame(
            rows, schema={"unit_code": pl.String, "version": pl.String,
                          "content_sha256": pl.String}, orient="row",
        ).with_columns(pl.col("version").cast(pl.Int32))  # fmt: skip
    provenance = warehouse.frame("period_provenance", period=str(period))
    if input_snapshot(provenance) != snapshot:
        raise ClosingError(
            f"{folder.name} of {period} does not record the submissions it read and they are "
            f"no longer the stored ones: render a new version (ntm report) and close that one"
        )
    return provenance.select("unit_code", pl.col("version").cast(pl.Int32), "content_sha256")
