"""The follow-up list of a period (danh sách theo dõi, đôn đốc) and its workbook for the
party's inspection committee: units that sent nothing, sent late, had their file rejected or
left communes without accepted figures, with how many periods in a row they have.

The rules are in ``transforms.followup``; this module gathers their inputs: the expected units
of every period from the first one with a file in the warehouse up to the period asked for,
and what each of them sent.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

from ntm.indicators.completeness import completeness_of, unit_submissions
from ntm.indicators.exports import neutralise
from ntm.reference import Reference
from ntm.store.paths import atomic_path
from ntm.store.warehouse import Warehouse
from transforms.followup import (
    STATUS_VI,
    followup_list,
    followup_title,
    period_words,
    unit_statuses,
)
from transforms.lists import communes_without_data
from transforms.periods import Period, periods_between
from transforms.registry import expected_communes, reporting_units

SHEET = "Theo dõi, đôn đốc"
# Heading and width (in characters) of each column, in the frame's order.
HEADINGS = {
    "unit_code": ("Mã đơn vị", 10),
    "unit_name": ("Tên đơn vị", 26),
    "status": ("Tình trạng", 24),
    "missing": ("Nội dung còn thiếu", 70),
    "deadline": ("Hạn nộp", 12),
    "first_received_at": ("Ngày nhận", 12),
    "late_in_a_row": ("Số kỳ liên tiếp", 10),
    "since": ("Từ kỳ", 10),
}
NOBODY = "Không có đơn vị nào chậm, thiếu báo cáo."
_TABLE_ROW = 2  # the headings' row (0-based): under the title and a blank row
_DAY_FORMAT = "dd/mm/yyyy"


def followup_table(warehouse: Warehouse, ref: Reference, period: Period) -> pl.DataFrame:
    """The follow-up list of ``period``: one row per reporting unit on it, by unit code.

    Columns: unit_code, unit_name (String); status (String: not_received, rejected, late,
    late_and_incomplete or incomplete); missing (String, Vietnamese, for readers); deadline
    (Date: the last day for sending); first_received_at (Datetime in the reference's time
    zone: when the first accepted version arrived, null if none); late_in_a_row (Int64: periods
    in a row, ending at ``period``, that the same unit — code and registry validity — was on
    the list); since (String ``YYYY-Qn``: the first of them). The runs look back to the first
    period with any file in the warehouse; four queries, whatever the number of periods.
    """
    submitted = unit_submissions(warehouse, None, period)
    rejected = warehouse.frame("followup_rejections", period=str(period))
    statuses = unit_statuses(
        pl.concat(
            [completeness_of(ref, p, submitted) for p in _periods(submitted, rejected, period)]
        ),
        rejected,
    )
    return followup_list(
        statuses,
        _communes_without_data(warehouse, ref, period),
        period,
        period.deadline(ref.settings.deadline_days),
        ref.settings.timezone,
    )


def _periods(submitted: pl.DataFrame, rejected: pl.DataFrame, period: Period) -> list[Period]:
    """From the first period with a file (or ``period``, if none is earlier) to ``period``."""
    # ``YYYY-Qn`` texts sort as the periods do.
    found = pl.concat([submitted["period"], rejected["period"]]).min()
    first = Period.parse(found) if isinstance(found, str) else None
    return periods_between(min(first or period, period), period)


def _communes_without_data(warehouse: Warehouse, ref: Reference, period: Period) -> pl.DataFrame:
    day, direct = period.last_day, ref.settings.communes_report_from
    units = reporting_units(ref.registry, day, direct).select("unit_code")
    expected = expected_communes(ref.registry, units, day, direct)
    return communes_without_data(
        expected.select("commune_code", "commune_name", reporting_unit="unit_code"),
        warehouse.frame("accepted_figures", period=str(period)).select("commune_code"),
        warehouse.frame("quarantined_rows", period=str(period)),
    )


def write_followup_workbook(path: Path, frame: pl.DataFrame, period: Period) -> None:
    """``frame`` (``followup_table``'s) as a workbook for the inspection committee.

    One sheet: the title on row 1, the Vietnamese headings on row 3, one row per unit (status
    in words, dates as dd/mm/yyyy date cells, values never formulas), then a blank row and a
    line with the number of units listed; when nobody is listed, only that one line under the
    title. Written to a temporary file beside ``path`` and renamed over it.
    """
    table = neutralise(
        frame.select(
            pl.col("unit_code"),
            pl.col("unit_name"),
            pl.col("status").replace_strict(STATUS_VI, return_dtype=pl.String),
            pl.col("missing"),
            pl.col("deadline"),
            # Wall-clock time where the file arrived: a cell has no time zone.
            pl.col("first_received_at").dt.replace_time_zone(None),
            pl.col("late_in_a_row"),
            period_words(pl.col("since")).alias("since"),
        ).rename({column: heading for column, (heading, _) in HEADINGS.items()})
    )
    with (
        atomic_path(path) as temporary,
        xlsxwriter.Workbook(str(temporary), {"strings_to_formulas": False}) as workbook,
    ):
        sheet = workbook.add_worksheet(SHEET)
        title = workbook.add_format({"bold": True, "font_size": 13})
        sheet.write_string(0, 0, followup_title(period), title)
        if table.is_empty():
            sheet.write_string(_TABLE_ROW, 0, NOBODY)
            return
        table.write_excel(
            workbook,
            worksheet=sheet,
            position=(_TABLE_ROW, 0),
            dtype_formats={pl.Date: _DAY_FORMAT, pl.Datetime: _DAY_FORMAT, pl.Int64: "0"},
            column_formats={HEADINGS["missing"][0]: {"text_wrap": True, "valign": "top"}},
            header_format={"bold": True, "text_wrap": True, "valign": "top"},
            autofit=False,
        )
        for column, (_, width) in enumerate(HEADINGS.values()):
            sheet.set_column(column, column, width)
        sheet.write_string(
            _TABLE_ROW + table.height + 2,
            0,
            f"Tổng số: {table.height} đơn vị chậm, thiếu báo cáo.",
        )
