"""Form HN, the household review: from files read to hashed, checked rows in the warehouse.

``ingest.py`` reads every file once and hands the household ones here, in arrival order, with
what their reading found. Like the quarterly form, a run is screened all at once (metadata,
personal data, the table, file-level findings), then cut into waves — each unit, year and kind
and each content at most once — and each wave is checked, stored in one transaction and
answered with a Vietnamese feedback workbook per file.

Household codes are replaced by keyed hashes (``ntm.store.household_key``) before anything is
stored; a file's bytes are never kept (its sha256 is); no finding, feedback or log line quotes
a code or a personal value. A file carrying personal data is refused whole.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from ntm.intake.feedback import (
    HOUSEHOLD_SEVERITY_VI,
    HOUSEHOLD_TITLE,
    feedback_rows,
    write_feedback,
    write_feedback_rows,
)
from ntm.intake.readers import (
    CSV_SHEET,
    FileRead,
    csv_metadata_values,
    stack,
    workbook_metadata,
)
from ntm.intake.steps import (
    FINDING_COLUMNS,
    Arrival,
    FileOutcome,
    Known,
    finding_counts,
    named_findings,
    render_findings,
    row_counts,
)
from ntm.reference import Reference
from ntm.store.faults import kill_point
from ntm.store.household_key import HouseholdKey
from ntm.store.paths import DataDir
from ntm.store.warehouse import NewHouseholdBatch, Warehouse
from transforms import households as hh
from transforms.findings import FILE_ID, FINDING_SCHEMA, no_findings, with_file
from transforms.layout import Column
from transforms.registry import expected_communes, find_reporting_unit
from transforms.text import match_key

FORM = "HN"
SUBMISSION_COLUMNS = (
    "content_sha256", "file_type", "size_bytes", "file_name", "unit_code", "review_year",
    "review_kind", "standard", "status", "reject_reason", "received_at", "ingested_at",
    "prepared_on", "prepared_by", "template_version", "rows_read", "rows_accepted",
    "rows_quarantined", "file_errors", "row_errors", "warnings",
)  # fmt: skip
ROW_COLUMNS = (
    "excel_row", "row_status", "commune_code", "household_key", "village", "area", "members",
    "income_score", "below_line", "deprivations", "deprivation_count", "result",
    "ethnic_minority", "merit_person", "social_assistance", "no_labour", "causes",
)  # fmt: skip
# The checked rows of a wave before their codes are hashed (the stored columns but the key).
UNHASHED_ROW_SCHEMA: dict[str, pl.DataType] = {
    FILE_ID: pl.Int64(), "excel_row": pl.Int64(), "row_status": pl.String(),
    "commune_code": pl.String(), "household_code": pl.String(), "village": pl.String(),
    "area": pl.String(), "members": pl.Int32(), "income_score": pl.Int32(),
    "below_line": pl.Boolean(), "deprivations": pl.List(pl.String()),
    "deprivation_count": pl.Int32(), "result": pl.String(), "ethnic_minority": pl.Boolean(),
    "merit_person": pl.Boolean(), "social_assistance": pl.Boolean(), "no_labour": pl.Boolean(),
    "causes": pl.List(pl.String()),
}  # fmt: skip
PERSONAL_RULES = ("personal_data_column", "personal_data_cell")
THREADS = min(4, os.cpu_count() or 1)


def review_label(year: int | None, kind: str | None) -> str | None:
    """How a review is named in ``ntm ingest``'s line and in folder names: ``2025 dinh-ky``."""
    return f"{year} {kind}" if year is not None and kind is not None else None


# ---------------------------------------------------------------------------- screening


@dataclass(frozen=True)
class HouseholdScreen:
    """A run's household files after their file-level checks, by file_id."""

    metadata: pl.DataFrame  # hh.REVIEW_METADATA_SCHEMA
    rows: pl.DataFrame  # the table rows as text, one column per key
    sheets: pl.DataFrame  # file_id, sheet
    findings: pl.DataFrame  # file-level and reading findings
    rows_read: pl.DataFrame  # file_id, rows_read

    @cached_property
    def by_file(self) -> dict[int, dict[str, Any]]:
        return {row[FILE_ID]: row for row in self.metadata.iter_rows(named=True)}

    @cached_property
    def rejected(self) -> frozenset[int]:
        errors = self.findings.filter(pl.col("rule_id").is_in(_FILE_ERRORS))
        return frozenset(errors[FILE_ID].to_list())


_FILE_ERRORS = (
    "file_type", "file_too_large", "file_unsafe", "file_encrypted", "file_unreadable",
    "csv_encoding", "csv_inconsistent", "column_missing", "metadata_invalid", *PERSONAL_RULES,
    "hn_sheet_missing", "hn_metadata_missing", "hn_unit_unknown", "hn_year_invalid",
    "hn_year_future", "hn_kind_unknown", "hn_standard_unknown", "hn_standard_mismatch",
    "hn_no_rows",
)  # fmt: skip


def _all_columns(ref: Reference) -> list[Column]:
    """Every column a household file may have: each reviewable standard's, the CSV's keys."""
    fmt = ref.households
    found: dict[str, Column] = {}
    for standard in ref.standards:
        if standard.reviewable:
            for column in fmt.table_columns(standard.indicators):
                found.setdefault(column.key, column)
    for key in fmt.csv_metadata_columns:
        found.setdefault(key, Column(key, key, "meta"))
    return list(found.values())


def _allowed(ref: Reference) -> pl.DataFrame:
    """standard, key, label, required, order: the columns of each reviewable standard."""
    fmt = ref.households
    rows = [
        (s.id, c.key, c.label, c.key in fmt.required or c.key in s.indicator_ids, order)
        for s in ref.standards
        if s.reviewable
        for order, c in enumerate(fmt.table_columns(s.indicators))
    ]
    return pl.DataFrame(
        rows,
        schema={
            "standard": pl.String, "key": pl.String, "label": pl.String,
            "required": pl.Boolean, "order": pl.Int64,
        },
        orient="row",
    )  # fmt: skip


def screen_households(
    reads: Sequence[tuple[int, FileRead]], ref: Reference, today: date
) -> HouseholdScreen:
    """Metadata, personal data, tables and file-level findings of every household file read."""
    fmt = ref.households
    files = pl.DataFrame(
        {FILE_ID: [i for i, _ in reads], "sheet": [r.sheet for _, r in reads]},
        schema={FILE_ID: pl.Int64, "sheet": pl.String},
    )
    reading = pl.DataFrame(
        [{FILE_ID: file_id, **finding} for file_id, read in reads for finding in read.findings],
        schema={FILE_ID: pl.Int64, **FINDING_SCHEMA},
    )
    readable = [(i, r) for i, r in reads if not r.failed]
    grid = stack([(i, r.grid) for i, r in readable if r.grid is not None])
    head = hh.head_cells(grid)
    columns = _all_columns(ref)
    table = hh.household_table(grid, head, columns)
    values, meta_findings = _metadata_values(readable, table, fmt, files)
    kinds = {match_key(t): k.code for k in fmt.kinds for t in (*k.typed, k.label, k.code)}
    required = [c.key for c in fmt.metadata if c.kind == "required" and c.key != "form"]
    metadata, checked = hh.review_metadata(
        values,
        fmt.labels,
        required,
        fmt.template_version,
        kinds,
        {k.code: k.label.lower() for k in fmt.kinds},
        pl.DataFrame(
            [(s.id, s.first_year, s.last_year, s.reviewable) for s in ref.standards],
            schema=["id", "first_year", "last_year", "reviewable"],
            orient="row",
        ),
        ref.registry,
        today,
        ref.settings.communes_report_from,
    )
    personal = _personal(readable, grid, head, table, columns, ref, files)
    # Columns are judged against the file's standard: a file naming none it may use is refused
    # for that alone, not also for every column.
    allowed = _allowed(ref)
    standards = metadata.select(FILE_ID, "standard").join(files, on=FILE_ID)
    layout = hh.column_findings(
        standards.filter(pl.col("standard").is_in(allowed["standard"].implode())),
        table,
        allowed,
        frozenset(fmt.csv_metadata_columns),
    )
    with_rows = table.rows.select(FILE_ID).unique()
    no_rows = (
        files.filter(pl.col(FILE_ID).is_in([i for i, _ in readable]))
        .join(with_rows, on=FILE_ID, how="anti")
        .select(FILE_ID, "sheet", rule_id=pl.lit("hn_no_rows"))
    )
    findings = pl.concat([with_file(reading), meta_findings, checked, layout, with_file(no_rows)])
    # A file with personal data is refused for that, and says nothing else: any other finding
    # might quote the personal value (a label, a name, the person who prepared it).
    refused = personal.select(FILE_ID).unique()
    findings = pl.concat([findings.join(refused, on=FILE_ID, how="anti"), personal]).sort(
        FILE_ID, maintain_order=True
    )
    metadata = metadata.with_columns(
        prepared_by=pl.when(pl.col(FILE_ID).is_in(refused[FILE_ID].implode()))
        .then(None)
        .otherwise(pl.col("prepared_by"))
    )
    rows_read = table.rows.group_by(FILE_ID).agg(rows_read=pl.len().cast(pl.Int32))
    return HouseholdScreen(metadata, table.rows, files, findings, rows_read)


def _metadata_values(
    readable: list[tuple[int, FileRead]],
    table: hh.HouseholdTable,
    fmt: Any,
    files: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """file_id, sheet and the metadata keys as text: a workbook's «Thông tin» lines, a CSV's
    leading columns (one value each, the same on every row: csv_inconsistent otherwise)."""
    workbooks = [(i, r) for i, r in readable if not r.is_csv]
    csv_ids = [i for i, r in readable if r.is_csv]
    wide, extra = workbook_metadata(workbooks, fmt.metadata)
    csv_rows = table.rows.filter(pl.col(FILE_ID).is_in(csv_ids))
    csv_values, inconsistent = csv_metadata_values(
        csv_rows, list(fmt.csv_metadata_columns), upper=False
    )
    csv_values = csv_values.with_columns(
        template_version=pl.lit(fmt.template_version), form=pl.lit(fmt.form)
    )
    meta_keys = [c.key for c in fmt.metadata]

    def conformed(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            pl.col(FILE_ID).cast(pl.Int64),
            *[
                pl.col(k).cast(pl.String)
                if k in frame.columns
                else pl.lit(None, pl.String).alias(k)
                for k in meta_keys
            ],
        )

    values = files.filter(pl.col(FILE_ID).is_in([i for i, _ in readable])).join(
        pl.concat([conformed(wide), conformed(csv_values)]), on=FILE_ID, how="left"
    )
    values = values.with_columns(
        sheet=pl.when(pl.col(FILE_ID).is_in(csv_ids))
        .then(pl.lit(CSV_SHEET))
        .otherwise(pl.lit(fmt.metadata_sheet))
    )
    return values, pl.concat([extra, inconsistent])


def _personal(
    readable: list[tuple[int, FileRead]],
    grid: pl.DataFrame,
    head: pl.DataFrame,
    table: hh.HouseholdTable,
    columns: list[Column],
    ref: Reference,
    files: pl.DataFrame,
) -> pl.DataFrame:
    """Personal data anywhere in a file: a column for it, or a number in a cell."""
    fmt = ref.households
    pattern = hh.personal_value_pattern(fmt.id_number_pattern, fmt.phone_pattern)
    header = hh.personal_header_findings(head, table.headers, columns, fmt.personal_header_words)
    names = table.header_cells.select(FILE_ID, "position", label=pl.col("text").str.strip_chars())
    in_table = hh.personal_cell_findings(grid, pattern, names, files)
    meta_grid = stack([(i, r.metadata_grid) for i, r in readable if r.metadata_grid is not None])
    meta_sheets = pl.DataFrame(
        {FILE_ID: [i for i, _ in readable], "sheet": [r.metadata_sheet for _, r in readable]},
        schema={FILE_ID: pl.Int64, "sheet": pl.String},
    )
    no_names = pl.DataFrame(schema={FILE_ID: pl.Int64, "position": pl.Int64, "label": pl.String})
    in_metadata = hh.personal_cell_findings(meta_grid, pattern, no_names, meta_sheets)
    return pl.concat([header, in_table, in_metadata])


# ---------------------------------------------------------------------------- a run


@dataclass(frozen=True)
class HouseholdRun:
    """What every wave of a run's household files shares."""

    data_dir: DataDir
    ref: Reference
    warehouse: Warehouse
    key: HouseholdKey
    now: datetime
    feedback: bool


def cut_waves(arrivals: Sequence[Arrival], screen: HouseholdScreen) -> list[list[Arrival]]:
    """Consecutive files that can be stored together: each unit, year and kind at most once
    (a second file is the next version) and each content at most once."""
    waves: list[list[Arrival]] = []
    current: list[Arrival] = []
    seen: set[tuple[Any, ...]] = set()
    contents: set[str] = set()
    for arrival in arrivals:
        meta = screen.by_file.get(arrival.file_id)
        key = None
        if meta is not None and arrival.file_id not in screen.rejected:
            key = (meta["unit_code"], meta["review_year"], meta["review_kind"])
        if current and (arrival.sha256 in contents or (key is not None and key in seen)):
            waves.append(current)
            current, seen, contents = [], set(), set()
        current.append(arrival)
        contents.add(arrival.sha256)
        if key is not None:
            seen.add(key)
    if current:
        waves.append(current)
    return waves


@dataclass(frozen=True)
class Checked:
    """The rows of a run's household files, checked and hashed once, before any is stored: the
    quarterly files of the same run are reconciled with them in arrival order."""

    rows: pl.DataFrame  # file_id and the stored columns (household_key, never the code)
    findings: pl.DataFrame

    def counts(self, screen: HouseholdScreen, arrivals: Sequence[Arrival]) -> pl.DataFrame:
        """Per periodic review file and commune: file_id, review_year, received_at,
        review_poor, review_near_poor (accepted rows)."""
        received = pl.DataFrame(
            {
                FILE_ID: [a.file_id for a in arrivals],
                "received_at": [a.received_at for a in arrivals],
            },
            schema={FILE_ID: pl.Int64, "received_at": pl.Datetime("us", "UTC")},
        )
        periodic = screen.metadata.filter(pl.col("review_kind") == "dinh-ky").select(
            FILE_ID, "review_year"
        )
        accepted = self.rows.filter(pl.col("row_status") == "accepted").join(periodic, on=FILE_ID)
        return (
            hh.commune_counts(accepted, by=[FILE_ID, "review_year"])
            .join(received, on=FILE_ID)
            .select(
                FILE_ID,
                "review_year",
                "received_at",
                "commune_code",
                review_poor="poor",
                review_near_poor="near_poor",
            )
        )


def check_run(
    screen: HouseholdScreen, arrivals: Sequence[Arrival], ref: Reference, key: HouseholdKey
) -> Checked:
    """Check and hash the rows of every household file of a run that passed its file checks."""
    ids = [a.file_id for a in arrivals if a.file_id not in screen.rejected]
    rows, findings = _check_rows(screen, ids, ref)
    return Checked(key.hash_codes(rows), findings)


def ingest_wave(
    wave: list[Arrival], screen: HouseholdScreen, checked: Checked, known: Known, run: HouseholdRun
) -> dict[int, FileOutcome]:
    """Store a wave of checked household files (reconciled with the Q4 forms that had arrived
    before each), then answer its files."""
    ref = run.ref
    ids = pl.Series(FILE_ID, [a.file_id for a in wave], dtype=pl.Int64).implode()
    rows = checked.rows.filter(pl.col(FILE_ID).is_in(ids))
    mismatches = _reconcile(rows, screen, wave, run.warehouse)
    findings = pl.concat(
        [
            screen.findings.filter(pl.col(FILE_ID).is_in(ids)),
            checked.findings.filter(pl.col(FILE_ID).is_in(ids)),
            mismatches,
        ]
    ).sort(FILE_ID, maintain_order=True)
    rendered = render_findings(findings, screen.sheets, ref)
    summary = _summarise(wave, screen, rows, rendered, run.now)
    stored = _to_store(summary, wave, known)
    versions = None
    if stored.height:
        arrival = stored.select(FILE_ID, "arrival")
        accepted = stored.filter(pl.col("status") != "rejected").select(FILE_ID, "arrival")
        batch = NewHouseholdBatch(
            submissions=stored.select("arrival", *SUBMISSION_COLUMNS),
            rows=rows.join(accepted, on=FILE_ID).select("arrival", *ROW_COLUMNS),
            findings=rendered.join(arrival, on=FILE_ID)
            .join(stored.select(FILE_ID, "file_name"), on=FILE_ID)
            .select("arrival", *FINDING_COLUMNS),
            key_fingerprint=run.key.fingerprint,
            recorded_at=run.now,
        )
        versions = run.warehouse.store_households(batch)
        kill_point("households:after_commit")
    summary = summary.join(
        versions.join(stored.select(FILE_ID, "arrival"), on="arrival").select(FILE_ID, "version")
        if versions is not None
        else pl.DataFrame(schema={FILE_ID: pl.Int64, "version": pl.Int32}),
        on=FILE_ID,
        how="left",
        maintain_order="left",
    )
    return _answer(wave, summary, rendered, run)


def _check_rows(
    screen: HouseholdScreen, file_ids: list[int], ref: Reference
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The typed rows (with file_id and household_code, not yet hashed) and their findings."""
    empty = pl.DataFrame(schema=UNHASHED_ROW_SCHEMA)
    if not file_ids:
        return empty, no_findings()
    fmt = ref.households
    meta = screen.metadata.filter(pl.col(FILE_ID).is_in(file_ids))
    # A CSV's metadata columns were read as metadata: the rows are the households' cells.
    rows = screen.rows.filter(pl.col(FILE_ID).is_in(file_ids)).drop(fmt.csv_metadata_columns)
    parts, findings = [], []
    rules = {
        s.id: hh.StandardRule(
            s.id,
            tuple(s.indicator_ids),
            dict(s.score_cutoffs),
            int(s.poor_min_deprivations or 0),
            int(s.points_per_indicator or 0),
        )
        for s in ref.standards
        if s.reviewable
    }
    vocabulary = hh.Vocabulary(
        flag_yes=tuple(match_key(v) for v in fmt.flag_yes),
        flag_no=tuple(match_key(v) for v in fmt.flag_no),
        areas={match_key(t): a.code for a in fmt.areas for t in (*a.typed, a.label)},
        results={match_key(t): r.code for r in fmt.results for t in (*r.typed, r.label)},
        result_labels={r.code: r.label for r in fmt.results},
        area_labels={a.code: a.label for a in fmt.areas},
    )
    causes = [c.key for c in fmt.causes]
    # The communes a file may list are its unit's on 31 December of its year: one registry
    # question per year in the wave (a wave holds a few years at most).
    for (year,), files in meta.partition_by("review_year", as_dict=True).items():
        day = date(int(str(year)), 12, 31)
        expected = expected_communes(
            ref.registry, files.select(FILE_ID, "unit_code"), day, ref.settings.communes_report_from
        )
        checked = hh.check_households(
            rows.filter(pl.col(FILE_ID).is_in(files[FILE_ID].implode())),
            files.select(FILE_ID, "standard"),
            expected,
            rules,
            vocabulary,
            {c.key: c.label for c in _all_columns(ref)} | fmt.labels,
            causes,
            day.strftime("%d/%m/%Y"),
        )
        parts.append(checked.rows)
        findings.append(checked.findings)
    typed = pl.concat(parts, how="diagonal_relaxed") if parts else empty
    return typed, pl.concat(findings)


def _reconcile(
    rows: pl.DataFrame, screen: HouseholdScreen, wave: Sequence[Arrival], warehouse: Warehouse
) -> pl.DataFrame:
    """Warnings where a periodic review's counts of a commune differ from its Q4 form, as the
    form stood when the review arrived (one query for the wave). A form arriving later is
    reconciled from its own side."""
    periodic = screen.metadata.filter(pl.col("review_kind") == "dinh-ky").select(
        FILE_ID, period=pl.format("{}-Q4", "review_year")
    )
    accepted = rows.filter(pl.col("row_status") == "accepted").join(periodic, on=FILE_ID)
    if accepted.is_empty():
        return no_findings()
    received = {a.file_id: a.received_at for a in wave}
    counts = hh.commune_counts(accepted, by=[FILE_ID, "period"])
    form = warehouse.frame(
        "q4_form_counts",
        keys=counts[FILE_ID].to_list(),
        communes=counts["commune_code"].to_list(),
        periods=counts["period"].to_list(),
        before=[received[i] for i in counts[FILE_ID]],
    ).rename({"key": FILE_ID})
    words = {"poor": "hộ nghèo", "near_poor": "hộ cận nghèo"}
    what = pl.col("what").replace_strict(words)
    return with_file(
        hh.form_mismatches(counts, form, by=[FILE_ID, "period"]).select(
            FILE_ID,
            column_label=pl.lit("Kết quả phân loại"),
            value_found=pl.col("review").cast(pl.String) + " " + what,
            expected=pl.col("form").cast(pl.String) + " " + what,
            detail="commune_code",
            rule_id=pl.lit("hn_form_mismatch"),
        )
    )


def _summarise(
    wave: Sequence[Arrival],
    screen: HouseholdScreen,
    rows: pl.DataFrame,
    rendered: pl.DataFrame,
    now: datetime,
) -> pl.DataFrame:
    """One household_submissions row per file of a wave, with file_id and unit_name."""
    zero = pl.lit(0, pl.Int32)
    arrivals = pl.DataFrame(
        {
            FILE_ID: [a.file_id for a in wave],
            "content_sha256": [a.sha256 for a in wave],
            "file_type": [a.file_type.lstrip(".") for a in wave],
            "size_bytes": [len(a.data) for a in wave],
            "file_name": [a.name for a in wave],
            "received_at": [a.received_at for a in wave],
        },
        schema_overrides={FILE_ID: pl.Int64, "size_bytes": pl.Int64},
    )
    personal = (
        rendered.filter(pl.col("rule_id").is_in(PERSONAL_RULES))
        .group_by(FILE_ID)
        .agg(
            personal_where=pl.when(pl.col("rule_id") == "personal_data_column")
            .then("column «" + pl.col("column_label") + "»")
            .otherwise("row " + pl.col("excel_row").cast(pl.String))
            .first()
        )
    )
    return (
        arrivals.join(screen.metadata, on=FILE_ID, how="left", maintain_order="left")
        .join(finding_counts(rendered), on=FILE_ID, how="left", maintain_order="left")
        .join(personal, on=FILE_ID, how="left", maintain_order="left")
        .join(row_counts(rows), on=FILE_ID, how="left", maintain_order="left")
        .join(screen.rows_read, on=FILE_ID, how="left", maintain_order="left")
        .with_columns(
            pl.col("file_errors", "row_errors", "warnings", "rows_read", "rows_checked").fill_null(
                zero
            ),
            rejected=pl.col("file_errors").fill_null(0) > 0,
            # interfaces.md: «rejected: personal data (<column or row>)», the value never.
            reject_reason=pl.when(pl.col("personal_where").is_not_null())
            .then("personal data (" + pl.col("personal_where") + ")")
            .otherwise(pl.col("reject_reason")),
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
            rows_checked=pl.when(pl.col("rejected")).then(zero).otherwise(pl.col("rows_checked")),
            ingested_at=pl.lit(now),
        )
        .with_columns(rows_accepted=pl.col("rows_checked") - pl.col("rows_quarantined"))
    )


def _to_store(summary: pl.DataFrame, wave: Sequence[Arrival], known: Known) -> pl.DataFrame:
    """The rows the wave stores, numbered from 1; the same rejected bytes are stored once."""
    repeated = [
        a.file_id for a in wave if a.sha256 in known and known[a.sha256]["status"] == "rejected"
    ]
    return summary.filter(
        ~(pl.col(FILE_ID).is_in(repeated) & (pl.col("status") == "rejected"))
    ).with_columns(arrival=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))


# ---------------------------------------------------------------------------- answering


def feedback_answer(arrival: Arrival, row: dict[str, Any], root: Path) -> tuple[Path, str]:
    """Where a household file's feedback workbook goes (under ``root``) and its summary line."""
    year, kind, unit_code = row["review_year"], row["review_kind"], row["unit_code"]
    review = f"{year}-{kind}" if year is not None and kind is not None else "khong-ro"
    folder = root / "ho-ngheo" / review
    if row["status"] == "rejected":
        target = folder / f"{arrival.stem}_{arrival.sha256[:8]}_tra-lai.xlsx"
        verdict = "BỊ TRẢ LẠI, chưa nhận hộ nào; sửa các lỗi dưới đây rồi gửi lại cả tệp"
    else:
        target = folder / f"{unit_code}_{review}_v{row['version']}_phan-hoi.xlsx"
        checked, quarantined = row["rows_checked"], row["rows_quarantined"]
        verdict = f"ĐÃ NHẬN (lần gửi thứ {row['version']}): {checked - quarantined}/{checked} hộ"
        verdict += " được nhận"
        if quarantined:
            verdict += f", {quarantined} hộ chưa được nhận do có lỗi"
    kind_words = {"dinh-ky": "định kỳ", "dau-ky": "đầu kỳ"}
    about = (
        f"{row['unit_name'] or unit_code}, rà soát {kind_words.get(kind, kind)} năm {year}"
        if unit_code and year is not None
        else "đơn vị chưa rõ"
    )
    errors = row["file_errors"] + row["row_errors"]
    summary = f"Tệp {arrival.name} ({about}): {verdict}. Có {errors} lỗi, {row['warnings']} lưu ý."
    return target, summary


def answer_again(
    arrivals: list[Arrival], known: Known, data_dir: DataDir, ref: Reference, warehouse: Warehouse
) -> None:
    """Write, from the warehouse, the feedback workbooks of stored household files that have
    none (a run killed after a wave's commit and before its answers leaves them so)."""
    rows = {}
    for arrival in arrivals:
        stored = known[arrival.sha256]
        year, _, kind = str(stored["period"] or "").partition(" ")
        review_year = int(year) if year.isdigit() else None
        unit = (
            find_reporting_unit(
                ref.registry,
                str(stored["unit_code"]),
                date(review_year, 12, 31),
                ref.settings.communes_report_from,
            )
            if review_year is not None and stored["unit_code"]
            else None
        )
        rows[arrival.file_id] = stored | {
            "review_year": review_year,
            "review_kind": kind or None,
            "unit_name": unit["unit_name"] if unit else None,
        }
    root = data_dir.feedback
    unanswered = [a for a in arrivals if not feedback_answer(a, rows[a.file_id], root)[0].exists()]
    if not unanswered:
        return
    ids = [rows[a.file_id]["submission_id"] for a in unanswered]
    found = warehouse.frame("stored_household_findings", ids=ids)
    for arrival, submission_id in zip(unanswered, ids, strict=True):
        target, text = feedback_answer(arrival, rows[arrival.file_id], root)
        findings = found.filter(pl.col("submission_id") == submission_id).with_columns(
            file_name=pl.lit(arrival.name)
        )
        write_feedback(target, text, findings, HOUSEHOLD_TITLE, HOUSEHOLD_SEVERITY_VI)


def _answer(
    wave: list[Arrival], summary: pl.DataFrame, rendered: pl.DataFrame, run: HouseholdRun
) -> dict[int, FileOutcome]:
    """Write the feedback workbooks of a stored wave; returns each file's outcome."""
    by_file = {a.file_id: a for a in wave}
    # Every file's rows in one query: per file, only the workbook is written.
    found = (
        feedback_rows(named_findings(rendered, wave), HOUSEHOLD_SEVERITY_VI) if run.feedback else {}
    )

    def finish(row: dict[str, Any]) -> FileOutcome:
        arrival = by_file[row[FILE_ID]]
        feedback = None
        if run.feedback:
            target, text = feedback_answer(arrival, row, run.data_dir.feedback)
            feedback = write_feedback_rows(
                target, text, found.get(arrival.file_id, []), HOUSEHOLD_TITLE
            )
        return FileOutcome(
            arrival.path,
            row["unit_code"],
            review_label(row["review_year"], row["review_kind"]),
            row["status"],
            row["reject_reason"],
            issues=row["row_errors"] + row["warnings"],
            quarantined=row["rows_quarantined"],
            version=row["version"],
            feedback=feedback,
            form=FORM,
        )

    # Zip compression releases the GIL: threads write workbooks side by side.
    rows = list(summary.iter_rows(named=True))
    with ThreadPoolExecutor(THREADS) as pool:
        return {
            row[FILE_ID]: outcome for row, outcome in zip(rows, pool.map(finish, rows), strict=True)
        }
