"""The feedback workbook the department sends back to a district for each file it checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from ntm.intake.xlsx import write_value
from ntm.store.paths import atomic_path
from transforms.findings import FILE_ID

# A warning says its figures were still received only where they were: a warning on a row
# that also has a row error (a quarantined row) or in a rejected file says instead that the
# row, or the file, was not received, and why; so the district is never told both.
SEVERITY_VI = {
    "file_error": "Lỗi cả tệp: tệp bị trả lại",
    "row_error": "Lỗi dòng: dòng xã chưa được nhận",
    "warning": "Lưu ý: số liệu vẫn được nhận",
    "warning_row_refused": "Lưu ý: dòng xã chưa được nhận vì có lỗi dòng",
    "warning_file_refused": "Lưu ý: tệp bị trả lại, chưa nhận số liệu nào",
}
HEADERS = (
    ("Tệp", 28),
    ("Trang tính", 14),
    ("Dòng", 7),
    ("Cột", 34),
    ("Giá trị trong tệp", 18),
    ("Mức độ", 30),
    ("Nội dung và cách sửa", 90),
)


# On form HN a row is a household.
HOUSEHOLD_SEVERITY_VI = SEVERITY_VI | {
    "row_error": "Lỗi dòng: hộ này chưa được nhận",
    "warning": "Lưu ý: dòng vẫn được nhận",
    "warning_row_refused": "Lưu ý: hộ này chưa được nhận vì có lỗi dòng",
    "warning_file_refused": "Lưu ý: tệp bị trả lại, chưa nhận hộ nào",
}
TITLE = "PHẢN HỒI KẾT QUẢ KIỂM TRA SỐ LIỆU BÁO CÁO"
HOUSEHOLD_TITLE = "PHẢN HỒI KẾT QUẢ KIỂM TRA DANH SÁCH RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO"


def write_feedback(
    target: Path,
    summary: str,
    findings: pl.DataFrame,
    title: str = TITLE,
    severities: dict[str, str] = SEVERITY_VI,
) -> Path:
    """Write one file's ``findings`` (rendered, with file_name) under a one-line ``summary``."""
    rows = feedback_rows(findings.with_columns(_file=pl.lit(0)), severities, by="_file")
    return write_feedback_rows(target, summary, rows.get(0, []), title)


def feedback_rows(
    findings: pl.DataFrame, severities: dict[str, str] = SEVERITY_VI, by: str = FILE_ID
) -> dict[Any, list[tuple[Any, ...]]]:
    """The feedback rows of many files at once (one query, split by ``by``): each file's
    findings in order, cells in the order of HEADERS. A file with no finding has no key."""
    if findings.is_empty():
        return {}
    table = findings.select(
        pl.col(by),
        pl.col("file_name"),
        pl.col("sheet").fill_null(""),
        pl.col("excel_row"),
        pl.col("column_label").fill_null(""),
        pl.col("value_found").fill_null(""),
        _severity_key(by).replace_strict(severities, default="").alias("severity"),
        pl.col("message"),
    )
    return {
        key[0]: part.drop(by).rows()
        for key, part in table.partition_by(by, as_dict=True, maintain_order=True).items()
    }


def write_feedback_rows(
    target: Path, summary: str, rows: list[tuple[Any, ...]], title: str = TITLE
) -> Path:
    """The feedback workbook: ``rows`` (from ``feedback_rows``) under a one-line ``summary``.

    Every cell is written as a string or a number, never as a formula, whatever the district
    typed (a value beginning with '=' stays text).
    """
    with atomic_path(target) as temporary:
        workbook = xlsxwriter.Workbook(
            str(temporary), {"strings_to_formulas": False, "in_memory": True}
        )
        bold = workbook.add_format({"bold": True})
        title_style = workbook.add_format({"bold": True, "font_size": 13})
        header = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
        sheet = workbook.add_worksheet("Phản hồi")
        sheet.write_string(0, 0, title, title_style)
        sheet.write_string(1, 0, summary, bold)
        for column, (label, width) in enumerate(HEADERS):
            sheet.set_column(column, column, width)
            sheet.write_string(3, column, label, header)
        for offset, row in enumerate(rows, start=4):
            for column, value in enumerate(row):
                write_value(sheet, offset, column, value, wrap)
        if not rows:
            sheet.write_string(4, 0, "Không có lỗi hay lưu ý nào.")
        sheet.freeze_panes(4, 0)
        sheet.autofilter(3, 0, 3 + max(len(rows), 1), len(HEADERS) - 1)
        workbook.close()
    return target


def _severity_key(by: str) -> pl.Expr:
    """Each finding's key in the severities: a warning in a rejected file, or on a row that is
    quarantined (a row error on the same sheet and row, as ``transforms.checks.quarantine``
    and form HN decide), is told apart from a warning whose figures were received. Per file
    (``by``), over all files at once."""
    severity = pl.col("severity")
    on_refused_row = (
        ((severity == "row_error") & pl.col("excel_row").is_not_null())
        .any()
        .over(by, pl.col("sheet").fill_null(""), "excel_row")
    )
    file_refused = (severity == "file_error").any().over(by)
    return (
        pl.when(severity != "warning")
        .then(severity)
        .when(file_refused)
        .then(pl.lit("warning_file_refused"))
        .when(on_refused_row)
        .then(pl.lit("warning_row_refused"))
        .otherwise(severity)
    )
