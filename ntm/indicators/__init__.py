"""Indicators of a period: its tables, reporting completeness and the staff workbook."""

from ntm.indicators.completeness import period_completeness, stored_periods, summary_lines
from ntm.indicators.exports import write_indicator_workbook
from ntm.indicators.tables import PeriodTables, period_indicators, period_tables

__all__ = [
    "PeriodTables",
    "period_completeness",
    "period_indicators",
    "period_tables",
    "stored_periods",
    "summary_lines",
    "write_indicator_workbook",
]
