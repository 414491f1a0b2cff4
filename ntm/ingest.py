"""Ingest: from files on disk to checked, versioned rows in the warehouse and feedback workbooks.

Per file: read every cell as text, check it (``transforms``), store it in one transaction, then
write the feedback workbook. A file with a file-level error is stored as a rejected attempt
(bytes and findings, no rows). A byte-identical file changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from ntm.feedback import write_feedback
from ntm.paths import DataDir
from ntm.readers import ReadResult, read_submission
from ntm.reference import Reference
from ntm.warehouse import NewSubmission, Warehouse
from transforms import checks, registry
from transforms.findings import conform, findings_frame, render
from transforms.metadata import Metadata, check_metadata

FINDING_COLUMNS = (
    "file_name", "sheet", "excel_row", "column_label", "value_found", "rule_id", "severity",
    "problem", "message",
)  # fmt: skip


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    unit_code: str | None
    period: str | None
    status: str  # accepted, accepted_with_issues, unchanged, rejected
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
class Evaluation:
    """What checking one file found, before anything is stored."""

    metadata: Metadata | None
    raw_rows: pl.DataFrame
    rows: pl.DataFrame  # typed, with row_status
    findings: pl.DataFrame  # rendered: severity, problem, fix, message

    @property
    def rejected(self) -> bool:
        return bool((self.findings["severity"] == "file_error").any())

    def count(self, severity: str) -> int:
        return int((self.findings["severity"] == severity).sum())


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


def evaluate(
    data: bytes, file_name: str, ref: Reference, warehouse: Warehouse, today: date
) -> Evaluation:
    """Check one file's bytes against the format, the registry and the unit's history."""
    fmt = ref.format
    read = read_submission(data, Path(file_name).suffix.lower(), fmt, ref.limits)
    findings = [read.findings]
    empty = pl.DataFrame()
    if read.failed or _has_file_error(read.findings, ref):
        return _finish(None, empty, empty, findings, ref)
    assert read.table is not None
    labels = fmt.labels
    meta, meta_findings = check_metadata(
        read.metadata,
        labels,
        [c.key for c in fmt.metadata if c.kind == "required"],
        fmt.template_version,
        ref.registry,
        today,
        ref.settings.communes_report_from,
        fmt.metadata_sheet if read.sheet != "CSV" else "CSV",
    )
    findings.append(meta_findings)
    raw_rows = _raw_rows(read, fmt.figure_keys)
    if meta_findings.height or read.table.rows.is_empty():
        if read.table.rows.is_empty():
            findings.append(findings_frame([{"sheet": read.sheet, "rule_id": "no_rows"}]))
        return _finish(meta, raw_rows, empty, findings, ref)
    assert meta.period is not None and meta.unit_code is not None
    columns = list(fmt.columns)
    parsed = checks.parse_rows(read.table.rows, columns, read.sheet)
    findings.append(parsed.findings)
    findings.append(checks.total_findings(parsed.rows, read.table.total, columns, read.sheet))
    last_day = meta.period.last_day
    expected = registry.communes_of(
        ref.registry, meta.unit_code, last_day, ref.settings.communes_report_from
    )
    findings.append(
        checks.membership_findings(
            parsed.rows, expected, labels, read.sheet, last_day.strftime("%d/%m/%Y")
        )
    )
    # History is looked up for the file's communes that are the unit's own on the period's
    # last day (the others are quarantined anyway), each from its own registry row's start.
    history = warehouse.previous_figures(
        expected.join(parsed.rows.select("commune_code").unique(), on="commune_code"),
        str(meta.period),
        str(meta.period.previous_year_end()),
    )
    findings.append(
        checks.rule_findings(parsed.rows, history, list(ref.row_rules), labels, read.sheet)
    )
    all_findings = pl.concat([conform(f) for f in findings])
    rows = checks.quarantine(parsed.rows, all_findings, ref.rule_ids("row_error"))
    return _finish(meta, raw_rows, rows, [all_findings], ref)


def _has_file_error(findings: pl.DataFrame, ref: Reference) -> bool:
    return bool(findings["rule_id"].is_in(ref.rule_ids("file_error")).any())


def _raw_rows(read: ReadResult, figure_keys: list[str]) -> pl.DataFrame:
    assert read.table is not None
    rows = read.table.rows
    wanted = ["excel_row", "commune_code", "commune_name", *figure_keys]
    return rows.select(
        [pl.col(c) if c in rows.columns else pl.lit(None, pl.String).alias(c) for c in wanted]
    )


def _finish(
    meta: Metadata | None,
    raw_rows: pl.DataFrame,
    rows: pl.DataFrame,
    findings: list[pl.DataFrame],
    ref: Reference,
) -> Evaluation:
    combined = pl.concat([conform(f) for f in findings]).with_columns(
        sheet=pl.when(pl.col("sheet") == "").then(None).otherwise(pl.col("sheet"))
    )
    rendered = render(combined, ref.rules)
    if rendered["severity"].is_null().any():
        unknown = rendered.filter(pl.col("severity").is_null())["rule_id"].unique().to_list()
        raise RuntimeError(f"findings raised with rule ids that have no rule: {unknown}")
    return Evaluation(meta, raw_rows, rows, rendered)


def ingest_files(
    paths: Iterable[Path],
    data_dir: DataDir,
    ref: Reference,
    now: datetime | None = None,
    units: Iterable[str] | None = None,
) -> list[FileOutcome]:
    """Ingest files into ``data_dir``'s warehouse; one transaction per file.

    ``units``: only files of these reporting units are stored; the others are reported as
    skipped and left for a later run.
    """
    now = now or datetime.now(UTC)
    today = now.astimezone(ZoneInfo(ref.settings.timezone)).date()
    selected = frozenset(units) if units is not None else None
    outcomes: list[FileOutcome] = []
    with Warehouse.open(data_dir.warehouse) as warehouse:
        for path in discover(paths):
            outcomes.append(_ingest_one(path, data_dir, ref, warehouse, now, today, selected))
    return outcomes


def _ingest_one(
    path: Path,
    data_dir: DataDir,
    ref: Reference,
    warehouse: Warehouse,
    now: datetime,
    today: date,
    selected: frozenset[str] | None,
) -> FileOutcome:
    try:
        data = path.read_bytes()
        received_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError as error:
        return FileOutcome(path, None, None, "rejected", f"cannot read the file: {error.strerror}")
    sha256 = hashlib.sha256(data).hexdigest()
    known = warehouse.known_file(sha256)
    if known is not None and known["status"] != "rejected":
        return FileOutcome(
            path, known["unit_code"], known["period"], "unchanged", version=known["version"]
        )
    evaluation = evaluate(data, path.name, ref, warehouse, today)
    meta = evaluation.metadata
    unit_code = meta.unit_code if meta else None
    period = str(meta.period) if meta and meta.period else None
    if selected is not None and unit_code not in selected:
        return FileOutcome(path, unit_code, period, "skipped")
    findings = evaluation.findings.with_columns(file_name=pl.lit(path.name))
    if evaluation.rejected:
        status = "rejected"
        reason = findings.filter(pl.col("severity") == "file_error")["problem"][0]
    else:
        status = "accepted_with_issues" if findings.height else "accepted"
        reason = None
    rows = evaluation.rows
    quarantined = int((rows["row_status"] == "quarantined").sum()) if rows.width else 0
    submission = {
        "content_sha256": sha256,
        "file_name": path.name,
        "unit_code": unit_code,
        "period": period,
        "status": status,
        "reject_reason": reason,
        "received_at": received_at,
        "ingested_at": now,
        "prepared_on": meta.prepared_on if meta else None,
        "prepared_by": meta.prepared_by if meta else None,
        "template_version": meta.template_version if meta else None,
        "rows_read": evaluation.raw_rows.height,
        "rows_accepted": rows.height - quarantined if status != "rejected" else 0,
        "rows_quarantined": quarantined if status != "rejected" else 0,
        "file_errors": evaluation.count("file_error"),
        "row_errors": evaluation.count("row_error"),
        "warnings": evaluation.count("warning"),
    }
    if known is not None:
        # The same rejected bytes again: checked again (rules may have changed), stored once.
        version = None
    else:
        _, version = warehouse.store(
            NewSubmission(
                sha256=sha256,
                file_type=path.suffix.lower().lstrip("."),
                content=data,
                submission=submission,
                raw_rows=evaluation.raw_rows,
                rows=rows,
                findings=findings.select(FINDING_COLUMNS),
                unit_code=unit_code,
                period=period,
                recorded_at=now,
            )
        )
    feedback = _write_feedback(
        path,
        data_dir,
        sha256,
        unit_code,
        period,
        version,
        status,
        findings,
        rows.height,
        quarantined,
        meta,
    )
    return FileOutcome(
        path,
        unit_code,
        period,
        status,
        reason,
        issues=evaluation.count("row_error") + evaluation.count("warning"),
        quarantined=quarantined if status != "rejected" else 0,
        version=version,
        feedback=feedback,
    )


def _write_feedback(
    path: Path,
    data_dir: DataDir,
    sha256: str,
    unit_code: str | None,
    period: str | None,
    version: int | None,
    status: str,
    findings: pl.DataFrame,
    n_rows: int,
    quarantined: int,
    meta: Metadata | None,
) -> Path:
    folder = data_dir.feedback / (period or "khong-ro-ky")
    if status == "rejected":
        target = folder / f"{path.stem}_{sha256[:8]}_tra-lai.xlsx"
        verdict = "BỊ TRẢ LẠI, chưa nhận số liệu nào; sửa các lỗi dưới đây rồi gửi lại cả tệp"
    else:
        target = folder / f"{unit_code}_{period}_v{version}_phan-hoi.xlsx"
        verdict = (
            f"ĐÃ NHẬN (lần gửi thứ {version}): {n_rows - quarantined}/{n_rows} dòng xã được nhận"
        )
        if quarantined:
            verdict += f", {quarantined} dòng chưa được nhận do có lỗi"
    unit = f"{meta.unit_name or unit_code}, kỳ {period}" if meta and unit_code else "đơn vị chưa rõ"
    errors = int(findings["severity"].is_in(["file_error", "row_error"]).sum())
    warnings = int((findings["severity"] == "warning").sum())
    summary = f"Tệp {path.name} ({unit}): {verdict}. Có {errors} lỗi, {warnings} lưu ý."
    return write_feedback(target, summary, findings)
