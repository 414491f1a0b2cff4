"""Close, reopen and verify a period: the figures the committee signed stay signed.

``close_period`` records that report version N of a period was signed: the submissions that
version read (``inputs.csv`` of its folder), archived under ``archive/<period>/v<N>/`` with their
sha256, then one transaction records the close (``ntm.store.closures``). Files that arrive
afterwards are still checked and stored, as amendments: the signed figures do not move, and
``changes_since_signed`` says what the amendments would change. ``verify_period`` recomputes the
indicators from the archive and compares them with the signed version's XLSX twin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ntm.indicators.tables import indicators_of
from ntm.reference import Reference
from ntm.report.versions import INPUTS, index_rows, input_snapshot
from ntm.store.closures import (
    PeriodState,
    archive_problems,
    closed_state,
    read_manifest,
    record_close,
    record_reopen,
    write_archive,
)
from ntm.store.faults import kill_point
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period

INPUT_SCHEMA = {"unit_code": pl.String, "version": pl.Int32, "content_sha256": pl.String}
SIGNED_TWIN = "signed.xlsx"  # the archived copy of the signed version's XLSX twin
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
        # The very bytes it read: same unit, version and content.
        found = submissions.join(inputs, on=list(INPUT_SCHEMA), how="semi")
        if found.height != inputs.height:
            raise ClosingError(f"{period} v{version}: the submissions it read are not all stored")
        figures = warehouse.frame("archive_figures", **keys)
        signed = indicators_of(_figures_only(figures), ref, period)
        twin = folder / next((p.name for p in sorted(folder.glob("*.xlsx"))), "-")
        problems = _differences(signed, twin)
        if problems:
            # The version was rendered from other inputs or other reference data than today's:
            # what would be archived would not prove it.
            raise ClosingError(
                f"{period} v{version} cannot be reproduced from what it read ({problems[0]}"
                f"{' …' if len(problems) > 1 else ''}): render a new version and close that one"
            )
        archive = data_dir.archive(str(period), version)
        sha256 = write_archive(
            archive,
            {"submissions": submissions, "figures": figures, "indicators": signed},
            {SIGNED_TWIN: twin},
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
    """ "closed with version 2 by Nguyễn Văn A on 2025-01-20 08:00 UTC" (for operators)."""
    when = state.recorded_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if not state.closed:
        return f"open, reopened by {state.by_name} on {when}: {state.note}"
    note = f" ({state.note})" if state.note else ""
    return f"closed with version {state.report_version} by {state.by_name} on {when}{note}"


def signed_workbook(data_dir: DataDir, state: PeriodState) -> Path:
    """The archived copy of the signed version's XLSX twin."""
    return data_dir.root / str(state.archive_path) / SIGNED_TWIN


def verify_period(data_dir: DataDir, ref: Reference, period: Period) -> tuple[list[str], str]:
    """Every way the archive of a closed period fails to prove its signed version: files that
    changed, then indicators recomputed from the archived rows that differ from the signed
    ones. Also a note when the reference data changed since the close (then only the rates,
    which no threshold enters, can be recomputed)."""
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        state = closed_state(warehouse, str(period))
    if state is None or state.archive_path is None or state.archive_sha256 is None:
        raise ClosingError(f"{period} is not closed: there is no signed version to verify")
    archive = data_dir.root / state.archive_path
    problems = archive_problems(archive, state.archive_sha256)
    if problems:
        return problems, ""
    figures = _figures_only(pl.read_parquet(archive / "figures.parquet"))
    recomputed = indicators_of(figures, ref, period)
    note = ""
    if read_manifest(archive).get("reference_fingerprint") != ref.fingerprint:
        rates = ref.catalogue_of(period.year)[0].indicators["id"]
        recomputed = recomputed.filter(pl.col("indicator").is_in(rates.implode()))
        note = (
            "the reference data changed since the close: only the rates were recomputed "
            "(shares of communes meeting a threshold depend on the thresholds of the day)"
        )
    twin = archive / SIGNED_TWIN
    return _differences(recomputed, twin, only_recomputed=bool(note)), note


def _figures_only(rows: pl.DataFrame) -> pl.DataFrame:
    """Stored commune rows as ``accepted_figures`` gives them: commune_code and the figures."""
    return rows.drop("submission_id", "excel_row", "unit_code", "period", "commune_name",
                     "row_status", strict=False)  # fmt: skip


def _differences(computed: pl.DataFrame, twin: Path, *, only_recomputed: bool = False) -> list[str]:
    """Each indicator whose numerator or denominator differs from the XLSX twin's sheet."""
    if not twin.is_file():
        return [f"{twin}: missing"]
    signed = pl.read_excel(twin, sheet_name="Chỉ tiêu", infer_schema_length=0).select(
        *KEYS, *(pl.col(c).cast(pl.Int64, strict=False) for c in FIGURES)
    )
    mine = computed.select(*KEYS, *FIGURES).unique(list(KEYS), keep="first")
    signed = signed.unique(list(KEYS), keep="first")
    both = mine.join(
        signed, on=list(KEYS), how="left" if only_recomputed else "full", coalesce=True,
        suffix="_signed",
    )  # fmt: skip
    differ = both.filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_signed")) for c in FIGURES)
    )
    return [
        f"{twin}: {r['unit_level']} {r['unit_code']} {r['indicator']}: signed "
        f"{r['numerator_signed']}/{r['denominator_signed']}, the rows give "
        f"{r['numerator']}/{r['denominator']}"
        for r in differ.iter_rows(named=True)
    ]


def _inputs(folder: Path, warehouse: Warehouse, period: Period, snapshot: str) -> pl.DataFrame:
    """unit_code, version, content_sha256 of the submissions a version read: its own record,
    or for a version rendered before versions recorded it, the current submissions when they
    are still the ones it read (same input snapshot)."""
    recorded = folder / INPUTS
    if recorded.exists():
        return pl.read_csv(
            recorded,
            columns=list(INPUT_SCHEMA),
            schema_overrides=INPUT_SCHEMA,
        )
    provenance = warehouse.frame("period_provenance", period=str(period))
    if input_snapshot(provenance) != snapshot:
        raise ClosingError(
            f"{folder.name} of {period} does not record the submissions it read and they are "
            f"no longer the stored ones: render a new version (ntm report) and close that one"
        )
    return provenance.select(*INPUT_SCHEMA).cast(INPUT_SCHEMA)  # type: ignore[arg-type]
