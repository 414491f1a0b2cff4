"""Reading submission files: safety checks first, then every cell as text.

Figures are never typed by the reader: a workbook is read with every cell as a string and parsed
strictly in ``transforms.figures`` (Polars' and fastexcel's own numeric types truncate or misread
Vietnamese separators). Anything wrong with the file itself becomes a finding, never an exception.

Reading is the only per-file step: ``read_file`` turns one file's bytes into grids of text
cells, and ``tabulate`` finds the tables and the metadata of a whole batch of them at once.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

import fastexcel
import numpy as np
import polars as pl

from ntm.reference import HouseholdFormat, Limits, SubmissionFormat
from transforms.findings import FILE_ID, FINDING_SCHEMA, with_file
from transforms.households import HEADER_SEARCH_ROWS
from transforms.layout import Column, cells, extract_tables, text_columns
from transforms.text import match_key, match_key_expr

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1 << 20
CSV_SHEET = "CSV"
FORM_QUARTERLY = "01"
FORM_HOUSEHOLDS = "HN"

Finding = dict[str, object]


@dataclass
class FileRead:
    """One file as read: its grids of text cells (columns c0, c1, ...), or why it stopped."""

    sheet: str = ""  # the figures sheet's name as found, "CSV" for a CSV file
    grid: pl.DataFrame | None = None  # the figures sheet, or the whole CSV
    metadata_grid: pl.DataFrame | None = None  # the metadata sheet (workbooks only)
    metadata_sheet: str = ""  # its name as found
    findings: list[Finding] = field(default_factory=list)
    form: str = FORM_QUARTERLY  # FORM_HOUSEHOLDS when the metadata names form HN

    @property
    def failed(self) -> bool:
        """True when the file could not be read far enough to look for its table."""
        return self.grid is None

    @property
    def is_csv(self) -> bool:
        return self.sheet == CSV_SHEET


def _stopped(rule: str, sheet: str = "", **values: str | None) -> FileRead:
    return FileRead(findings=[{"sheet": sheet, "rule_id": rule, **values}])


def read_file(
    data: bytes,
    extension: str,
    fmt: SubmissionFormat,
    limits: Limits,
    households: HouseholdFormat | None = None,
) -> FileRead:
    """Read a submission's bytes; ``extension`` is the file name's, lower case, with its dot.

    With ``households``, a file whose metadata names form HN (a workbook's «Biểu mẫu» line, a
    CSV header with ``review_year``) is read as a household review: ``form`` says which.
    """
    if extension not in fmt.accepted_extensions:
        return _stopped("file_type", value_found=extension or "?")
    if len(data) > limits.max_file_bytes:
        size = f"{len(data) / 1_048_576:.1f} MiB" if len(data) >= 1_048_576 else f"{len(data)} byte"
        return _stopped("file_too_large", value_found=size)
    if extension == ".csv":
        read = _read_csv(data)
        if (
            households is not None
            and read.grid is not None
            and _csv_is_households(read.grid, households)
        ):
            read.form = FORM_HOUSEHOLDS
        return read
    return _read_xlsx(data, fmt, limits, households)


def _csv_is_households(grid: pl.DataFrame, households: HouseholdFormat) -> bool:
    """A CSV whose header (one of its first rows) holds the household form's marker key."""
    marker = match_key(households.csv_marker)
    head = grid.head(HEADER_SEARCH_ROWS)
    return any(head.select(match_key_expr(pl.col(c)).eq(marker).any()).item() for c in head.columns)


def _form_of(meta_grid: pl.DataFrame, households: HouseholdFormat) -> str:
    """The form a workbook's metadata sheet names: its «Biểu mẫu» line, quarterly without one."""
    if meta_grid.width < 2:
        return FORM_QUARTERLY
    label, value = meta_grid.columns[0], meta_grid.columns[1]
    named = meta_grid.filter(
        match_key_expr(pl.col(label).cast(pl.String)) == match_key(households.form_label)
    )
    if named.is_empty():
        return FORM_QUARTERLY
    typed = match_key(str(named[value][0] or ""))
    return FORM_HOUSEHOLDS if typed == match_key(households.form) else FORM_QUARTERLY


def _numbered(grid: pl.DataFrame) -> pl.DataFrame:
    """The grid's columns named c0, c1, ... in sheet order, whatever the reader called them."""
    grid.columns = [f"c{i}" for i in range(grid.width)]
    return grid


# ---------------------------------------------------------------------------- xlsx


def _unsafe_zip(data: bytes, limits: Limits) -> FileRead | None:
    """Why the bytes are not a sane zip (encrypted, legacy, corrupt, a bomb), or None."""
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data:
            return _stopped("file_encrypted")
        return _stopped("file_unreadable", detail="tệp .xls cũ đổi tên thành .xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return _stopped("file_unreadable", detail="nội dung không phải một tệp .xlsx")
    declared = sum(m.file_size for m in members)
    compressed = max(1, sum(m.compress_size for m in members))
    if declared > limits.max_uncompressed_bytes or declared > limits.max_compression_ratio * max(
        compressed, 65_536
    ):
        return _stopped("file_unsafe", value_found=f"{declared / 1_048_576:.0f} MiB")
    # The sizes above are what the archive claims; inflate with a cap to be sure they are true.
    budget = limits.max_uncompressed_bytes
    try:
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    budget -= len(chunk)
                    if budget < 0:
                        return _stopped("file_unsafe", value_found="> giới hạn")
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
        # RuntimeError: a zip-level password; NotImplementedError: an unknown compression.
        return _stopped("file_unreadable", detail=f"tệp nén bị hỏng ({type(error).__name__})")
    return None


# How Excel shows the error values that calamine reports as Error(<kind>).
_EXCEL_ERRORS = {
    "Div0": "#DIV/0!", "NA": "#N/A", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
    "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA",
}  # fmt: skip
_ERROR_KIND = re.compile(r"Error\((\w+)\)")


def _sheet_grid(reader: fastexcel.ExcelReader, name: str) -> pl.DataFrame:
    """Every cell of a sheet as text; Excel error cells (#DIV/0!, #REF!...) as their text.

    Read as strings, an error cell would come back empty and be reported as "empty"; the clerk
    needs to see the error the cell really shows.
    """
    sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
    batch, errors = sheet.to_arrow_with_errors()
    grid = _numbered(pl.DataFrame(batch))
    found = errors.errors if errors else []
    if not found or not grid.width:
        return grid
    by_column: dict[str, dict[int, str]] = {}
    for error in found:
        kind = _ERROR_KIND.search(error.detail)
        if kind is not None:
            row, column = error.offset_position
            text = _EXCEL_ERRORS.get(kind.group(1), f"#{kind.group(1)}")
            by_column.setdefault(grid.columns[column], {})[row] = text
    position = pl.int_range(pl.len(), dtype=pl.Int64)
    return grid.with_columns(
        pl.col(column).fill_null(
            position.replace_strict(mapping, default=None, return_dtype=pl.String)
        )
        for column, mapping in by_column.items()
    )


def _read_xlsx(
    data: bytes, fmt: SubmissionFormat, limits: Limits, households: HouseholdFormat | None
) -> FileRead:
    unsafe = _unsafe_zip(data, limits)
    if unsafe is not None:
        return unsafe
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except Exception as error:  # fastexcel raises its own types and OSError for corrupt files
        return _stopped("file_unreadable", detail=str(error)[:200])
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(match_key(name), name)
    meta_name = by_key.get(match_key(fmt.metadata_sheet))
    if households is not None and meta_name is not None:
        try:
            meta_grid = _sheet_grid(reader, meta_name)
        except Exception as error:  # a sheet calamine cannot decode is a corrupt file
            return _stopped("file_unreadable", detail=str(error)[:200])
        if _form_of(meta_grid, households) == FORM_HOUSEHOLDS:
            return _read_households(reader, names, by_key, meta_name, meta_grid, households)
    figures_name = by_key.get(match_key(fmt.figures_sheet))
    if meta_name is None or figures_name is None:
        return FileRead(
            findings=[
                {"sheet": "", "rule_id": "sheet_missing", "expected": wanted}
                for wanted, found in (
                    (fmt.metadata_sheet, meta_name),
                    (fmt.figures_sheet, figures_name),
                )
                if found is None
            ]
        )
    known = {match_key(s) for s in (fmt.metadata_sheet, fmt.figures_sheet, fmt.instructions_sheet)}
    extra: list[Finding] = [
        {"sheet": name, "rule_id": "extra_sheet", "value_found": name}
        for name in names
        if match_key(name) not in known
    ]
    try:
        meta_grid = _sheet_grid(reader, meta_name)
        grid = _sheet_grid(reader, figures_name)
    except Exception as error:  # a sheet calamine cannot decode is a corrupt file to the clerk
        return _stopped("file_unreadable", detail=str(error)[:200])
    return FileRead(figures_name, grid, meta_grid, meta_name, extra)


def _read_households(
    reader: fastexcel.ExcelReader,
    names: list[str],
    by_key: dict[str, str],
    meta_name: str,
    meta_grid: pl.DataFrame,
    households: HouseholdFormat,
) -> FileRead:
    """A workbook of form HN: its households sheet and its metadata sheet, as text."""
    sheet_name = by_key.get(match_key(households.households_sheet))
    if sheet_name is None:
        return FileRead(
            findings=[
                {
                    "sheet": "",
                    "rule_id": "hn_sheet_missing",
                    "expected": households.households_sheet,
                }
            ],
            form=FORM_HOUSEHOLDS,
        )
    known = {
        match_key(s)
        for s in (
            households.metadata_sheet,
            households.households_sheet,
            households.instructions_sheet,
        )
    }
    extra: list[Finding] = [
        {"sheet": name, "rule_id": "extra_sheet", "value_found": name}
        for name in names
        if match_key(name) not in known
    ]
    try:
        grid = _sheet_grid(reader, sheet_name)
    except Exception as error:  # a sheet calamine cannot decode is a corrupt file to the clerk
        return _stopped("file_unreadable", detail=str(error)[:200])
    return FileRead(sheet_name, grid, meta_grid, meta_name, extra, FORM_HOUSEHOLDS)


# ---------------------------------------------------------------------------- csv


def _read_csv(data: bytes) -> FileRead:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        detail = f"byte thứ {error.start + 1} không đọc được theo UTF-8"
        return _stopped("csv_encoding", detail=detail)
    try:
        grid = pl.read_csv(
            io.StringIO(text),
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as error:
        return _stopped("file_unreadable", detail=str(error)[:200])
    return FileRead(CSV_SHEET, _numbered(grid))


# ---------------------------------------------------------------------------- a batch


@dataclass(frozen=True)
class Tabulated:
    """The tables and metadata of a batch of files; every frame is keyed by ``file_id``."""

    files: pl.DataFrame  # file_id, sheet, read_failed
    rows: pl.DataFrame  # file_id, excel_row, one text column per column key
    total: pl.DataFrame  # the total rows, same shape
    metadata: pl.DataFrame  # file_id and one text column per metadata key
    findings: pl.DataFrame  # file_id and the finding columns


def stack(grids: Sequence[tuple[int, pl.DataFrame]]) -> pl.DataFrame:
    """Grids of several files as one frame: file_id, excel_row (from 1), c0, c1, ..."""
    kept = [(file_id, grid) for file_id, grid in grids if grid.height and grid.width]
    if not kept:
        return pl.DataFrame(schema={FILE_ID: pl.Int64, "excel_row": pl.Int64})
    stacked = pl.concat([grid for _, grid in kept], how="diagonal")
    ids = np.repeat([file_id for file_id, _ in kept], [grid.height for _, grid in kept])
    return stacked.with_columns(
        pl.Series(FILE_ID, ids, dtype=pl.Int64),
    ).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(FILE_ID).alias("excel_row"),
    )


def tabulate(reads: Sequence[tuple[int, FileRead]], fmt: SubmissionFormat) -> Tabulated:
    """Find the table and the metadata of every file read, all files at once."""
    files = pl.DataFrame(
        {
            FILE_ID: [file_id for file_id, _ in reads],
            "sheet": [read.sheet for _, read in reads],
            "read_failed": [read.failed for _, read in reads],
        },
        schema={FILE_ID: pl.Int64, "sheet": pl.String, "read_failed": pl.Boolean},
    )
    reading = pl.DataFrame(
        [{FILE_ID: file_id, **finding} for file_id, read in reads for finding in read.findings],
        schema={FILE_ID: pl.Int64, **FINDING_SCHEMA},
    )
    workbooks = [(i, r) for i, r in reads if not r.failed and not r.is_csv]
    csvs = [(i, r) for i, r in reads if not r.failed and r.is_csv]
    figures = _tables(workbooks, files, list(fmt.columns), fmt.total_row_label)
    meta_values, meta_findings = workbook_metadata(
        workbooks, fmt.metadata, fmt.ignored_metadata_labels
    )
    meta_columns = [Column(k, k, "meta") for k in fmt.csv_metadata_columns]
    csv_tables = _tables(csvs, files, [*fmt.columns, *meta_columns], fmt.total_row_label)
    csv_values, csv_findings, csv_table_findings = _csv_metadata(csv_tables, fmt)
    keys = [c.key for c in fmt.columns]
    metadata_keys = [c.key for c in fmt.metadata]
    return Tabulated(
        files=files,
        rows=pl.concat([figures.rows, csv_tables.rows.select(FILE_ID, "excel_row", *keys)]),
        total=pl.concat([figures.total, csv_tables.total.select(FILE_ID, "excel_row", *keys)]),
        metadata=files.select(FILE_ID).join(
            pl.concat(
                [
                    text_columns(meta_values, [FILE_ID], metadata_keys),
                    text_columns(csv_values, [FILE_ID], metadata_keys),
                ]
            ),
            on=FILE_ID,
            how="left",
        ),
        findings=pl.concat(
            [reading, meta_findings, figures.findings, csv_table_findings, csv_findings]
        ),
    )


@dataclass(frozen=True)
class _Found:
    rows: pl.DataFrame
    total: pl.DataFrame
    findings: pl.DataFrame


def _tables(
    reads: list[tuple[int, FileRead]], files: pl.DataFrame, columns: list[Column], total: str
) -> _Found:
    grids = [(file_id, read.grid) for file_id, read in reads if read.grid is not None]
    ids = [file_id for file_id, _ in reads]
    tables = extract_tables(stack(grids), files.filter(pl.col(FILE_ID).is_in(ids)), columns, total)
    return _Found(tables.rows, tables.total, tables.findings)


def workbook_metadata(
    reads: list[tuple[int, FileRead]],
    metadata: Sequence[Column],
    ignored_labels: Sequence[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Labels in the first column, values in the second, any row order; first label wins."""
    grids = [
        (file_id, read.metadata_grid)
        for file_id, read in reads
        if read.metadata_grid is not None and read.metadata_grid.width >= 2
    ]
    sheets = pl.DataFrame(
        {FILE_ID: [file_id for file_id, _ in reads], "sheet": [r.metadata_sheet for _, r in reads]},
        schema={FILE_ID: pl.Int64, "sheet": pl.String},
    )
    found = cells(stack(grids)).filter(pl.col("position") <= 1)
    labels = found.filter(pl.col("position") == 0).select(
        FILE_ID, "excel_row", label="text", match=match_key_expr(pl.col("text"))
    )
    values = found.filter(pl.col("position") == 1).select(FILE_ID, "excel_row", value="text")
    by_label = pl.DataFrame(
        {"match": [match_key(c.label) for c in metadata], "key": [c.key for c in metadata]}
    )
    pairs = (
        labels.join(values, on=[FILE_ID, "excel_row"], how="left")
        .join(by_label, on="match", how="left")
        .sort(FILE_ID, "excel_row")
    )
    ignored = [match_key(label) for label in ignored_labels]
    extra = (
        pairs.filter(
            pl.col("key").is_null() & (pl.col("match") != "") & ~pl.col("match").is_in(ignored)
        )
        .join(sheets, on=FILE_ID)
        .select(
            FILE_ID, "excel_row", "sheet", value_found="label", rule_id=pl.lit("metadata_extra")
        )
    )
    first = pairs.filter(pl.col("key").is_not_null()).unique(
        [FILE_ID, "key"], keep="first", maintain_order=True
    )
    wide = (
        first.pivot(on="key", index=FILE_ID, values="value")
        if first.height
        else pl.DataFrame(schema={FILE_ID: pl.Int64})
    )
    return wide, with_file(extra)


def _csv_metadata(
    found: _Found, fmt: SubmissionFormat
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """A CSV's unit and period from its columns: one value each, the same on every row.

    Returns the values, the csv_inconsistent findings, and the table findings with a missing
    metadata column reported as missing metadata.
    """
    keys = list(fmt.csv_metadata_columns)
    values, inconsistent = csv_metadata_values(found.rows, keys)
    values = (
        values.with_columns(template_version=pl.lit(fmt.template_version))
        if values.width > 1
        else found.rows.select(FILE_ID).unique()
    )
    renamed = found.findings.with_columns(
        rule_id=pl.when(pl.col("expected").is_in(keys))
        .then(pl.lit("metadata_missing"))
        .otherwise(pl.col("rule_id"))
    )
    return values, inconsistent, renamed


def csv_metadata_values(
    rows: pl.DataFrame, keys: list[str], upper: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The metadata a CSV carries in its leading columns: file_id and one value per key (the
    first, trimmed, and upper-cased with ``upper``), and csv_inconsistent findings where a
    column holds more than one value."""
    value = pl.col("value").str.strip_chars()
    distinct = (
        rows.select(FILE_ID, "excel_row", *keys)
        .unpivot(index=[FILE_ID, "excel_row"], variable_name="key", value_name="value")
        .with_columns(value.str.to_uppercase() if upper else value)
        .filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
        .sort(FILE_ID, "excel_row")
        .unique([FILE_ID, "key", "value"], keep="first", maintain_order=True)
        .group_by(FILE_ID, "key", maintain_order=True)
        .agg(pl.col("value"))
    )
    inconsistent = distinct.filter(pl.col("value").list.len() > 1).select(
        FILE_ID,
        sheet=pl.lit(CSV_SHEET),
        expected="key",
        value_found=pl.col("value").list.head(5).list.join(", "),
        rule_id=pl.lit("csv_inconsistent"),
    )
    values = (
        distinct.with_columns(pl.col("value").list.first()).pivot(
            on="key", index=FILE_ID, values="value"
        )
        if distinct.height
        else pl.DataFrame(schema={FILE_ID: pl.Int64})
    )
    return values, with_file(inconsistent)
