"""Submission workbooks in the district format: blank templates, and filled ones for demo data.

One writer serves both, so the demo data is exactly what a filled template looks like. Options
exist to write the variations clerks produce (title rows, reordered or extra columns, a total
row, renamed labels) for the messy demo set and the tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from ntm.intake.xlsx import write_value
from ntm.reference import SubmissionFormat
from ntm.store.paths import atomic_path

# Fixed document dates keep the bytes of a generated workbook reproducible.
FIXED_CREATED = datetime(2020, 1, 1)

INSTRUCTIONS = (
    "HƯỚNG DẪN ĐIỀN BIỂU MẪU",
    "",
    "1. Mỗi tệp là số liệu của một đơn vị báo cáo trong một kỳ (một quý). Không đổi tên, xóa "
    "hoặc sắp xếp lại các trang tính «Thông tin» và «Biểu 01».",
    "2. Trang «Thông tin»: mã đơn vị, kỳ báo cáo và phiên bản mẫu đã in sẵn, không sửa. Ghi ngày "
    "lập (dd/mm/yyyy) và họ tên người lập.",
    "3. Trang «Biểu 01»: mỗi dòng là một xã, phường, thị trấn; mã và tên đã in sẵn và bị khóa. "
    "Ghi số liệu vào các ô còn trống.",
    "4. Mọi số liệu là số nguyên không âm (số hộ, số người, số vụ). Không ghi số thập phân, dấu "
    "trừ, chữ hoặc ký hiệu «-»; nếu không có thì ghi 0, không để trống ô.",
    "5. Số hộ nghèo cuối kỳ = số hộ nghèo đầu năm − số hộ thoát nghèo + số hộ tái nghèo + số hộ "
    "nghèo phát sinh (tương tự với hộ cận nghèo). Số thoát, tái, phát sinh tính lũy kế từ đầu năm.",
    "6. Số hộ nghèo cuối kỳ cộng số hộ cận nghèo cuối kỳ không vượt quá tổng số hộ dân cư.",
    "7. Lao động có bằng cấp, chứng chỉ ≤ lao động qua đào tạo ≤ lao động có việc làm; số thành "
    "viên nữ ≤ tổng số thành viên; số vụ được trợ giúp và số vụ được xử lý kịp thời ≤ số vụ "
    "được phát hiện.",
    "8. Số liệu quý IV là kết quả rà soát hộ nghèo, hộ cận nghèo chính thức của năm.",
    "9. Gửi tệp về Sở chậm nhất ngày thứ 10 sau khi kết thúc quý. Nếu cần sửa, gửi lại cả tệp: "
    "tệp gửi sau thay thế tệp gửi trước, các lần gửi đều được lưu.",
    "10. Sau khi nhận, Sở gửi lại bảng phản hồi ghi rõ từng lỗi (trang, dòng, cột) và cách sửa.",
)

# Excel-side checks for the cross-field rules (the pipeline checks them again on arrival).
# Keyed by the column the rule is attached to; {x} stands for the cell of column x in the row.
_CROSS_FIELD = {
    "poor_end": ("{poor_end}={poor_start}-{poor_exited}+{poor_returned}+{poor_new}",
                 "Số hộ nghèo cuối kỳ phải bằng đầu năm − thoát + tái + phát sinh."),
    "near_poor_end": ("AND({near_poor_end}={near_poor_start}-{near_poor_exited}"
                      "+{near_poor_returned}+{near_poor_new},"
                      "{poor_end}+{near_poor_end}<={households})",
                      "Cận nghèo cuối kỳ phải bằng đầu năm − thoát + tái + phát sinh, và hộ "
                      "nghèo + cận nghèo không vượt quá tổng số hộ."),
    "workers_trained": ("{workers_trained}<={workers}",
                        "Lao động qua đào tạo không vượt quá lao động có việc làm."),
    "workers_certified": ("{workers_certified}<={workers_trained}",
                          "Lao động có bằng cấp, chứng chỉ không vượt quá lao động qua đào tạo."),
    "coop_members_women": ("{coop_members_women}<={coop_members}",
                           "Số thành viên nữ không vượt quá tổng số thành viên."),
    "child_abuse_supported": ("{child_abuse_supported}<={child_abuse_cases}",
                              "Số vụ được trợ giúp không vượt quá số vụ được phát hiện."),
    "child_abuse_handled": ("{child_abuse_handled}<={child_abuse_cases}",
                            "Số vụ được xử lý kịp thời không vượt quá số vụ được phát hiện."),
}  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """How a workbook departs from the plain template (demo and test variations)."""

    title_rows: int = 2
    column_order: Sequence[str] | None = None
    labels: dict[str, str] = field(default_factory=dict)  # key -> label override
    sheet_names: dict[str, str] = field(default_factory=dict)  # format name -> written name
    omit_sheets: Sequence[str] = ()
    extra_columns: dict[str, Sequence[str]] = field(default_factory=dict)
    extra_sheet: str | None = None
    total_row: bool = False
    total_override: dict[str, object] = field(default_factory=dict)
    metadata_override: dict[str, object] = field(default_factory=dict)
    protect: bool = True


def write_submission(
    target: Path,
    fmt: SubmissionFormat,
    unit_code: str,
    unit_name: str,
    period: str,
    communes: pl.DataFrame,
    figures: pl.DataFrame | None = None,
    prepared_on: date | None = None,
    prepared_by: str | None = None,
    layout: Layout | None = None,
) -> Path:
    """Write a submission workbook; ``figures`` None gives a blank template.

    ``communes`` has commune_code and commune_name, in row order. ``figures`` has commune_code
    and any figure columns; integer cells are written as numbers, text cells as text (as a clerk
    typing ``1.350`` produces).
    """
    layout = layout or Layout()
    labels = {**fmt.labels, **layout.labels}
    keys = list(layout.column_order or [c.key for c in fmt.columns])
    rows = communes.select("commune_code", "commune_name")
    if figures is not None:
        rows = rows.join(
            figures.drop("commune_name", strict=False),
            on="commune_code",
            how="left",
            maintain_order="left",
        )
    with atomic_path(target) as temporary:
        workbook = xlsxwriter.Workbook(
            str(temporary),
            {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True},
        )
        workbook.set_properties({"created": FIXED_CREATED, "author": "ntm"})
        styles = Styles(workbook)
        names = {
            fmt.instructions_sheet: fmt.instructions_sheet,
            fmt.metadata_sheet: fmt.metadata_sheet,
            fmt.figures_sheet: fmt.figures_sheet,
            **layout.sheet_names,
        }
        if fmt.instructions_sheet not in layout.omit_sheets:
            _instructions(workbook.add_worksheet(names[fmt.instructions_sheet]), styles)
        if fmt.metadata_sheet not in layout.omit_sheets:
            metadata: dict[str, object] = {
                "unit_code": unit_code,
                "unit_name": unit_name,
                "period": period,
                "prepared_on": prepared_on,
                "prepared_by": prepared_by,
                "template_version": fmt.template_version,
                **layout.metadata_override,
            }
            sheet = workbook.add_worksheet(names[fmt.metadata_sheet])
            _metadata(sheet, fmt, labels, metadata, styles, layout.protect)
        if fmt.figures_sheet not in layout.omit_sheets:
            sheet = workbook.add_worksheet(names[fmt.figures_sheet])
            title = f"BIỂU 01: SỐ LIỆU LAO ĐỘNG, GIẢM NGHÈO, XÃ HỘI KỲ {period} - {unit_name}"
            _figures(sheet, keys, labels, rows, title, layout, styles)
        if layout.extra_sheet:
            workbook.add_worksheet(layout.extra_sheet).write_string(0, 0, "Ghi chú")
        workbook.close()
    return target


class Styles:
    """The cell formats of a submission workbook (the household template adds its own)."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.header = workbook.add_format(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "top",
                "border": 1,
                "bg_color": "#DDEBF7",
                "locked": True,
            }
        )
        self.locked = workbook.add_format({"border": 1, "locked": True, "bg_color": "#F2F2F2"})
        self.input = workbook.add_format({"border": 1, "locked": False, "num_format": "#,##0"})
        self.input_text = workbook.add_format({"border": 1, "locked": False})
        self.date = workbook.add_format({"border": 1, "locked": False, "num_format": "dd/mm/yyyy"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})


def _instructions(sheet: Worksheet, styles: Styles) -> None:
    sheet.set_column(0, 0, 120)
    for row, line in enumerate(INSTRUCTIONS):
        sheet.write_string(row, 0, line, styles.title if row == 0 else styles.wrap)


def _metadata(
    sheet: Worksheet,
    fmt: SubmissionFormat,
    labels: dict[str, str],
    values: dict[str, object],
    styles: Styles,
    protect: bool,
) -> None:
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 36)
    editable = {"prepared_on", "prepared_by"}
    for row, column in enumerate(fmt.metadata):
        sheet.write_string(row, 0, labels[column.key], styles.header)
        value = values.get(column.key)
        style = styles.input_text if column.key in editable else styles.locked
        if isinstance(value, date):
            sheet.write_datetime(row, 1, datetime(value.year, value.month, value.day), styles.date)
        elif value is None:
            sheet.write_blank(row, 1, None, styles.date if column.key == "prepared_on" else style)
        else:
            sheet.write_string(row, 1, str(value), style)
    if protect:
        sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def _figures(
    sheet: Worksheet,
    keys: list[str],
    labels: dict[str, str],
    rows: pl.DataFrame,
    title: str,
    layout: Layout,
    styles: Styles,
) -> None:
    header_row = layout.title_rows
    if layout.title_rows:
        sheet.write_string(0, 0, title, styles.title)
    extra = list(layout.extra_columns)
    for column, key in enumerate([*keys, *extra]):
        sheet.write_string(header_row, column, labels.get(key, key), styles.header)
        sheet.set_column(column, column, 16 if key != "commune_name" else 24)
    sheet.set_row(header_row, 75)
    first, last = header_row + 1, header_row + rows.height
    position = {key: column for column, key in enumerate(keys)}
    for column, key in enumerate(keys):
        values = rows[key].to_list() if key in rows.columns else [None] * rows.height
        locked = key in ("commune_code", "commune_name")
        style = styles.locked if locked else styles.input
        for offset, value in enumerate(values):
            write_value(sheet, first + offset, column, value, style)
        if not locked and rows.height:
            _validate(sheet, key, column, first, last, position)
    for column, key in enumerate(extra, start=len(keys)):
        for offset, value in enumerate(layout.extra_columns[key]):
            sheet.write_string(first + offset, column, value)
    if layout.total_row:
        total_at = last + 1
        sheet.write_string(total_at, position.get("commune_code", 0), "Tổng cộng", styles.header)
        for key, column in position.items():
            if key in ("commune_code", "commune_name"):
                continue
            value = layout.total_override.get(key)
            if value is None and key in rows.columns:
                value = int(rows[key].cast(pl.Int64, strict=False).sum())
            if isinstance(value, int):
                sheet.write_number(total_at, column, value, styles.header)
            elif value is not None:
                sheet.write_string(total_at, column, str(value), styles.header)
    sheet.freeze_panes(first, 2)
    if layout.protect:
        sheet.protect(
            "",
            {
                "select_locked_cells": True,
                "select_unlocked_cells": True,
                "format_columns": True,
                "format_rows": True,
            },
        )


def _validate(
    sheet: Worksheet, key: str, column: int, first: int, last: int, position: dict[str, int]
) -> None:
    """Excel data validation: whole numbers >= 0, plus the row rule attached to this column."""
    message = "Ghi số nguyên không âm (0 nếu không có)."
    rule = _CROSS_FIELD.get(key)
    if rule is not None and set(re.findall(r"\{(\w+)\}", rule[0])) <= set(position):
        cells = {name: xl_rowcol_to_cell(first, col) for name, col in position.items()}
        here = cells[key]
        formula = f"=AND(ISNUMBER({here}),INT({here})={here},{here}>=0,{rule[0].format(**cells)})"
        sheet.data_validation(first, column, last, column, {
            "validate": "custom", "value": formula, "ignore_blank": True,
            "error_title": "Số liệu không hợp lệ", "error_message": f"{message} {rule[1]}"[:255],
        })  # fmt: skip
        return
    sheet.data_validation(first, column, last, column, {
        "validate": "integer", "criteria": ">=", "value": 0,
        "error_title": "Số liệu không hợp lệ", "error_message": message,
    })  # fmt: skip
