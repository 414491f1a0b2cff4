"""Workbooks for staff: the indicator tables as values, never formulas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import xlsxwriter

from ntm.store.paths import atomic_path
from transforms.indicators import format_indicators

if TYPE_CHECKING:  # tables.py imports the follow-up list, which imports this module
    from ntm.indicators.tables import PeriodTables

_FORMULA_START = ("=", "+", "-", "@")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula (= + - @) get a leading quote.

    The workbook is written with formulas off anyway; the quote keeps the cell inert when staff
    copy it into another sheet or save it as CSV.
    """
    return frame.with_columns(
        pl.when(pl.any_horizontal(pl.col(c).str.starts_with(s) for s in _FORMULA_START))
        .then("'" + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in frame.columns
        if frame.schema[c] == pl.String
    )


def _percent(column: str) -> pl.Expr:
    """Hundredths as a number cell (3.04 for 304) for staff to sort and sum; display only."""
    return (pl.col(column) / 100).alias(column)


def write_indicator_workbook(target: Path, tables: PeriodTables) -> Path:
    """The period's tables as a workbook for staff: values, never formulas."""
    period = str(tables.period)
    indicators = format_indicators(tables.indicators, period).with_columns(
        pl.col("value", "target").cast(pl.Float64),
        unit_name=tables.indicators["unit_name"],
        target_id=tables.indicators["target_id"],
    )
    sheets = {
        "Chỉ tiêu": indicators,
        "Xu hướng nghèo": tables.changes.with_columns(_percent("fall")),
        "Giảm nghèo T1": tables.trend.with_columns(
            _percent(c)
            for c in ("base_rate", "last_rate", "average_fall", "projected_rate", "needed_fall")
        ),
        "Biến động hộ nghèo": tables.flows,
        "Xã chưa đạt": tables.off_track.with_columns(_percent("threshold"), _percent("fall")),
        "Xã thiếu số liệu": tables.without_data,
        "Đơn vị chậm, thiếu": tables.late_or_incomplete.with_columns(
            pl.col("first_received_at").dt.replace_time_zone(None)
        ),
    }
    if tables.household_counts.height:
        sheets |= household_sheets(tables)
    return write_sheets(target, sheets)


def small_counts(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``columns`` as text, a commune's count of 1-4 households reading "< 5": a profile
    below the province never tells a household apart (DEVELOPERS.md, personal data)."""
    commune = pl.col("unit_level") == "commune"
    return frame.with_columns(
        pl.when(commune & pl.col(c).is_between(1, 4))
        .then(pl.lit("< 5"))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in columns
    )


def household_sheets(tables: PeriodTables) -> dict[str, pl.DataFrame]:
    """The household review the period reports on (``PeriodTables.review_year``): counts,
    movements and the reconciliation with the Q4 form as counted (the communes' own figures);
    the profile with its small counts shown as "< 5"."""
    year = tables.review_year
    ethnic = ["ethnic_minority_poor", "ethnic_minority_near_poor"]
    return {
        f"Rà soát {year} - số hộ": small_counts(tables.household_counts, ethnic),
        f"Rà soát {year} - biến động": tables.household_movements,
        f"Rà soát {year} - đối chiếu": tables.household_reconciliation,
        f"Rà soát {year} - thiếu hụt": small_counts(tables.household_deprivations, ["deprived"]),
        f"Rà soát {year} - nguyên nhân": small_counts(tables.household_causes, ["households"]),
        f"Rà soát {year} - nhóm CS": small_counts(tables.household_groups, ["households"]),
    }


def write_sheets(target: Path, sheets: dict[str, pl.DataFrame]) -> Path:
    """One worksheet per frame, by name, values never formulas; written atomically."""
    with (
        atomic_path(target) as temporary,
        xlsxwriter.Workbook(str(temporary), {"strings_to_formulas": False}) as workbook,
    ):
        for name, frame in sheets.items():
            neutralise(frame).write_excel(workbook, worksheet=name, autofit=True)
    return target
