"""Ingest: from files on disk to checked, versioned rows in the warehouse and feedback workbooks.

Files are read one by one (reading is the only per-file step); everything after that works on
a batch of files at once, so that a national quarter of 700 workbooks costs a few dozen
set-wise statements rather than a few thousand small ones:

1. read every file of a chunk (``BATCH_FILES`` at most, which bounds memory) as text grids;
2. find all their tables and metadata and check the metadata, set-wise (``readers.tabulate``,
   ``transforms.metadata``);
3. cut the chunk into waves in arrival order — a wave holds files of one period, each
   unit-period and each content at most once — so that a file is checked against the history
   stored before it, as if files were ingested one after another;
4. per wave: check the rows of all its files set-wise, store the wave in one transaction, then
   write each file's feedback workbook.

A file with a file-level error is stored as a rejected attempt (bytes and findings, no rows). A
byte-identical file changes nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from ntm.intake.feedback import write_feedback
from ntm.intake.readers import CSV_SHEET, FileRead, Tabulated, read_file, tabulate
from ntm.reference import Reference
from ntm.store.faults import kill_point
from ntm.store.paths import DataDir
from ntm.store.warehouse import NewBatch, Warehouse
from transforms import checks
from transforms.findings import FILE_ID, render, with_file
from transforms.metadata import check_metadata
from transforms.periods import Period
from transforms.registry import expected_communes

# Files read into memory at once: a chunk's bytes and cells are what ingest holds, whatever
# the inbox holds. A chunk ends at BATCH_FILES files or BATCH_BYTES of files, whichever comes
# first (500 district workbooks are ~5 MiB).
BATCH_FILES = 500
BATCH_BYTES = 64 * 1024 * 1024
THREADS = min(4, os.cpu_count() or 1)

FINDING_COLUMNS = (
    "file_name", "sheet", "excel_row", "column_label", "value_found", "rule_id", "severity",
    "problem", "message",
)  # fmt: skip


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    unit_code: str | None
    period: str | None
    status: str  # accepted, accepted_with_issues, unchanged, rejected, skipped
    reason: str | None = None
    issues: int = 0
    quarantined: int = 0
    version: int | None = None
    feedback: Path | None = None

    def line(self) -> str:
        """The line ``ntm ingest`` prints for this file (interfaces.md)."""
        found = f"{self.unit_code or '?'} {self.period or '?'}"
        if self.status == "rejected":
            verdict = f"rejected: {self.reason}"
        elif self.status == "unchanged":
            verdict = "unchanged (already ingested)"
        elif self.status == "skipped":
            verdict = "skipped (unit not selected for this run)"
        elif self.issues:
            verdict = f"accepted with {self.issues} issues"
        else:
            verdict = "accepted"
        return f"{self.path}\t{found}\t{verdict}"


@dataclass(frozen=True)
class Metadata:
    """One file's metadata as checked (unit_name from the registry when the unit is known)."""

    unit_code: str | None
    unit_name: str | None
    period: Period | None
    prepared_on: date | None
    prepared_by: str | None
    template_version: str | None


@dataclass(frozen=True)
class Evaluation:
    """What checking one file found, before anything is stored (``evaluate``)."""

    metadata: Metadata | None
    raw_rows: pl.DataFrame
    rows: pl.DataFrame  # typed, with row_status
    findings: pl.DataFrame  # rendered: severity, problem, fix, message

    @property
    def rejected(self) -> bool:
        return bool((self.findings["severity"] == "file_error").any())

    def count(self, severity: str) -> int:
        return int((self.findings["severity"] == severity).sum())


@dataclass(frozen=True)
class Screened:
    """A chunk after its file-level checks: tables, metadata and findings, by file_id."""

    tables: Tabulated
    metadata: pl.DataFrame  # METADATA_SCHEMA, for files whose reading raised no file error
    findings: pl.DataFrame  # file_id and the finding columns, reading and metadata stages
    row_files: pl.DataFrame  # file_id of the files whose rows are to be checked
    rows_read: pl.DataFrame  # file_id, rows_read: table rows of the files that passed reading


def discover(paths: Iterable[Path]) -> list[Path]:
    """The files to ingest: named files as given, folders searched for .xlsx and .csv.

    Excel's lock files (~$name.xlsx) are skipped. Files are taken in order of arrival (their
    modification time), so that a correction is stored after the file it corrects.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in (".xlsx", ".csv")
                and not p.name.startswith(("~$", "."))
            )
        else:
            found.append(path)
    return sorted(set(found), key=lambda p: (p.stat().st_mtime if p.exists() else 0, str(p)))


# ---------------------------------------------------------------------------- checking


def screen(reads: list[tuple[int, FileRead]], ref: Reference, today: date) -> Screened:
    """Tables, metadata and file-level findings of every file read, all at once."""
    fmt = ref.format
    tables = tabulate(reads, fmt)
    file_errors = ref.rule_ids("file_error")
    stopped = tables.findings.filter(pl.col("rule_id").is_in(file_errors)).select(FILE_ID)
    readable = tables.files.filter(~pl.col("read_failed")).join(stopped, on=FILE_ID, how="anti")
    values = readable.select(
        FILE_ID,
        sheet=pl.when(pl.col("sheet") == CSV_SHEET)
        .then(pl.lit(CSV_SHEET))
        .otherwise(pl.lit(fmt.metadata_sheet)),
    ).join(tables.metadata, on=FILE_ID, how="left")
    metadata, meta_findings = check_metadata(
        values,
        fmt.labels,
        [c.key for c in fmt.metadata if c.kind == "required"],
        fmt.template_version,
        ref.registry,
        today,
        ref.settings.communes_report_from,
    )
    with_rows = tables.rows.select(FILE_ID).unique()
    no_rows = readable.join(with_rows, on=FILE_ID, how="anti").select(
        FILE_ID, "sheet", rule_id=pl.lit("no_rows")
    )
    row_files = (
        readable.join(with_rows, on=FILE_ID, how="semi")
        .join(meta_findings, on=FILE_ID, how="anti")
        .select(FILE_ID)
    )
    findings = pl.concat([tables.findings, meta_findings, with_file(no_rows)]).sort(
        FILE_ID, maintain_order=True
    )
    rows_read = (
        tables.rows.join(metadata.select(FILE_ID), on=FILE_ID, how="semi")
        .group_by(FILE_ID)
        .agg(rows_read=pl.len().cast(pl.Int32))
    )
    return Screened(tables, metadata, findings, row_files, rows_read)


def check_rows(
    screened: Screened, file_ids: list[int], period: Period, ref: Reference, warehouse: Warehouse
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Check the commune rows of files of one period; returns typed rows and findings.

    Each file's rows are checked against the registry on the period's last day and against
    the history stored before this call.
    """
    fmt = ref.format
    columns = list(fmt.columns)
    ids = pl.Series(FILE_ID, file_ids, dtype=pl.Int64)
    rows = screened.tables.rows.filter(pl.col(FILE_ID).is_in(ids.implode()))
    if rows.is_empty():
        return rows, with_file(pl.DataFrame(schema={FILE_ID: pl.Int64}))
    parsed = checks.parse_rows(rows, columns)
    total = screened.tables.total.filter(pl.col(FILE_ID).is_in(ids.implode()))
    last_day = period.last_day
    units = screened.metadata.filter(pl.col(FILE_ID).is_in(ids.implode()))
    expected = expected_communes(
        ref.registry,
        units.select(FILE_ID, "unit_code"),
        last_day,
        ref.settings.communes_report_from,
    )
    # History is looked up for the files' communes that are their unit's own on the period's
    # last day (the others are quarantined anyway), each from its own registry row's start.
    own = expected.join(
        parsed.rows.select(FILE_ID, "commune_code"), on=[FILE_ID, "commune_code"], how="semi"
    ).unique(["commune_code", "valid_from"])
    history = warehouse.previous_figures(own, str(period), str(period.previous_year_end()))
    findings = pl.concat(
        [
            parsed.findings,
            checks.total_findings(parsed.rows, total, columns),
            checks.membership_findings(
                parsed.rows, expected, fmt.labels, last_day.strftime("%d/%m/%Y")
            ),
            checks.rule_findings(parsed.rows, history, list(ref.row_rules), fmt.labels),
        ]
    ).sort(FILE_ID, maintain_order=True)
    typed = checks.quarantine(parsed.rows, findings, ref.rule_ids("row_error"))
    return typed, findings


def _rendered(findings: pl.DataFrame, files: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """Findings with their sheet (the file's, where a check did not name one) and messages."""
    sheets = files.select(FILE_ID, file_sheet="sheet")
    combined = (
        findings.join(sheets, on=FILE_ID, how="left", maintain_order="left")
        .with_columns(sheet=pl.coalesce("sheet", "file_sheet"))
        .drop("file_sheet")
        .with_columns(sheet=pl.when(pl.col("sheet") == "").then(None).otherwise(pl.col("sheet")))
    )
    rendered = render(combined, ref.rules)
    if rendered["severity"].is_null().any():
        unknown = rendered.filter(pl.col("severity").is_null())["rule_id"].unique().to_list()
        raise RuntimeError(f"findings raised with rule ids that have no rule: {unknown}")
    return rendered


def _raw_rows(tables: Tabulated, figure_keys: list[str]) -> pl.DataFrame:
    return tables.rows.select(FILE_ID, "excel_row", "commune_code", "commune_name", *figure_keys)


def evaluate(
    data: bytes, file_name: str, ref: Reference, warehouse: Warehouse, today: date
) -> Evaluation:
    """Check one file's bytes against the format, the registry and the stored history.

    The checks of ``ingest_files`` for a single file, without storing anything.
    """
    read = read_file(data, Path(file_name).suffix.lower(), ref.format, ref.limits)
    screened = screen([(0, read)], ref, today)
    metadata = screened.metadata.filter(pl.col(FILE_ID) == 0)
    findings = screened.findings
    rows = pl.DataFrame()
    if screened.row_files.height:
        period = Period.parse(str(metadata["period"][0]))
        assert period is not None
        rows, row_findings = check_rows(screened, [0], period, ref, warehouse)
        findings = pl.concat([findings, row_findings])
        rows = rows.drop(FILE_ID)
    rendered = _rendered(findings, screened.tables.files, ref).drop(FILE_ID)
    meta = _metadata(metadata.row(0, named=True)) if metadata.height else None
    raw = _raw_rows(screened.tables, ref.format.figure_keys) if meta else pl.DataFrame()
    return Evaluation(meta, raw.drop(FILE_ID, strict=False), rows, rendered)


def _metadata(row: dict[str, Any]) -> Metadata:
    return Metadata(
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        period=Period.parse(row["period"]) if row["period"] else None,
        prepared_on=row["prepared_on"],
        prepared_by=row["prepared_by"],
        template_version=row["template_version"],
    )


# ---------------------------------------------------------------------------- ingesting


@dataclass(frozen=True)
class _Arrival:
    file_id: int
    path: Path
    data: bytes
    sha256: str
    received_at: datetime


def ingest_files(
    paths: Iterable[Path],
    data_dir: DataDir,
    ref: Reference,
    now: datetime | None = None,
    units: Iterable[str] | None = None,
    feedback: bool = True,
) -> list[FileOutcome]:
    """Ingest files into ``data_dir``'s warehouse; one transaction per wave of files.

    ``units``: only files of these reporting units are stored; the others are reported as
    skipped and left for a later run. ``feedback=False`` writes no feedback workbooks (a
    backfill of old files, or the benchmark's ingest-only figure).
    """
    now = now or datetime.now(UTC)
    selected = frozenset(units) if units is not None else None
    files = discover(paths)
    outcomes: list[FileOutcome] = []
    with Warehouse.open(data_dir.warehouse) as warehouse:
        for part in _chunks(files):
            chunk = _Chunk(part, data_dir, ref, warehouse, now, feedback)
            outcomes.extend(chunk.ingest(selected))
    return outcomes


def _chunks(files: list[Path]) -> Iterable[list[Path]]:
    """``files`` in order, cut at BATCH_FILES files or BATCH_BYTES bytes per chunk."""
    chunk: list[Path] = []
    size = 0
    for path in files:
        try:
            length = path.stat().st_size
        except OSError:
            length = 0  # reading it will say why
        if chunk and (len(chunk) >= BATCH_FILES or size + length > BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(path)
        size += length
    if chunk:
        yield chunk


class _Chunk:
    """Up to BATCH_FILES files on their way into the warehouse."""

    def __init__(
        self,
        paths: list[Path],
        data_dir: DataDir,
        ref: Reference,
        warehouse: Warehouse,
        now: datetime,
        feedback: bool,
    ) -> None:
        self.paths = paths
        self.data_dir = data_dir
        self.ref = ref
        self.warehouse = warehouse
        self.now = now
        self.today = now.astimezone(ZoneInfo(ref.settings.timezone)).date()
        self.outcomes: dict[int, FileOutcome] = {}
        self.feedback = feedback

    def ingest(self, selected: frozenset[str] | None) -> list[FileOutcome]:
        arrivals = self._arrive()
        known = self._known([a.sha256 for a in arrivals])
        fresh: list[_Arrival] = []
        for arrival in arrivals:
            if not self._unchanged(arrival, known):
                fresh.append(arrival)
        fmt, limits = self.ref.format, self.ref.limits

        def read(a: _Arrival) -> tuple[int, FileRead]:
            return a.file_id, read_file(a.data, a.path.suffix.lower(), fmt, limits)

        # fastexcel and zlib release the GIL: threads read files side by side.
        with ThreadPoolExecutor(THREADS) as pool:
            reads = list(pool.map(read, fresh))
        screened = screen(reads, self.ref, self.today)
        metadata = {row[FILE_ID]: row for row in screened.metadata.iter_rows(named=True)}
        checked_rows = set(screened.row_files[FILE_ID].to_list())
        kept: list[_Arrival] = []
        for arrival in fresh:
            meta = metadata.get(arrival.file_id)
            unit = meta["unit_code"] if meta else None
            if selected is not None and unit not in selected:
                period = meta["period"] if meta else None
                self.outcomes[arrival.file_id] = FileOutcome(arrival.path, unit, period, "skipped")
            else:
                kept.append(arrival)
        earlier: set[str] = set()
        for wave in _waves(kept, metadata, checked_rows):
            todo, latest = wave, known
            if any(a.sha256 in earlier for a in wave):
                # The same bytes came twice in this chunk: the first copy is stored by now.
                latest = known | self._known([a.sha256 for a in wave])
                todo = [a for a in wave if not self._unchanged(a, latest)]
            earlier.update(a.sha256 for a in todo)
            if todo:
                self._ingest_wave(todo, screened, metadata, checked_rows, latest)
        return [self.outcomes[i] for i in sorted(self.outcomes)]

    def _arrive(self) -> list[_Arrival]:
        arrivals: list[_Arrival] = []
        for file_id, path in enumerate(self.paths):
            try:
                data = path.read_bytes()
                received_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except OSError as error:
                reason = f"cannot read the file: {error.strerror}"
                self.outcomes[file_id] = FileOutcome(path, None, None, "rejected", reason)
                continue
            sha256 = hashlib.sha256(data).hexdigest()
            arrivals.append(_Arrival(file_id, path, data, sha256, received_at))
        return arrivals

    def _known(self, sha256s: list[str]) -> dict[str, dict[str, Any]]:
        found = self.warehouse.known_files(sha256s)
        return {row["content_sha256"]: row for row in found.iter_rows(named=True)}

    def _unchanged(self, arrival: _Arrival, known: dict[str, dict[str, Any]]) -> bool:
        stored = known.get(arrival.sha256)
        if stored is None or stored["status"] == "rejected":
            return False
        self.outcomes[arrival.file_id] = FileOutcome(
            arrival.path, stored["unit_code"], stored["period"], "unchanged",
            version=stored["version"],
        )  # fmt: skip
        return True

    def _ingest_wave(
        self,
        wave: list[_Arrival],
        screened: Screened,
        metadata: dict[int, dict[str, Any]],
        checked_rows: set[int],
        known: dict[str, dict[str, Any]],
    ) -> None:
        ref = self.ref
        ids = [a.file_id for a in wave]
        in_wave = pl.col(FILE_ID).is_in(ids)
        row_ids = [i for i in ids if i in checked_rows]
        findings = screened.findings.filter(in_wave)
        rows = pl.DataFrame(schema={FILE_ID: pl.Int64, "row_status": pl.String})
        if row_ids:
            period = Period.parse(str(metadata[row_ids[0]]["period"]))
            assert period is not None
            rows, row_findings = check_rows(screened, row_ids, period, ref, self.warehouse)
            findings = pl.concat([findings, row_findings]).sort(FILE_ID, maintain_order=True)
        rendered = _rendered(findings, screened.tables.files, ref)
        arrivals = pl.DataFrame(
            {
                FILE_ID: ids,
                "content_sha256": [a.sha256 for a in wave],
                "file_name": [a.path.name for a in wave],
                "received_at": [a.received_at for a in wave],
            },
            schema_overrides={FILE_ID: pl.Int64},
        )
        summary = _summaries(arrivals, screened, rows, rendered, self.now)
        # The same rejected bytes again: checked again (rules may have changed), stored once.
        repeated = [
            a.file_id for a in wave if a.sha256 in known and known[a.sha256]["status"] == "rejected"
        ]
        stored = summary.filter(
            ~(pl.col(FILE_ID).is_in(repeated) & (pl.col("status") == "rejected"))
        ).with_columns(arrival=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
        versions = self._store(wave, stored, screened, rows, rendered)
        kill_point("ingest:after_commit")
        outcomes = summary.join(versions, on=FILE_ID, how="left", maintain_order="left")
        by_file = {a.file_id: a for a in wave}
        found = {
            key[0]: frame for key, frame in rendered.partition_by(FILE_ID, as_dict=True).items()
        }
        none = rendered.clear()

        def finish(row: dict[str, Any]) -> FileOutcome:
            file_id = row[FILE_ID]
            return self._finish(by_file[file_id], row, found.get(file_id, none))

        # The feedback workbooks, once the wave is stored (zip compression releases the GIL).
        summaries = list(outcomes.iter_rows(named=True))
        with ThreadPoolExecutor(THREADS) as pool:
            for row, outcome in zip(summaries, pool.map(finish, summaries), strict=True):
                self.outcomes[row[FILE_ID]] = outcome

    def _store(
        self,
        wave: list[_Arrival],
        stored: pl.DataFrame,
        screened: Screened,
        rows: pl.DataFrame,
        rendered: pl.DataFrame,
    ) -> pl.DataFrame:
        """Store the wave's files that are to be stored; returns file_id, version."""
        if stored.is_empty():
            return pl.DataFrame(schema={FILE_ID: pl.Int64, "version": pl.Int32})
        arrival = stored.select(FILE_ID, "arrival")
        accepted = stored.filter(pl.col("status") != "rejected").select(
            FILE_ID, "arrival", "unit_code", "period"
        )
        by_sha = {a.sha256: a for a in wave}
        files = stored.select("content_sha256").unique(maintain_order=True)
        contents = [by_sha[sha] for sha in files["content_sha256"]]
        batch = NewBatch(
            files=files.with_columns(
                file_type=pl.Series([a.path.suffix.lower().lstrip(".") for a in contents]),
                size_bytes=pl.Series([len(a.data) for a in contents], dtype=pl.Int64),
                content=pl.Series([a.data for a in contents], dtype=pl.Binary),
                first_seen_at=pl.lit(self.now),
            ),
            submissions=stored.select("arrival", *SUBMISSION_COLUMNS),
            raw_rows=_raw_rows(screened.tables, self.ref.format.figure_keys)
            .join(accepted.select(FILE_ID, "arrival"), on=FILE_ID)
            .drop(FILE_ID),
            rows=rows.join(accepted, on=FILE_ID).drop(FILE_ID),
            findings=rendered.join(arrival, on=FILE_ID)
            .join(stored.select(FILE_ID, "file_name"), on=FILE_ID)
            .select("arrival", *FINDING_COLUMNS),
            recorded_at=self.now,
        )
        ids = self.warehouse.store(batch)
        return ids.join(arrival, on="arrival").select(FILE_ID, "version")

    def _finish(
        self, arrival: _Arrival, row: dict[str, Any], findings: pl.DataFrame
    ) -> FileOutcome:
        status = row["status"]
        findings = findings.with_columns(file_name=pl.lit(arrival.path.name))
        feedback = _write_feedback(arrival, self.data_dir, row, findings) if self.feedback else None
        return FileOutcome(
            arrival.path,
            row["unit_code"],
            row["period"],
            status,
            row["reject_reason"],
            issues=row["row_errors"] + row["warnings"],
            quarantined=row["rows_quarantined"],
            version=row["version"],
            feedback=feedback,
        )


SUBMISSION_COLUMNS = (
    "content_sha256", "file_name", "unit_code", "period", "status", "reject_reason",
    "received_at", "ingested_at", "prepared_on", "prepared_by", "template_version", "rows_read",
    "rows_accepted", "rows_quarantined", "file_errors", "row_errors", "warnings",
)  # fmt: skip


def _summaries(
    arrivals: pl.DataFrame,
    screened: Screened,
    rows: pl.DataFrame,
    rendered: pl.DataFrame,
    now: datetime,
) -> pl.DataFrame:
    """One submissions row per file of a wave (file_id, unit_name and the stored columns)."""
    counts = rendered.group_by(FILE_ID).agg(
        file_errors=(pl.col("severity") == "file_error").sum().cast(pl.Int32),
        row_errors=(pl.col("severity") == "row_error").sum().cast(pl.Int32),
        warnings=(pl.col("severity") == "warning").sum().cast(pl.Int32),
        reject_reason=pl.col("problem").filter(pl.col("severity") == "file_error").first(),
    )
    row_counts = (
        rows.group_by(FILE_ID).agg(
            rows_checked=pl.len().cast(pl.Int32),
            rows_quarantined=(pl.col("row_status") == "quarantined").sum().cast(pl.Int32),
        )
        if rows.height
        else pl.DataFrame(
            schema={FILE_ID: pl.Int64, "rows_checked": pl.Int32, "rows_quarantined": pl.Int32}
        )
    )
    zero = pl.lit(0, pl.Int32)
    return (
        arrivals.join(screened.metadata, on=FILE_ID, how="left", maintain_order="left")
        .join(counts, on=FILE_ID, how="left", maintain_order="left")
        .join(row_counts, on=FILE_ID, how="left", maintain_order="left")
        .join(screened.rows_read, on=FILE_ID, how="left", maintain_order="left")
        .with_columns(
            pl.col("file_errors", "row_errors", "warnings", "rows_read", "rows_checked").fill_null(
                zero
            ),
            rejected=pl.col("file_errors").fill_null(0) > 0,
        )
        .with_columns(
            status=pl.when(pl.col("rejected"))
            .then(pl.lit("rejected"))
            .when((pl.col("row_errors") + pl.col("warnings")) > 0)
            .then(pl.lit("accepted_with_issues"))
            .otherwise(pl.lit("accepted")),
            rows_quarantined=pl.when(pl.col("rejected"))
            .then(zero)
            .otherwise(pl.col("rows_quarantined").fill_null(zero)),
            ingested_at=pl.lit(now),
        )
        .with_columns(
            rows_accepted=pl.when(pl.col("rejected"))
            .then(zero)
            .otherwise(pl.col("rows_checked") - pl.col("rows_quarantined")),
            rows_checked=pl.when(pl.col("rejected")).then(zero).otherwise(pl.col("rows_checked")),
        )
    )


def _write_feedback(
    arrival: _Arrival, data_dir: DataDir, row: dict[str, Any], findings: pl.DataFrame
) -> Path:
    period, unit_code, version = row["period"], row["unit_code"], row["version"]
    folder = data_dir.feedback / (period or "khong-ro-ky")
    path = arrival.path
    if row["status"] == "rejected":
        target = folder / f"{path.stem}_{arrival.sha256[:8]}_tra-lai.xlsx"
        verdict = "BỊ TRẢ LẠI, chưa nhận số liệu nào; sửa các lỗi dưới đây rồi gửi lại cả tệp"
    else:
        target = folder / f"{unit_code}_{period}_v{version}_phan-hoi.xlsx"
        checked, quarantined = row["rows_checked"], row["rows_quarantined"]
        verdict = (
            f"ĐÃ NHẬN (lần gửi thứ {version}): {checked - quarantined}/{checked} dòng xã được nhận"
        )
        if quarantined:
            verdict += f", {quarantined} dòng chưa được nhận do có lỗi"
    unit = f"{row['unit_name'] or unit_code}, kỳ {period}" if unit_code else "đơn vị chưa rõ"
    errors = row["file_errors"] + row["row_errors"]
    summary = f"Tệp {path.name} ({unit}): {verdict}. Có {errors} lỗi, {row['warnings']} lưu ý."
    return write_feedback(target, summary, findings)


def _waves(
    arrivals: list[_Arrival], metadata: dict[int, dict[str, Any]], checked_rows: set[int]
) -> list[list[_Arrival]]:
    """Consecutive runs of files (in arrival order) that can be checked and stored together.

    A wave ends before a file whose rows are checked for another period than the wave's
    (its history may be in the wave), a second file of the same unit-period (it is the next
    version), or the same bytes again.
    """
    waves: list[list[_Arrival]] = []
    current: list[_Arrival] = []
    period: str | None = None
    pairs: set[tuple[str, str]] = set()
    contents: set[str] = set()
    for arrival in arrivals:
        meta = metadata.get(arrival.file_id)
        checked = arrival.file_id in checked_rows and meta is not None
        pair = (str(meta["unit_code"]), str(meta["period"])) if checked and meta else None
        starts_new = arrival.sha256 in contents or (
            pair is not None and (pair in pairs or (period is not None and pair[1] != period))
        )
        if starts_new and current:
            waves.append(current)
            current, period, pairs, contents = [], None, set(), set()
        current.append(arrival)
        contents.add(arrival.sha256)
        if pair is not None:
            pairs.add(pair)
            period = pair[1]
    if current:
        waves.append(current)
    return waves
