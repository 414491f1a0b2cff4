"""The pure steps of ingest: frames and values in, frames and values out.

Nothing here opens the warehouse, reads or writes a file, or reads the clock: ``ingest.py``
does that, in one loop over the waves of a chunk, and calls these steps in between. In the
order a chunk meets them:

1. ``dedupe``: files whose bytes were stored before (and not rejected) are ``unchanged``;
2. ``screen``: tables, metadata and file-level findings of every file read, all at once;
3. ``select_units``: files of units not selected for the run are ``skipped``;
4. ``cut_waves``: consecutive files that can be checked and stored together;
5. per wave: ``prepare_wave`` (what checking the rows needs but history), ``check_wave`` (the
   rows and the rendered findings, given the history), ``summarise`` (one submissions row per
   file), ``to_store`` and ``new_batch`` (what the wave's transaction writes),
   ``with_versions`` (the versions it gave), then per file ``feedback_answer`` (where its
   feedback goes and its summary line) and ``file_outcome`` (what ``ntm ingest`` prints).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from ntm.intake.readers import CSV_SHEET, FileRead, Tabulated, tabulate
from ntm.reference import Reference
from ntm.store.warehouse import NewBatch
from transforms import checks
from transforms.findings import FILE_ID, render, with_file
from transforms.metadata import check_metadata
from transforms.periods import Period
from transforms.registry import expected_communes
from transforms.text import escaped

FINDING_COLUMNS = (
    "file_name", "sheet", "excel_row", "column_label", "value_found", "rule_id", "severity",
    "problem", "message",
)  # fmt: skip
SUBMISSION_COLUMNS = (
    "content_sha256", "file_name", "unit_code", "period", "status", "reject_reason",
    "received_at", "ingested_at", "prepared_on", "prepared_by", "template_version", "rows_read",
    "rows_accepted", "rows_quarantined", "file_errors", "row_errors", "warnings",
)  # fmt: skip

Known = dict[str, dict[str, Any]]  # content_sha256 -> the latest stored outcome of those bytes


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
    amendment: bool = False  # stored after its period was closed: the signed figures stand
    form: str = "01"  # "HN" for a household review; period is then "<year> <kind>"

    def line(self) -> str:
        """The line ``ntm ingest`` prints for this file (interfaces.md): one line, whatever the
        file's name or what the file holds (each part ``escaped``)."""
        found = escaped(f"{self.unit_code or '?'} {self.period or '?'}")
        if self.status == "rejected":
            verdict = f"rejected: {escaped(str(self.reason))}"
        elif self.status == "unchanged":
            verdict = "unchanged (already ingested)"
        elif self.status == "skipped":
            verdict = "skipped (unit not selected for this run)"
        elif self.issues:
            verdict = f"accepted with {self.issues} issues"
        else:
            verdict = "accepted"
        return f"{escaped(str(self.path))}\t{found}\t{verdict}"


@dataclass(frozen=True)
class Arrival:
    """One file's bytes as read from disk, with its place in the chunk (``file_id``)."""

    file_id: int
    path: Path
    data: bytes
    sha256: str
    received_at: datetime

    # A name from the file system may hold any byte but "/" and NUL: not UTF-8 (a Windows
    # name from a zip), a tab, a newline. Wherever the name is text (the warehouse, a feedback
    # workbook and its name, a log, a printed line) it is the ``escaped`` name.
    @property
    def name(self) -> str:
        return escaped(self.path.name)

    @property
    def stem(self) -> str:
        return escaped(self.path.stem)

    @property
    def file_type(self) -> str:
        """The extension, lower case, with its dot: ".xlsx"."""
        return escaped(self.path.suffix.lower())


@dataclass(frozen=True)
class Screened:
    """A chunk after its file-level checks: tables, metadata and findings, by file_id."""

    tables: Tabulated
    metadata: pl.DataFrame  # METADATA_SCHEMA, for files whose reading raised no file error
    findings: pl.DataFrame  # file_id and the finding columns, reading and metadata stages
    row_files: pl.DataFrame  # file_id of the files whose rows are to be checked
    rows_read: pl.DataFrame  # file_id, rows_read: table rows of the files that passed reading

    @cached_property
    def by_file(self) -> dict[int, dict[str, Any]]:
        """The metadata row of each file that has one."""
        return {row[FILE_ID]: row for row in self.metadata.iter_rows(named=True)}

    @cached_property
    def checked(self) -> frozenset[int]:
        """The files whose rows are to be checked."""
        return frozenset(self.row_files[FILE_ID].to_list())


@dataclass(frozen=True)
class WaveRows:
    """The commune rows of files of one period, parsed: all their checks need but history."""

    period: Period
    parsed: checks.CheckedRows
    total: pl.DataFrame  # the files' «Tổng cộng» rows
    expected: pl.DataFrame  # the units' own communes on the period's last day
    own: pl.DataFrame  # commune_code, valid_from: the communes whose history the rules read


# ---------------------------------------------------------------------------- a chunk


def dedupe(
    arrivals: Sequence[Arrival], known: Known
) -> tuple[list[Arrival], dict[int, FileOutcome]]:
    """Files to check, and the outcomes of those whose bytes were stored (not rejected) before."""
    fresh: list[Arrival] = []
    unchanged: dict[int, FileOutcome] = {}
    for arrival in arrivals:
        stored = known.get(arrival.sha256)
        if stored is None or stored["status"] == "rejected":
            fresh.append(arrival)
            continue
        unchanged[arrival.file_id] = FileOutcome(
            arrival.path, stored["unit_code"], stored["period"], "unchanged",
            version=stored["version"], form=stored.get("form") or "01",
        )  # fmt: skip
    return fresh, unchanged


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


def select_units(
    arrivals: Sequence[Arrival],
    screened: Screened,
    selected: frozenset[str] | None,
    households: Any = None,
) -> tuple[list[Arrival], dict[int, FileOutcome]]:
    """Files of the selected units (all when ``selected`` is None), and the others as skipped.

    ``households``: the household files' screen (``HouseholdScreen``), whose metadata names
    their unit and review.
    """
    kept: list[Arrival] = []
    skipped: dict[int, FileOutcome] = {}
    for arrival in arrivals:
        meta = screened.by_file.get(arrival.file_id)
        period = meta["period"] if meta else None
        if meta is None and households is not None:
            meta = households.by_file.get(arrival.file_id)
            period = f"{meta['review_year']} {meta['review_kind']}" if meta else None
        unit = meta["unit_code"] if meta else None
        if selected is None or unit in selected:
            kept.append(arrival)
        else:
            skipped[arrival.file_id] = FileOutcome(arrival.path, unit, period, "skipped")
    return kept, skipped


def cut_waves(arrivals: Sequence[Arrival], screened: Screened) -> list[list[Arrival]]:
    """Consecutive runs of files (in arrival order) that can be checked and stored together.

    A wave ends before a file whose rows are checked for another period than the wave's
    (its history may be in the wave), a second file of the same unit-period (it is the next
    version), or the same bytes again.
    """
    waves: list[list[Arrival]] = []
    current: list[Arrival] = []
    period: str | None = None
    pairs: set[tuple[str, str]] = set()
    contents: set[str] = set()
    for arrival in arrivals:
        meta = screened.by_file.get(arrival.file_id)
        checked = arrival.file_id in screened.checked and meta is not None
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


# ---------------------------------------------------------------------------- checking rows


def prepare_rows(
    screened: Screened, file_ids: list[int], period: Period, ref: Reference
) -> WaveRows | None:
    """Parse the commune rows of files of one period; None when they have none."""
    ids = pl.Series(FILE_ID, file_ids, dtype=pl.Int64)
    rows = screened.tables.rows.filter(pl.col(FILE_ID).is_in(ids.implode()))
    if rows.is_empty():
        return None
    parsed = checks.parse_rows(rows, list(ref.format.columns))
    units = screened.metadata.filter(pl.col(FILE_ID).is_in(ids.implode()))
    expected = expected_communes(
        ref.registry,
        units.select(FILE_ID, "unit_code"),
        period.last_day,
        ref.settings.communes_report_from,
    )
    # History is looked up for the files' communes that are their unit's own on the period's
    # last day (the others are quarantined anyway), each from its own registry row's start.
    own = expected.join(
        parsed.rows.select(FILE_ID, "commune_code"), on=[FILE_ID, "commune_code"], how="semi"
    ).unique(["commune_code", "valid_from"])
    total = screened.tables.total.filter(pl.col(FILE_ID).is_in(ids.implode()))
    return WaveRows(period, parsed, total, expected, own)


def check_prepared(
    prepared: WaveRows, history: pl.DataFrame, ref: Reference
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed rows (with row_status) and findings of parsed rows, given their history.

    Rows are checked against the registry on the period's last day and against ``history``
    (``Warehouse.previous_figures`` of ``prepared.own``).
    """
    fmt, parsed = ref.format, prepared.parsed
    columns = list(fmt.columns)
    last_day = prepared.period.last_day.strftime("%d/%m/%Y")
    findings = pl.concat(
        [
            parsed.findings,
            checks.total_findings(parsed.rows, prepared.total, columns),
            checks.membership_findings(parsed.rows, prepared.expected, fmt.labels, last_day),
            checks.rule_findings(parsed.rows, history, list(ref.row_rules), fmt.labels),
        ]
    ).sort(FILE_ID, maintain_order=True)
    typed = checks.quarantine(parsed.rows, findings, ref.rule_ids("row_error"))
    return typed, findings


def prepare_wave(wave: Sequence[Arrival], screened: Screened, ref: Reference) -> WaveRows | None:
    """The rows of the wave's files that are to be checked (all of one period), parsed."""
    row_ids = [a.file_id for a in wave if a.file_id in screened.checked]
    if not row_ids:
        return None
    period = Period.parse(str(screened.by_file[row_ids[0]]["period"]))
    assert period is not None
    return prepare_rows(screened, row_ids, period, ref)


def check_wave(
    wave: Sequence[Arrival],
    screened: Screened,
    prepared: WaveRows | None,
    history: pl.DataFrame,
    ref: Reference,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The wave's typed rows and all its findings, rendered (file-level and row-level)."""
    findings = screened.findings.filter(pl.col(FILE_ID).is_in([a.file_id for a in wave]))
    rows = pl.DataFrame(schema={FILE_ID: pl.Int64, "row_status": pl.String})
    if prepared is not None:
        rows, row_findings = check_prepared(prepared, history, ref)
        findings = pl.concat([findings, row_findings]).sort(FILE_ID, maintain_order=True)
    return rows, render_findings(findings, screened.tables.files, ref)


def render_findings(findings: pl.DataFrame, files: pl.DataFrame, ref: Reference) -> pl.DataFrame:
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


def raw_rows(tables: Tabulated, figure_keys: list[str]) -> pl.DataFrame:
    """The table rows as found: file_id, excel_row, commune code and name, figures as text."""
    return tables.rows.select(FILE_ID, "excel_row", "commune_code", "commune_name", *figure_keys)


# ---------------------------------------------------------------------------- summarising


def summarise(
    wave: Sequence[Arrival],
    screened: Screened,
    rows: pl.DataFrame,
    rendered: pl.DataFrame,
    now: datetime,
) -> pl.DataFrame:
    """One submissions row per file of a wave (file_id, unit_name and the stored columns)."""
    zero = pl.lit(0, pl.Int32)
    return (
        _arrivals(wave)
        .join(screened.metadata, on=FILE_ID, how="left", maintain_order="left")
        .join(finding_counts(rendered), on=FILE_ID, how="left", maintain_order="left")
        .join(row_counts(rows), on=FILE_ID, how="left", maintain_order="left")
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


def _arrivals(wave: Sequence[Arrival]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            FILE_ID: [a.file_id for a in wave],
            "content_sha256": [a.sha256 for a in wave],
            "file_name": [a.name for a in wave],
            "received_at": [a.received_at for a in wave],
        },
        schema_overrides={FILE_ID: pl.Int64},
    )


def finding_counts(rendered: pl.DataFrame) -> pl.DataFrame:
    """Per file: findings by severity and the first file error's problem (its reject reason)."""
    return rendered.group_by(FILE_ID).agg(
        file_errors=(pl.col("severity") == "file_error").sum().cast(pl.Int32),
        row_errors=(pl.col("severity") == "row_error").sum().cast(pl.Int32),
        warnings=(pl.col("severity") == "warning").sum().cast(pl.Int32),
        reject_reason=pl.col("problem").filter(pl.col("severity") == "file_error").first(),
    )


def row_counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Per file: rows checked and rows quarantined."""
    if not rows.height:
        return pl.DataFrame(
            schema={FILE_ID: pl.Int64, "rows_checked": pl.Int32, "rows_quarantined": pl.Int32}
        )
    return rows.group_by(FILE_ID).agg(
        rows_checked=pl.len().cast(pl.Int32),
        rows_quarantined=(pl.col("row_status") == "quarantined").sum().cast(pl.Int32),
    )


# ---------------------------------------------------------------------------- storing


def to_store(summary: pl.DataFrame, wave: Sequence[Arrival], known: Known) -> pl.DataFrame:
    """The summary rows the wave stores, numbered by ``arrival`` from 1.

    The same rejected bytes again are checked again (rules may have changed) but stored once.
    """
    repeated = [
        a.file_id for a in wave if a.sha256 in known and known[a.sha256]["status"] == "rejected"
    ]
    return summary.filter(
        ~(pl.col(FILE_ID).is_in(repeated) & (pl.col("status") == "rejected"))
    ).with_columns(arrival=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))


def new_batch(
    wave: Sequence[Arrival],
    stored: pl.DataFrame,
    screened: Screened,
    rows: pl.DataFrame,
    rendered: pl.DataFrame,
    ref: Reference,
    now: datetime,
) -> NewBatch | None:
    """What the wave's transaction writes (None when it stores nothing)."""
    if stored.is_empty():
        return None
    arrival = stored.select(FILE_ID, "arrival")
    accepted = stored.filter(pl.col("status") != "rejected").select(
        FILE_ID, "arrival", "unit_code", "period"
    )
    return NewBatch(
        files=_contents(wave, stored, now),
        submissions=stored.select("arrival", *SUBMISSION_COLUMNS),
        raw_rows=raw_rows(screened.tables, ref.format.figure_keys)
        .join(accepted.select(FILE_ID, "arrival"), on=FILE_ID)
        .drop(FILE_ID),
        rows=rows.join(accepted, on=FILE_ID).drop(FILE_ID),
        findings=rendered.join(arrival, on=FILE_ID)
        .join(stored.select(FILE_ID, "file_name"), on=FILE_ID)
        .select("arrival", *FINDING_COLUMNS),
        recorded_at=now,
    )


def _contents(wave: Sequence[Arrival], stored: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """One raw_files row per distinct content stored, in order of arrival."""
    by_sha = {a.sha256: a for a in wave}
    files = stored.select("content_sha256").unique(maintain_order=True)
    contents = [by_sha[sha] for sha in files["content_sha256"]]
    return files.with_columns(
        file_type=pl.Series([a.file_type.lstrip(".") for a in contents]),
        size_bytes=pl.Series([len(a.data) for a in contents], dtype=pl.Int64),
        content=pl.Series([a.data for a in contents], dtype=pl.Binary),
        first_seen_at=pl.lit(now),
    )


def with_versions(
    summary: pl.DataFrame, stored: pl.DataFrame, ids: pl.DataFrame | None
) -> pl.DataFrame:
    """The summary with each file's version: ``ids`` is what ``Warehouse.store`` returned."""
    versions = (
        pl.DataFrame(schema={FILE_ID: pl.Int64, "version": pl.Int32})
        if ids is None
        else ids.join(stored.select(FILE_ID, "arrival"), on="arrival").select(FILE_ID, "version")
    )
    return summary.join(versions, on=FILE_ID, how="left", maintain_order="left")


# ---------------------------------------------------------------------------- answering


def named_findings(rendered: pl.DataFrame, wave: Sequence[Arrival]) -> pl.DataFrame:
    """The wave's rendered findings, each with its file's name (what feedback prints)."""
    names = pl.DataFrame(
        {FILE_ID: [a.file_id for a in wave], "file_name": [a.name for a in wave]},
        schema={FILE_ID: rendered.schema[FILE_ID], "file_name": pl.String},
    )
    return rendered.drop("file_name", strict=False).join(
        names, on=FILE_ID, how="left", maintain_order="left"
    )


CLOSED_VI = (
    " Kỳ báo cáo này đã được chốt (báo cáo đã được ký): số liệu trên được lưu là số liệu điều "
    "chỉnh, không thay đổi số liệu đã ký, và sẽ được báo cáo trong kỳ báo cáo tiếp theo."
)


def amends_closed(row: dict[str, Any], closed: frozenset[str]) -> bool:
    """Whether a stored file is an amendment: accepted for a period already closed."""
    return row["status"] != "rejected" and row["period"] in closed


def feedback_answer(
    arrival: Arrival, row: dict[str, Any], root: Path, closed: frozenset[str] = frozenset()
) -> tuple[Path, str]:
    """Where the file's feedback workbook goes (under ``root``) and its summary line; a file
    for a closed period (``closed``) is told it is kept as an amendment."""
    period, unit_code, version = row["period"], row["unit_code"], row["version"]
    folder = root / (period or "khong-ro-ky")
    if row["status"] == "rejected":
        target = folder / f"{arrival.stem}_{arrival.sha256[:8]}_tra-lai.xlsx"
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
    summary = f"Tệp {arrival.name} ({unit}): {verdict}. Có {errors} lỗi, {row['warnings']} lưu ý."
    if amends_closed(row, closed):
        summary += CLOSED_VI
    return target, summary


def file_outcome(
    path: Path, row: dict[str, Any], feedback: Path | None, closed: frozenset[str] = frozenset()
) -> FileOutcome:
    """What ``ntm ingest`` reports for a file of a wave, from its summary row."""
    return FileOutcome(
        path,
        row["unit_code"],
        row["period"],
        row["status"],
        row["reject_reason"],
        issues=row["row_errors"] + row["warnings"],
        quarantined=row["rows_quarantined"],
        version=row["version"],
        feedback=feedback,
        amendment=amends_closed(row, closed),
    )
