"""Reading submission files: safety checks first, then every cell as text.

Figures are never typed by the reader: a workbook is read with every cell as a string and parsed
strictly in ``transforms.figures`` (Polars' and fastexcel's own numeric types truncate or misread
Vietnamese separators). Anything wrong with the file itself becomes a finding, never an exception.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import fastexcel
import polars as pl

from ntm.reference import Limits, SubmissionFormat
from transforms.findings import findings_frame
from transforms.layout import Column, Table, extract_table, with_excel_rows
from transforms.text import match_key

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1 << 20


@dataclass
class ReadResult:
    sheet: str
    metadata: dict[str, str | None] = field(default_factory=dict)
    table: Table | None = None
    findings: pl.DataFrame = field(default_factory=findings_frame)

    @property
    def failed(self) -> bool:
        """True when the file could not be read far enough to check its rows."""
        return self.table is None


def file_finding(rule: str, sheet: str = "", **values: str | None) -> pl.DataFrame:
    return findings_frame([{"sheet": sheet, "rule_id": rule, **values}])


def read_submission(
    data: bytes, extension: str, fmt: SubmissionFormat, limits: Limits
) -> ReadResult:
    """Read a submission's bytes; ``extension`` is the file name's, lower case, with its dot."""
    if extension not in fmt.accepted_extensions:
        return ReadResult("", findings=file_finding("file_type", value_found=extension or "?"))
    if len(data) > limits.max_file_bytes:
        size = f"{len(data) / 1_048_576:.1f} MiB" if len(data) >= 1_048_576 else f"{len(data)} byte"
        return ReadResult("", findings=file_finding("file_too_large", value_found=size))
    if extension == ".csv":
        return _read_csv(data, fmt)
    return _read_xlsx(data, fmt, limits)


# ---------------------------------------------------------------------------- xlsx


def _unsafe_zip(data: bytes, limits: Limits) -> pl.DataFrame | None:
    """A finding when the bytes are not a sane zip: encrypted, legacy, corrupt, or a bomb."""
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data:
            return file_finding("file_encrypted")
        return file_finding("file_unreadable", detail="tệp .xls cũ đổi tên thành .xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return file_finding("file_unreadable", detail="nội dung không phải một tệp .xlsx")
    declared = sum(m.file_size for m in members)
    compressed = max(1, sum(m.compress_size for m in members))
    if declared > limits.max_uncompressed_bytes or declared > limits.max_compression_ratio * max(
        compressed, 65_536
    ):
        return file_finding("file_unsafe", value_found=f"{declared / 1_048_576:.0f} MiB")
    # The sizes above are what the archive claims; inflate with a cap to be sure they are true.
    budget = limits.max_uncompressed_bytes
    try:
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    budget -= len(chunk)
                    if budget < 0:
                        return file_finding("file_unsafe", value_found="> giới hạn")
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
        # RuntimeError: a zip-level password; NotImplementedError: an unknown compression.
        return file_finding("file_unreadable", detail=f"tệp nén bị hỏng ({type(error).__name__})")
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
    grid = pl.DataFrame(batch)
    if not grid.width:
        return with_excel_rows(grid)
    by_column: dict[str, dict[int, str]] = {}
    for error in errors.errors if errors else []:
        kind = _ERROR_KIND.search(error.detail)
        if kind is not None:
            row, column = error.offset_position
            text = _EXCEL_ERRORS.get(kind.group(1), f"#{kind.group(1)}")
            by_column.setdefault(grid.columns[column], {})[row] = text
    grid = with_excel_rows(grid, first_row=0)
    grid = grid.with_columns(
        pl.col(column).fill_null(
            pl.col("excel_row").replace_strict(mapping, default=None, return_dtype=pl.String)
        )
        for column, mapping in by_column.items()
    )
    return grid.with_columns(pl.col("excel_row") + 1)


def _read_xlsx(data: bytes, fmt: SubmissionFormat, limits: Limits) -> ReadResult:
    unsafe = _unsafe_zip(data, limits)
    if unsafe is not None:
        return ReadResult("", findings=unsafe)
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except Exception as error:  # fastexcel raises its own types and OSError for corrupt files
        return ReadResult("", findings=file_finding("file_unreadable", detail=str(error)[:200]))
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(match_key(name), name)
    meta_name = by_key.get(match_key(fmt.metadata_sheet))
    figures_name = by_key.get(match_key(fmt.figures_sheet))
    missing = [
        file_finding("sheet_missing", expected=wanted)
        for wanted, found in ((fmt.metadata_sheet, meta_name), (fmt.figures_sheet, figures_name))
        if found is None
    ]
    if meta_name is None or figures_name is None:
        return ReadResult("", findings=pl.concat(missing))
    known = {match_key(s) for s in (fmt.metadata_sheet, fmt.figures_sheet, fmt.instructions_sheet)}
    extra = [
        file_finding("extra_sheet", sheet=name, value_found=name)
        for name in names
        if match_key(name) not in known
    ]
    try:
        meta_grid = _sheet_grid(reader, meta_name)
        grid = _sheet_grid(reader, figures_name)
    except Exception as error:  # a sheet calamine cannot decode is a corrupt file to the clerk
        return ReadResult("", findings=file_finding("file_unreadable", detail=str(error)[:200]))
    metadata, meta_findings = _metadata_from_grid(meta_grid, fmt, meta_name)
    table = extract_table(grid, list(fmt.columns), figures_name, fmt.total_row_label)
    findings = pl.concat([*extra, meta_findings, table.findings])
    return ReadResult(figures_name, metadata, table, findings)


def _metadata_from_grid(
    grid: pl.DataFrame, fmt: SubmissionFormat, sheet: str
) -> tuple[dict[str, str | None], pl.DataFrame]:
    """Labels in the first column, values in the second, any row order."""
    cells = [c for c in grid.columns if c != "excel_row"]
    if len(cells) < 2:
        return {}, findings_frame()
    pairs = grid.select(
        "excel_row", label=pl.col(cells[0]).cast(pl.String), value=pl.col(cells[1]).cast(pl.String)
    ).filter(pl.col("label").is_not_null())
    by_label = {match_key(c.label): c.key for c in fmt.metadata}
    values: dict[str, str | None] = {}
    extra: list[dict[str, object]] = []
    for excel_row, label, value in pairs.iter_rows():
        key = by_label.get(match_key(label))
        if key is None:
            if match_key(label):
                extra.append(
                    {
                        "sheet": sheet,
                        "excel_row": excel_row,
                        "value_found": label,
                        "rule_id": "metadata_extra",
                    }
                )
        else:
            values.setdefault(key, value)
    return values, findings_frame(extra)


# ---------------------------------------------------------------------------- csv


def _read_csv(data: bytes, fmt: SubmissionFormat) -> ReadResult:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        detail = f"byte thứ {error.start + 1} không đọc được theo UTF-8"
        return ReadResult("", findings=file_finding("csv_encoding", detail=detail))
    try:
        grid = pl.read_csv(
            io.StringIO(text),
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as error:
        return ReadResult("", findings=file_finding("file_unreadable", detail=str(error)[:200]))
    grid = with_excel_rows(grid)
    meta_columns = [Column(k, k, "meta") for k in fmt.csv_metadata_columns]
    table = extract_table(grid, [*fmt.columns, *meta_columns], "CSV", fmt.total_row_label)
    meta_keys = set(fmt.csv_metadata_columns)
    findings = table.findings.with_columns(
        rule_id=pl.when(pl.col("expected").is_in(list(meta_keys)))
        .then(pl.lit("metadata_missing"))
        .otherwise(pl.col("rule_id"))
    )
    metadata: dict[str, str | None] = {"template_version": fmt.template_version}
    inconsistent: list[pl.DataFrame] = []
    for key in fmt.csv_metadata_columns:
        if key not in table.rows.columns:
            continue
        distinct = (
            table.rows[key]
            .drop_nulls()
            .str.strip_chars()
            .str.to_uppercase()
            .unique(maintain_order=True)
        )
        if distinct.len() > 1:
            inconsistent.append(
                file_finding(
                    "csv_inconsistent",
                    "CSV",
                    expected=key,
                    value_found=", ".join(distinct.head(5).to_list()),
                )
            )
        metadata[key] = distinct[0] if distinct.len() else None
    rows = table.rows.drop([k for k in meta_keys if k in table.rows.columns])
    table = Table(
        rows,
        table.total.drop([k for k in meta_keys if k in table.total.columns]),
        table.header_row,
        findings,
    )
    return ReadResult("CSV", metadata, table, pl.concat([findings, *inconsistent]))
