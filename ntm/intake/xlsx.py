"""What every workbook intake writes shares: a cell is a number, a string or a blank, never a
formula, whatever a district typed."""

from __future__ import annotations

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet


def write_value(sheet: Worksheet, row: int, column: int, value: object, style: Format) -> None:
    if value is None:
        sheet.write_blank(row, column, None, style)
    elif isinstance(value, int):
        sheet.write_number(row, column, value, style)
    else:
        sheet.write_string(row, column, str(value), style)
